//! Check-in and check-in update bodies.

use chrono::{DateTime, Utc};

use crate::canonical::{CanonicalError, Reader, Writer};
use crate::ids::Id128;
use crate::venue::VenueCategory;

/// How a check-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInMethod {
    /// The person's phone scanned a venue code.
    ScannedVenueCode = 1,
    /// Typed in by hand (no code at the door, or the camera failed).
    ManualEntry = 2,
    /// Venue staff scanned the person's personal code or ID card.
    ScannedByStaff = 3,
}

impl CheckInMethod {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::ScannedVenueCode),
            2 => Some(Self::ManualEntry),
            3 => Some(Self::ScannedByStaff),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScannedVenueCode => "scanned-venue-code",
            Self::ManualEntry => "manual-entry",
            Self::ScannedByStaff => "scanned-by-staff",
        }
    }
}

/// The venue as a check-in knows it. `id` and `issuer_key_id` are known when the check-in
/// came from a verified venue code; manual entries carry the typed name and address only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueRef {
    pub id: Option<Id128>,
    pub name: String,
    pub address: String,
    pub category: VenueCategory,
    pub issuer_key_id: Option<String>,
    /// True when the venue code's authority signature was verified before the check-in.
    pub verified: bool,
}

/// A check-in as signed: one person, one venue, one stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInBody {
    pub id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue: VenueRef,
    pub method: CheckInMethod,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
}

impl CheckInBody {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(&self.id)
            .id(&self.person_id)
            .str(&self.person_name)
            .opt(self.venue.id.as_ref(), |w, v| {
                w.id(v);
            })
            .str(&self.venue.name)
            .str(&self.venue.address)
            .u8(self.venue.category.code())
            .opt(self.venue.issuer_key_id.as_deref(), |w, v| {
                w.str(v);
            })
            .bool(self.venue.verified)
            .u8(self.method.code())
            .time(&self.checked_in_at)
            .opt(self.checked_out_at.as_ref(), |w, v| {
                w.time(v);
            });
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CanonicalError> {
        let mut r = Reader::new(bytes);
        let id = r.id("id")?;
        let person_id = r.id("person_id")?;
        let person_name = r.str("person_name")?;
        let venue_id = r.opt("venue_id", |r| r.id("venue_id"))?;
        let name = r.str("venue_name")?;
        let address = r.str("venue_address")?;
        let cat = r.u8("venue_category")?;
        let category = VenueCategory::from_code(cat).ok_or(CanonicalError::BadValue {
            field: "venue_category",
            value: i64::from(cat),
        })?;
        let issuer_key_id = r.opt("issuer_key_id", |r| r.str("issuer_key_id"))?;
        let verified = r.bool("venue_verified")?;
        let m = r.u8("method")?;
        let method = CheckInMethod::from_code(m).ok_or(CanonicalError::BadValue {
            field: "method",
            value: i64::from(m),
        })?;
        let checked_in_at = r.time("checked_in_at")?;
        let checked_out_at = r.opt("checked_out_at", |r| r.time("checked_out_at"))?;
        r.finish()?;
        Ok(Self {
            id,
            person_id,
            person_name,
            venue: VenueRef {
                id: venue_id,
                name,
                address,
                category,
                issuer_key_id,
                verified,
            },
            method,
            checked_in_at,
            checked_out_at,
        })
    }
}

/// Why a check-in's times changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateReason {
    /// The person checked out.
    CheckOut = 1,
    /// The default stay (or the policy limit, or local midnight) passed.
    AutoCheckOut = 2,
    /// The person corrected the times.
    Edit = 3,
    /// A newer check-in of the same person closed this one.
    Superseded = 4,
}

impl UpdateReason {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::CheckOut),
            2 => Some(Self::AutoCheckOut),
            3 => Some(Self::Edit),
            4 => Some(Self::Superseded),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckOut => "check-out",
            Self::AutoCheckOut => "auto-check-out",
            Self::Edit => "edit",
            Self::Superseded => "superseded",
        }
    }
}

/// New times for an earlier check-in. Its own random id is its idempotency key; the
/// server applies updates of one check-in in `sequence` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInUpdateBody {
    pub id: Id128,
    pub checkin_id: Id128,
    pub sequence: u32,
    pub reason: UpdateReason,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
}

impl CheckInUpdateBody {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(&self.id)
            .id(&self.checkin_id)
            .u32(self.sequence)
            .u8(self.reason.code())
            .time(&self.checked_in_at)
            .opt(self.checked_out_at.as_ref(), |w, v| {
                w.time(v);
            });
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CanonicalError> {
        let mut r = Reader::new(bytes);
        let id = r.id("id")?;
        let checkin_id = r.id("checkin_id")?;
        let sequence = r.u32("sequence")?;
        let code = r.u8("reason")?;
        let reason = UpdateReason::from_code(code).ok_or(CanonicalError::BadValue {
            field: "reason",
            value: i64::from(code),
        })?;
        let checked_in_at = r.time("checked_in_at")?;
        let checked_out_at = r.opt("checked_out_at", |r| r.time("checked_out_at"))?;
        r.finish()?;
        Ok(Self {
            id,
            checkin_id,
            sequence,
            reason,
            checked_in_at,
            checked_out_at,
        })
    }
}
