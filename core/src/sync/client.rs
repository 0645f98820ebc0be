//! The async sync client (feature `sync-client`): reqwest on rustls with the ring provider.
//!
//! Safety of interruption comes from the protocol, not from luck: a record leaves the
//! queue only when the server's per-record answer says accepted or duplicate, and the
//! record id is the server's idempotency key, so an upload cut at any byte is simply
//! sent again and answered "duplicate". The diary sits behind a `Mutex` and is locked only
//! for short synchronous steps, never across a network wait, so the future is `Send`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::StatusCode;

use chrono::{DateTime, Utc};

use crate::declare::{AuthorityKey, DeviceCertificate};
use crate::diary::{Diary, DiaryError};
use crate::ids::Id128;
use crate::sync::backoff::{Backoff, parse_retry_after};
use crate::sync::exposure::{Alert, match_windows};
use crate::sync::store::Registration;
use crate::sync::wire::{
    self, CBOR_CONTENT_TYPE, DEVICE_SCHEME, ErrorBody, ExposurePage, KeySet, RecordStatus,
    RegisterRequest, RegisterResponse, RequestAuth,
};

/// Why a sync (or a registration) did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached (after the retries); the outbox is untouched.
    #[error("offline: the server could not be reached ({reason})")]
    Offline { reason: String },
    #[error("this device is not registered with a server (run register first)")]
    NotRegistered,
    #[error("sync was cancelled")]
    Cancelled,
    /// The server refused the request as a whole (4xx) or kept failing (5xx).
    #[error("server answered {status}: {code}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The server's answer did not follow the protocol (or failed a signature check).
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("diary: {0}")]
    Diary(#[from] DiaryError),
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Stops a running sync at the next step or network wait.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<(AtomicBool, tokio::sync::Notify)>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }
    async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

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

fn lock(diary: &Mutex<Diary>) -> MutexGuard<'_, Diary> {
    // A poisoned lock only means another thread panicked mid-call; SQLite kept its own
    // transactions atomic, so the diary itself is consistent.
    diary.lock().unwrap_or_else(|p| p.into_inner())
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, SyncError> {
    // Already installed is fine: one provider per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10));
    // Android: the system's CA folder instead of the platform verifier, which would need a
    // JNI initialisation (see `android_roots`).
    #[cfg(target_os = "android")]
    let builder = builder.tls_certs_only(
        crate::sync::android_roots::system_roots().map_err(|e| SyncError::Client(e.to_string()))?,
    );
    builder
        .build()
        .map_err(|e| SyncError::Client(e.to_string()))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

enum Body {
    Empty,
    Json(Vec<u8>),
    Cbor(Vec<u8>),
}

impl Body {
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Empty => &[],
            Body::Json(b) | Body::Cbor(b) => b,
        }
    }
}

struct Exchange<'a> {
    http: reqwest::Client,
    base: String,
    diary: &'a Mutex<Diary>,
    device_id: Option<Id128>,
    options: &'a SyncOptions,
    cancel: &'a CancelToken,
    progress: &'a (dyn Fn(SyncProgress) + Send + Sync),
}

enum Failure {
    Transient {
        reason: String,
        network: bool,
        retry_after: Option<Duration>,
        status: Option<(u16, ErrorBody)>,
    },
    Final(SyncError),
}

impl Exchange<'_> {
    /// Sends one request, retrying network errors, 5xx and 429 with backoff; a complete
    /// 2xx body is returned, any other 4xx is final.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Body,
    ) -> Result<Vec<u8>, SyncError> {
        let mut attempt = 0u32;
        loop {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let result = tokio::select! {
                r = self.once(method.clone(), path, &body) => r,
                () = self.cancel.cancelled() => return Err(SyncError::Cancelled),
            };
            let failure = match result {
                Ok(bytes) => return Ok(bytes),
                Err(Failure::Final(e)) => return Err(e),
                Err(f) => f,
            };
            let Failure::Transient {
                reason,
                network,
                retry_after,
                status,
            } = failure
            else {
                continue;
            };
            attempt += 1;
            if attempt >= self.options.max_attempts {
                return Err(match (network, status) {
                    (true, _) | (_, None) => SyncError::Offline { reason },
                    (false, Some((status, body))) => SyncError::Server {
                        status,
                        code: body.error,
                        message: body.message,
                    },
                });
            }
            let delay = self.options.backoff.delay(attempt - 1, retry_after);
            log::debug!("sync: retry {attempt} in {delay:?}: {reason}");
            (self.progress)(SyncProgress::Retrying { attempt, delay });
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.cancel.cancelled() => return Err(SyncError::Cancelled),
            }
        }
    }

    async fn once(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Body,
    ) -> Result<Vec<u8>, Failure> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{}", self.base, path));
        if let Some(device_id) = self.device_id {
            let ts = now_ms();
            let input = wire::request_signing_input(method.as_str(), path, ts, body.bytes());
            let sig = lock(self.diary).identity().sign_bytes(&input);
            req = req.header(
                reqwest::header::AUTHORIZATION,
                RequestAuth::header_value(DEVICE_SCHEME, &device_id.to_hex(), ts, &sig),
            );
        }
        req = match body {
            Body::Empty => req,
            Body::Json(b) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.clone()),
            Body::Cbor(b) => req
                .header(reqwest::header::CONTENT_TYPE, CBOR_CONTENT_TYPE)
                .body(b.clone()),
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Err(Failure::Transient {
                    reason: e.to_string(),
                    network: true,
                    retry_after: None,
                    status: None,
                });
            }
        };
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        // A body cut mid-response is a network failure like any other: retry.
        let bytes = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Err(Failure::Transient {
                    reason: format!("reading the answer: {e}"),
                    network: true,
                    retry_after: None,
                    status: None,
                });
            }
        };
        if status.is_success() {
            return Ok(bytes);
        }
        let err: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|_| ErrorBody {
            error: "http_error".into(),
            message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        });
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Failure::Transient {
                reason: format!("server answered {status}"),
                network: false,
                retry_after,
                status: Some((status.as_u16(), err)),
            });
        }
        if status == StatusCode::UNAUTHORIZED && err.error == "unknown_device" {
            return Err(Failure::Final(SyncError::NotRegistered));
        }
        Err(Failure::Final(SyncError::Server {
            status: status.as_u16(),
            code: err.error,
            message: err.message,
        }))
    }
}

