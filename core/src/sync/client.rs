//! The async sync engine: registration and the sync itself (upload, key set, exposure
//! windows, matching), over an [`HttpTransport`] the caller provides (reqwest in tools and
//! tests, the platform's HTTP stack on phones). It needs no async runtime of its own; each
//! request goes through [`super::exchange`] (signing, retries, backoff, cancellation).
//!
//! Safety of interruption comes from the protocol, not from luck: a record leaves the
//! queue only when the server's per-record answer says accepted or duplicate, and the
//! record id is the server's idempotency key, so an upload cut at any byte is simply
//! sent again and answered "duplicate". The diary is a [`SharedDiary`], locked only for
//! short synchronous steps, never across a network wait, so the future is `Send`.

use chrono::{DateTime, Utc};
use vaora_protocol::declare::{AuthorityKey, DeviceCertificate};
use vaora_protocol::exposure::match_windows;
use vaora_protocol::wire::{
    self, CodeVisits, ExposurePage, KeySet, RecordStatus, RegisterRequest, RegisterResponse,
};

use crate::diary::SharedDiary;
pub use crate::sync::cancel::CancelToken;
pub use crate::sync::error::SyncError;
use crate::sync::exchange::{Body, Exchange};
pub use crate::sync::options::{RejectedRecord, SyncOptions, SyncProgress, SyncReport};
use crate::sync::store::Registration;
use crate::sync::transport::{HttpTransport, Method};

fn no_progress(_: SyncProgress) {}

/// [`register_via`] over a fresh [`ReqwestTransport`](crate::sync::reqwest_transport::ReqwestTransport)
/// (needs a tokio runtime).
#[cfg(feature = "reqwest-transport")]
pub async fn register(
    diary: &SharedDiary,
    server: &str,
    options: &SyncOptions,
) -> Result<Registration, SyncError> {
    let transport = reqwest_transport()?;
    register_via(&transport, diary, server, options).await
}

/// [`sync_via`] over a fresh [`ReqwestTransport`](crate::sync::reqwest_transport::ReqwestTransport)
/// (needs a tokio runtime).
#[cfg(feature = "reqwest-transport")]
pub async fn sync(
    diary: &SharedDiary,
    options: &SyncOptions,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
    cancel: &CancelToken,
) -> Result<SyncReport, SyncError> {
    let transport = reqwest_transport()?;
    sync_via(&transport, diary, options, progress, cancel).await
}

#[cfg(feature = "reqwest-transport")]
fn reqwest_transport() -> Result<crate::sync::reqwest_transport::ReqwestTransport, SyncError> {
    crate::sync::reqwest_transport::ReqwestTransport::new().map_err(SyncError::from)
}

