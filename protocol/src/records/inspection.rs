//! Inspections (`RecordKind::Inspection`, issue 19): what a certified inspector found at a
//! venue's door, signed by the inspector's device.
//!
//! Why a record of its own: an inspection is evidence the authority acts on (a venue
//! without its poster, a poster in the wrong place), so it is signed and synced like a
//! check-in, and the server stores it only from devices the authority certified. It names
//! a venue, never a visitor. The phone's offline verdict on the scanned code and its
//! check against the ward's venue list travel as the inspector's statements; the verdict
//! shown to people ([`InspectionBody::verdict`]) is derived from the fields, never signed
//! separately, so it cannot disagree with them.
//!
//! Encoding (`docs/records.md`, "Inspection (kind 5)"): `id | u8 version (1) | id venue_id |
//! str venue_name | opt str issuer_key_id | u8 code | u8 place | bool poster_displayed |
//! bool visitors_scanning | opt bool staff_desk_in_use | str note | time inspected_at`.

use chrono::{DateTime, Utc};

use crate::canonical::{CanonicalError, Reader, Writer};
use crate::identity::DeviceIdentity;
use crate::ids::Id128;
use crate::records::{RecordError, RecordKind, SignedRecord};
use crate::venue::Verification;

pub const INSPECTION_BODY_VERSION: u8 = 1;
/// Longest note (characters).
pub const MAX_NOTE: usize = 500;

/// What the inspector's phone said of the scanned code, offline, against its trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeFinding {
    /// Signed by a trusted authority key, in its validity, not revoked.
    Genuine = 1,
    /// The venue or its signing key is revoked.
    Revoked = 2,
    /// Outside its validity (expired, or not yet valid).
    Expired = 3,
    /// Not signed by a key the phone trusts (unknown key id or a bad signature): forged.
    NotGenuine = 4,
}

impl CodeFinding {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Genuine),
            2 => Some(Self::Revoked),
            3 => Some(Self::Expired),
            4 => Some(Self::NotGenuine),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Genuine => "genuine",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::NotGenuine => "not-genuine",
        }
    }
    /// The finding for a verification of a code that parsed; `None` for a text that is
    /// not a venue code at all (nothing to inspect).
    pub fn from_verification(v: &Verification) -> Option<Self> {
        Some(match v {
            Verification::Valid => Self::Genuine,
            Verification::KeyRevoked | Verification::VenueRevoked => Self::Revoked,
            Verification::Expired | Verification::NotYetValid => Self::Expired,
            Verification::UnknownKeyId | Verification::BadSignature => Self::NotGenuine,
            Verification::Malformed(_) => return None,
        })
    }
}

/// Whether the scanned code is the one registered for the place, as far as the phone knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceFinding {
    /// Not checked: offline without a downloaded venue list for the ward.
    NotChecked = 0,
    /// The code's venue is on the ward's list (or the server's registry) under this name.
    Registered = 1,
    /// The code's venue is not on the list, or is listed under another name.
    NotRegistered = 2,
}

impl PlaceFinding {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::NotChecked),
            1 => Some(Self::Registered),
            2 => Some(Self::NotRegistered),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotChecked => "not-checked",
            Self::Registered => "registered",
            Self::NotRegistered => "not-registered",
        }
    }
}

/// The verdict an inspection comes to (derived from its fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectionVerdict {
    /// A genuine code for this place, the poster up and visitors scanning.
    Compliant,
    /// The code is genuine but the poster is not up or visitors do not scan.
    NonCompliant,
    /// The code at the door is revoked, expired, forged or not this place's.
    CodeProblem,
}

impl InspectionVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::NonCompliant => "non-compliant",
            Self::CodeProblem => "code-problem",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "compliant" => Some(Self::Compliant),
            "non-compliant" => Some(Self::NonCompliant),
            "code-problem" => Some(Self::CodeProblem),
            _ => None,
        }
    }
}

/// Why an inspection record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectionError {
    #[error("the record is not an inspection")]
    WrongKind,
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("malformed inspection: {0}")]
    Malformed(#[from] CanonicalError),
}

/// An inspection as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionBody {
    pub id: Id128,
    pub venue_id: Id128,
    /// The venue's name as the scanned code gives it.
    pub venue_name: String,
    pub issuer_key_id: Option<String>,
    pub code: CodeFinding,
    pub place: PlaceFinding,
    pub poster_displayed: bool,
    pub visitors_scanning: bool,
    /// Absent when not observed (the venue has no staff desk, or no one needed it).
    pub staff_desk_in_use: Option<bool>,
    /// A short note (may be empty); about the venue, never about a visitor.
    pub note: String,
    pub inspected_at: DateTime<Utc>,
}

impl InspectionBody {
    /// The verdict: a code problem first, then poster and scanning. The staff desk and
    /// the note inform the authority but do not change the verdict.
    pub fn verdict(&self) -> InspectionVerdict {
        if self.code != CodeFinding::Genuine || self.place == PlaceFinding::NotRegistered {
            InspectionVerdict::CodeProblem
        } else if self.poster_displayed && self.visitors_scanning {
            InspectionVerdict::Compliant
        } else {
            InspectionVerdict::NonCompliant
        }
    }

    pub fn sign(&self, identity: &DeviceIdentity) -> SignedRecord {
        identity.sign_record(RecordKind::Inspection, self.encode())
    }

