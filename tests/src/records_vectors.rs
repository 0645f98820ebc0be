//! The record test vectors (`docs/vectors/records.json`): their inputs as JSON, turned
//! into record bodies. Shared by the generator binary and the vector test.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, CodeFinding, InspectionBody, PlaceFinding,
    RecordKind, UpdateReason, VenueRef,
};
use vaora_protocol::venue::VenueCategory;

/// The whole vector file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VectorFile {
    pub spec: String,
    pub domain_hex: String,
    /// RFC 8032 section 7.1 test 1 key: never use it for anything but tests.
    pub secret_key_hex: String,
    pub public_key_hex: String,
    pub records: Vec<Vector>,
}

/// One record: inputs, then the expected bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vector {
    pub name: String,
    pub kind: u8,
    pub fields: Fields,
    pub body_hex: String,
    pub signing_input_hex: String,
    pub signature_hex: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Fields {
    CheckIn(CheckInFields),
    Update(UpdateFields),
    Inspection(InspectionFields),
}

/// An inspection (kind 5); `verdict` is what the fields come to (derived, not signed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InspectionFields {
    pub id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub issuer_key_id: Option<String>,
    pub code: u8,
    pub place: u8,
    pub poster_displayed: bool,
    pub visitors_scanning: bool,
    pub staff_desk_in_use: Option<bool>,
    pub note: String,
    pub inspected_at_ms: i64,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VenueFields {
    pub id: Option<String>,
    pub name: String,
    pub address: String,
    pub category: u8,
    pub issuer_key_id: Option<String>,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckInFields {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub venue: VenueFields,
    pub method: u8,
    pub checked_in_at_ms: i64,
    pub checked_out_at_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateFields {
    pub id: String,
    pub checkin_id: String,
    pub sequence: u32,
    pub reason: u8,
    pub checked_in_at_ms: i64,
    pub checked_out_at_ms: Option<i64>,
}

fn id(s: &str) -> Result<Id128, String> {
    s.parse().map_err(|e| format!("{e}"))
}

fn time(ms: i64) -> Result<DateTime<Utc>, String> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| format!("bad time {ms}"))
}

/// The inspection body the fields describe.
pub fn inspection(f: &InspectionFields) -> Result<InspectionBody, String> {
    Ok(InspectionBody {
        id: id(&f.id)?,
        venue_id: id(&f.venue_id)?,
        venue_name: f.venue_name.clone(),
        issuer_key_id: f.issuer_key_id.clone(),
        code: CodeFinding::from_code(f.code).ok_or("bad code finding")?,
        place: PlaceFinding::from_code(f.place).ok_or("bad place finding")?,
        poster_displayed: f.poster_displayed,
        visitors_scanning: f.visitors_scanning,
        staff_desk_in_use: f.staff_desk_in_use,
        note: f.note.clone(),
        inspected_at: time(f.inspected_at_ms)?,
    })
}

impl Fields {
    /// The record kind and its canonical body.
    pub fn encode(&self) -> Result<(RecordKind, Vec<u8>), String> {
        match self {
            Fields::CheckIn(f) => {
                let body = CheckInBody {
                    id: id(&f.id)?,
                    person_id: id(&f.person_id)?,
                    person_name: f.person_name.clone(),
                    venue: VenueRef {
                        id: f.venue.id.as_deref().map(id).transpose()?,
                        name: f.venue.name.clone(),
                        address: f.venue.address.clone(),
                        category: VenueCategory::from_code(f.venue.category)
                            .ok_or("bad category")?,
                        issuer_key_id: f.venue.issuer_key_id.clone(),
                        verified: f.venue.verified,
                    },
                    method: CheckInMethod::from_code(f.method).ok_or("bad method")?,
                    checked_in_at: time(f.checked_in_at_ms)?,
                    checked_out_at: f.checked_out_at_ms.map(time).transpose()?,
                };
                Ok((RecordKind::CheckIn, body.encode()))
            }
            Fields::Update(f) => {
                let body = CheckInUpdateBody {
                    id: id(&f.id)?,
                    checkin_id: id(&f.checkin_id)?,
                    sequence: f.sequence,
                    reason: UpdateReason::from_code(f.reason).ok_or("bad reason")?,
                    checked_in_at: time(f.checked_in_at_ms)?,
                    checked_out_at: f.checked_out_at_ms.map(time).transpose()?,
                };
                Ok((RecordKind::CheckInUpdate, body.encode()))
            }
            Fields::Inspection(f) => Ok((RecordKind::Inspection, inspection(f)?.encode())),
        }
    }
}
