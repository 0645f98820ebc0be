//! What a server accepts from an upload, record by record (`docs/sync-protocol.md`,
//! "Per-record checks"): each kind's body read into its type and held to the rules the
//! phone itself follows — sizes, texts, believable times — or refused with a reason.
//!
//! Why here and not in the server: these are rules of the format, shared with phones and
//! fuzzed on their own (`fuzz-sync/`); the server turns a [`Received`] into rows. Nothing
//! a device uploads is stored unread: a declaration is stored only when it is a
//! declaration the app could have made, a staff check-in only when it is a visit the staff
//! desk could have recorded.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::declare::{DeclarationBody, DeclaredFor, StaffCheckInBody};
use crate::exposure::DEFAULT_STAY_MS;
use crate::ids::Id128;
use crate::records::{CheckInBody, CheckInUpdateBody, InspectionBody, MAX_NOTE, RecordKind};

/// Longest person name (characters), as the diary keeps them.
pub const MAX_PERSON_NAME: usize = 100;
/// Longest venue name and issuer key id in a check-in (characters), as the diary keeps them.
pub const MAX_VENUE_NAME: usize = 200;
/// Longest venue address in a check-in (characters).
pub const MAX_VENUE_ADDRESS: usize = 300;
/// Shortest and longest validity of a declaration.
pub const MIN_VALIDITY_MS: i64 = 3_600_000;
pub const MAX_VALIDITY_MS: i64 = 14 * 86_400_000;

/// The limits a server holds received records to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveRules {
    /// Largest record body in bytes.
    pub max_record_bytes: usize,
    /// How far in the future a record's time may be (phones' clock drift).
    pub max_future_ms: i64,
    /// How old a record's time may be.
    pub max_age_ms: i64,
    /// Longest stay.
    pub max_stay_ms: i64,
}

/// A stay as the server traces it: `[from_ms, until_ms)` (an open stay counts 4 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stay {
    pub from_ms: i64,
    pub until_ms: i64,
}

/// A received record, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    CheckIn(CheckInBody, Stay),
    Update(CheckInUpdateBody, Stay),
    Declaration(DeclarationBody),
    /// A visit recorded by venue staff; the stay is the visit's (issue 17 traces it).
    StaffCheckIn(StaffCheckInBody, Stay),
    /// What an inspector found at a venue (issue 19); the server stores it only from a
    /// certified inspector.
    Inspection(InspectionBody),
}

impl Received {
    /// The record id (the first 16 bytes of every body).
    pub fn id(&self) -> Id128 {
        match self {
            Self::CheckIn(c, _) => c.id,
            Self::Update(u, _) => u.id,
            Self::Declaration(d) => d.id,
            Self::StaffCheckIn(s, _) => s.checkin.id,
            Self::Inspection(i) => i.id,
        }
    }

    /// The time the record is about (Unix ms): what retention ages it by.
    pub fn at_ms(&self) -> i64 {
        match self {
            Self::CheckIn(_, s) | Self::Update(_, s) | Self::StaffCheckIn(_, s) => s.from_ms,
            Self::Declaration(d) => d.declared_at.timestamp_millis(),
            Self::Inspection(i) => i.inspected_at.timestamp_millis(),
        }
    }
}

fn text(what: &str, value: &str, max: usize, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(())
}

/// A time the phone says something happened at, if it is believable now.
fn believable(at: DateTime<Utc>, now_ms: i64, rules: &ReceiveRules) -> Result<i64, String> {
    let at = at.timestamp_millis();
    if at > now_ms.saturating_add(rules.max_future_ms) {
        return Err("the record's time is in the future".into());
    }
    if at < now_ms.saturating_sub(rules.max_age_ms) {
        return Err("the record's time is older than the retention window".into());
    }
    Ok(at)
}

/// A stay's times (an open stay lasts the default stay), if they are believable.
fn stay(
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    now_ms: i64,
    rules: &ReceiveRules,
) -> Result<Stay, String> {
    let from_ms = believable(from, now_ms, rules)?;
    let until_ms = until.map_or(from_ms + DEFAULT_STAY_MS, |t| t.timestamp_millis());
    if until_ms < from_ms || until_ms - from_ms > rules.max_stay_ms {
        return Err("check-out is before check-in or the stay is too long".into());
    }
    Ok(Stay { from_ms, until_ms })
}

