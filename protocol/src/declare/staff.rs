//! Staff check-ins (`RecordKind::StaffCheckIn`): venue staff record a visitor who showed a
//! personal code or an ID card instead of scanning the venue poster themself.
//!
//! The visit is an ordinary check-in of that person at the staff's venue (method
//! `ScannedByStaff`), signed by the staff device. The visitor's own person id is not in
//! a personal code (privacy), so the check-in gets a fresh per-visit person id and the
//! body says how the authority can link it: the declaration id and signing device key of
//! the personal code, or the keyed hash of the ID card number.
//!
//! Encoding: `id | u8 version (1) | bytes check-in body (the CheckIn encoding, same id) |
//! opt u16 birth year | u8 source (1 personal code, 2 ID card, 3 ID card with its number
//! sealed to the authority) | source fields` (source 3: `u8 kind | bytes card hash |
//! bytes sealed number`, `docs/id-cards.md`).

use chrono::{DateTime, Utc};

use super::personal_code::{CodeStatus, VerifiedPersonalCode};
use crate::canonical::{CanonicalError, Reader, Writer};
use crate::cards::profile::{CardKind, CardProfile};
use crate::identity::DeviceIdentity;
use crate::ids::Id128;
use crate::records::{CheckInBody, CheckInMethod, RecordError, RecordKind, SignedRecord, VenueRef};

pub const STAFF_BODY_VERSION: u8 = 1;

/// What the staff device saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorSource {
    PersonalCode {
        declaration_id: Id128,
        device_key: [u8; 32],
        /// The code's device was authority-certified at scan time.
        certified: bool,
        /// The code was made by a proxy (a household member's declaration).
        proxy: bool,
        trigger_mask: u16,
        valid_until: DateTime<Utc>,
    },
    IdCard {
        kind: CardKind,
        /// The staff device's own keyed hash (its desk tells a visitor already inside).
        card_hash: [u8; 32],
        /// The number sealed to the authority that signed the venue code
        /// ([`crate::cards::seal`]): what lets the authority link the card across staff
        /// devices. Absent in bodies from before issue 17's sealing (source 2).
        sealed: Option<Vec<u8>>,
    },
}

/// Longest sealed card number a body may carry (the seal of a 15-character number).
pub const MAX_SEALED: usize = crate::cards::seal::SEAL_OVERHEAD + 16;

/// What staff accept at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StaffPolicy {
    /// Refuse personal codes from devices no trusted authority certified.
    pub require_certified: bool,
}

/// Why a staff check-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("the personal code has expired")]
    Expired,
    #[error("the personal code comes from a device no trusted authority certified")]
    UncertifiedDevice,
    #[error("the record is not a staff check-in")]
    WrongKind,
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("malformed staff check-in: {0}")]
    Malformed(#[from] CanonicalError),
}

/// A staff check-in as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffCheckInBody {
    pub checkin: CheckInBody,
    pub birth_year: Option<u16>,
    pub source: VisitorSource,
}

impl StaffCheckInBody {
    /// A visit from a verified personal code, refused when expired or (under a policy that
    /// requires it) uncertified.
    pub fn from_personal_code(
        ids: (Id128, Id128),
        code: &VerifiedPersonalCode,
        venue: VenueRef,
        at: DateTime<Utc>,
        policy: StaffPolicy,
    ) -> Result<Self, StaffError> {
        match code.status {
            CodeStatus::Expired => return Err(StaffError::Expired),
            CodeStatus::ValidSelfSigned if policy.require_certified => {
                return Err(StaffError::UncertifiedDevice);
            }
            _ => {}
        }
        let c = &code.code;
        Ok(Self {
            checkin: visit(ids, &c.display_name, venue, at),
            birth_year: c.birth_year,
            source: VisitorSource::PersonalCode {
                declaration_id: c.declaration_id,
                device_key: c.device_key,
                certified: code.status == CodeStatus::Valid,
                proxy: c.declared_by.is_some(),
                trigger_mask: c.trigger_mask,
                valid_until: c.valid_until,
            },
        })
    }

    /// A visit from a scanned ID card (someone without a phone or a personal code);
    /// `sealed` is its number sealed to the venue code's authority for this visit
    /// (`ids.0`), when the desk knows that authority's key.
    pub fn from_card(
        ids: (Id128, Id128),
        profile: &CardProfile,
        venue: VenueRef,
        at: DateTime<Utc>,
        sealed: Option<Vec<u8>>,
    ) -> Self {
        Self {
            checkin: visit(ids, &profile.display_name, venue, at),
            birth_year: Some(profile.birth_year),
            source: VisitorSource::IdCard {
                kind: profile.kind,
                card_hash: profile.card_hash,
                sealed,
            },
        }
    }

