//! The log `vaora serve` writes to stderr (stdout carries only the `listening on` line
//! operators' scripts read): structured events from the `tracing` ecosystem, the `log`
//! crate's lines included (bridged), each with its time, level, target and, while a request
//! is served, the request's span (`request{id=…}`, `vaora_server::request_log`).
//!
//! `VAORA_LOG` filters as `RUST_LOG` does (default: the server's own events at `info`,
//! everything else at `warn`); `VAORA_LOG_FORMAT=json` writes one JSON object a line (the
//! fields as keys, the request id in `span.id`) for a log collector, else readable text.

use tracing_subscriber::EnvFilter;

/// The filter when `VAORA_LOG` is unset.
const DEFAULT_FILTER: &str = "warn,vaora_server=info,vaora_console=info";

/// Installs the subscriber (and the bridge for `log` records); a second call changes
/// nothing.
pub fn install() {
    let filter =
        EnvFilter::try_from_env("VAORA_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = if std::env::var("VAORA_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
}
