//! A venue's owner registers it on the server (`POST /v1/venues`, no credential): the
//! signed code, the poster and the management secret come back at once. Used by
//! `vaora venue register`, and the seam the phone's "register my venue" builds on. It
//! speaks HTTP through any [`HttpTransport`].

use std::time::Duration;

use vaora_protocol::wire::{ErrorBody, OwnVenueRequest, OwnVenueResponse};

use crate::diary::{MyVenue, SharedDiary};
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

/// Registers the venue (as [`register_own_venue`]) and keeps it in the diary's "my
/// venues" with its code and management secret (what the app shows again, and opens the
/// staff desk with). The diary is locked only to store the answer.
pub async fn register_and_keep(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    server: &str,
    request: &OwnVenueRequest,
) -> Result<MyVenue, SyncError> {
    let resp = register_own_venue(transport, server, request).await?;
    let info = vaora_protocol::venue::VenueCode::parse(&resp.venue.code)
        .map_err(|e| SyncError::Protocol(format!("the server's venue code: {e}")))?
        .info;
    if info.venue_id != resp.venue.venue_id {
        return Err(SyncError::Protocol(
            "the server's venue code names another venue".into(),
        ));
    }
    let venue = MyVenue {
        venue_id: resp.venue.venue_id,
        name: info.name,
        code_text: resp.venue.code,
        manage_secret: resp.manage_secret,
        contact: request.contact.trim().to_owned(),
        server: server.trim_end_matches('/').to_owned(),
        // Whole milliseconds, as the diary keeps times.
        registered_at: chrono::DateTime::from_timestamp_millis(
            chrono::Utc::now().timestamp_millis(),
        )
        .unwrap_or_default(),
    };
    diary.lock().add_my_venue(&venue)?;
    Ok(venue)
}
