//! Staff check-ins in the encrypted diary: the visitors this device recorded at a venue's
//! door (from a personal code or an ID card), each kept exactly as signed and queued for
//! sync in the same transaction, with the visit's stay: open until staff check the visitor
//! out or the venue's default stay ends it. Each end is a signed check-in update
//! (`UpdateReason::CheckOut` or `AutoCheckOut`, sequence 1) naming the visit's check-in id,
//! so the server derives the visitor's stay exactly as it does a phone owner's. The
//! workflow that makes them is the staff desk (`crate::desk`).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use vaora_protocol::declare::{StaffCheckInBody, VisitorSource};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInUpdateBody, RecordKind, SignedRecord, UpdateReason};

use super::declarations::{corrupt, record_from_row};
use super::error::DiaryError;
use super::handle::Diary;
use super::outbox::enqueue;
use super::time::{from_ms, local_day_start, to_ms};

/// A visit the desk recorded, with its stay as the diary knows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffVisit {
    pub body: StaffCheckInBody,
    pub record: SignedRecord,
    /// When the venue's default stay ends the visit (`None` for visits recorded before
    /// the diary kept stays: they are listed as ended, time unknown).
    pub auto_out_at: Option<DateTime<Utc>>,
    /// When the visit ended, if it has.
    pub checked_out_at: Option<DateTime<Utc>>,
    /// How it ended: staff checked the visitor out, or the default stay ran out.
    pub out_reason: Option<UpdateReason>,
}

impl StaffVisit {
    /// Whether the visitor is still inside at `now`.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.checked_out_at.is_none() && self.auto_out_at.is_some_and(|end| end > now)
    }
}

/// The key under which one visitor is recognised at the door again: the personal code's
/// declaration id, or the card's keyed hash (this device's key, never the number).
pub(crate) fn visitor_key(source: &VisitorSource) -> Vec<u8> {
    match source {
        VisitorSource::PersonalCode { declaration_id, .. } => declaration_id.as_bytes().to_vec(),
        VisitorSource::IdCard { card_hash, .. } => card_hash.to_vec(),
    }
}

const VISIT_COLUMNS: &str =
    "device_key, body, signature, auto_out_at, checked_out_at, out_reason FROM staff_checkins";

fn visit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SignedRecord, [Option<i64>; 3])> {
    Ok((
        record_from_row(RecordKind::StaffCheckIn, r)?,
        [r.get(3)?, r.get(4)?, r.get(5)?],
    ))
}

fn visit(record: SignedRecord, times: [Option<i64>; 3]) -> Result<StaffVisit, DiaryError> {
    let body = StaffCheckInBody::decode(&record.body).map_err(corrupt)?;
    let [auto, out, reason] = times;
    let out_reason = match reason {
        None => None,
        Some(code) => Some(
            u8::try_from(code)
                .ok()
                .and_then(UpdateReason::from_code)
                .ok_or_else(|| corrupt(format!("staff visit end reason {code}")))?,
        ),
    };
    Ok(StaffVisit {
        body,
        record,
        auto_out_at: auto.map(from_ms).transpose()?,
        checked_out_at: out.map(from_ms).transpose()?,
        out_reason,
    })
}

/// Ends one visit with a signed update (sequence 1: a visit ends once) queued for sync.
fn end_visit(
    conn: &Connection,
    identity: &DeviceIdentity,
    id: &Id128,
    checked_in_at: i64,
    out_at: i64,
    reason: UpdateReason,
    now: &DateTime<Utc>,
) -> Result<(), DiaryError> {
    let body = CheckInUpdateBody {
        id: Id128::random()?,
        checkin_id: *id,
        sequence: 1,
        reason,
        checked_in_at: from_ms(checked_in_at)?,
        checked_out_at: Some(from_ms(out_at)?),
    };
    let record = identity.sign_record(RecordKind::CheckInUpdate, body.encode());
    conn.prepare_cached(
        "UPDATE staff_checkins SET checked_out_at = ?2, out_reason = ?3
         WHERE id = ?1 AND checked_out_at IS NULL",
    )?
    .execute(params![id.as_bytes(), out_at, reason.code()])?;
    enqueue(conn, &record, &body.id, id, now)?;
    Ok(())
}

