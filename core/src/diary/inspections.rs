//! Field inspection on the inspector's phone (issue 19, `docs/records.md`, "Inspection"):
//! the poster at the door is checked at once and offline (is the code genuine, revoked or
//! expired, against this diary's trust store; is it the code registered for this place,
//! against a ward's venue list downloaded beforehand), then what the inspector found is
//! signed as an inspection record and queued for sync like any other record.
//!
//! Why in the diary: the check uses the diary's trust store and ward list, and the record
//! must be stored and queued in one transaction (offline first: nothing is lost if the
//! phone never reaches the server today).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CodeFinding, InspectionBody, InspectionVerdict, MAX_NOTE, PlaceFinding, SignedRecord,
};
use vaora_protocol::wire::WorkList;

use super::columns::{id_col, time_col};
use super::error::DiaryError;
use super::handle::Diary;
use super::outbox::enqueue;
use super::time::to_ms;

/// What the phone says of a poster's code at the door, before anything is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosterCheck {
    pub venue_id: Id128,
    /// The venue's name as the code gives it.
    pub venue_name: String,
    pub issuer_key_id: String,
    /// Genuine, revoked, expired or not genuine (offline, against the trust store).
    pub code: CodeFinding,
    /// Registered for this place, not registered, or not checked (no ward list).
    pub place: PlaceFinding,
    /// The ward of the list entry, when the venue is on the downloaded list.
    pub ward: Option<String>,
}

/// What the inspector found, besides the code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionFindings {
    pub poster_displayed: bool,
    pub visitors_scanning: bool,
    /// `None` when not observed.
    pub staff_desk_in_use: Option<bool>,
    pub note: String,
}

/// An inspection this phone recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedInspection {
    pub id: Id128,
    pub venue_id: Id128,
    pub venue_name: String,
    pub verdict: InspectionVerdict,
    pub inspected_at: DateTime<Utc>,
}

/// A venue of the downloaded ward list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardVenue {
    pub venue_id: Id128,
    pub ward: String,
    pub name: String,
    pub address: String,
    pub category: u8,
    pub last_inspected_at: Option<DateTime<Utc>>,
    pub last_verdict: Option<String>,
    /// Not inspected within the list's days when it was downloaded.
    pub due: bool,
}

