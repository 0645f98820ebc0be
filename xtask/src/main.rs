//! `cargo xtask <command>`: the one entry point for checks and packaging, so that README,
//! CI and developers all run the same thing.
//!
//! - `test`: every test in the project (Rust, then the Kotlin and Swift binding tests).
//! - `bench`: the benchmark binaries, printing their figures.
//! - `soak`: the long crash-safety soak (many more SIGKILLs than the test suite).
//! - `kotlin-test`, `swift-test`: the binding tests alone (`ffi_build`, `kotlin`, `swift`).
//! - `cluster up [NODES] | down`: the server topology on loopback (PostgreSQL primary and
//!   standby, `vaora serve` nodes, HAProxy), left running (`vaora_tests::cluster`).
//! - `layers`: the import graph between each crate's files must have no cycles (also a test).

mod cmd;
mod ffi_build;
mod kotlin;
mod layers;
mod prereqs;
mod server;
mod snippets;
mod swift;

use anyhow::{Result, bail};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let (command, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    match command {
        "test" => test(rest),
        "rust-test" => rust_test(rest),
        "bench" => bench(rest),
        "soak" => soak(rest),
        "layers" => layers::run(rest),
        "cluster" => cluster(rest),
        "kotlin-test" => kotlin::run_kotlin_test(rest),
        "swift-test" => swift::run_swift_test(rest),
        "help" | "--help" | "-h" => {
            println!(
                "usage: cargo xtask <test | rust-test | bench [NAME] | soak [KILLS [SEED]] | kotlin-test [--bench | --bench-only] | swift-test [--bench] | cluster up [NODES] | cluster down | layers>"
            );
            Ok(())
        }
        other => bail!("unknown xtask command {other:?}; try `cargo xtask help`"),
    }
}

/// Every test: Rust first (fast feedback), then the foreign-language binding tests.
fn test(rest: &[String]) -> Result<()> {
    rust_test(rest)?;
    kotlin::run_kotlin_test(&[])?;
    swift::run_swift_test(&[])?;
    Ok(())
}

fn rust_test(rest: &[String]) -> Result<()> {
    prereqs::ensure()?;
    let mut args = vec!["test", "--workspace", "--locked"];
    args.extend(rest.iter().map(String::as_str));
    cmd::cargo(&args)
}

/// The benchmark binaries named in README.md, each printing its own figures.
fn bench(rest: &[String]) -> Result<()> {
    let benches = cmd::bench_binaries()?;
    if benches.is_empty() {
        bail!("no bench binaries found (tests/src/bin/bench-*.rs)");
    }
    for bin in benches {
        if !rest.is_empty() && !rest.iter().any(|r| bin.contains(r.as_str())) {
            continue;
        }
        println!("== {bin}");
        run_tests_bin(&bin, &[])?;
    }
    Ok(())
}

/// `cluster up [NODES]` / `cluster down`: builds `vaora` and the harness, installs
/// PostgreSQL and HAProxy when missing, and runs `tests/src/bin/cluster.rs`.
fn cluster(rest: &[String]) -> Result<()> {
    prereqs::ensure()?;
    cmd::cargo(&["build", "--release", "--locked", "-p", "vaora-cli"])?;
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let vaora = format!("{target}/release/vaora");
    let state = format!("{target}/cluster.env");
    let mut args: Vec<&str> = rest.iter().map(String::as_str).collect();
    args.extend(["--vaora", &vaora, "--state", &state]);
    run_tests_bin("cluster", &args)
}

/// `cargo run --release` of a `vaora-tests` binary with `args`.
fn run_tests_bin(bin: &str, args: &[&str]) -> Result<()> {
    let mut all = vec![
        "run",
        "--release",
        "--locked",
        "-p",
        "vaora-tests",
        "--bin",
        bin,
        "--",
    ];
    all.extend_from_slice(args);
    cmd::cargo(&all)
}

/// The crash-safety soak: many more SIGKILLs of a writing process than the test suite does.
/// The writer it kills is a binary of its own, built first (a fresh clone has none).
fn soak(rest: &[String]) -> Result<()> {
    cmd::cargo(&[
        "build",
        "--release",
        "--locked",
        "-p",
        "vaora-tests",
        "--bin",
        "crash-writer",
    ])?;
    let args: Vec<&str> = rest.iter().map(String::as_str).collect();
    run_tests_bin("crash-soak", &args)
}
