//! The crash-safety harness shared by the crash test and the soak command: run the
//! `crash-writer` child, SIGKILL it at a random moment, collect the ids it printed (each
//! printed only after its commit), and check after reopening that every one is there.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_protocol::ids::Id128;

/// A small, seedable random source (xorshift64*): enough to pick kill moments, and the
/// seed is printed so a failing run can be replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn from_time() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Self::new(nanos ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn seed(&self) -> u64 {
        self.0
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// What a crash run did.
#[derive(Debug, Clone, Default)]
pub struct CrashReport {
    pub kills: usize,
    /// Ids the child printed (so committed) before it was killed.
    pub confirmed: usize,
    /// Kills that landed before the child printed anything in that round.
    pub early_kills: usize,
}

/// Runs `kills` rounds of start-write-SIGKILL against one diary in `dir`, checking after
/// every `check_every` rounds (and at the end) that every confirmed id is present.
pub fn run(
    writer: &Path,
    dir: &Path,
    kills: usize,
    check_every: usize,
    rng: &mut Rng,
) -> Result<CrashReport, String> {
    let path = dir.join("crash.db");
    let key = DiaryKey::generate().map_err(|e| e.to_string())?;
    let key_hex = key.to_hex();
    let mut confirmed: Vec<Id128> = Vec::new();
    let mut report = CrashReport::default();
    // Learn how long the child takes to start, so kills spread over startup and writing.
    let mut startup = Duration::from_millis(20);
    for round in 0..kills {
        let started = Instant::now();
        let mut child = Command::new(writer)
            .arg(&path)
            .arg(key_hex.as_str())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawning {}: {e}", writer.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let first_line = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let first_seen = first_line.clone();
        let reader = std::thread::spawn(move || {
            let mut ids = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut g) = first_seen.lock()
                    && g.is_none()
                {
                    *g = Some(Instant::now());
                }
                ids.push(line);
            }
            ids
        });
        let window = startup.as_millis() as u64 + 120;
        std::thread::sleep(Duration::from_millis(rng.below(window)));
        // Child::kill sends SIGKILL on Unix.
        let _ = child.kill();
        let status = child.wait().map_err(|e| e.to_string())?;
        let lines = reader.join().map_err(|_| "reader thread panicked")?;
        if status.success() {
            return Err("the writer exited by itself instead of being killed".into());
        }
        if let Ok(g) = first_line.lock()
            && let Some(t) = *g
        {
            // Moving estimate of startup time (open + first commit).
            let s = t.duration_since(started);
            startup = (startup * 3 + s) / 4;
        }
        if lines.is_empty() {
            report.early_kills += 1;
        }
        // Only complete lines were yielded by `lines()`; a torn last line fails to parse
        // only if it was cut mid-write, which cannot happen for a line-buffered flush of
        // a fully formatted line, but be strict anyway.
        for l in &lines {
            let Some(hex) = l.strip_prefix("checked in ") else {
                return Err(format!("round {round}: unexpected line {l:?}"));
            };
            if hex.len() == 32 {
                confirmed.push(hex.parse().map_err(|e| format!("{e}"))?);
            }
        }
        report.kills += 1;
        if (round + 1) % check_every.max(1) == 0 || round + 1 == kills {
            check_all_present(&path, &key, &confirmed)
                .map_err(|e| format!("after round {round} (seed {}): {e}", rng.seed()))?;
        }
    }
    report.confirmed = confirmed.len();
    Ok(report)
}

/// Opens the diary and checks that every confirmed id is there, each with its signed
/// record in the outbox (signatures themselves are checked by the vector and rule tests).
pub fn check_all_present(path: &Path, key: &DiaryKey, ids: &[Id128]) -> Result<(), String> {
    let d = Diary::open(
        path,
        key,
        Arc::new(vaora_protocol::clock::SystemClock::default()),
        DiaryConfig::default(),
    )
    .map_err(|e| format!("reopen: {e}"))?;
    let records: std::collections::HashSet<Id128> = d
        .all_records()
        .map_err(|e| format!("outbox: {e}"))?
        .into_iter()
        .map(|e| e.record_id)
        .collect();
    for id in ids {
        d.checkin(id)
            .map_err(|e| format!("confirmed check-in {id} lost: {e}"))?;
        if !records.contains(id) {
            return Err(format!("confirmed check-in {id} has no outbox record"));
        }
    }
    d.close().map_err(|e| e.to_string())?;
    Ok(())
}
