//! `cargo xtask`: one entry point for checks and packaging.

mod ffi_build;
mod kotlin;
mod swift;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("kotlin-test") => kotlin::run_kotlin_test(rest),
        Some("swift-test") => swift::run_swift_test(rest),
        other => anyhow::bail!(
            "unknown xtask command {other:?}; known: kotlin-test [--bench] [--release], swift-test [--bench] [--release]"
        ),
    }
}
