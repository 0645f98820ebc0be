//! A throwaway `vaora serve` on loopback for the Kotlin and Swift sync tests.
//!
//! The test runner starts it (not the test programs) so that the Swift program, which runs
//! inside a chroot, needs no process spawning: loopback is shared with the chroot, and the
//! URL reaches both programs as `VAORA_SERVER_URL`. The server picks a free port
//! (`--listen 127.0.0.1:0`) and prints `listening on http://ADDR` once it accepts; it is
//! killed when the guard is dropped, whatever the tests did.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long a fresh server may take to print its address (a cold authority key included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `vaora serve`; killed on drop.
pub struct TestServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl TestServer {
    /// Starts `vaora serve` with its SQLite database and authority key under `dir`.
    pub fn start(vaora_bin: &Path, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let database = format!("sqlite:{}", dir.join("server.db").display());
        let mut child = Command::new(vaora_bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
            .arg("--authority")
            .arg(dir.join("authority"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve", vaora_bin.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            bail!("vaora serve has no stdout pipe");
        };
        // Read lines on a thread (so a silent server cannot hang us), and keep draining
        // after the address line so the server never blocks on a full pipe.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(url) = line.strip_prefix("listening on ") {
                    sent = tx.send(url.trim().to_owned()).is_ok();
                }
            }
        });
        let mut server = Self {
            child,
            url: String::new(),
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => server.url = url,
            Err(_) => bail!(
                "vaora serve did not print its address within {} s",
                START_TIMEOUT.as_secs()
            ),
        }
        eprintln!("xtask: test server at {}", server.url);
        Ok(server)
    }
}

impl TestServer {
    /// A single-use inspector code from this server's authority (what `vaora authority
    /// inspector-code` prints), for the foreign tests of inspection: the Swift program
    /// runs in a chroot and spawns nothing, so the runner asks for the code.
    pub fn inspector_code(&self, vaora_bin: &Path, dir: &Path) -> Result<String> {
        let out = Command::new(vaora_bin)
            .args(["authority", "inspector-code", "--server", &self.url])
            .arg("--authority")
            .arg(dir.join("authority"))
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {} authority inspector-code", vaora_bin.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| l.strip_prefix("inspector code "))
            .map(|c| c.trim().to_owned())
            .with_context(|| {
                format!(
                    "vaora authority inspector-code printed no code ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