fn checkin_texts(c: &CheckInBody) -> Result<(), String> {
    text("the person's name", &c.person_name, MAX_PERSON_NAME, true)?;
    text("the venue name", &c.venue.name, MAX_VENUE_NAME, false)?;
    text(
        "the venue address",
        &c.venue.address,
        MAX_VENUE_ADDRESS,
        false,
    )?;
    if let Some(k) = &c.venue.issuer_key_id {
        text("the issuer key id", k, MAX_VENUE_NAME, false)?;
    }
    Ok(())
}

/// The latest calendar day anywhere on Earth at `at` (UTC+14): a declaration's "today"
/// was the declaring phone's local day, which the server does not know.
fn latest_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(14)).date_naive()
}

fn declaration(d: &DeclarationBody, now_ms: i64, rules: &ReceiveRules) -> Result<(), String> {
    text("the subject's name", &d.subject.name, MAX_PERSON_NAME, true)?;
    if let DeclaredFor::HouseholdMember { declarant } = &d.declared_for {
        text(
            "the declarant's name",
            &declarant.name,
            MAX_PERSON_NAME,
            true,
        )?;
    }
    let at = believable(d.declared_at, now_ms, rules)?;
    let validity = d.valid_until.timestamp_millis() - at;
    if !(MIN_VALIDITY_MS..=MAX_VALIDITY_MS).contains(&validity) {
        return Err("the declaration's validity is not between 1 hour and 14 days".into());
    }
    d.answers
        .validate(latest_day(d.declared_at))
        .map_err(|e| format!("declaration answers: {e}"))
}

fn staff(s: &StaffCheckInBody, now_ms: i64, rules: &ReceiveRules) -> Result<Stay, String> {
    checkin_texts(&s.checkin)?;
    stay(
        s.checkin.checked_in_at,
        s.checkin.checked_out_at,
        now_ms,
        rules,
    )
}

fn inspection(i: &InspectionBody, now_ms: i64, rules: &ReceiveRules) -> Result<(), String> {
    text("the venue name", &i.venue_name, MAX_VENUE_NAME, false)?;
    if let Some(k) = &i.issuer_key_id {
        text("the issuer key id", k, MAX_VENUE_NAME, false)?;
    }
    if i.note.chars().count() > MAX_NOTE {
        return Err(format!("the note is longer than {MAX_NOTE} characters"));
    }
    if i.note.chars().any(|c| c.is_control() && c != '\n') {
        return Err("the note contains control characters".into());
    }
    believable(i.inspected_at, now_ms, rules)?;
    Ok(())
}

