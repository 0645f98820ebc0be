//! `cargo xtask swift-test`: the Swift bindings and the Linux-buildable part of the iOS
//! layer, compiled with swiftc and run against the host build of `libvaora_ffi.so`.
//!
//! Swift 6 (Debian trixie's `swiftlang`) needs a newer C library than this Debian 12 host,
//! so it lives in a `debootstrap` trixie root cached under `VAORA_CACHE/swift-root` and is
//! run through `chroot`, with `/proc` mounted and the checkout and target folder
//! bind-mounted at their own paths inside the root. Needs root (CI runs as root). Mounts
//! are undone when the run ends, failed or not.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::ffi_build::{self, apt_install, have, run};
use crate::server::TestServer;

const MARKER: &str = ".vaora-swift-ready";

pub fn run_swift_test(args: &[String]) -> Result<()> {
    let release = args.iter().any(|a| a == "--release");
    let root = ffi_build::workspace_root()?.canonicalize()?;
    let sysroot = ensure_root()?;
    let built = ffi_build::build_host(&root, release)?;
    let gen_dir = built.out_dir.join("swift");
    ffi_build::generate(&root, &built, "swift", &gen_dir)?;
    let target = ffi_build::target_dir(&root)?.canonicalize()?;
    let build = built.out_dir.join("swift-build");
    if build.exists() {
        std::fs::remove_dir_all(&build)?;
    }
    std::fs::create_dir_all(&build)?;
    let scratch = built.out_dir.join("swift-scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    // On the host: the chroot shares the host's loopback, so the tests reach it by URL.
    let server = TestServer::start(&built.vaora_bin, &scratch.join("server"))?;

    let mut mounts = Mounts::new(&sysroot);
    mounts.proc()?;
    mounts.bind(&root)?;
    if !target.starts_with(&root) {
        mounts.bind(&target)?;
    }
    // URLSession (FoundationNetworking, over libcurl) reads the system CA certificates for
    // HTTPS: roots made before `ca-certificates` was added to the install list borrow the host's.
    let host_certs = Path::new("/etc/ssl/certs");
    if !sysroot.join("etc/ssl/certs/ca-certificates.crt").exists() && host_certs.is_dir() {
        mounts.bind(host_certs)?;
    }

    let modulemap = gen_dir.join("VaoraFFIC.modulemap");
    let lib_dir = built.lib_dir.canonicalize()?;
    let ffi_flags = format!(
        "-Xcc -fmodule-map-file={map} -I {gen} -L {lib} -lvaora_ffi",
        map = modulemap.display(),
        gen = gen_dir.display(),
        lib = lib_dir.display(),
    );
    let layer_sources = swift_sources(&root.join("ios/Sources/Vaora"))?;
    let mut test_sources = swift_sources(&root.join("ios/Tests/VaoraTests"))?;
    // The getting-started guide's code, compiled (and called) with the tests.
    for file in crate::snippets::extract(
        &root.join("docs/getting-started-ios.md"),
        "swift",
        &built.out_dir.join("swift-snippets"),
        "GettingStarted",
        "swift",
        "",
    )? {
        test_sources.push(' ');
        test_sources.push_str(&file.to_string_lossy());
    }
    let b = build.display();
    let script = format!(
        "set -e\n\
         cd {b}\n\
         swiftc -emit-module -emit-library -module-name VaoraFFI -parse-as-library {ffi_flags} \
           {gen}/VaoraFFI.swift -o libVaoraFFI.so\n\
         swiftc -emit-module -emit-library -module-name Vaora -parse-as-library -I {b} -L {b} -lVaoraFFI {ffi_flags} \
           {layer} -o libVaora.so\n\
         swiftc -I {b} -L {b} -lVaora -lVaoraFFI {ffi_flags} {tests} -o vaora-swift-tests\n\
         LD_LIBRARY_PATH={b}:{lib} ./vaora-swift-tests\n",
        gen = gen_dir.display(),
        lib = lib_dir.display(),
        layer = layer_sources,
        tests = test_sources,
    );
    let mut cmd = Command::new("chroot");
    cmd.arg(&sysroot)
        .args(["/bin/sh", "-c", &script])
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("HOME", "/root")
        .envs(ffi_build::test_env(&root, &built, &scratch, &server.url))
        .env(
            "VAORA_INSPECTOR_CODE",
            server.inspector_code(&built.vaora_bin, &scratch.join("server"))?,
        );
    if args.iter().any(|a| a == "--bench") {
        cmd.env("VAORA_BENCH", "1");
    }
    let result = run(&mut cmd).context("Swift tests failed");
    mounts.undo();
    drop(server);
    result
}

fn swift_sources(dir: &Path) -> Result<String> {
    let files = ffi_build::files_with_suffix(dir, ".swift")?;
    if files.is_empty() {
        bail!("no Swift sources in {}", dir.display());
    }
    Ok(files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" "))
}

