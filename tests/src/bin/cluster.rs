//! `cluster up [NODES]` / `cluster down`: the server topology of `vaora_tests::cluster` left
//! running on loopback for a person to try (`cargo xtask cluster up`): a PostgreSQL primary
//! and hot standby, NODES `vaora serve` nodes (default 2) and HAProxy in front. `up` prints
//! the addresses as `KEY=VALUE` lines and keeps them in the state file (`--state FILE`,
//! default `target/cluster.env`); `down` stops everything that file names.

use std::path::PathBuf;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let state = PathBuf::from(arg(&args, "--state").unwrap_or_else(|| "target/cluster.env".into()));
    match args.first().map(String::as_str) {
        Some("up") => {
            if state.exists() {
                return Err(format!(
                    "{} exists: a cluster is up already (`cluster down` first)",
                    state.display()
                ));
            }
            let nodes = args
                .get(1)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(2)
                .clamp(1, 16);
            let vaora = match arg(&args, "--vaora") {
                Some(v) => PathBuf::from(v),
                None => vaora_tests::cluster::find_vaora()?,
            };
            let cluster = vaora_tests::cluster::Cluster::start(&vaora, nodes)?;
            let lines = cluster.detach();
            std::fs::write(&state, &lines).map_err(|e| format!("{}: {e}", state.display()))?;
            print!("{lines}");
            println!("cluster up: state in {}", state.display());
            Ok(())
        }
        Some("down") => {
            let lines = std::fs::read_to_string(&state)
                .map_err(|e| format!("{}: {e} (no cluster up?)", state.display()))?;
            vaora_tests::cluster::stop_detached(&lines)?;
            std::fs::remove_file(&state).map_err(|e| e.to_string())?;
            println!("cluster down");
            Ok(())
        }
        _ => Err(
            "usage: cluster up [NODES] [--vaora PATH] [--state FILE] | cluster down [--state FILE]"
                .into(),
        ),
    }
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cluster: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
