//! The log `vaora serve` writes to stderr (stdout carries only the `listening on` line
//! operators' scripts read): one line per record, `TIME LEVEL TARGET [request ID] MESSAGE`,
//! with the id of the request being served when there is one
//! (`vaora_server::request_log`). `VAORA_LOG` filters as `RUST_LOG` does (default: the
//! server's own lines at `info`, everything else at `warn`).

use std::io::Write;

/// Installs the logger; a second call changes nothing.
pub fn install() {
    let mut builder = env_logger::Builder::new();
    builder
        .parse_filters("warn,vaora_server=info,vaora_console=info")
        .parse_env(env_logger::Env::new().filter("VAORA_LOG"))
        .target(env_logger::Target::Stderr)
        .format(|buf, record| {
            let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
            match vaora_server::request_log::current_request_id() {
                Some(id) => writeln!(
                    buf,
                    "{now} {} {} [request {id}] {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
                None => writeln!(
                    buf,
                    "{now} {} {} {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
            }
        });
    let _ = builder.try_init();
}
