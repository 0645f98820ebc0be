//! Sync as an async function (Kotlin `suspend`, Swift `async`) over
//! `vaora_core::sync::client`, through the app's [`HttpTransport`] (no Rust HTTP stack or
//! runtime in the library: the future is polled by the caller's coroutine or task), with a
//! progress listener the app implements and two ways to stop: cancelling the coroutine/task
//! (uniffi drops the Rust future, which drops the pending HTTP call and so cancels the app's
//! request) or a `SyncCancel` handle shared with another part of the app.

use std::sync::Arc;
use std::time::SystemTime;

use vaora_core::sync::StoredAlert;
use vaora_core::sync::client::{self, CancelToken, SyncError, SyncOptions, SyncProgress};

use vaora_protocol::exposure::Alert;

use crate::convert::{parse_id, to_system_time};
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

/// Where a running sync is. Prints readably (`toString()`, `description`):
/// `Uploading 2/5`, `Retrying (attempt 1, in 500 ms)`, `Downloading 3 windows`, `Matching`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum SyncStep {
    /// `sent` of `pending` records uploaded so far.
    Uploading { sent: i64, pending: i64 },
    /// A request failed; the next try (`attempt`, from 1) starts in `delay_ms`.
    Retrying { attempt: i32, delay_ms: i64 },
    /// Exposure windows received so far.
    Downloading { windows: i64 },
    /// Matching the windows with this diary's stays.
    Matching,
}

impl std::fmt::Display for SyncStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Uploading { sent, pending } => write!(f, "Uploading {sent}/{pending}"),
            Self::Retrying { attempt, delay_ms } => {
                write!(f, "Retrying (attempt {attempt}, in {delay_ms} ms)")
            }
            Self::Downloading { windows } => write!(f, "Downloading {windows} windows"),
            Self::Matching => write!(f, "Matching"),
        }
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<SyncProgress> for SyncStep {
    fn from(p: SyncProgress) -> Self {
        match p {
            SyncProgress::Uploading { sent, pending } => Self::Uploading {
                sent: signed(sent),
                pending: signed(pending),
            },
            SyncProgress::Retrying { attempt, delay } => Self::Retrying {
                attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
                delay_ms: i64::try_from(delay.as_millis()).unwrap_or(i64::MAX),
            },
            SyncProgress::Downloading { windows } => Self::Downloading {
                windows: signed(windows),
            },
            SyncProgress::Matching => Self::Matching,
        }
    }
}

/// The app's progress sink. Called on the thread that polls the sync (the layers: a
/// background thread, never the main one): post to the UI thread yourself.
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

/// An exposure alert: this person was at this venue while a published exposure window
/// was open. Stored in the diary by sync (`alerts()` lists them all), and reported once
/// in the `SyncSummary` of the sync that found it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureAlert {
    /// The published window this alert comes from (with `person_id`, the alert's identity).
    pub window_id: String,
    pub person_id: String,
    pub person_name: String,
    pub venue_id: String,
    pub venue_name: String,
    pub overlap_from: SystemTime,
    pub overlap_until: SystemTime,
    /// The authority's risk level for the window (higher is more serious).
    pub level: i32,
    /// The user saw it (`mark_alerts_seen`); a sync's new alerts are never seen yet.
    #[uniffi(default = false)]
    pub seen: bool,
}

impl From<Alert> for ExposureAlert {
    fn from(a: Alert) -> Self {
        Self {
            window_id: a.window_id.to_hex(),
            person_id: a.person_id.to_hex(),
            person_name: a.person_name,
            venue_id: a.venue_id.to_hex(),
            venue_name: a.venue_name,
            overlap_from: to_system_time(a.overlap_from),
            overlap_until: to_system_time(a.overlap_until),
            level: i32::from(a.level),
            seen: false,
        }
    }
}

impl From<StoredAlert> for ExposureAlert {
    fn from(s: StoredAlert) -> Self {
        Self {
            seen: s.seen_at.is_some(),
            ..s.alert.into()
        }
    }
}

/// The outbox: signed records waiting for sync, sent, and refused for good by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OutboxCounts {
    pub pending: i64,
    pub synced: i64,
    pub rejected: i64,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// Records the server stored.
    pub uploaded: i64,
    /// Records the server already had (a retried upload): sent before, stored once.
    pub duplicates: i64,
    /// Records the server refused for good.
    pub rejected: i32,
    pub windows_received: i64,
    /// Alerts this sync found for the first time (already stored: see `alerts()`).
    pub new_alerts: Vec<ExposureAlert>,
}

#[uniffi::export]
impl Vaora {
    /// How many records wait for sync, were sent, or were refused (for a "3 waiting" badge).
    pub fn outbox_counts(&self) -> Result<OutboxCounts, VaoraError> {
        self.with_diary("outbox_counts", |d| {
            let c = d.outbox_counts()?;
            Ok(OutboxCounts {
                pending: signed(c.pending),
                synced: signed(c.synced),
                rejected: signed(c.rejected),
            })
        })
    }

    /// Every exposure alert stored so far, newest overlap first (a background sync stores
    /// them too, so an app shows this list, not only a sync's `new_alerts`).
    pub fn alerts(&self) -> Result<Vec<ExposureAlert>, VaoraError> {
        self.with_diary("alerts", |d| {
            Ok(d.stored_alerts()?.into_iter().map(Into::into).collect())
        })
    }

    /// Marks these alerts seen (as `alerts()` or a sync handed them over); returns how many
    /// were not seen before. Alerts this diary does not hold are ignored.
    pub fn mark_alerts_seen(&self, alerts: Vec<ExposureAlert>) -> Result<i64, VaoraError> {
        let keys = alerts
            .iter()
            .map(|a| Ok((parse_id(&a.window_id)?, parse_id(&a.person_id)?)))
            .collect::<Result<Vec<_>, VaoraError>>()?;
        self.with_diary("mark_alerts_seen", |d| {
            Ok(signed(
                u64::try_from(d.mark_alerts_seen(&keys)?).unwrap_or(u64::MAX),
            ))
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
        let shared = self.shared()?;
        let reg = client::register_via(&transport, &shared, &server, &SyncOptions::default()).await;
        self.tell_changes();
        Ok(reg?.device_id.to_hex())
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
            // Between steps the diary is unlocked: tell the observer what the last step
            // committed (outbox counts move while a long upload runs).
            self.tell_changes();
            if let Some(l) = &listener {
                l.on_progress(p.into());
            }
        };
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        let report = client::sync_via(&transport, &shared, &options, &progress, &token).await;
        self.tell_changes();
        let report = report?;
        log::info!(target: "vaora_ffi", "sync done: {} uploaded", report.uploaded);
        Ok(SyncSummary {
            uploaded: signed(report.uploaded),
            duplicates: signed(report.duplicates),
            rejected: i32::try_from(report.rejected.len()).unwrap_or(i32::MAX),
            windows_received: signed(report.windows_received),
            new_alerts: report.new_alerts.into_iter().map(Into::into).collect(),
        })
    }
}
