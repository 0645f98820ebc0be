//! `cargo xtask kotlin-test`: the Kotlin bindings and the Android layer, compiled with
//! kotlinc and run on the JVM against the host build of `libvaora_ffi.so` through JNA. No
//! Android SDK or Gradle (Maven is unreachable here): the Android adapters compile against
//! JVM stand-ins for the SDK classes they use (`android/src/jvmStubs`).
//!
//! Installs what is missing: the Kotlin compiler from the npm package `kotlin-compiler`
//! (it bundles kotlinx-coroutines), JNA from Debian's `libjna-java`, and a Java runtime.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::ffi_build::{self, apt_install, have, run};
use crate::server::TestServer;

const KOTLIN_VERSION: &str = "2.4.20";
const JNA_JAR: &str = "/usr/share/java/jna.jar";

/// Everything kotlinc and java need.
struct Toolchain {
    kotlinc: PathBuf,
    stdlib: PathBuf,
    coroutines: PathBuf,
    jna: PathBuf,
}

pub fn run_kotlin_test(args: &[String]) -> Result<()> {
    let release = args.iter().any(|a| a == "--release");
    let root = ffi_build::workspace_root()?;
    let tools = ensure_toolchain()?;
    let built = ffi_build::build_host(&root, release)?;
    let gen_dir = built.out_dir.join("kotlin");
    ffi_build::generate(&root, &built, "kotlin", &gen_dir)?;

    let mut sources = ffi_build::files_with_suffix(&gen_dir, ".kt")?;
    // The whole layer: the pure-Kotlin app/vaora/*.kt and the Android adapters in its
    // android/ subfolder, which compile here against JVM stand-ins for the few Android SDK
    // and AndroidX classes they use (android/src/jvmStubs: no Android SDK on this machine).
    sources.extend(ffi_build::files_with_suffix(
        &root.join("android/src/main/kotlin"),
        ".kt",
    )?);
    sources.extend(ffi_build::files_with_suffix(
        &root.join("android/src/jvmStubs/kotlin"),
        ".kt",
    )?);
    sources.extend(ffi_build::files_with_suffix(
        &root.join("android/src/jvmTest/kotlin"),
        ".kt",
    )?);
    // The getting-started guide's code, compiled (and called) with the tests.
    sources.extend(crate::snippets::extract(
        &root.join("docs/getting-started-android.md"),
        "kotlin",
        &built.out_dir.join("kotlin-snippets"),
        "GettingStarted",
        "kt",
        "package app.vaora.docs\n\n",
    )?);

    let jar = built.out_dir.join("kotlin-tests.jar");
    let classpath = join_paths(&[&tools.jna, &tools.coroutines]);
    eprintln!("xtask: compiling {} Kotlin files", sources.len());
    run(Command::new(&tools.kotlinc)
        .arg("-Werror")
        .args(["-jvm-target", "17", "-classpath", &classpath])
        .args(&sources)
        .arg("-d")
        .arg(&jar))?;

    let scratch = built.out_dir.join("kotlin-scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let server = TestServer::start(&built.vaora_bin, &scratch.join("server"))?;
    let runtime = join_paths(&[&jar, &tools.jna, &tools.coroutines, &tools.stdlib]);
    let mut java = Command::new("java");
    java.arg(format!("-Djna.library.path={}", built.lib_dir.display()))
        .args(["-cp", &runtime, "app.vaora.jvmtest.MainKt"])
        .envs(ffi_build::test_env(&root, &built, &scratch, &server.url))
        .env(
            "VAORA_INSPECTOR_CODE",
            server.inspector_code(&built.vaora_bin, &scratch.join("server"))?,
        );
    if args.iter().any(|a| a == "--bench-only") {
        java.env("VAORA_BENCH", "only");
    } else if args.iter().any(|a| a == "--bench") {
        java.env("VAORA_BENCH", "1");
    }
    let result = run(&mut java).context("Kotlin tests failed");
    drop(server);
    result
}

fn join_paths(paths: &[&Path]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

fn ensure_toolchain() -> Result<Toolchain> {
    if !have("java") {
        apt_install(&["default-jre-headless"])?;
    }
    if !Path::new(JNA_JAR).exists() {
        apt_install(&["libjna-java"])?;
    }
    let dir = ffi_build::cache_dir().join("kotlin");
    let package = dir.join("package");
    let kotlinc = package.join("bin/kotlinc");
    if !kotlinc.exists() {
        if !have("npm") {
            apt_install(&["npm"])?;
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the cache folder {}", dir.display()))?;
        eprintln!("xtask: fetching kotlin-compiler {KOTLIN_VERSION} from npm");
        run(Command::new("npm")
            .current_dir(&dir)
            .args(["pack", &format!("kotlin-compiler@{KOTLIN_VERSION}")]))?;
        let tgz = dir.join(format!("kotlin-compiler-{KOTLIN_VERSION}.tgz"));
        run(Command::new("tar").current_dir(&dir).arg("xzf").arg(&tgz))?;
        if !kotlinc.exists() {
            bail!(
                "{} missing after unpacking {}",
                kotlinc.display(),
                tgz.display()
            );
        }
    }
    let lib = package.join("lib");
    let tools = Toolchain {
        kotlinc,
        stdlib: lib.join("kotlin-stdlib.jar"),
        coroutines: lib.join("kotlinx-coroutines-core-jvm.jar"),
        jna: PathBuf::from(JNA_JAR),
    };
    for jar in [&tools.stdlib, &tools.coroutines] {
        if !jar.exists() {
            bail!("{} is missing from the Kotlin package", jar.display());
        }
    }
    Ok(tools)
}
