//! One structured log event per request, with an id the answer carries (`X-Request-Id`),
//! and that id on every event logged while the request is served: each request is served
//! inside a `tracing` span `request{id}`, so a `503 storage_unavailable` an operator sees at
//! a phone can be found in the server's log (the `log` crate's lines join the span through
//! the subscriber's log bridge).
//!
//! What is logged: the method, the route as declared (`/v1/venues/{id}/staff`, never the
//! ids in the path, never the query), the status and the time taken, as fields. Never a
//! body, a header, a name, a card or a device key. `vaora serve` installs the subscriber
//! that writes these lines, as text or JSON (`cli/src/server_log.rs`); a server embedded
//! without one logs nothing.

use std::time::Instant;

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use tracing::Instrument;

/// The header that carries a request's id in the answer.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A fresh id: 16 hex digits (random; a counter when randomness fails).
fn new_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        bytes = NEXT
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_be_bytes();
    }
    hex::encode(bytes)
}

/// The middleware: serves the request under a new id, answers with the id, logs one line.
/// Counts the request in the server's metrics (`crate::metrics`) too.
pub(crate) async fn layer(
    State(metrics): State<Arc<crate::metrics::Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = new_id();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let span = tracing::info_span!(target: "vaora_server::request", "request", id = %id);
    let mut resp = next.run(req).instrument(span.clone()).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let status = resp.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    metrics.request(method.as_str(), &route, status, seconds);
    // Milliseconds to a tenth.
    let ms = (seconds * 10_000.0).round() / 10.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(target: "vaora_server::request", method = %method, route = %route, status, ms, "request");
        } else {
            tracing::info!(target: "vaora_server::request", method = %method, route = %route, status, ms, "request");
        }
    });
    resp
}
