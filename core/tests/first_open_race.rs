//! The first diaries a process opens, opened by several threads at once.
//!
//! SQLite marks itself initialised before SQLCipher's own start-up step has run, so a
//! thread that keys its first database in that window used to fail with "An error
//! occurred with PRAGMA key or rekey" (seen in CI). The window exists once per process,
//! so the test runs fresh child processes of itself, each racing threads to their first open.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::process::Command;
use std::sync::{Arc, Barrier};

use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_protocol::clock::SystemClock;

const CHILD: &str = "VAORA_FIRST_OPEN_RACE_CHILD";
const THREADS: usize = 8;
const PROCESSES: usize = 40;

/// In a child: THREADS threads open one new diary each, released together.
fn race_first_opens() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let path = dir.path().join(format!("d{i}.db"));
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let key = DiaryKey::from_bytes([i as u8 + 1; 32]);
                barrier.wait();
                Diary::open(
                    &path,
                    &key,
                    Arc::new(SystemClock::default()),
                    DiaryConfig::default(),
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
            })
        })
        .collect();
    for h in handles {
        if let Err(e) = h.join().unwrap() {
            panic!("a first open failed: {e}");
        }
    }
}

#[test]
fn threads_opening_the_first_diaries_of_a_process_all_succeed() {
    if std::env::var_os(CHILD).is_some() {
        race_first_opens();
        return;
    }
    let me = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for _ in 0..PROCESSES {
        let out = Command::new(&me)
            .args([
                "--exact",
                "threads_opening_the_first_diaries_of_a_process_all_succeed",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {PROCESSES} processes failed a first open; first: {}",
        failures.len(),
        failures.first().map(String::as_str).unwrap_or("")
    );
}
