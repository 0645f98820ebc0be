//! The settings a diary is opened with.

use super::retention;

/// How large (in 4 KiB pages) the write-ahead log may grow before a commit has to
/// checkpoint it: 16 MiB. See `Diary::checkpoint`.
pub const WAL_AUTOCHECKPOINT_PAGES: u32 = 4096;

/// Settings a diary is opened with.
#[derive(Debug, Clone)]
pub struct DiaryConfig {
    /// Check-ins older than this many days are purged (1–60, default 21).
    pub retention_days: u32,
    /// How long a stay lasts when nobody checks out and the venue does not say (default 4 h).
    pub default_stay: chrono::Duration,
}

impl Default for DiaryConfig {
    fn default() -> Self {
        Self {
            retention_days: retention::DEFAULT_RETENTION_DAYS,
            default_stay: chrono::Duration::hours(4),
        }
    }
}
