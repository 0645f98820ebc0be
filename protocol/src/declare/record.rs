//! The signed declaration record (`RecordKind::Declaration`): who it is for, who made it,
//! when, until when, and the answers, in the canonical positional encoding of
//! [`crate::canonical`] so Kotlin, Swift and the server rebuild the exact bytes.
//!
//! A declaration made for a household member is its own kind of subject, not a flag: the
//! body names the declarant (the device owner) next to the person it is for, so the
//! authority knows who vouched for the answers.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::answers::{AnswerError, Answers, MAX_TRAVEL_ENTRIES, Symptom, TravelEntry};
use super::summary::Summary;
use crate::canonical::{CanonicalError, Reader, Writer};
use crate::identity::DeviceIdentity;
use crate::ids::Id128;
use crate::records::{RecordError, RecordKind, SignedRecord};

/// Body format version, the first byte after the id.
pub const BODY_VERSION: u8 = 1;

/// A person as a declaration names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: Id128,
    pub name: String,
    pub birth_year: Option<u16>,
}

/// Whom a declaration is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredFor {
    /// The device owner declares for themself.
    Myself,
    /// The device owner (`declarant`) declares for a household member (the subject).
    HouseholdMember { declarant: PersonRef },
}

impl DeclaredFor {
    pub fn is_proxy(&self) -> bool {
        matches!(self, Self::HouseholdMember { .. })
    }
}

/// How declarations are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarePolicy {
    /// How long a declaration holds (default 24 h; 1 h to 14 days).
    pub validity: Duration,
}

impl Default for DeclarePolicy {
    fn default() -> Self {
        Self {
            validity: Duration::hours(24),
        }
    }
}

/// Why a declaration could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeclarationError {
    #[error(transparent)]
    Answers(#[from] AnswerError),
    #[error("the validity must be between 1 hour and 14 days")]
    BadValidity,
    #[error("the person's name is empty or too long")]
    BadName,
    #[error("the record is not a declaration")]
    WrongKind,
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("malformed declaration: {0}")]
    Malformed(#[from] CanonicalError),
}

/// A declaration as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationBody {
    pub id: Id128,
    /// The person the declaration is about.
    pub subject: PersonRef,
    pub declared_for: DeclaredFor,
    pub declared_at: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub answers: Answers,
}

impl DeclarationBody {
    /// Validates and builds a declaration made `now` under `policy`.
    pub fn new(
        id: Id128,
        subject: PersonRef,
        declared_for: DeclaredFor,
        answers: Answers,
        now: DateTime<Utc>,
        local_today: NaiveDate,
        policy: &DeclarePolicy,
    ) -> Result<Self, DeclarationError> {
        if policy.validity < Duration::hours(1) || policy.validity > Duration::days(14) {
            return Err(DeclarationError::BadValidity);
        }
        check_name(&subject.name)?;
        if let DeclaredFor::HouseholdMember { declarant } = &declared_for {
            check_name(&declarant.name)?;
        }
        answers.validate(local_today)?;
        Ok(Self {
            id,
            subject,
            declared_for,
            declared_at: now,
            valid_until: now + policy.validity,
            answers,
        })
    }

    pub fn summary(&self) -> Summary {
        Summary::of(&self.answers, self.valid_until)
    }