/// Registers this device with `server`: proves possession of the device key, stores the
/// device id, the certificate and the authority key it was signed with.
pub async fn register_via(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    server: &str,
    options: &SyncOptions,
) -> Result<Registration, SyncError> {
    let base = server.trim_end_matches('/').to_owned();
    let request = {
        let d = diary.lock();
        let pk = d.identity().public_key();
        RegisterRequest {
            public_key: hex::encode(pk),
            proof: hex::encode(d.identity().sign_bytes(&RegisterRequest::proof_input(&pk))),
            attestation: None,
        }
    };
    let body = serde_json::to_vec(&request).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let cancel = CancelToken::new();
    let ex = Exchange {
        transport,
        base: base.clone(),
        diary,
        device_id: None,
        options,
        cancel: &cancel,
        progress: &no_progress,
    };
    let bytes = ex
        .call(Method::Post, "/v1/devices", Body::Json(body))
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
    diary.lock().save_registration(&reg)?;
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
pub async fn sync_via(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    options: &SyncOptions,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
    cancel: &CancelToken,
) -> Result<SyncReport, SyncError> {
    let reg = diary
        .lock()
        .registration()?
        .ok_or(SyncError::NotRegistered)?;
    let base = options
        .server
        .clone()
        .unwrap_or_else(|| reg.server.clone())
        .trim_end_matches('/')
        .to_owned();
    let ex = Exchange {
        transport,
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
            let d = diary.lock();
            let entries = d.pending_records(u32::try_from(batch_size).unwrap_or(1000))?;
            let records: Vec<_> = entries.into_iter().map(|e| e.record).collect();
            (records, d.pending_count()?)
        };
        if records.is_empty() {
            break;
        }
        progress(SyncProgress::Uploading { sent, pending });
        let bytes = ex
            .call(
                Method::Post,
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
            let mut d = diary.lock();
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
    let bytes = ex.call(Method::Get, "/v1/keys", Body::Empty).await?;
    let keyset: KeySet =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(format!("key set: {e}")))?;
    keyset
        .verify(&reg.authority_key)
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
    // Its revocations reach the trust store every verification on the phone reads.
    diary.lock().apply_keys_list(&keyset)?;

    // 3. Exposure windows since the cursor, page by page.
    loop {
        let cursor = diary.lock().exposure_cursor()?;
        let path = format!("/v1/exposures?since={cursor}");
        let bytes = ex.call(Method::Get, &path, Body::Empty).await?;
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
        diary
            .lock()
            .store_windows(&page.windows, page.next_cursor)?;
        if !page.more || page.windows.is_empty() {
            break;
        }
    }

    // 4. The visits venue staff recorded from this phone's personal codes (a grandmother
    //    without a phone, by the code a family member made for her): matched like the
    //    diary's own stays, so her alert reaches this phone.
    //    A server from before this endpoint answers 404: there are none to match then.
    match ex.call(Method::Get, "/v1/visits", Body::Empty).await {
        Ok(bytes) => {
            let visits: CodeVisits = serde_json::from_slice(&bytes)
                .map_err(|e| SyncError::Protocol(format!("code visits: {e}")))?;
            diary.lock().store_code_visits(&visits.visits)?;
        }
        Err(SyncError::Server { status: 404, .. }) => {}
        Err(e) => return Err(e),
    }

    // 5. Match every stored window against the diary; only new alerts come back.
    progress(SyncProgress::Matching);
    {
        let d = diary.lock();
        let alerts = match_windows(&d.stored_windows()?, &d.local_stays()?);
        report.new_alerts = d.store_alerts(&alerts)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::diary::Diary;
    use crate::sync::backoff::Backoff;
    use crate::sync::transport::{HttpRequest, HttpResponse, TransportError};
    use chrono::Duration;
    use vaora_protocol::identity::DeviceIdentity;
    use vaora_protocol::ids::Id128;
    use vaora_protocol::venue::Authority;
    use vaora_protocol::wire::AuthorityPublicKey;
    use vaora_protocol::wire::DEVICE_SCHEME;

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

    /// Answers each request with the next scripted result (the last one repeats) and
    /// records what it was asked; `sleep` records the delay and returns at once, or never
    /// when `sleep_forever` (to cancel a sync inside its backoff).
    struct Scripted {
        answers: Vec<Result<HttpResponse, TransportError>>,
        requests: Mutex<Vec<HttpRequest>>,
        sleeps: Mutex<Vec<std::time::Duration>>,
        sleep_forever: bool,
    }

    impl Scripted {
        fn new(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
            Self {
                answers,
                requests: Mutex::new(Vec::new()),
                sleeps: Mutex::new(Vec::new()),
                sleep_forever: false,
            }
        }
    }

    #[async_trait::async_trait]
    impl HttpTransport for Scripted {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
            let mut requests = self.requests.lock().unwrap();
            requests.push(request);
            let i = (requests.len() - 1).min(self.answers.len() - 1);
            self.answers[i].clone()
        }
        async fn sleep(&self, duration: std::time::Duration) {
            self.sleeps.lock().unwrap().push(duration);
            if self.sleep_forever {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Polls a future on this thread with a waker that unparks it: no async runtime.
    fn block_on<F: std::future::Future>(fut: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    fn test_diary(dir: &std::path::Path) -> SharedDiary {
        let key = crate::diary::DiaryKey::generate().unwrap();
        let clock = std::sync::Arc::new(vaora_protocol::clock::FixedClock::new(Utc::now()));
        SharedDiary::new(
            Diary::open(
                &dir.join("d.db"),
                &key,
                clock,
                crate::diary::DiaryConfig::default(),
            )
            .unwrap(),
        )
    }

    fn fast_options(max_attempts: u32) -> SyncOptions {
        SyncOptions {
            max_attempts,
            backoff: Backoff {
                base: std::time::Duration::from_millis(100),
                max: std::time::Duration::from_secs(1),
            },
            ..SyncOptions::default()
        }
    }

    #[test]
    fn network_failures_are_retried_then_offline_with_nothing_stored() {
        let dir = tempfile::tempdir().unwrap();
        let diary = test_diary(dir.path());
        let transport = Scripted::new(vec![Err(TransportError::Network("refused".into()))]);
        let err = block_on(register_via(
            &transport,
            &diary,
            "http://h.test/",
            &fast_options(4),
        ))
        .unwrap_err();
        assert!(
            matches!(&err, SyncError::Offline { reason } if reason == "refused"),
            "{err:?}"
        );
        let requests = transport.requests.lock().unwrap();
        assert_eq!(requests.len(), 4, "one try plus three retries");
        assert_eq!(transport.sleeps.lock().unwrap().len(), 3);
        let first = &requests[0];
        assert_eq!(first.method, Method::Post);
        assert_eq!(first.url, "http://h.test/v1/devices");
        assert_eq!(first.timeout, SyncOptions::default().request_timeout);
        assert!(
            first
                .headers
                .iter()
                .any(|(n, v)| n == "Content-Type" && v == "application/json")
        );
        let body: RegisterRequest = serde_json::from_slice(&first.body).unwrap();
        assert_eq!(
            body.public_key,
            hex::encode(diary.lock().identity().public_key())
        );
        assert!(diary.lock().registration().unwrap().is_none());
    }

    #[test]
    fn retry_after_is_read_through_the_transport_and_a_4xx_is_final() {
        let dir = tempfile::tempdir().unwrap();
        let diary = test_diary(dir.path());
        let busy = HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), "7".into())],
            body: br#"{"error":"busy","message":"later"}"#.to_vec(),
        };
        let transport = Scripted::new(vec![Ok(busy)]);
        let err = block_on(register_via(
            &transport,
            &diary,
            "http://h.test",
            &fast_options(3),
        ))
        .unwrap_err();
        assert!(
            matches!(&err, SyncError::Server { status: 503, code, .. } if code == "busy"),
            "{err:?}"
        );
        // Retry-After 7 s, capped by the backoff's 1 s maximum, for both retries.
        assert_eq!(
            *transport.sleeps.lock().unwrap(),
            vec![std::time::Duration::from_secs(1); 2]
        );

        let refused = HttpResponse {
            status: 400,
            headers: Vec::new(),
            body: b"no".to_vec(),
        };
        let transport = Scripted::new(vec![Ok(refused)]);
        let err = block_on(register_via(
            &transport,
            &diary,
            "http://h.test",
            &fast_options(3),
        ))
        .unwrap_err();
        assert!(
            matches!(&err, SyncError::Server { status: 400, code, message } if code == "http_error" && message == "no"),
            "{err:?}"
        );
        assert_eq!(
            transport.requests.lock().unwrap().len(),
            1,
            "a 4xx is not retried"
        );

        let broken = Scripted::new(vec![Err(TransportError::Client("bad URL".into()))]);
        let err = block_on(register_via(&broken, &diary, "h", &fast_options(3))).unwrap_err();
        assert!(matches!(err, SyncError::Client(_)), "{err:?}");
        assert_eq!(broken.requests.lock().unwrap().len(), 1, "not retried");
    }

    #[test]
    fn cancelling_during_the_backoff_ends_the_call_without_a_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let diary = test_diary(dir.path());
        let mut transport = Scripted::new(vec![Err(TransportError::Network("down".into()))]);
        transport.sleep_forever = true;
        let cancel = CancelToken::new();
        let options = fast_options(5);
        let progress = |p: SyncProgress| {
            if matches!(p, SyncProgress::Retrying { .. }) {
                // From another thread, as an app's cancel button would.
                let c = cancel.clone();
                std::thread::spawn(move || c.cancel()).join().unwrap();
            }
        };
        let ex = Exchange {
            transport: &transport,
            base: "http://h.test".into(),
            diary: &diary,
            device_id: Some(Id128::from_bytes([3; 16])),
            options: &options,
            cancel: &cancel,
            progress: &progress,
        };
        let err = block_on(ex.call(Method::Get, "/v1/keys", Body::Empty)).unwrap_err();
        assert!(matches!(err, SyncError::Cancelled), "{err:?}");
        let requests = transport.requests.lock().unwrap();
        assert_eq!(requests.len(), 1, "no request after the cancel");
        assert!(
            requests[0]
                .headers
                .iter()
                .any(|(n, v)| n == "Authorization" && v.starts_with(DEVICE_SCHEME)),
            "device requests are signed: {:?}",
            requests[0].headers
        );
        assert_eq!(transport.sleeps.lock().unwrap().len(), 1);
    }

    #[test]
    fn registration_answer_is_verified_before_it_is_kept() {
        let now = Utc::now();
        let authority = vaora_protocol::testing::test_authority();
        let device = DeviceIdentity::from_secret_bytes(&[7; 32]).unwrap();
        let pk = device.public_key();
        let request = RegisterRequest {
            public_key: hex::encode(pk),
            proof: String::new(),
            attestation: None,
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
