//! Crash safety: a child writes check-ins and prints each id after its commit; we SIGKILL
//! it at random moments, 2 × 110 times; after every reopen each printed id must be there.
//! (`cargo run -p vaora-tests --bin crash-soak -- 2000` runs many more.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use vaora_tests::crash::{Rng, run};

fn kills(n: usize) {
    let writer = std::path::Path::new(env!("CARGO_BIN_EXE_crash-writer"));
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::from_time();
    let seed = rng.seed();
    let report = run(writer, dir.path(), n, 10, &mut rng)
        .unwrap_or_else(|e| panic!("crash run failed (seed {seed}): {e}"));
    eprintln!("seed {seed}: {report:?}");
    assert_eq!(report.kills, n);
    // The kills must also land while writing, not only during startup.
    assert!(
        report.confirmed > n,
        "too few committed check-ins ({}) to mean anything (seed {seed})",
        report.confirmed
    );
    assert!(
        report.early_kills < n,
        "every kill landed before the first commit"
    );
}

#[test]
fn every_committed_check_in_survives_sigkill_a() {
    kills(110);
}

#[test]
fn every_committed_check_in_survives_sigkill_b() {
    kills(110);
}
