//! Field inspection's control messages (issue 19, `docs/sync-protocol.md`, "Inspection"):
//! the authority's single-use code that certifies an inspector's phone, the phone
//! redeeming it, and a ward's venue list an inspector downloads to work offline. The
//! inspection itself travels as a signed record (kind 5) in the ordinary upload.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::Id128;

/// Answer to `POST /v1/authority/inspector-codes` (and the console's form): a single-use,
/// short-lived code the inspector's phone redeems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorCode {
    /// `VI1:` and 32 hex digits.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/inspectors/enrolments` (device credential): an inspector's phone redeems a
/// code; the answer is an [`super::InspectorResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorEnrolRequest {
    pub code: String,
}

/// One venue of a ward's list: what the phone checks a scanned poster against, and
/// whether it is due for inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkListVenue {
    pub venue_id: Id128,
    pub name: String,
    pub address: String,
    pub ward: String,
    /// Category code (`docs/venue-code.md`).
    pub category: u8,
    /// Registered by its owner (not the authority).
    pub self_registered: bool,
    /// The latest inspection the server keeps (within the retention window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inspected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verdict: Option<String>,
    /// Not inspected within the list's `days`.
    pub due: bool,
}

/// Answer to `GET /v1/inspections/work-list?ward=W&days=N` (inspectors only): the
/// ward's active venues, those not inspected for the longest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkList {
    /// The ward asked for ('' = every ward).
    pub ward: String,
    pub days: u32,
    pub generated_at: DateTime<Utc>,
    pub venues: Vec<WorkListVenue>,
}
