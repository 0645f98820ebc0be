//! Shared steps of `kotlin-test` and `swift-test`: find the workspace and target folders,
//! build the FFI library (unstripped, with test hooks), generate bindings in library mode,
//! install missing system packages, and run commands with clear failures.
//!
//! Toolchains are cached under `VAORA_CACHE` (default `/var/cache/vaora`) so that a second
//! run on the same machine downloads nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where toolchains are cached between runs.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("VAORA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/vaora"))
}

/// The workspace root (this crate sits in `<root>/xtask`).
pub fn workspace_root() -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent folder")
}

/// The cargo target folder as cargo itself resolves it (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    let out = Command::new(cargo())
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parsing cargo metadata")?;
    meta.get("target_directory")
        .and_then(|v| v.as_str())
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs a command, failing with the command line when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `apt-get install -y PACKAGES`, running `apt-get update` first if the install fails.
pub fn apt_install(packages: &[&str]) -> Result<()> {
    eprintln!("xtask: installing {}", packages.join(" "));
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    if install().map(|s| s.success()).unwrap_or(false) {
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))?;
    let status = install().context("running apt-get")?;
    if !status.success() {
        bail!("apt-get install {} failed", packages.join(" "));
    }
    Ok(())
}

/// The built pieces the foreign tests need.
#[derive(Debug)]
pub struct Built {
    /// Folder holding `libvaora_ffi.so` (unstripped, with test hooks).
    pub lib_dir: PathBuf,
    /// `libvaora_ffi.so` itself.
    pub lib: PathBuf,
    /// The `vaora` CLI (for `vaora serve` in the sync tests).
    pub vaora_bin: PathBuf,
    /// `<target>/uniffi`: generated sources and compiled test programs go under it.
    pub out_dir: PathBuf,
}

/// Builds the FFI library (unstripped, with test hooks) and the bindgen in the debug or
/// release profile, and the CLI always in debug: it only serves the sync tests on loopback,
/// and a release build of the server stack would double a `--bench --release` run's build.
/// `VAORA_TEST_SERVER_PROFILE=release` takes the release CLI instead (a target folder that
/// already holds a release build of the workspace, and no debug one).
pub fn build_host(root: &Path, release: bool) -> Result<Built> {
    let target = target_dir(root)?;
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root).args([
        "build",
        "-p",
        "vaora-ffi",
        "-p",
        "uniffi-bindgen",
        "--features",
        "vaora-ffi/test-hooks",
    ]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    let server_profile = match std::env::var("VAORA_TEST_SERVER_PROFILE").as_deref() {
        Ok("release") => "release",
        Ok("debug") | Err(_) => "debug",
        Ok(other) => bail!("VAORA_TEST_SERVER_PROFILE must be release or debug, not {other}"),
    };
    let mut cli = Command::new(cargo());
    cli.current_dir(root).args(["build", "-p", "vaora-cli"]);
    if server_profile == "release" {
        cli.arg("--release");
    }
    run(&mut cli)?;
    let profile_dir = target.join(if release { "release" } else { "debug" });
    let lib = profile_dir.join("libvaora_ffi.so");
    if !lib.exists() {
        bail!("{} was not built", lib.display());
    }
    Ok(Built {
        lib_dir: profile_dir.clone(),
        lib,
        vaora_bin: target.join(server_profile).join("vaora"),
        out_dir: target.join("uniffi"),
    })
}

/// Generates bindings for `language` from the built (unstripped) library into `out`.
pub fn generate(root: &Path, built: &Built, language: &str, out: &Path) -> Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
    }
    let bindgen = built
        .lib_dir
        .join("uniffi-bindgen")
        .canonicalize()
        .context("the uniffi-bindgen binary is missing")?;
    run(Command::new(bindgen)
        .current_dir(root)
        .arg("generate")
        .arg(&built.lib)
        .args(["--language", language, "--out-dir"])
        .arg(out)
        .arg("-n"))
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The environment the foreign test programs read.
pub fn test_env(
    root: &Path,
    built: &Built,
    scratch: &Path,
    server_url: &str,
) -> Vec<(String, String)> {
    vec![
        ("VAORA_SERVER_URL".to_owned(), server_url.to_owned()),
        (
            "VAORA_TEST_DIR".to_owned(),
            scratch.to_string_lossy().into_owned(),
        ),
        (
            "VAORA_VECTORS".to_owned(),
            root.join("docs/vectors").to_string_lossy().into_owned(),
        ),
        (
            "VAORA_BIN".to_owned(),
            built.vaora_bin.to_string_lossy().into_owned(),
        ),
        ("TZ".to_owned(), noon_zone()),
    ]
}

/// A time zone in which it is about noon now (`Etc/GMT-N` is UTC+N), for the binding
/// tests' process: their stays reach a few hours back, and the diary closes open stays at
/// local midnight (the platform layers take the device's zone), so with the machine's own
/// zone a run between 00:00 and 03:00 local failed where a run at any other hour passed.
/// Tests that are about the zone set one explicitly.
pub fn noon_zone() -> String {
    let hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() % 86_400) / 3600);
    // UTC+N with N = 12 - hour, in -11..=12.
    let east = 12 - i64::try_from(hour).unwrap_or(0);
    match east {
        0 => "Etc/GMT".to_owned(),
        e if e > 0 => format!("Etc/GMT-{e}"),
        e => format!("Etc/GMT+{}", -e),
    }
}
