//! An inspector's phone and the server (issue 19): redeeming the authority's single-use
//! code that certifies this device as an inspector (`POST /v1/inspectors/enrolments`),
//! and downloading a ward's venue list for offline work (`GET /v1/inspections/work-list`),
//! kept in the diary. Both use the device credential; the inspections themselves go up
//! with the ordinary sync.

use vaora_protocol::wire::{InspectorEnrolRequest, InspectorResponse, WorkList};

use crate::diary::SharedDiary;
use crate::sync::client::SyncError;
use crate::sync::exchange::{Body, as_registered_device as call};
use crate::sync::transport::{HttpTransport, Method};

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

/// A query value, percent-encoded (every byte but ASCII letters and digits).
fn query_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ward_names_are_percent_encoded() {
        assert_eq!(super::query_value("Bến Nghé"), "B%E1%BA%BFn%20Ngh%C3%A9");
        assert_eq!(super::query_value("a&days=1"), "a%26days%3D1");
    }
}
