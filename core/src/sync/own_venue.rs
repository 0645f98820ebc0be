//! A venue's owner registers it on the server (`POST /v1/venues`, no credential): the
//! signed code, the poster and the management secret come back at once. Used by
//! `vaora venue register`, and the seam the phone's "register my venue" builds on. It
//! speaks HTTP through any [`HttpTransport`].

use std::time::Duration;

use vaora_protocol::wire::{ErrorBody, OwnVenueRequest, OwnVenueResponse};

use crate::sync::client::SyncError;
use crate::sync::transport::{HttpRequest, HttpTransport, Method};

/// Registers the venue `request` describes on the server at `server` (base URL).
/// Refusals come back as [`SyncError::Server`] with the server's code: `invalid_venue`,
/// `contact_limit`, `rate_limited`.
pub async fn register_own_venue(
    transport: &dyn HttpTransport,
    server: &str,
    request: &OwnVenueRequest,
) -> Result<OwnVenueResponse, SyncError> {
    let body = serde_json::to_vec(request).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let resp = transport
        .send(HttpRequest {
            method: Method::Post,
            url: format!("{}/v1/venues", server.trim_end_matches('/')),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body,
            timeout: Duration::from_secs(60),
        })
        .await
        .map_err(SyncError::from)?;
    if !(200..300).contains(&resp.status) {
        let err = ErrorBody::from_answer(&resp.body);
        return Err(SyncError::Server {
            status: resp.status,
            code: err.error,
            message: err.message,
        });
    }
    serde_json::from_slice(&resp.body).map_err(|e| SyncError::Protocol(e.to_string()))
}
