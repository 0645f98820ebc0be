//! Soak version of the crash test: many more SIGKILLs than the test suite runs.
//!
//! Usage: cargo run -p vaora-tests --bin crash-soak -- [kills (default 2000)] [seed]

use vaora_tests::crash::{Rng, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let kills: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let mut rng = match args.get(2) {
        Some(s) => Rng::new(s.parse()?),
        None => Rng::from_time(),
    };
    let writer = std::env::current_exe()?
        .parent()
        .ok_or("no folder")?
        .join("crash-writer");
    if !writer.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build -p vaora-tests --bins)",
            writer.display()
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    println!("crash soak: {kills} kills, seed {}", rng.seed());
    let started = std::time::Instant::now();
    let report = run(&writer, dir.path(), kills, 25, &mut rng)?;
    println!(
        "ok: {} kills ({} before the first commit of their round), {} committed check-ins all present after reopen, {:.1} s",
        report.kills,
        report.early_kills,
        report.confirmed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
