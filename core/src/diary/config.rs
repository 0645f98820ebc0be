//! The settings a diary is opened with.

use super::error::DiaryError;

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
            retention_days: DEFAULT_RETENTION_DAYS,
            default_stay: chrono::Duration::hours(4),
        }
    }
}

/// The retention window: 21 days by default, 1 to 60.
pub const DEFAULT_RETENTION_DAYS: u32 = 21;
pub const MIN_RETENTION_DAYS: u32 = 1;
pub const MAX_RETENTION_DAYS: u32 = 60;

pub(crate) fn validate_days(days: u32) -> Result<(), DiaryError> {
    if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(DiaryError::Invalid(format!(
            "the retention window is {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days, got {days}"
        )))
    }
}
