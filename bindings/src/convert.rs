//! The records Kotlin and Swift see, and their conversions from core types.
//!
//! Ids cross as 32 lowercase hex digits (what the CLI and the server print), instants as
//! `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`). Conversions only copy fields;
//! nothing here decides anything.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use vaora_core::diary::{CheckIn, Person, SyncState};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, VenueRef};

use crate::error::{ErrorCode, VaoraError};

pub(crate) fn to_system_time(t: DateTime<Utc>) -> SystemTime {
    let ms = t.timestamp_millis();
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

pub(crate) fn from_system_time(t: SystemTime) -> Result<DateTime<Utc>, VaoraError> {
    let ms = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).ok(),
        Err(e) => i64::try_from(e.duration().as_millis()).ok().map(|m| -m),
    };
    ms.and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or_else(|| VaoraError::input(ErrorCode::InvalidInput, "time out of range"))
}

pub(crate) fn parse_id(text: &str) -> Result<Id128, VaoraError> {
    Ok(text.parse::<Id128>()?)
}

/// A person in the household (the owner or a member).
#[derive(Debug, Clone, uniffi::Record)]
pub struct PersonInfo {
    pub id: String,
    pub display_name: String,
    pub relation: Option<String>,
    pub birth_year: Option<u16>,
    pub is_owner: bool,
    pub created_at: SystemTime,
}

impl From<Person> for PersonInfo {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.to_hex(),
            display_name: p.display_name,
            relation: p.relation,
            birth_year: p.birth_year,
            is_owner: p.is_owner,
            created_at: to_system_time(p.created_at),
        }
    }
}

/// A venue as recorded with a check-in.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VenueInfo {
    /// The venue id of a scanned code; none for a manual entry.
    pub id: Option<String>,
    pub name: String,
    pub address: String,
    /// Category code 1..12 (docs/venue-code.md).
    pub category_code: u8,
    /// Category slug, e.g. `restaurant-shop`.
    pub category: String,
    pub issuer_key_id: Option<String>,
    /// Whether the code's signature was verified.
    pub verified: bool,
}

impl From<VenueRef> for VenueInfo {
    fn from(v: VenueRef) -> Self {
        Self {
            id: v.id.map(|i| i.to_hex()),
            name: v.name,
            address: v.address,
            category_code: v.category.code(),
            category: v.category.as_str().to_owned(),
            issuer_key_id: v.issuer_key_id,
            verified: v.verified,
        }
    }
}

/// How a check-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CheckInKind {
    ScannedVenueCode,
    ManualEntry,
    ScannedByStaff,
}

impl From<CheckInMethod> for CheckInKind {
    fn from(m: CheckInMethod) -> Self {
        match m {
            CheckInMethod::ScannedVenueCode => Self::ScannedVenueCode,
            CheckInMethod::ManualEntry => Self::ManualEntry,
            CheckInMethod::ScannedByStaff => Self::ScannedByStaff,
        }
    }
}

/// Where a record is in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStatus {
    Pending,
    Synced,
    Rejected,
}

impl From<SyncState> for SyncStatus {
    fn from(s: SyncState) -> Self {
        match s {
            SyncState::Pending => Self::Pending,
            SyncState::Synced => Self::Synced,
            SyncState::Rejected => Self::Rejected,
        }
    }
}

/// One person's stay at a venue.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CheckInInfo {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub venue: VenueInfo,
    pub kind: CheckInKind,
    pub checked_in_at: SystemTime,
    pub checked_out_at: Option<SystemTime>,
    /// When it closes by itself if nobody checks out.
    pub auto_out_at: SystemTime,
    pub sync_status: SyncStatus,
}

impl From<CheckIn> for CheckInInfo {
    fn from(c: CheckIn) -> Self {
        Self {
            id: c.id.to_hex(),
            person_id: c.person_id.to_hex(),
            person_name: c.person_name,
            venue: c.venue.into(),
            kind: c.method.into(),
            checked_in_at: to_system_time(c.checked_in_at),
            checked_out_at: c.checked_out_at.map(to_system_time),
            auto_out_at: to_system_time(c.auto_out_at),
            sync_status: c.sync_state.into(),
        }
    }
}
