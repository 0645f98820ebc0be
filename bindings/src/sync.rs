//! Sync as an async function (Kotlin `suspend`, Swift `async`) over
//! `vaora_core::sync::client`, through the app's [`HttpTransport`] (no Rust HTTP stack or
//! runtime in the library: the future is polled by the caller's coroutine or task), with a
//! progress listener the app implements and two ways to stop: cancelling the coroutine/task
//! (uniffi drops the Rust future, which drops the pending HTTP call and so cancels the app's
//! request) or a `SyncCancel` handle shared with another part of the app.

use std::sync::Arc;
use std::time::SystemTime;

use vaora_core::sync::client::{self, CancelToken, SyncError, SyncOptions, SyncProgress};

use crate::convert::to_system_time;
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::http::{AppTransport, HttpTransport};

impl From<SyncError> for VaoraError {
    fn from(err: SyncError) -> Self {
        let reason = err.to_string();
        match err {
            SyncError::Offline { .. } => VaoraError::Network {
                code: ErrorCode::Offline,
                reason,
            },
            SyncError::Client(_) => VaoraError::Network {
                code: ErrorCode::Network,
                reason,
            },
            SyncError::Server { status, .. } if status >= 500 || status == 429 => {
                VaoraError::Network {
                    code: ErrorCode::Network,
                    reason,
                }
            }
            SyncError::Server { .. } | SyncError::Protocol(_) | SyncError::NotRegistered => {
                VaoraError::Network {
                    code: ErrorCode::ServerRefused,
                    reason,
                }
            }
            SyncError::Cancelled => VaoraError::Cancelled {
                code: ErrorCode::Cancelled,
                reason,
            },
            SyncError::Diary(e) => e.into(),
        }
    }
}

/// Where a running sync is.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SyncStep {
    Uploading { sent: u64, pending: u64 },
    Retrying { attempt: u32, delay_ms: u64 },
    Downloading { windows: u64 },
    Matching,
}

impl From<SyncProgress> for SyncStep {
    fn from(p: SyncProgress) -> Self {
        match p {
            SyncProgress::Uploading { sent, pending } => Self::Uploading { sent, pending },
            SyncProgress::Retrying { attempt, delay } => Self::Retrying {
                attempt,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            },
            SyncProgress::Downloading { windows } => Self::Downloading { windows },
            SyncProgress::Matching => Self::Matching,
        }
    }
}

/// The app's progress sink. Called from a Rust worker thread: post to the UI thread yourself.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, step: SyncStep);
}

/// Stops a running sync at its next step or network wait.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancel {
    token: CancelToken,
}

#[uniffi::export]
impl SyncCancel {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// An exposure alert: this person was at this venue while a published window was open.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ExposureAlert {
    pub person_id: String,
    pub person_name: String,
    pub venue_id: String,
    pub venue_name: String,
    pub overlap_from: SystemTime,
    pub overlap_until: SystemTime,
    pub level: u8,
}

/// The outbox: signed records waiting for sync, sent, and refused for good by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OutboxCounts {
    pub pending: u64,
    pub synced: u64,
    pub rejected: u64,
}

/// What one sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncSummary {
    pub uploaded: u64,
    pub duplicates: u64,
    pub rejected: u32,
    pub windows_received: u64,
    pub new_alerts: Vec<ExposureAlert>,
}

#[uniffi::export]
impl Vaora {
    /// How many records wait for sync, were sent, or were refused (for a "3 waiting" badge).
    pub fn outbox_counts(&self) -> Result<OutboxCounts, VaoraError> {
        self.with_diary("outbox_counts", |d| {
            let c = d.outbox_counts()?;
            Ok(OutboxCounts {
                pending: c.pending,
                synced: c.synced,
                rejected: c.rejected,
            })
        })
    }
}

#[uniffi::export]
impl Vaora {
    /// Registers this device with the server at `server` (once), over `transport`; returns
    /// the device id.
    pub async fn register_device(
        &self,
        transport: Arc<dyn HttpTransport>,
        server: String,
    ) -> Result<String, VaoraError> {
        let transport = AppTransport(transport);
        let reg = client::register_via(&transport, self.shared(), &server, &SyncOptions::default())
            .await?;
        Ok(reg.device_id.to_hex())
    }

    /// Uploads the outbox, downloads keys and exposure windows, matches them; safe to
    /// interrupt at any point (call again to finish). `server`: none = the registered one.
    /// A `transport` failure is retried with backoff, then ends as `OFFLINE`.
    pub async fn sync(
        &self,
        transport: Arc<dyn HttpTransport>,
        server: Option<String>,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<SyncCancel>>,
    ) -> Result<SyncSummary, VaoraError> {
        let options = SyncOptions {
            server,
            ..SyncOptions::default()
        };
        let token = cancel.map(|c| c.token.clone()).unwrap_or_default();
        let progress = move |p: SyncProgress| {
            if let Some(l) = &listener {
                l.on_progress(p.into());
            }
        };
        let transport = AppTransport(transport);
        let report =
            client::sync_via(&transport, self.shared(), &options, &progress, &token).await?;
        log::info!(target: "vaora_ffi", "sync done: {} uploaded", report.uploaded);
        Ok(SyncSummary {
            uploaded: report.uploaded,
            duplicates: report.duplicates,
            rejected: u32::try_from(report.rejected.len()).unwrap_or(u32::MAX),
            windows_received: report.windows_received,
            new_alerts: report
                .new_alerts
                .into_iter()
                .map(|a| ExposureAlert {
                    person_id: a.person_id.to_hex(),
                    person_name: a.person_name,
                    venue_id: a.venue_id.to_hex(),
                    venue_name: a.venue_name,
                    overlap_from: to_system_time(a.overlap_from),
                    overlap_until: to_system_time(a.overlap_until),
                    level: a.level,
                })
                .collect(),
        })
    }
}