fn no_progress(_: SyncProgress) {}

/// Registers this device with `server`: proves possession of the device key, stores the
/// device id, the certificate and the authority key it was signed with.
pub async fn register(
    diary: &Mutex<Diary>,
    server: &str,
    options: &SyncOptions,
) -> Result<Registration, SyncError> {
    let base = server.trim_end_matches('/').to_owned();
    let request = {
        let d = lock(diary);
        let pk = d.identity().public_key();
        RegisterRequest {
            public_key: hex::encode(pk),
            proof: hex::encode(d.identity().sign_bytes(&RegisterRequest::proof_input(&pk))),
        }
    };
    let body = serde_json::to_vec(&request).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let cancel = CancelToken::new();
    let ex = Exchange {
        http: http_client(options.request_timeout)?,
        base: base.clone(),
        diary,
        device_id: None,
        options,
        cancel: &cancel,
        progress: &no_progress,
    };
    let bytes = ex
        .call(reqwest::Method::POST, "/v1/devices", Body::Json(body))
        .await?;
    let resp: RegisterResponse = serde_json::from_slice(&bytes)
        .map_err(|e| SyncError::Protocol(format!("registration answer: {e}")))?;
    let certificate = verify_registration(&resp, &request, Utc::now())?;
    let reg = Registration {
        server: base,
        device_id: resp.device_id,
        certificate,
        authority_key: resp.authority_key,
    };
    lock(diary).save_registration(&reg)?;
    Ok(reg)
}

/// Checks the registration answer: the certificate decodes, is signed by the authority
/// key the answer names, certifies this device's key and is valid `now`.
fn verify_registration(
    resp: &RegisterResponse,
    request: &RegisterRequest,
    now: DateTime<Utc>,
) -> Result<DeviceCertificate, SyncError> {
    let protocol =
        |e: &dyn std::fmt::Display| SyncError::Protocol(format!("registration answer: {e}"));
    let authority = AuthorityKey {
        key_id: resp.authority_key.key_id.clone(),
        public_key: resp.authority_key.bytes().map_err(|e| protocol(&e))?,
    };
    let device_key: [u8; 32] =
        wire::hex_array(&request.public_key, "public_key").map_err(|e| protocol(&e))?;
    let certificate = resp.device_certificate().map_err(|e| protocol(&e))?;
    certificate
        .verify(&device_key, now, std::slice::from_ref(&authority))
        .map_err(|e| protocol(&e))?;
    Ok(certificate)
}

