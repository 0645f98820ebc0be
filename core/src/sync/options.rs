//! How a sync runs, where it is while it runs, and what it did.

use std::time::Duration;

use vaora_protocol::exposure::Alert;
use vaora_protocol::ids::Id128;

use crate::sync::backoff::Backoff;

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Server base URL (`http://127.0.0.1:8080`); the registered server when `None`.
    pub server: Option<String>,
    /// Records per upload request (the server accepts at most 1,000).
    pub batch_size: usize,
    /// Attempts per request before giving up (network errors, 5xx, 429).
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub request_timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            server: None,
            batch_size: 500,
            max_attempts: 6,
            backoff: Backoff::default(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Where a sync is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProgress {
    Uploading { sent: u64, pending: u64 },
    Retrying { attempt: u32, delay: Duration },
    Downloading { windows: u64 },
    Matching,
}

/// A record the server refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRecord {
    pub id: Id128,
    pub reason: String,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub uploaded: u64,
    pub duplicates: u64,
    pub rejected: Vec<RejectedRecord>,
    pub windows_received: u64,
    pub new_alerts: Vec<Alert>,
}
