//! `vaora serve`: the reference sync server on this machine.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use vaora_server::{Database, Limits, ServerConfig};

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// `sqlite:PATH` (default `sqlite:vaora-server.db`) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, default_value = "sqlite:vaora-server.db")]
    pub database: String,
    /// A PostgreSQL read replica (a hot standby of `--database`): the exposure feed and the
    /// console's counts are read there (falling back to the primary if it fails), and
    /// `/metrics` shows its lag.
    #[arg(long)]
    pub replica_database: Option<String>,
    /// Directory with the authority key (`authority.json`, as `vaora authority init --out DIR` writes it); a fresh key is made there when missing.
    #[arg(long, default_value = "vaora-authority")]
    pub authority: PathBuf,
    /// Days personal data is kept (records, exposure windows, cases); older data is purged
    /// in the background.
    #[arg(long, default_value_t = vaora_server::DEFAULT_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub retention_days: i64,
    /// The console's public URL: `https://…` (behind the TLS proxy a deployment needs)
    /// turns on `Secure` cookies and `Strict-Transport-Security`.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Address of a reverse proxy in front of the server whose `X-Forwarded-For` names the
    /// client (repeat for several); without it the TCP peer is the client.
    #[arg(long = "trusted-proxy")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    crate::server_log::install();
    let database: Database = args.database.parse().context("--database")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = vaora_server::start(ServerConfig {
            listen: args.listen,
            database,
            replica: args.replica_database,
            attestation: Default::default(),
            authority_dir: args.authority,
            console: vaora_server::ConsoleSettings {
                https: args
                    .public_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://")),
                trusted_proxies: args.trusted_proxies,
            },
            limits: Limits {
                retention_ms: args.retention_days * 86_400_000,
                ..Limits::default()
            },
        })
        .await?;
        // The contract: one line with the address, printed once the server accepts.
        println!("listening on http://{}", server.addr);
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        Ok(())
    })
}
