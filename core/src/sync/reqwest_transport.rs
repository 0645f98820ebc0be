//! [`HttpTransport`] on reqwest + rustls (ring provider, no OpenSSL for TLS) and tokio's
//! timer (feature `reqwest-transport`): the CLI, the end-to-end tests and the benches.
//! Needs a tokio runtime with the time driver. Phones do not build it: they pass their
//! platform's HTTP stack through the FFI crate instead.

use std::time::Duration;

use crate::sync::transport::{HttpRequest, HttpResponse, HttpTransport, Method, TransportError};

/// A reqwest client shared by every request of a sync (connections are reused).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new() -> Result<Self, TransportError> {
        // Already installed is fine: one provider per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| TransportError::Client(e.to_string()))?;
        Ok(Self { http })
    }
}

#[async_trait::async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut req = self
            .http
            .request(method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            req = req.header(name, value);
        }
        if !request.body.is_empty() {
            req = req.body(request.body);
        }
        // A refused connection and a bad URL look alike to reqwest's `send`; only the
        // builder tells them apart.
        let req = req
            .build()
            .map_err(|e| TransportError::Client(e.to_string()))?;
        let resp = self
            .http
            .execute(req)
            .await
            .map_err(|e| TransportError::Network(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        // A body cut mid-response is a network failure like any other: retried.
        let body = resp
            .bytes()
            .await
            .map_err(|e| TransportError::Network(format!("reading the answer: {e}")))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