/// Folds a name for comparison: case and surrounding or repeated spaces do not matter.
fn folded(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Diary {
    /// Checks a scanned poster text, now, offline: the code against the trust store, its
    /// venue against the downloaded ward list (same venue id, same name). A text that is
    /// not a venue code is [`DiaryError::Invalid`].
    pub fn check_poster(&self, text: &str) -> Result<PosterCheck, DiaryError> {
        let verified = self.verify_venue_code(text)?;
        let (Some(code), Some(finding)) = (
            verified.code,
            CodeFinding::from_verification(&verified.result),
        ) else {
            return Err(DiaryError::Invalid(format!(
                "not a venue code: {}",
                verified.result
            )));
        };
        let info = code.info;
        let listed: Option<(String, String)> = self
            .conn()
            .prepare_cached("SELECT name, ward FROM ward_venues WHERE venue_id = ?1")?
            .query_row([info.venue_id.as_bytes().as_slice()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (place, ward) = match listed {
            Some((name, ward)) if folded(&name) == folded(&info.name) => {
                (PlaceFinding::Registered, Some(ward))
            }
            Some((_, ward)) => (PlaceFinding::NotRegistered, Some(ward)),
            // Not on the list: not registered here, unless there is no list at all.
            None if self.has_work_list()? => (PlaceFinding::NotRegistered, None),
            None => (PlaceFinding::NotChecked, None),
        };
        Ok(PosterCheck {
            venue_id: info.venue_id,
            venue_name: info.name,
            issuer_key_id: info.key_id.to_hex(),
            code: finding,
            place,
            ward,
        })
    }

    /// Whether a ward list was downloaded.
    fn has_work_list(&self) -> Result<bool, DiaryError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM ward_venues)")?
            .query_row([], |r| r.get(0))?)
    }

    /// Checks the poster (as [`Diary::check_poster`]), signs what the inspector found as
    /// an inspection record, and stores and queues it in one transaction.
    pub fn record_inspection(
        &self,
        poster_text: &str,
        findings: &InspectionFindings,
    ) -> Result<(InspectionBody, SignedRecord), DiaryError> {
        let note = findings.note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(DiaryError::Invalid(format!(
                "the note is longer than {MAX_NOTE} characters"
            )));
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(DiaryError::Invalid(
                "the note contains control characters".into(),
            ));
        }
        let check = self.check_poster(poster_text)?;
        let now = self.clock().now();
        let body = InspectionBody {
            id: Id128::random().map_err(|e| DiaryError::Invalid(e.to_string()))?,
            venue_id: check.venue_id,
            venue_name: check.venue_name,
            issuer_key_id: Some(check.issuer_key_id),
            code: check.code,
            place: check.place,
            poster_displayed: findings.poster_displayed,
            visitors_scanning: findings.visitors_scanning,
            staff_desk_in_use: findings.staff_desk_in_use,
            note: note.to_owned(),
            // Whole milliseconds: what the record signs.
            inspected_at: DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now),
        };
        let record = body.sign(self.identity());
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO inspections (id, venue_id, venue_name, verdict, inspected_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                body.id.as_bytes().as_slice(),
                body.venue_id.as_bytes().as_slice(),
                body.venue_name,
                body.verdict().as_str(),
                to_ms(&body.inspected_at)
            ],
        )?;
        enqueue(&tx, &record, &body.id, &body.id, &body.inspected_at)?;
        tx.commit()?;
        log::info!("inspection stored");
        Ok((body, record))
    }

    /// The inspections this phone recorded, newest first.
    pub fn inspections(&self) -> Result<Vec<RecordedInspection>, DiaryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, venue_id, venue_name, verdict, inspected_at FROM inspections
             ORDER BY inspected_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| {
            let verdict: String = r.get(3)?;
            Ok((
                id_col(r, 0)?,
                id_col(r, 1)?,
                r.get::<_, String>(2)?,
                verdict,
                time_col(r, 4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, venue_id, venue_name, verdict, inspected_at) = row?;
            let verdict = InspectionVerdict::parse(&verdict)
                .ok_or_else(|| DiaryError::Corrupt(format!("stored verdict {verdict:?}")))?;
            out.push(RecordedInspection {
                id,
                venue_id,
                venue_name,
                verdict,
                inspected_at,
            });
        }
        Ok(out)
    }

    /// Replaces the downloaded ward list with `list` (one ward's, or every ward's).
    pub fn save_work_list(&mut self, list: &WorkList) -> Result<usize, DiaryError> {
        let now = to_ms(&self.clock().now());
        let tx = self.conn().unchecked_transaction()?;
        tx.execute("DELETE FROM ward_venues", [])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO ward_venues (venue_id, ward, name, address, category,
                     last_inspected_at, last_verdict, due, downloaded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (venue_id) DO NOTHING",
            )?;
            for v in &list.venues {
                insert.execute(params![
                    v.venue_id.as_bytes().as_slice(),
                    v.ward,
                    v.name,
                    v.address,
                    i64::from(v.category),
                    v.last_inspected_at.as_ref().map(to_ms),
                    v.last_verdict,
                    v.due,
                    now
                ])?;
            }
        }
        tx.commit()?;
        Ok(list.venues.len())
    }

    /// The downloaded ward list: venues due first, then by name.
    pub fn work_list(&self) -> Result<Vec<WardVenue>, DiaryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT venue_id, ward, name, address, category, last_inspected_at, last_verdict, due
             FROM ward_venues ORDER BY due DESC, name, venue_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let last: Option<i64> = r.get(5)?;
            let category: i64 = r.get(4)?;
            Ok(WardVenue {
                venue_id: id_col(r, 0)?,
                ward: r.get(1)?,
                name: r.get(2)?,
                address: r.get(3)?,
                category: u8::try_from(category).unwrap_or(0),
                last_inspected_at: last.and_then(DateTime::from_timestamp_millis),
                last_verdict: r.get(6)?,
                due: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