    pub fn sign(&self, identity: &DeviceIdentity) -> SignedRecord {
        identity.sign_record(RecordKind::StaffCheckIn, self.encode())
    }

    pub fn from_record(record: &SignedRecord) -> Result<Self, StaffError> {
        if record.kind != RecordKind::StaffCheckIn {
            return Err(StaffError::WrongKind);
        }
        record.verify()?;
        Ok(Self::decode(&record.body)?)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(&self.checkin.id)
            .u8(STAFF_BODY_VERSION)
            .bytes(&self.checkin.encode())
            .opt(self.birth_year.as_ref(), |w, y| {
                w.u16(*y);
            });
        match &self.source {
            VisitorSource::PersonalCode {
                declaration_id,
                device_key,
                certified,
                proxy,
                trigger_mask,
                valid_until,
            } => {
                w.u8(1)
                    .id(declaration_id)
                    .bytes(device_key)
                    .bool(*certified)
                    .bool(*proxy)
                    .u16(*trigger_mask)
                    .time(valid_until);
            }
            VisitorSource::IdCard {
                kind,
                card_hash,
                sealed: None,
            } => {
                w.u8(2).u8(kind.code()).bytes(card_hash);
            }
            VisitorSource::IdCard {
                kind,
                card_hash,
                sealed: Some(sealed),
            } => {
                w.u8(3).u8(kind.code()).bytes(card_hash).bytes(sealed);
            }
        }
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CanonicalError> {
        let mut r = Reader::new(bytes);
        let id = r.id("id")?;
        let version = r.u8("version")?;
        if version != STAFF_BODY_VERSION {
            return Err(bad("version", version));
        }
        let checkin = CheckInBody::decode(r.bytes("checkin")?)?;
        if checkin.id != id {
            return Err(CanonicalError::BadValue {
                field: "checkin_id",
                value: 0,
            });
        }
        if checkin.method != CheckInMethod::ScannedByStaff {
            return Err(bad("method", checkin.method.code()));
        }
        let birth_year = r.opt("birth_year", |r| r.u16("birth_year"))?;
        let source = match r.u8("source")? {
            1 => VisitorSource::PersonalCode {
                declaration_id: r.id("declaration_id")?,
                device_key: fixed(r.bytes("device_key")?, "device_key")?,
                certified: r.bool("certified")?,
                proxy: r.bool("proxy")?,
                trigger_mask: r.u16("trigger_mask")?,
                valid_until: r.time("valid_until")?,
            },
            source @ (2 | 3) => {
                let k = r.u8("card_kind")?;
                let kind = CardKind::from_code(k).ok_or(bad("card_kind", k))?;
                let card_hash = fixed(r.bytes("card_hash")?, "card_hash")?;
                let sealed = if source == 3 {
                    let sealed = r.bytes("sealed_number")?;
                    if !(crate::cards::seal::SEAL_OVERHEAD..=MAX_SEALED).contains(&sealed.len()) {
                        return Err(CanonicalError::BadValue {
                            field: "sealed_number",
                            value: sealed.len() as i64,
                        });
                    }
                    Some(sealed.to_vec())
                } else {
                    None
                };
                VisitorSource::IdCard {
                    kind,
                    card_hash,
                    sealed,
                }
            }
            other => return Err(bad("source", other)),
        };
        r.finish()?;
        Ok(Self {
            checkin,
            birth_year,
            source,
        })
    }
}

fn visit(ids: (Id128, Id128), name: &str, venue: VenueRef, at: DateTime<Utc>) -> CheckInBody {
    CheckInBody {
        id: ids.0,
        person_id: ids.1,
        person_name: name.to_owned(),
        venue,
        method: CheckInMethod::ScannedByStaff,
        checked_in_at: at,
        checked_out_at: None,
    }
}

fn bad(field: &'static str, v: u8) -> CanonicalError {
    CanonicalError::BadValue {
        field,
        value: i64::from(v),
    }
}

fn fixed<const N: usize>(b: &[u8], field: &'static str) -> Result<[u8; N], CanonicalError> {
    b.try_into().map_err(|_| CanonicalError::BadValue {
        field,
        value: b.len() as i64,
    })
}
