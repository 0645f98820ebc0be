//! Forwarding the `log` crate to the platform logger (Logcat, os_log) through a foreign
//! trait the app implements.
//!
//! The `log` crate allows one global logger per process, set once; apps may swap their
//! `Logger` (tests do), so a fixed forwarder is installed on first use and it reads the
//! current foreign logger from a lock. Core code never logs names, keys or ids of people,
//! so nothing forwarded here is sensitive.

use std::sync::{Arc, Once, RwLock};

/// Log levels, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    fn to_filter(self) -> log::LevelFilter {
        match self {
            Self::Error => log::LevelFilter::Error,
            Self::Warn => log::LevelFilter::Warn,
            Self::Info => log::LevelFilter::Info,
            Self::Debug => log::LevelFilter::Debug,
            Self::Trace => log::LevelFilter::Trace,
        }
    }

    fn from_level(level: log::Level) -> Self {
        match level {
            log::Level::Error => Self::Error,
            log::Level::Warn => Self::Warn,
            log::Level::Info => Self::Info,
            log::Level::Debug => Self::Debug,
            log::Level::Trace => Self::Trace,
        }
    }
}

/// The app's log sink. Called from any thread, so implementations must be thread-safe and
/// must not call back into Vaora.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// One log line: `target` is the Rust module (e.g. `vaora_core::diary`).
    fn log(&self, level: LogLevel, target: String, line: String);
}

static CURRENT: RwLock<Option<Arc<dyn Logger>>> = RwLock::new(None);
static INSTALL: Once = Once::new();

struct Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let logger = match CURRENT.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(logger) = logger {
            logger.log(
                LogLevel::from_level(record.level()),
                record.target().to_owned(),
                record.args().to_string(),
            );
        }
    }

    fn flush(&self) {}
}

static FORWARDER: Forwarder = Forwarder;

/// Sends Vaora's log lines at `max_level` and above to `logger` (replacing any previous one).
/// Also logs panics (with their location) before they are contained at the boundary.
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, max_level: LogLevel) {
    match CURRENT.write() {
        Ok(mut guard) => *guard = Some(logger),
        Err(poisoned) => *poisoned.into_inner() = Some(logger),
    }
    INSTALL.call_once(|| {
        // Fails only if the host process already installed another `log` logger (a Rust
        // app embedding this library); then that logger keeps receiving our lines.
        let _ = log::set_logger(&FORWARDER);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            log::error!(target: "vaora_ffi", "panic at {location}");
            previous(info);
        }));
    });
    log::set_max_level(max_level.to_filter());
}

/// Stops forwarding log lines.
#[uniffi::export]
pub fn clear_logger() {
    match CURRENT.write() {
        Ok(mut guard) => *guard = None,
        Err(poisoned) => *poisoned.into_inner() = None,
    }
    log::set_max_level(log::LevelFilter::Off);
}
