//! A throwaway PostgreSQL cluster on loopback for tests and benchmarks: `initdb` into a
//! temporary folder, `pg_ctl start` on a free port, stopped and deleted on drop.
//!
//! It fails (never skips) when PostgreSQL is not installed: `.ci/run` installs Debian's
//! `postgresql` package; locally run `apt-get install -y postgresql`. As root the server
//! runs as the `postgres` user (PostgreSQL refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster; dropped = stopped and removed.
#[derive(Debug)]
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    /// Left running on drop ([`PgCluster::detach`]).
    detached: bool,
}

/// The newest `/usr/lib/postgresql/*/bin` holding `initdb` and `pg_ctl`.
pub fn find_bin() -> Result<PathBuf, String> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL is not installed (no /usr/lib/postgresql): apt-get install -y postgresql"
                .to_owned()
        })?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): apt-get install -y postgresql".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl PgCluster {
    /// Starts a fresh cluster; an error says what is missing or what failed.
    pub fn start() -> Result<Self, String> {
        let mut cluster = Self::empty()?;
        let data = cluster.dir.path().join("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        cluster.launch()?;
        Ok(cluster)
    }

    /// Starts a hot standby of `primary`: a base backup streamed from it (`pg_basebackup
    /// -R`, so it keeps streaming), read-only, on its own port. initdb's `trust` lines let
    /// loopback replication connections in.
    pub fn start_standby(primary: &PgCluster) -> Result<Self, String> {
        let mut cluster = Self::empty()?;
        let data = cluster.dir.path().join("data");
        let port = primary.port.to_string();
        cluster.pg(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                path_str(&data)?,
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        )?;
        cluster.launch()?;
        Ok(cluster)
    }

    fn empty() -> Result<Self, String> {
        let bin = find_bin()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("vaora-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        if as_postgres {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres")
                .arg(dir.path()))?;
        }
        Ok(Self {
            dir,
            bin,
            port: 0,
            as_postgres,
            detached: false,
        })
    }

    /// `pg_ctl start` on a free port.
    fn launch(&mut self) -> Result<(), String> {
        let data = self.dir.path().join("data");
        // A port can be taken between probing and binding: try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            // VAORA_PG_OPTIONS adds server options for profiling a run (e.g.
            // `-c log_min_duration_statement=0 -c logging_collector=on -c log_directory=/tmp/x`).
            let extra = std::env::var("VAORA_PG_OPTIONS").unwrap_or_default();
            let opts = format!(
                "-k {} -h 127.0.0.1 -p {port} -F {extra}",
                path_str(self.dir.path())?
            );
            let log = self.dir.path().join("log");
            match self.pg(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data)?,
                    "-o",
                    &opts,
                    "-l",
                    path_str(&log)?,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ) {
                Ok(()) => {
                    self.port = port;
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(format!("pg_ctl start failed: {last}"))
    }

    /// Keeps the cluster running and its folder after this value is gone (`cargo xtask
    /// cluster up`); returns the data folder, which `pg_ctl -D … stop` stops.
    pub fn detach(mut self) -> PathBuf {
        self.dir.disable_cleanup(true);
        self.detached = true;
        self.dir.path().join("data")
    }

    /// The data folder.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The cluster's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.arg("-u").arg("postgres").arg("--").arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args);
        run(&mut cmd)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str()
        .ok_or_else(|| "non-UTF-8 temporary path".to_owned())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.port != 0
            && !self.detached
            && let Some(data) = self.dir.path().join("data").to_str()
        {
            let _ = self.pg("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]);
        }
    }
}

/// Stops a cluster left running by [`PgCluster::detach`] (`cargo xtask cluster down`).
pub fn stop_data_dir(data: &Path) -> Result<(), String> {
    let ctl = find_bin()?.join("pg_ctl");
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.arg("-u").arg("postgres").arg("--").arg(&ctl);
        c
    } else {
        Command::new(&ctl)
    };
    cmd.arg("-D").arg(data).args(["-m", "fast", "-w", "stop"]);
    run(&mut cmd)
}

/// A database at `url` brought to the server's PostgreSQL migration `version` (the steps
/// before it applied and recorded as the server records them), for upgrade tests.
pub async fn at_migration(url: &str, version: usize) -> Result<sqlx::PgPool, sqlx::Error> {
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::raw_sql(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await?;
    for (v, sql) in &vaora_server::storage::postgres::MIGRATIONS[..version] {
        sqlx::raw_sql(*sql).execute(&pool).await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)")
            .bind(v)
            .execute(&pool)
            .await?;
    }
    Ok(pool)
}
