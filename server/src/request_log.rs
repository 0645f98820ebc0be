//! One log line per request, with an id the answer carries (`X-Request-Id`), and that id on
//! every line logged while the request is served (`current_request_id`): a `503
//! storage_unavailable` an operator sees at a phone can be found in the server's log.
//!
//! What is logged: the method, the route as declared (`/v1/venues/{id}/staff`, never the
//! ids in the path, never the query), the status and the time taken. Never a body, a
//! header, a name, a card or a device key. `vaora serve` installs the logger that writes
//! these lines (`cli/src/serve.rs`); a server embedded without one logs nothing.

use std::time::Instant;

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header that carries a request's id in the answer.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being served on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

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
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let status = resp.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    metrics.request(method.as_str(), &route, status, seconds);
    let ms = seconds * 1000.0;
    let line = format!("request {id} {method} {route} {status} {ms:.1} ms");
    if status >= 500 {
        log::warn!(target: "vaora_server::request", "{line}");
    } else {
        log::info!(target: "vaora_server::request", "{line}");
    }
    resp
}