    /// Whether the declaration still holds at `now` (until `valid_until`, exclusive): only
    /// then is a personal code made from it.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now < self.valid_until
    }

    pub fn sign(&self, identity: &DeviceIdentity) -> SignedRecord {
        identity.sign_record(RecordKind::Declaration, self.encode())
    }

    /// Verifies a signed record and reads the declaration in it.
    pub fn from_record(record: &SignedRecord) -> Result<Self, DeclarationError> {
        if record.kind != RecordKind::Declaration {
            return Err(DeclarationError::WrongKind);
        }
        record.verify()?;
        Ok(Self::decode(&record.body)?)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(&self.id).u8(BODY_VERSION);
        write_person(&mut w, &self.subject);
        match &self.declared_for {
            DeclaredFor::Myself => {
                w.u8(1);
            }
            DeclaredFor::HouseholdMember { declarant } => {
                w.u8(2);
                write_person(&mut w, declarant);
            }
        }
        w.time(&self.declared_at).time(&self.valid_until);
        let a = &self.answers;
        // Bounded by validation (MAX_TRAVEL_ENTRIES).
        w.u32(u32::try_from(a.travel.len()).unwrap_or(u32::MAX));
        for t in &a.travel {
            w.str(&t.place).u16(t.province);
        }
        w.u16(a.symptom_mask())
            .opt(a.other_symptom.as_deref(), |w, v| {
                w.str(v);
            })
            .bool(a.contact_confirmed)
            .bool(a.contact_suspected)
            .bool(a.contact_outbreak_area)
            .u8(a.vaccine_doses)
            .opt(a.last_dose_on.as_ref(), |w, d| {
                w.str(&d.format("%Y-%m-%d").to_string());
            })
            .opt(a.phone.as_deref(), |w, v| {
                w.str(v);
            });
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, CanonicalError> {
        let mut r = Reader::new(bytes);
        let id = r.id("id")?;
        let version = r.u8("version")?;
        if version != BODY_VERSION {
            return Err(CanonicalError::BadValue {
                field: "version",
                value: i64::from(version),
            });
        }
        let subject = read_person(&mut r, "subject")?;
        let declared_for = match r.u8("declared_for")? {
            1 => DeclaredFor::Myself,
            2 => DeclaredFor::HouseholdMember {
                declarant: read_person(&mut r, "declarant")?,
            },
            other => {
                return Err(CanonicalError::BadValue {
                    field: "declared_for",
                    value: i64::from(other),
                });
            }
        };
        let declared_at = r.time("declared_at")?;
        let valid_until = r.time("valid_until")?;
        let count = r.u32("travel_count")? as usize;
        if count > MAX_TRAVEL_ENTRIES {
            return Err(CanonicalError::BadValue {
                field: "travel_count",
                value: count as i64,
            });
        }
        let mut travel = Vec::with_capacity(count);
        for _ in 0..count {
            let place = r.str("travel_place")?;
            let province = r.u16("travel_province")?;
            travel.push(TravelEntry { place, province });
        }
        let mask = r.u16("symptoms")?;
        let symptoms: Vec<Symptom> = Symptom::ALL
            .into_iter()
            .filter(|s| mask & s.bit() != 0)
            .collect();
        let known = symptoms.iter().fold(0u16, |m, s| m | s.bit());
        if known != mask {
            return Err(CanonicalError::BadValue {
                field: "symptoms",
                value: i64::from(mask),
            });
        }
        let other_symptom = r.opt("other_symptom", |r| r.str("other_symptom"))?;
        let contact_confirmed = r.bool("contact_confirmed")?;
        let contact_suspected = r.bool("contact_suspected")?;
        let contact_outbreak_area = r.bool("contact_outbreak_area")?;
        let vaccine_doses = r.u8("vaccine_doses")?;
        let last_dose_on = r
            .opt("last_dose_on", |r| r.str("last_dose_on"))?
            .map(|s| {
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| CanonicalError::BadValue {
                    field: "last_dose_on",
                    value: 0,
                })
            })
            .transpose()?;
        let phone = r.opt("phone", |r| r.str("phone"))?;
        r.finish()?;
        Ok(Self {
            id,
            subject,
            declared_for,
            declared_at,
            valid_until,
            answers: Answers {
                travel,
                symptoms,
                other_symptom,
                contact_confirmed,
                contact_suspected,
                contact_outbreak_area,
                vaccine_doses,
                last_dose_on,
                phone,
            },
        })
    }
}

fn check_name(name: &str) -> Result<(), DeclarationError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(DeclarationError::BadName);
    }
    Ok(())
}

fn write_person(w: &mut Writer, p: &PersonRef) {
    w.id(&p.id).str(&p.name).opt(p.birth_year.as_ref(), |w, y| {
        w.u16(*y);
    });
}

fn read_person(r: &mut Reader<'_>, field: &'static str) -> Result<PersonRef, CanonicalError> {
    Ok(PersonRef {
        id: r.id(field)?,
        name: r.str(field)?,
        birth_year: r.opt(field, |r| r.u16(field))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn person(b: u8, name: &str) -> PersonRef {
        PersonRef {
            id: Id128::from_bytes([b; 16]),
            name: name.into(),
            birth_year: Some(1950),
        }
    }

    #[test]
    fn proxy_declaration_round_trips_and_verifies() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let answers = Answers {
            symptoms: vec![Symptom::Fever, Symptom::Diarrhoea],
            other_symptom: Some("chóng mặt".into()),
            vaccine_doses: 2,
            last_dose_on: NaiveDate::from_ymd_opt(2021, 9, 1),
            ..Answers::default()
        };
        let body = DeclarationBody::new(
            Id128::from_bytes([9; 16]),
            person(1, "Phạm Văn Đức"),
            DeclaredFor::HouseholdMember {
                declarant: person(2, "Phạm Thị Lan"),
            },
            answers,
            now,
            now.date_naive(),
            &DeclarePolicy::default(),
        )
        .unwrap();
        assert_eq!(body.valid_until, now + Duration::hours(24));
        let id = DeviceIdentity::from_secret_bytes(&[7; 32]).unwrap();
        let rec = body.sign(&id);
        assert_eq!(rec.id().unwrap(), body.id);
        assert_eq!(DeclarationBody::from_record(&rec).unwrap(), body);
        let mut bad = rec.clone();
        let last = bad.body.len() - 1;
        bad.body[last] ^= 1;
        assert!(matches!(
            DeclarationBody::from_record(&bad),
            Err(DeclarationError::Record(RecordError::BadSignature))
        ));
        let mut trailing = body.encode();
        trailing.push(0);
        assert_eq!(
            DeclarationBody::decode(&trailing),
            Err(CanonicalError::TrailingBytes(1))
        );
    }

    #[test]
    fn policy_and_names_are_checked() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let mk = |name: &str, hours: i64| {
            DeclarationBody::new(
                Id128::from_bytes([9; 16]),
                person(1, name),
                DeclaredFor::Myself,
                Answers::all_clear(),
                now,
                now.date_naive(),
                &DeclarePolicy {
                    validity: Duration::hours(hours),
                },
            )
        };
        assert_eq!(mk(" ", 24).unwrap_err(), DeclarationError::BadName);
        assert_eq!(mk("An", 0).unwrap_err(), DeclarationError::BadValidity);
        assert_eq!(mk("An", 48).unwrap().valid_until, now + Duration::hours(48));
    }
}