/// Reads and checks one uploaded body of `kind` at server time `now_ms`, in the order of
/// the spec: size, record id, the body's type, its texts and times. The reason says what
/// failed.
pub fn receive(
    kind: RecordKind,
    body: &[u8],
    now_ms: i64,
    rules: &ReceiveRules,
) -> Result<Received, String> {
    if body.len() > rules.max_record_bytes {
        return Err(format!(
            "record body larger than {} bytes",
            rules.max_record_bytes
        ));
    }
    if body.len() < 16 {
        return Err("record body ends early while reading id".into());
    }
    match kind {
        RecordKind::CheckIn => {
            let c = CheckInBody::decode(body).map_err(|e| e.to_string())?;
            checkin_texts(&c)?;
            let s = stay(c.checked_in_at, c.checked_out_at, now_ms, rules)?;
            Ok(Received::CheckIn(c, s))
        }
        RecordKind::CheckInUpdate => {
            let u = CheckInUpdateBody::decode(body).map_err(|e| e.to_string())?;
            let s = stay(u.checked_in_at, u.checked_out_at, now_ms, rules)?;
            Ok(Received::Update(u, s))
        }
        RecordKind::Declaration => {
            let d = DeclarationBody::decode(body).map_err(|e| e.to_string())?;
            declaration(&d, now_ms, rules)?;
            Ok(Received::Declaration(d))
        }
        RecordKind::StaffCheckIn => {
            let s = StaffCheckInBody::decode(body).map_err(|e| e.to_string())?;
            let visit = staff(&s, now_ms, rules)?;
            Ok(Received::StaffCheckIn(s, visit))
        }
        RecordKind::Inspection => {
            let i = InspectionBody::decode(body).map_err(|e| e.to_string())?;
            inspection(&i, now_ms, rules)?;
            Ok(Received::Inspection(i))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::{Answers, DeclarePolicy, PersonRef};
    use chrono::TimeZone;

    const RULES: ReceiveRules = ReceiveRules {
        max_record_bytes: 4096,
        max_future_ms: 600_000,
        max_age_ms: 60 * 86_400_000,
        max_stay_ms: 86_400_000,
    };

    fn declared(now: DateTime<Utc>) -> DeclarationBody {
        DeclarationBody::new(
            Id128::from_bytes([5; 16]),
            PersonRef {
                id: Id128::from_bytes([6; 16]),
                name: "Phạm Văn Đức".into(),
                birth_year: Some(1950),
            },
            DeclaredFor::Myself,
            Answers::all_clear(),
            now,
            now.date_naive(),
            &DeclarePolicy::default(),
        )
        .unwrap()
    }

    #[test]
    fn declarations_are_held_to_the_apps_rules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let ms = now.timestamp_millis();
        let good = declared(now);
        let got = receive(RecordKind::Declaration, &good.encode(), ms, &RULES).unwrap();
        assert_eq!(got.id(), good.id);
        assert_eq!(got.at_ms(), ms);
        let mut long = good.clone();
        long.valid_until = now + Duration::days(30);
        let mut nameless = good.clone();
        nameless.subject.name = "\u{1b}[2J".into();
        let mut stale = good.clone();
        stale.declared_at = now - Duration::days(61);
        stale.valid_until = stale.declared_at + Duration::days(1);
        for bad in [long, nameless, stale] {
            assert!(receive(RecordKind::Declaration, &bad.encode(), ms, &RULES).is_err());
        }
        // Garbage behind an id, and a body one byte over the limit.
        let mut junk = good.id.as_bytes().to_vec();
        junk.extend([0xff; 300]);
        assert!(receive(RecordKind::Declaration, &junk, ms, &RULES).is_err());
        assert!(receive(RecordKind::StaffCheckIn, &junk, ms, &RULES).is_err());
        assert!(receive(RecordKind::Declaration, &[0; 4097], ms, &RULES).is_err());
        assert!(receive(RecordKind::CheckIn, &[0; 15], ms, &RULES).is_err());
    }

    #[test]
    fn inspections_are_held_to_the_apps_rules() {
        use crate::records::{CodeFinding, PlaceFinding};
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        let ms = now.timestamp_millis();
        let good = InspectionBody {
            id: Id128::from_bytes([9; 16]),
            venue_id: Id128::from_bytes([8; 16]),
            venue_name: "Phở Hòa".into(),
            issuer_key_id: Some("0a1b2c3d".into()),
            code: CodeFinding::Genuine,
            place: PlaceFinding::Registered,
            poster_displayed: true,
            visitors_scanning: false,
            staff_desk_in_use: None,
            note: "Áp phích sau quầy\ndòng hai".into(),
            inspected_at: now,
        };
        let got = receive(RecordKind::Inspection, &good.encode(), ms, &RULES).unwrap();
        assert_eq!(got.id(), good.id);
        assert_eq!(got.at_ms(), ms);
        assert_eq!(got, Received::Inspection(good.clone()));
        let long = InspectionBody {
            note: "x".repeat(MAX_NOTE + 1),
            ..good.clone()
        };
        let escape = InspectionBody {
            note: "\u{1b}[2J".into(),
            ..good.clone()
        };
        let future = InspectionBody {
            inspected_at: now + Duration::hours(1),
            ..good.clone()
        };
        let stale = InspectionBody {
            inspected_at: now - Duration::days(61),
            ..good.clone()
        };
        let markup_name = InspectionBody {
            venue_name: "x".repeat(MAX_VENUE_NAME + 1),
            ..good
        };
        for bad in [long, escape, future, stale, markup_name] {
            assert!(receive(RecordKind::Inspection, &bad.encode(), ms, &RULES).is_err());
        }
        // Another kind's body read as an inspection.
        let declared = declared(now).encode();
        assert!(receive(RecordKind::Inspection, &declared, ms, &RULES).is_err());
    }

    #[test]
    fn times_at_the_ends_of_the_range_do_not_overflow() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let rules = ReceiveRules {
            max_future_ms: i64::MAX,
            max_age_ms: i64::MAX,
            ..RULES
        };
        for now in [i64::MIN, i64::MAX, 0] {
            let _ = believable(at, now, &rules);
            let _ = believable(at, now, &RULES);
        }
    }
}