/// Ends every open visit whose default stay is over, at its end. Runs inside the caller's
/// transaction, before any other desk write, so a stay is never left open past its end.
fn close_due(
    conn: &Connection,
    identity: &DeviceIdentity,
    now: &DateTime<Utc>,
) -> Result<usize, DiaryError> {
    let due: Vec<(Vec<u8>, i64, i64)> = conn
        .prepare_cached(
            "SELECT id, checked_in_at, auto_out_at FROM staff_checkins
             WHERE checked_out_at IS NULL AND auto_out_at <= ?1",
        )?
        .query_map([to_ms(now)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, start, end) in &due {
        let id = Id128::from_slice(id).map_err(corrupt)?;
        end_visit(
            conn,
            identity,
            &id,
            *start,
            *end,
            UpdateReason::AutoCheckOut,
            now,
        )?;
    }
    Ok(due.len())
}

impl Diary {
    /// Signs and stores a staff check-in (and queues it for sync) in one transaction; the
    /// visit stays open for `default_stay` unless staff check the visitor out first.
    pub fn save_staff_checkin(
        &self,
        body: &StaffCheckInBody,
        default_stay: Duration,
    ) -> Result<SignedRecord, DiaryError> {
        let record = body.sign(self.identity());
        let start = body.checkin.checked_in_at;
        let auto_out = start
            .checked_add_signed(default_stay)
            .ok_or_else(|| DiaryError::Invalid("the default stay is out of range".into()))?;
        let now = self.clock().now();
        let tx = self.conn().unchecked_transaction()?;
        close_due(&tx, self.identity(), &now)?;
        tx.execute(
            "INSERT INTO staff_checkins (id, checked_in_at, device_key, body, signature,
                 venue_id, visitor_key, auto_out_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                body.checkin.id.as_bytes(),
                to_ms(&start),
                record.device_key.as_slice(),
                record.body,
                record.signature.as_slice(),
                body.checkin
                    .venue
                    .id
                    .as_ref()
                    .map(|v| v.as_bytes().to_vec()),
                visitor_key(&body.source),
                to_ms(&auto_out),
            ],
        )?;
        let id = body.checkin.id;
        enqueue(&tx, &record, &id, &id, &start)?;
        tx.commit()?;
        log::info!("staff check-in stored");
        Ok(record)
    }

    /// The visit of this visitor (see `visitor_key`) at this venue that is still open now,
    /// if any: the desk answers "already inside" instead of recording a second visit.
    pub fn open_staff_visit(
        &self,
        venue_id: Option<&Id128>,
        source: &VisitorSource,
    ) -> Result<Option<StaffVisit>, DiaryError> {
        let now = to_ms(&self.clock().now());
        let sql = format!(
            "SELECT {VISIT_COLUMNS} WHERE visitor_key = ?1 AND checked_out_at IS NULL
                 AND auto_out_at > ?2 AND venue_id IS ?3
             ORDER BY checked_in_at DESC LIMIT 1"
        );
        let row = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(
                params![
                    visitor_key(source),
                    now,
                    venue_id.map(|v| v.as_bytes().to_vec())
                ],
                visit_from_row,
            )
            .optional()?;
        row.map(|(record, times)| visit(record, times)).transpose()
    }

    /// Staff check a visitor out now: the visit ends and a signed update is queued. A visit
    /// that already ended (checked out, or its default stay ran out) is not changed.
    pub fn check_out_staff_visit(&self, id: &Id128) -> Result<DateTime<Utc>, DiaryError> {
        let now = self.clock().now();
        let tx = self.conn().unchecked_transaction()?;
        close_due(&tx, self.identity(), &now)?;
        let open: Option<(i64, Option<i64>)> = tx
            .prepare_cached(
                "SELECT checked_in_at, checked_out_at FROM staff_checkins WHERE id = ?1",
            )?
            .query_row([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let start = match open {
            None => return Err(DiaryError::NotFound("no such visit".into())),
            Some((_, Some(_))) => {
                return Err(DiaryError::Invalid("the visit has already ended".into()));
            }
            Some((start, None)) => start,
        };
        // A visit recorded with a clock ahead of now ends where it began, never before.
        let out = to_ms(&now).max(start);
        end_visit(
            &tx,
            self.identity(),
            id,
            start,
            out,
            UpdateReason::CheckOut,
            &now,
        )?;
        tx.commit()?;
        log::info!("staff visit checked out");
        from_ms(out)
    }

    /// Ends every visit whose default stay is over (also done by every desk write); returns
    /// how many ended.
    pub fn close_due_staff_visits(&self) -> Result<usize, DiaryError> {
        let now = self.clock().now();
        let tx = self.conn().unchecked_transaction()?;
        let closed = close_due(&tx, self.identity(), &now)?;
        tx.commit()?;
        Ok(closed)
    }

    /// The visits recorded since the start of today (the local day of the diary's clock)
    /// at the venue `venue_id` (every venue when `None`), newest first, with their stays.
    pub fn staff_visits_today(
        &self,
        venue_id: Option<&Id128>,
    ) -> Result<Vec<StaffVisit>, DiaryError> {
        let now = self.clock().now();
        let offset = self.clock().local_offset();
        let since = local_day_start(now.with_timezone(&offset).date_naive(), offset);
        let sql = format!(
            "SELECT {VISIT_COLUMNS} WHERE checked_in_at >= ?1 AND (?2 IS NULL OR venue_id = ?2)
             ORDER BY checked_in_at DESC, id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![to_ms(&since), venue_id.map(|v| v.as_bytes().to_vec())],
            visit_from_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (record, times) = row?;
            out.push(visit(record, times)?);
        }
        Ok(out)
    }

    /// Every staff check-in this device recorded, newest first.
    pub fn staff_checkins(&self) -> Result<Vec<(StaffCheckInBody, SignedRecord)>, DiaryError> {
        let mut stmt = self.conn().prepare(
            "SELECT device_key, body, signature FROM staff_checkins ORDER BY checked_in_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| record_from_row(RecordKind::StaffCheckIn, r))?;
        let mut out = Vec::new();
        for row in rows {
            let record = row?;
            let body = StaffCheckInBody::decode(&record.body).map_err(corrupt)?;
            out.push((body, record));
        }
        Ok(out)
    }
}
