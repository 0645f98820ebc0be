//! A reference server in a process of its own, for tests that need several server
//! processes on one database (`tests/tests/trust_alerts.rs`): like `vaora serve`, with
//! request limits high enough for a test that hammers it.
//!
//! `test-server --database sqlite:PATH|postgres://… --authority DIR` prints
//! `listening on http://ADDR` once it accepts, and stops when its standard input closes
//! (so a test that dies takes its servers with it).

use std::io::Read;

use vaora_server::{Database, Limits, ServerConfig};

fn arg(name: &str) -> Result<String, String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| format!("missing {name}"))
}

async fn run() -> Result<(), String> {
    let database: Database = arg("--database")?.parse().map_err(|e| format!("{e}"))?;
    let server = vaora_server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        database,
        replica: None,
        console: Default::default(),
        attestation: Default::default(),
        authority_dir: arg("--authority")?.into(),
        limits: Limits {
            rate_burst: 1e9,
            rate_per_second: 1e9,
            register_burst: 1e9,
            register_per_second: 1e9,
            ..Limits::default()
        },
    })
    .await
    .map_err(|e| e.to_string())?;
    println!("listening on http://{}", server.addr);
    // Until the parent closes our standard input (or dies).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .map_err(|e| e.to_string())?;
    server.shutdown().await;
    Ok(())
}

fn main() -> std::process::ExitCode {
    vaora_tests::async_main::run("test-server", run())
}
