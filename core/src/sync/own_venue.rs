//! A venue's owner registers it on the server (`POST /v1/venues`, no credential): the
//! signed code, the poster and the management secret come back at once; with the kept
//! secret the owner asks for staff enrolment codes, which a staff phone redeems with its
//! device credential. Used by
//! `vaora venue register`, and the seam the phone's "register my venue" builds on. It
//! speaks HTTP through any [`HttpTransport`].

use std::time::Duration;

use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    EnrolRequest, Enrolled, EnrolmentCode, ErrorBody, ManageRequest, OwnVenueRequest,
    OwnVenueResponse,
};

use crate::diary::{DiaryError, MyVenue, SharedDiary};
use crate::sync::client::SyncError;
use crate::sync::exchange::{Body, as_registered_device};
use crate::sync::transport::{HttpRequest, HttpTransport, Method};

/// Registers the venue `request` describes on the server at `server` (base URL).
/// Refusals come back as [`SyncError::Server`] with the server's code: `invalid_venue`,
/// `contact_limit`, `rate_limited`.
pub async fn register_own_venue(
    transport: &dyn HttpTransport,
    server: &str,
    request: &OwnVenueRequest,
) -> Result<OwnVenueResponse, SyncError> {
    post_json(transport, server, "/v1/venues", request).await
}

/// POSTs `body` as JSON to `path` on `server` without a credential; the answer as `T`.
async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    transport: &dyn HttpTransport,
    server: &str,
    path: &str,
    body: &B,
) -> Result<T, SyncError> {
    let body = serde_json::to_vec(body).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let resp = transport
        .send(HttpRequest {
            method: Method::Post,
            url: format!("{}{path}", server.trim_end_matches('/')),
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

/// The owner asks the server for a single-use staff enrolment code for a venue kept in
/// "my venues" (its management secret is in the diary); the staff phone scans the code.
pub async fn staff_enrolment_code(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    venue_id: Id128,
) -> Result<EnrolmentCode, SyncError> {
    let venue = diary
        .lock()
        .my_venues()?
        .into_iter()
        .find(|v| v.venue_id == venue_id)
        .ok_or_else(|| DiaryError::NotFound(format!("venue {venue_id} is not one of mine")))?;
    let path = format!("/v1/venues/{}/enrolments", venue_id.to_hex());
    let request = ManageRequest {
        manage_secret: venue.manage_secret,
    };
    post_json(transport, &venue.server, &path, &request).await
}

/// A staff phone (registered with the server) redeems an enrolment code with its device
/// credential: it is now the venue's staff.
pub async fn enrol_as_staff(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    code: &str,
) -> Result<Enrolled, SyncError> {
    let body = serde_json::to_vec(&EnrolRequest {
        code: code.trim().to_owned(),
    })
    .map_err(|e| SyncError::Protocol(e.to_string()))?;
    let bytes = as_registered_device(
        transport,
        diary,
        Method::Post,
        "/v1/staff/enrolments",
        Body::Json(body),
    )
    .await?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
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
