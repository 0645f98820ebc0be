//! HTTP on phones comes from the app: the `HttpTransport` foreign trait (Kotlin
//! `HttpUrlConnectionTransport`, Swift `URLSessionTransport` in the idiomatic layers), which
//! the sync engine in core drives through its own `HttpTransport` seam.
//!
//! Why not reqwest + rustls in the library: they, hyper, ring and tokio were about 1 MB of
//! the phone library, and the platform stack brings what apps expect anyway, the system
//! trust store, the user's proxy and certificate pinning (docs/adr/0003-platform-http-on-phones.md).
//! Cancellation crosses over by dropping: when a sync is cancelled, the Rust future of the
//! pending call is dropped and uniffi cancels the foreign coroutine or task.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use vaora_core::sync::transport::{
    self as core_http, HttpTransport as CoreTransport, TransportError,
};

/// One HTTP request the sync engine wants sent.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers to set (names as the protocol spells them).
    pub headers: HashMap<String, String>,
    /// The body; empty for GET.
    pub body: Vec<u8>,
    /// How long the whole exchange may take (connect, send, read), in milliseconds.
    pub timeout_ms: i64,
}

/// A complete answer. Any status is an answer (4xx and 5xx included): only a failure to
/// get one is an error.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpResponse {
    /// 100..=599.
    pub status: i32,
    /// Response headers; names in any case (the engine compares them without case).
    /// `Retry-After` matters for retries.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// Why the app's transport got no complete answer.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HttpError {
    /// No answer: unreachable host, refused or broken connection, timeout. Retried with
    /// backoff; after the last try the sync fails with `OFFLINE` and the outbox is kept.
    #[error("network: {reason}")]
    Network { reason: String },
    /// The request cannot be made at all (malformed URL, unsupported scheme): not retried,
    /// the sync fails with `NETWORK`.
    #[error("HTTP client: {reason}")]
    Client { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // An exception the transport did not map (an IOException subclass it missed, a
        // SecurityException without network permission): treat it as a network failure.
        Self::Network {
            reason: format!("unexpected error in the HTTP transport: {}", err.reason),
        }
    }
}

/// The app's HTTP stack. Both calls are async (Kotlin `suspend`, Swift `async`) and must
/// stop when their coroutine or task is cancelled: that is how a cancelled sync abandons
/// its request.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends the request and returns the complete answer, or `HttpError` when there is none.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
    /// Waits `millis` milliseconds (the backoff before a retry).
    async fn sleep(&self, millis: i64);
}

/// Core's transport seam over the app's implementation.
pub(crate) struct AppTransport(pub(crate) Arc<dyn HttpTransport>);

#[async_trait::async_trait]
impl CoreTransport for AppTransport {
    async fn send(
        &self,
        request: core_http::HttpRequest,
    ) -> Result<core_http::HttpResponse, TransportError> {
        let request = HttpRequest {
            method: request.method.as_str().to_owned(),
            url: request.url,
            headers: request.headers.into_iter().collect(),
            body: request.body,
            timeout_ms: i64::try_from(request.timeout.as_millis()).unwrap_or(i64::MAX),
        };
        match self.0.send(request).await {
            Ok(resp) => Ok(core_http::HttpResponse {
                status: u16::try_from(resp.status)
                    .ok()
                    .filter(|s| (100..=599).contains(s))
                    .ok_or_else(|| {
                        TransportError::Network(format!("not an HTTP status: {}", resp.status))
                    })?,
                headers: resp.headers.into_iter().collect(),
                body: resp.body,
            }),
            Err(HttpError::Network { reason }) => Err(TransportError::Network(reason)),
            Err(HttpError::Client { reason }) => Err(TransportError::Client(reason)),
        }
    }

    async fn sleep(&self, duration: Duration) {
        self.0
            .sleep(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
            .await;
    }
}