/// The cached trixie root with swiftlang, made on first use.
fn ensure_root() -> Result<PathBuf> {
    let sysroot = std::env::var_os("VAORA_SWIFT_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| ffi_build::cache_dir().join("swift-root"));
    let ready = sysroot.join(MARKER);
    if ready.exists() || sysroot.join("usr/bin/swiftc").exists() {
        return Ok(sysroot);
    }
    if !have("debootstrap") {
        apt_install(&["debootstrap"])?;
    }
    if sysroot.exists() {
        // A half-made root from an interrupted run: start again.
        eprintln!("xtask: removing the unfinished root {}", sysroot.display());
        std::fs::remove_dir_all(&sysroot)?;
    }
    if let Some(parent) = sysroot.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mirror = std::env::var("VAORA_DEBIAN_MIRROR")
        .unwrap_or_else(|_| "http://deb.debian.org/debian".to_owned());
    eprintln!("xtask: making a Debian trixie root for Swift (first run: a few hundred MB)");
    run(Command::new("debootstrap")
        .args(["--variant=minbase", "trixie"])
        .arg(&sysroot)
        .arg(&mirror))?;
    let mut mounts = Mounts::new(&sysroot);
    mounts.proc()?;
    let result = run(Command::new("chroot")
        .arg(&sysroot)
        .args([
            "/bin/sh",
            "-c",
            "apt-get update && apt-get install -y --no-install-recommends swiftlang libc6-dev libcurl4t64 ca-certificates",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ));
    mounts.undo();
    result?;
    std::fs::write(&ready, b"swiftlang installed\n")?;
    Ok(sysroot)
}

/// Mounts inside the root, undone in reverse order on `undo` or drop.
struct Mounts {
    sysroot: PathBuf,
    points: Vec<PathBuf>,
}

impl Mounts {
    fn new(sysroot: &Path) -> Self {
        Self {
            sysroot: sysroot.to_path_buf(),
            points: Vec::new(),
        }
    }

    fn proc(&mut self) -> Result<()> {
        let point = self.sysroot.join("proc");
        std::fs::create_dir_all(&point)?;
        run(Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(&point))?;
        self.points.push(point);
        Ok(())
    }

    /// Bind-mounts `host` at the same absolute path inside the root.
    fn bind(&mut self, host: &Path) -> Result<()> {
        let relative = host.strip_prefix("/").unwrap_or(host);
        let point = self.sysroot.join(relative);
        std::fs::create_dir_all(&point)?;
        run(Command::new("mount").arg("--bind").arg(host).arg(&point))?;
        self.points.push(point);
        Ok(())
    }

    fn undo(&mut self) {
        while let Some(point) = self.points.pop() {
            let ok = Command::new("umount")
                .arg(&point)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !ok {
                // Busy (a test process still exiting): detach lazily rather than leave it.
                let _ = Command::new("umount").arg("-l").arg(&point).status();
            }
        }
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        self.undo();
    }
}
