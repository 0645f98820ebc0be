//! The seam between the sync protocol and an HTTP stack: one request in, one complete
//! answer out, plus a timer for the retry backoff.
//!
//! The protocol (signing, retries, backoff, idempotency, cancellation) lives in
//! [`crate::sync::client`] and never names an HTTP library. Phones implement this trait
//! with the platform's own stack (Kotlin `HttpURLConnection`, Swift `URLSession`, through
//! the FFI crate), which brings the system trust store, proxies and certificate pinning and
//! keeps reqwest, rustls, ring and tokio out of the phone library
//! (docs/adr/0003-platform-http-on-phones.md). Tools and tests use
//! [`crate::sync::reqwest_transport`] (feature `reqwest-transport`).

use std::time::Duration;

/// The HTTP methods the protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request: the full URL, the headers to set, the body (empty for GET), and how long
/// the whole exchange may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Duration,
}

/// A complete answer: any status (4xx and 5xx are answers, not transport errors), the
/// headers, and the whole body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no complete answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached, the connection broke, or the time ran out: retried
    /// with backoff, then reported as offline.
    #[error("network: {0}")]
    Network(String),
    /// The transport cannot make this request at all (a malformed URL, a broken client):
    /// retrying would not help.
    #[error("HTTP client: {0}")]
    Client(String),
}

/// An HTTP stack the sync engine drives. Dropping a returned future must abandon the
/// request (that is how cancellation reaches the network).
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the complete answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Waits `duration` (the backoff before a retry).
    async fn sleep(&self, duration: Duration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case_and_takes_the_first() {
        let resp = HttpResponse {
            status: 429,
            headers: vec![
                ("retry-after".into(), "3".into()),
                ("Retry-After".into(), "9".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: Vec::new(),
        };
        assert_eq!(resp.header("Retry-After"), Some("3"));
        assert_eq!(resp.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(resp.header("Location"), None);
        assert_eq!(Method::Post.as_str(), "POST");
    }
}
