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
use vaora_protocol::venue;

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
    pub birth_year: Option<i32>,
    /// The device owner: created with the diary, named `DiaryOptions.owner_name` (default
    /// "Tôi", Vietnamese for "me"); rename with `renamePerson`. Cannot be removed.
    pub is_owner: bool,
    pub created_at: SystemTime,
}

impl From<Person> for PersonInfo {
    fn from(p: Person) -> Self {
        Self {
            id: p.id.to_hex(),
            display_name: p.display_name,
            relation: p.relation,
            birth_year: p.birth_year.map(i32::from),
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
    pub category: VenueCategory,
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
            category: v.category.into(),
            issuer_key_id: v.issuer_key_id,
            verified: v.verified,
        }
    }
}

/// What kind of place a venue is (docs/venue-code.md; the number is its code there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VenueCategory {
    Office = 1,
    School = 2,
    Market = 3,
    Supermarket = 4,
    Clinic = 5,
    Pharmacy = 6,
    TransportStation = 7,
    PublicVehicle = 8,
    Factory = 9,
    RestaurantOrShop = 10,
    CommunityHouse = 11,
    Other = 12,
}

impl From<venue::VenueCategory> for VenueCategory {
    fn from(c: venue::VenueCategory) -> Self {
        use venue::VenueCategory as V;
        match c {
            V::Office => Self::Office,
            V::School => Self::School,
            V::Market => Self::Market,
            V::Supermarket => Self::Supermarket,
            V::Clinic => Self::Clinic,
            V::Pharmacy => Self::Pharmacy,
            V::TransportStation => Self::TransportStation,
            V::PublicVehicle => Self::PublicVehicle,
            V::Factory => Self::Factory,
            V::RestaurantOrShop => Self::RestaurantOrShop,
            V::CommunityHouse => Self::CommunityHouse,
            V::Other => Self::Other,
        }
    }
}

impl From<VenueCategory> for venue::VenueCategory {
    fn from(c: VenueCategory) -> Self {
        use venue::VenueCategory as V;
        match c {
            VenueCategory::Office => V::Office,
            VenueCategory::School => V::School,
            VenueCategory::Market => V::Market,
            VenueCategory::Supermarket => V::Supermarket,
            VenueCategory::Clinic => V::Clinic,
            VenueCategory::Pharmacy => V::Pharmacy,
            VenueCategory::TransportStation => V::TransportStation,
            VenueCategory::PublicVehicle => V::PublicVehicle,
            VenueCategory::Factory => V::Factory,
            VenueCategory::RestaurantOrShop => V::RestaurantOrShop,
            VenueCategory::CommunityHouse => V::CommunityHouse,
            VenueCategory::Other => V::Other,
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
