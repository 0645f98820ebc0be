//! An inspector's phone and the server (issue 19): redeeming the authority's single-use
//! code that certifies this device as an inspector (`POST /v1/inspectors/enrolments`),
//! and downloading a ward's venue list for offline work (`GET /v1/inspections/work-list`),
//! kept in the diary. Both use the device credential; the inspections themselves go up
//! with the ordinary sync.

use vaora_protocol::wire::{InspectorEnrolRequest, InspectorResponse, WorkList};

use crate::diary::SharedDiary;
use crate::sync::cancel::CancelToken;
use crate::sync::client::SyncError;
use crate::sync::exchange::{Body, Exchange};
use crate::sync::options::{SyncOptions, SyncProgress};
use crate::sync::transport::{HttpTransport, Method};

/// Calls the server this diary is registered with, as this device.
async fn call(
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

/// Redeems an inspector code (`VI1:…`, scanned from the console): this device is now a
/// certified inspector. A used, expired or unknown code is [`SyncError::Server`] with code
/// `enrolment_invalid`.
pub async fn enrol_as_inspector(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    code: &str,
) -> Result<InspectorResponse, SyncError> {
    let body = serde_json::to_vec(&InspectorEnrolRequest {
        code: code.trim().to_owned(),
    })
    .map_err(|e| SyncError::Protocol(e.to_string()))?;
    let bytes = call(
        transport,
        diary,
        Method::Post,
        "/v1/inspectors/enrolments",
        Body::Json(body),
    )
    .await?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))
}

/// Downloads ward `ward`'s venue list ('' = every ward), each venue marked due when not
/// inspected for `days`, and keeps it in the diary (replacing the previous list): what
/// [`crate::diary::Diary::check_poster`] checks a poster against offline. The number of
/// venues kept. A device that is not an inspector gets [`SyncError::Server`] with code
/// `not_inspector`.
pub async fn download_work_list(
    transport: &dyn HttpTransport,
    diary: &SharedDiary,
    ward: &str,
    days: u32,
) -> Result<WorkList, SyncError> {
    let path = format!(
        "/v1/inspections/work-list?ward={}&days={days}",
        query_value(ward.trim())
    );
    let bytes = call(transport, diary, Method::Get, &path, Body::Empty).await?;
    let list: WorkList =
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()))?;
    diary.lock().save_work_list(&list)?;
    Ok(list)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ward_names_are_percent_encoded() {
        assert_eq!(super::query_value("Bến Nghé"), "B%E1%BA%BFn%20Ngh%C3%A9");
        assert_eq!(super::query_value("a&days=1"), "a%26days%3D1");
    }
}