    pub fn from_record(record: &SignedRecord) -> Result<Self, InspectionError> {
        if record.kind != RecordKind::Inspection {
            return Err(InspectionError::WrongKind);
        }
        record.verify()?;
        Ok(Self::decode(&record.body)?)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(&self.id)
            .u8(INSPECTION_BODY_VERSION)
            .id(&self.venue_id)
            .str(&self.venue_name)
            .opt(self.issuer_key_id.as_deref(), |w, k| {
                w.str(k);
            })
            .u8(self.code.code())
            .u8(self.place.code())
            .bool(self.poster_displayed)
            .bool(self.visitors_scanning)
            .opt(self.staff_desk_in_use.as_ref(), |w, d| {
                w.bool(*d);
            })
            .str(&self.note)
            .time(&self.inspected_at);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CanonicalError> {
        let mut r = Reader::new(bytes);
        let id = r.id("id")?;
        let version = r.u8("version")?;
        if version != INSPECTION_BODY_VERSION {
            return Err(bad("version", version));
        }
        let venue_id = r.id("venue_id")?;
        let venue_name = r.str("venue_name")?;
        let issuer_key_id = r.opt("issuer_key_id", |r| r.str("issuer_key_id"))?;
        let c = r.u8("code")?;
        let code = CodeFinding::from_code(c).ok_or(bad("code", c))?;
        let p = r.u8("place")?;
        let place = PlaceFinding::from_code(p).ok_or(bad("place", p))?;
        let poster_displayed = r.bool("poster_displayed")?;
        let visitors_scanning = r.bool("visitors_scanning")?;
        let staff_desk_in_use = r.opt("staff_desk_in_use", |r| r.bool("staff_desk_in_use"))?;
        let note = r.str("note")?;
        let inspected_at = r.time("inspected_at")?;
        r.finish()?;
        Ok(Self {
            id,
            venue_id,
            venue_name,
            issuer_key_id,
            code,
            place,
            poster_displayed,
            visitors_scanning,
            staff_desk_in_use,
            note,
            inspected_at,
        })
    }
}

fn bad(field: &'static str, v: u8) -> CanonicalError {
    CanonicalError::BadValue {
        field,
        value: i64::from(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> InspectionBody {
        InspectionBody {
            id: Id128::from_bytes([1; 16]),
            venue_id: Id128::from_bytes([2; 16]),
            venue_name: "Phở Bà Lan".into(),
            issuer_key_id: Some("0a1b2c3d".into()),
            code: CodeFinding::Genuine,
            place: PlaceFinding::Registered,
            poster_displayed: true,
            visitors_scanning: true,
            staff_desk_in_use: None,
            note: String::new(),
            inspected_at: Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap(),
        }
    }

    #[test]
    fn bodies_round_trip_and_refuse_unknown_codes_and_trailing_bytes() {
        let mut b = sample();
        assert_eq!(InspectionBody::decode(&b.encode()).unwrap(), b);
        b.staff_desk_in_use = Some(false);
        b.note = "poster behind the door".into();
        b.issuer_key_id = None;
        assert_eq!(InspectionBody::decode(&b.encode()).unwrap(), b);
        let bytes = b.encode();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(InspectionBody::decode(&trailing).is_err());
        assert!(InspectionBody::decode(&bytes[..bytes.len() - 1]).is_err());
        // The code finding sits after id, version, venue id and name and the absent key id.
        let at = 16 + 1 + 16 + 4 + b.venue_name.len() + 1;
        for bad in [0u8, 5, 0xff] {
            let mut x = bytes.clone();
            x[at] = bad;
            assert!(InspectionBody::decode(&x).is_err(), "code {bad}");
        }
        let mut x = bytes.clone();
        x[at + 1] = 3;
        assert!(InspectionBody::decode(&x).is_err(), "place 3");
        let mut x = bytes;
        x[16] = 2;
        assert!(InspectionBody::decode(&x).is_err(), "version 2");
    }

    #[test]
    fn the_verdict_puts_the_code_first_then_poster_and_scanning() {
        let good = sample();
        assert_eq!(good.verdict(), InspectionVerdict::Compliant);
        let unchecked = InspectionBody {
            place: PlaceFinding::NotChecked,
            ..good.clone()
        };
        assert_eq!(unchecked.verdict(), InspectionVerdict::Compliant);
        let no_poster = InspectionBody {
            poster_displayed: false,
            ..good.clone()
        };
        assert_eq!(no_poster.verdict(), InspectionVerdict::NonCompliant);
        let no_scans = InspectionBody {
            visitors_scanning: false,
            ..good.clone()
        };
        assert_eq!(no_scans.verdict(), InspectionVerdict::NonCompliant);
        for code in [
            CodeFinding::Revoked,
            CodeFinding::Expired,
            CodeFinding::NotGenuine,
        ] {
            let b = InspectionBody {
                code,
                ..good.clone()
            };
            assert_eq!(b.verdict(), InspectionVerdict::CodeProblem);
        }
        let elsewhere = InspectionBody {
            place: PlaceFinding::NotRegistered,
            ..good
        };
        assert_eq!(elsewhere.verdict(), InspectionVerdict::CodeProblem);
    }

    #[test]
    fn only_a_venue_code_that_parsed_can_be_inspected() {
        assert_eq!(
            CodeFinding::from_verification(&Verification::VenueRevoked),
            Some(CodeFinding::Revoked)
        );
        assert_eq!(
            CodeFinding::from_verification(&Verification::BadSignature),
            Some(CodeFinding::NotGenuine)
        );
        assert_eq!(
            CodeFinding::from_verification(&Verification::Malformed(
                crate::venue::MalformedCode::NoPrefix
            )),
            None
        );
    }
}