/// Uploads the queue, downloads keys and exposure windows, matches them and stores new
/// alerts. Safe to interrupt at any point; call again to finish.
pub async fn sync(
    diary: &Mutex<Diary>,
    options: &SyncOptions,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
    cancel: &CancelToken,
) -> Result<SyncReport, SyncError> {
    let reg = lock(diary)
        .registration()?
        .ok_or(SyncError::NotRegistered)?;
    let base = options
        .server
        .clone()
        .unwrap_or_else(|| reg.server.clone())
        .trim_end_matches('/')
        .to_owned();
    let ex = Exchange {
        http: http_client(options.request_timeout)?,
        base,
        diary,
        device_id: Some(reg.device_id),
        options,
        cancel,
        progress,
    };
    let mut report = SyncReport::default();
    let batch_size = options.batch_size.clamp(1, 1000);

    // 1. Upload, batch by batch, oldest first.
    let mut sent = 0u64;
    loop {
        let (records, pending) = {
            let d = lock(diary);
            let entries = d.pending_records(u32::try_from(batch_size).unwrap_or(1000))?;
            let records: Vec<_> = entries.into_iter().map(|e| e.record).collect();
            (records, d.outbox_counts()?.pending)
        };
        if records.is_empty() {
            break;
        }
        progress(SyncProgress::Uploading { sent, pending });
        let bytes = ex
            .call(
                reqwest::Method::POST,
                "/v1/records",
                Body::Cbor(wire::encode_upload(&records)),
            )
            .await?;
        let statuses =
            wire::decode_upload_answer(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))?;
        if statuses.len() != records.len() {
            return Err(SyncError::Protocol(format!(
                "{} answers for {} records",
                statuses.len(),
                records.len()
            )));
        }
        let mut done = Vec::with_capacity(records.len());
        {
            let mut d = lock(diary);
            for (record, status) in records.iter().zip(statuses) {
                let id = record
                    .id()
                    .map_err(|e| SyncError::Protocol(e.to_string()))?;
                match status {
                    RecordStatus::Accepted => {
                        report.uploaded += 1;
                        done.push(id);
                    }
                    RecordStatus::Duplicate => {
                        report.duplicates += 1;
                        done.push(id);
                    }
                    RecordStatus::Rejected(reason) => {
                        log::warn!("sync: a record was rejected: {reason}");
                        d.mark_rejected(&id, &reason)?;
                        report.rejected.push(RejectedRecord { id, reason });
                    }
                }
            }
            d.mark_synced(&done)?;
        }
        sent += records.len() as u64;
    }

    // 2. The key set (verified against the key pinned at registration).
    let bytes = ex
        .call(reqwest::Method::GET, "/v1/keys", Body::Empty)
        .await?;
    let keyset: KeySet =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(format!("key set: {e}")))?;
    keyset
        .verify(&reg.authority_key)
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
    lock(diary).save_keyset(
        &serde_json::to_string(&keyset).map_err(|e| SyncError::Protocol(e.to_string()))?,
    )?;

    // 3. Exposure windows since the cursor, page by page.
    loop {
        let cursor = lock(diary).exposure_cursor()?;
        let path = format!("/v1/exposures?since={cursor}");
        let bytes = ex.call(reqwest::Method::GET, &path, Body::Empty).await?;
        let page: ExposurePage = serde_json::from_slice(&bytes)
            .map_err(|e| SyncError::Protocol(format!("exposure page: {e}")))?;
        for w in &page.windows {
            w.verify(&keyset.keys)
                .map_err(|e| SyncError::Protocol(e.to_string()))?;
        }
        report.windows_received += page.windows.len() as u64;
        progress(SyncProgress::Downloading {
            windows: report.windows_received,
        });
        lock(diary).store_windows(&page.windows, page.next_cursor)?;
        if !page.more || page.windows.is_empty() {
            break;
        }
    }

    // 4. Match every stored window against the diary; only new alerts come back.
    progress(SyncProgress::Matching);
    {
        let d = lock(diary);
        let alerts = match_windows(&d.stored_windows()?, &d.local_stays()?);
        report.new_alerts = d.store_alerts(&alerts)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceIdentity;
    use crate::sync::wire::AuthorityPublicKey;
    use crate::venue::Authority;
    use chrono::Duration;

    fn answer(authority: &Authority, cert: &DeviceCertificate) -> RegisterResponse {
        RegisterResponse {
            device_id: Id128::from_bytes([4; 16]),
            certificate: hex::encode(cert.to_bytes()),
            authority_key: AuthorityPublicKey {
                key_id: authority.key_id().to_string(),
                public_key: hex::encode(authority.public_key()),
            },
        }
    }

    #[test]
    fn registration_answer_is_verified_before_it_is_kept() {
        let now = Utc::now();
        let authority = Authority::test_authority();
        let device = DeviceIdentity::from_secret_bytes(&[7; 32]).unwrap();
        let pk = device.public_key();
        let request = RegisterRequest {
            public_key: hex::encode(pk),
            proof: String::new(),
        };
        let good = DeviceCertificate::issue_by(
            &authority,
            pk,
            now - Duration::minutes(5),
            now + Duration::days(365),
        );
        assert_eq!(
            verify_registration(&answer(&authority, &good), &request, now).unwrap(),
            good
        );
        // A certificate for another device key.
        let other = DeviceCertificate::issue_by(
            &authority,
            [9; 32],
            now - Duration::minutes(5),
            now + Duration::days(365),
        );
        assert!(matches!(
            verify_registration(&answer(&authority, &other), &request, now),
            Err(SyncError::Protocol(_))
        ));
        // Signed by a key other than the one the answer names.
        let stranger = Authority::from_secret(&[8; 32], 0, 4_102_444_800).unwrap();
        let mut mixed = answer(&authority, &good);
        mixed.authority_key.public_key = hex::encode(stranger.public_key());
        assert!(verify_registration(&mixed, &request, now).is_err());
        // Expired, and undecodable.
        let lapsed = DeviceCertificate::issue_by(
            &authority,
            pk,
            now - Duration::days(2),
            now - Duration::days(1),
        );
        assert!(verify_registration(&answer(&authority, &lapsed), &request, now).is_err());
        let mut junk = answer(&authority, &good);
        junk.certificate.truncate(20);
        assert!(verify_registration(&junk, &request, now).is_err());
    }
}
