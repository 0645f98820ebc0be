// swift-tools-version:5.9
// Vaora for iOS: the generated bindings (VaoraFFI, over the C module in the XCFramework)
// and the idiomatic layer (Vaora). Run scripts/build-xcframework.sh first: it builds
// VaoraFFIC.xcframework and generates Sources/VaoraFFI/VaoraFFI.swift (neither is
// committed). NOT BUILT HERE (needs macOS + Xcode); on Linux the same sources are compiled
// and tested by `cargo xtask swift-test`.
import PackageDescription

let package = Package(
    name: "Vaora",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Vaora", targets: ["Vaora"]),
    ],
    targets: [
        .binaryTarget(name: "VaoraFFIC", path: "VaoraFFIC.xcframework"),
        .target(name: "VaoraFFI", dependencies: ["VaoraFFIC"], path: "Sources/VaoraFFI"),
        .target(name: "Vaora", dependencies: ["VaoraFFI"], path: "Sources/Vaora"),
        // The test program also compiles the ```swift blocks of docs/getting-started-ios.md
        // (GettingStartedTests.swift calls them): `cargo xtask swift-test` adds them.
        .executableTarget(name: "VaoraTests", dependencies: ["Vaora", "VaoraFFI"], path: "Tests/VaoraTests"),
    ]
)
