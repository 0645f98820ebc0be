//! `POST /v1/venues`: a venue's owner registers it without any credential (the public web
//! page and the phone app do the same), and is shown once the secret that manages it; with
//! that secret the owner enrols staff phones (single-use codes a staff phone redeems with
//! its device credential), lists and removes them. Specified in
//! `docs/venue-registration.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::Id128;

use super::authority::{VenueRequest, VenueResponse};

/// What a venue's owner registers: the venue as the authority would register it, and
/// the owner's phone number. On the wire one flat JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnVenueRequest {
    #[serde(flatten)]
    pub venue: VenueRequest,
    /// The owner's phone number, as typed (`0912 345 678`, `+84 912 345 678`).
    pub contact: String,
}

/// Answer to `POST /v1/venues` (201): the signed code and poster, as the authority's
/// registration answers them, and the management secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnVenueResponse {
    #[serde(flatten)]
    pub venue: VenueResponse,
    /// 32 hex digits; the server keeps only a hash of it.
    pub manage_secret: String,
}

/// The owner's proof for managing a venue they registered (`POST /v1/venues/{id}/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageRequest {
    pub manage_secret: String,
}

/// Answer to `POST /v1/venues/{id}/enrolments` (201): a staff enrolment code, single use,
/// valid until `expires_at`; the staff phone scans it (as a QR) and redeems it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentCode {
    /// `VE1:` and 32 hex digits.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/staff/enrolments` (device credential): a staff phone redeems a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
}

/// Answer to `POST /v1/staff/enrolments`: the venue the device is now staff of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub venue_id: Id128,
    pub venue_name: String,
}

/// One enrolled staff device of a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDevice {
    pub device_id: Id128,
    pub enrolled_at: DateTime<Utc>,
}

/// Answer to `POST /v1/venues/{id}/staff`: the venue's enrolled devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffDevice>,
}

/// `POST /v1/venues/{id}/staff/remove`: the owner removes a device from the venue's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveStaffRequest {
    pub manage_secret: String,
    pub device_id: Id128,
}

/// Answer to `POST /v1/venues/{id}/staff/remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedStaff {
    pub removed: bool,
}

/// Answer to `POST /v1/venues/{id}/revoke` (the owner's management secret in the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedVenue {
    pub revoked: bool,
}
