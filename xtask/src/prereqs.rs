//! What the Rust tests need besides Rust, installed when missing, so that the README's
//! test command works on a fresh Debian machine as written (the Kotlin and Swift steps
//! install their own toolchains the same way):
//!
//! - PostgreSQL (the server's second backend; `tests/src/pg.rs` starts throwaway clusters),
//! - HAProxy (the balancer of the several-node topology, `tests/src/cluster.rs`),
//! - Chromium and ChromeDriver (the console's browser tests),
//! - Python's `sqlcipher3` (a standard SQLCipher client opens the diary).

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::ffi_build::{apt_install, have, run};

/// Installs whatever of the above is missing.
pub fn ensure() -> Result<()> {
    let mut packages = Vec::new();
    if !postgres_installed() {
        packages.push("postgresql");
    }
    if !Path::new("/usr/sbin/haproxy").exists() {
        packages.push("haproxy");
    }
    if !Path::new("/usr/bin/chromium").exists() || !Path::new("/usr/bin/chromedriver").exists() {
        packages.extend(["chromium", "chromium-driver"]);
    }
    if !have("python3") {
        packages.extend(["python3", "python3-pip"]);
    }
    if !packages.is_empty() {
        apt_install(&packages)?;
    }
    if !python_has_sqlcipher() {
        eprintln!("xtask: installing sqlcipher3-wheels from PyPI");
        let mut pip = Command::new("python3");
        pip.args(["-m", "pip", "install", "--quiet", "sqlcipher3-wheels"]);
        // Debian's own Python refuses system-wide pip installs unless told otherwise.
        if run(&mut pip).is_err() {
            run(Command::new("python3").args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--break-system-packages",
                "sqlcipher3-wheels",
            ]))?;
        }
    }
    Ok(())
}

fn postgres_installed() -> bool {
    std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|dirs| {
        dirs.filter_map(Result::ok)
            .any(|d| d.path().join("bin/initdb").exists())
    })
}

fn python_has_sqlcipher() -> bool {
    Command::new("python3")
        .args(["-c", "import sqlcipher3"])
        .status()
        .is_ok_and(|s| s.success())
}
