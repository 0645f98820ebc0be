// Standalone settings so the module can be built on its own (`gradle :assembleRelease`);
// an app project includes this folder as a module instead.
pluginManagement {
    repositories { google(); mavenCentral(); gradlePluginPortal() }
}
dependencyResolutionManagement {
    repositories { google(); mavenCentral() }
}
rootProject.name = "vaora-android"
