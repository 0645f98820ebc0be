//! The health authority's requests and answers: cases, tracing, publishing, venue
//! registration.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::downloads::ExposureWindow;
use crate::ids::Id128;

/// `POST /v1/authority/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The case's device; absent for a card holder's case (`card`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Id128>,
    /// Only this person's check-ins (a household member); all of the device's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Id128>,
    /// A card holder without a phone: the CCCD or BHYT number as typed or scanned (12
    /// digits, or 2 letters and 13 digits; spaces and dashes ignored). Exactly one of
    /// `device_id` and `card`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResponse {
    pub case_id: Id128,
    /// How many of the case's stays at a known venue (a venue id) overlap the period, as
    /// stored when the case was marked (updates applied, an open stay counting 4 h).
    pub checkins: u64,
}

/// What the server's venue registry says of a venue id a check-in named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueStatus {
    /// Registered and not revoked.
    Registered,
    /// Registered, then revoked.
    Revoked,
    /// Not in the registry (issued elsewhere, or an id a device made up).
    Unknown,
}

/// How a contact was identified at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifiedBy {
    /// Their own phone checked them in (alerts reach that phone).
    #[default]
    Phone,
    /// Venue staff scanned their personal code.
    StaffPersonalCode,
    /// Venue staff scanned their citizen ID card.
    StaffCccd,
    /// Venue staff scanned their health insurance card.
    StaffBhyt,
}

impl IdentifiedBy {
    /// Staff recorded the visit: the contact's `device_id` is the staff device, and the
    /// person may have no phone to alert (a tracer calls them).
    pub fn by_staff(self) -> bool {
        self != Self::Phone
    }
}

/// One person whose stay overlapped a case's at the same venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The device that recorded the stay: the person's own phone, or (when staff
    /// recorded the visit) the staff device.
    pub device_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    /// Absent in answers from servers before issue 17: `phone`.
    #[serde(default)]
    pub identified_by: IdentifiedBy,
    /// The birth year staff read from a card or a personal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    pub venue_id: Id128,
    /// The venue's name in the registry ("" for an unknown venue): never the name a
    /// device put in its check-in.
    pub venue_name: String,
    pub venue_status: VenueStatus,
    pub overlap_from: DateTime<Utc>,
    pub overlap_until: DateTime<Utc>,
    /// Staff recorded the visit with a device the venue's owner enrolled as its staff
    /// (absent, false, in answers from servers before enrolment).
    #[serde(default)]
    pub enrolled_staff: bool,
}

/// `GET /v1/authority/cases/{id}/contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceResponse {
    pub case_id: Id128,
    pub contacts: Vec<Contact>,
}

/// `POST /v1/authority/cases/{id}/publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishResponse {
    pub case_id: Id128,
    /// Windows newly published by this call (publishing again adds none).
    pub published: u64,
    pub windows: Vec<ExposureWindow>,
}

/// `POST /v1/authority/venues`: register a venue in the server's registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRequest {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// Ward / commune for the console's statistics; may be empty.
    #[serde(default)]
    pub ward: String,
    /// A category name as `vaora venue create --category` takes it (`office`, `market`, …);
    /// `other` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Stay assumed when nobody checks out, printed into the code (minutes); 60 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stay_minutes: Option<u16>,
}

impl VenueRequest {
    /// A venue with only a name: no address or ward, category `other`, a 60-minute stay.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            address: String::new(),
            ward: String::new(),
            category: None,
            stay_minutes: None,
        }
    }
}

/// Answer to `POST /v1/authority/venues` (201): the signed code and its poster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueResponse {
    pub venue_id: Id128,
    /// The signed venue code as printed in the QR (`docs/venue-code.md`).
    pub code: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    /// The poster as an SVG document.
    pub poster_svg: String,
    /// The same poster as a PNG, standard base64 with padding.
    pub poster_png_base64: String,
}

/// `POST /v1/authority/inspectors`: certify a registered device as a field inspector
/// (issue 19); `revoke: true` withdraws the certification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorRequest {
    pub device_id: Id128,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoke: bool,
}

/// Answer to `POST /v1/authority/inspectors`: whether the device is an inspector now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorResponse {
    pub device_id: Id128,
    pub inspector: bool,
}
