//! One request to the server, the way sync makes every request: signed with the device
//! key when registered, sent through the caller's [`HttpTransport`], retried on network
//! errors, 5xx and 429 with backoff (honouring `Retry-After`), ended at once by
//! cancellation, and mapped to one typed error.

use std::time::Duration;

use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{self, CBOR_CONTENT_TYPE, DEVICE_SCHEME, ErrorBody, RequestAuth};

use crate::diary::SharedDiary;
use crate::sync::backoff::parse_retry_after;
use crate::sync::cancel::{CancelToken, or_cancelled};
use crate::sync::error::SyncError;
use crate::sync::options::{SyncOptions, SyncProgress};
use crate::sync::transport::{HttpRequest, HttpTransport, Method, TransportError};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A request body and how it is typed.
pub(super) enum Body {
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

/// One server, the way this sync talks to it: base URL, device id for signed requests,
/// options, cancellation and progress.
pub(super) struct Exchange<'a> {
    pub(super) transport: &'a dyn HttpTransport,
    pub(super) base: String,
    pub(super) diary: &'a SharedDiary,
    pub(super) device_id: Option<Id128>,
    pub(super) options: &'a SyncOptions,
    pub(super) cancel: &'a CancelToken,
    pub(super) progress: &'a (dyn Fn(SyncProgress) + Send + Sync),
}

/// One request as the device this diary registered (its credential, its server), with the
/// default options and no cancellation: what the small calls beside sync make (staff and
/// inspector enrolment, the inspector's work list).
pub(super) async fn as_registered_device(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    method: Method,
    path: &str,
    body: Body,
) -> Result<Vec<u8>, SyncError> {
    let registration = diary
        .lock()
        .registration()?
        .ok_or(SyncError::NotRegistered)?;
    let options = SyncOptions::default();
    let cancel = CancelToken::new();
    let no_progress = |_: SyncProgress| {};
    let exchange = Exchange {
        transport,
        base: registration.server.clone(),
        diary,
        device_id: Some(registration.device_id),
        options: &options,
        cancel: &cancel,
        progress: &no_progress,
    };
    exchange.call(method, path, body).await
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
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Vec<u8>, SyncError> {
        let mut attempt = 0u32;
        loop {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let Some(result) = or_cancelled(self.cancel, self.once(method, path, &body)).await
            else {
                return Err(SyncError::Cancelled);
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
            if or_cancelled(self.cancel, self.transport.sleep(delay))
                .await
                .is_none()
            {
                return Err(SyncError::Cancelled);
            }
        }
    }

    async fn once(&self, method: Method, path: &str, body: &Body) -> Result<Vec<u8>, Failure> {
        let mut headers = Vec::with_capacity(2);
        if let Some(device_id) = self.device_id {
            let ts = now_ms();
            let input = wire::request_signing_input(method.as_str(), path, ts, body.bytes());
            let sig = self.diary.lock().identity().sign_bytes(&input);
            headers.push((
                "Authorization".to_owned(),
                RequestAuth::header_value(DEVICE_SCHEME, &device_id.to_hex(), ts, &sig),
            ));
        }
        match body {
            Body::Empty => {}
            Body::Json(_) => headers.push(("Content-Type".to_owned(), "application/json".into())),
            Body::Cbor(_) => headers.push(("Content-Type".to_owned(), CBOR_CONTENT_TYPE.into())),
        }
        let request = HttpRequest {
            method,
            url: format!("{}{}", self.base, path),
            headers,
            body: body.bytes().to_vec(),
            timeout: self.options.request_timeout,
        };
        let resp = match self.transport.send(request).await {
            Ok(r) => r,
            // A body cut mid-response is a network failure like any other: retry.
            Err(TransportError::Network(reason)) => {
                return Err(Failure::Transient {
                    reason,
                    network: true,
                    retry_after: None,
                    status: None,
                });
            }
            Err(TransportError::Client(reason)) => {
                return Err(Failure::Final(SyncError::Client(reason)));
            }
        };
        let status = resp.status;
        let retry_after = resp.header("Retry-After").and_then(parse_retry_after);
        let bytes = resp.body;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let err = ErrorBody::from_answer(&bytes);
        if status >= 500 || status == 429 {
            return Err(Failure::Transient {
                reason: format!("server answered {status}"),
                network: false,
                retry_after,
                status: Some((status, err)),
            });
        }
        if status == 401 && err.error == "unknown_device" {
            return Err(Failure::Final(SyncError::NotRegistered));
        }
        Err(Failure::Final(SyncError::Server {
            status,
            code: err.error,
            message: err.message,
        }))
    }
}
