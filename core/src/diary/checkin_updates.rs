//! Changes of a check-in's times: check-out, edits, automatic check-out. Each is a signed
//! `CheckInUpdate` record with its own row in `checkin_updates` and outbox entry, applied to
//! the check-in row in the same transaction, so the server sees exactly what the phone saw.
//! The helpers here also serve a new check-in that supersedes an open one (`checkins.rs`).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::checkin_rows::{CheckIn, free_place};
use super::error::DiaryError;
use super::handle::Diary;
use super::id_index::{note_place, place_of};
use super::outbox::enqueue;
use super::stays::{SELECT_STAY, Stay, StayCache, place_floor, stay_from_row};
use super::time::{next_local_midnight, to_ms, trunc_ms};
use super::write_tx::WriteTx;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInUpdateBody, RecordKind, UpdateReason};

/// When a stay that began at `start` closes by itself.
pub(super) fn auto_out(
    start: &DateTime<Utc>,
    stay: Duration,
    offset: chrono::FixedOffset,
) -> DateTime<Utc> {
    let by_stay = *start + stay;
    let midnight = next_local_midnight(start, offset);
    by_stay.min(midnight)
}

/// Signs a change of times, stores it as an update row and an outbox record, and applies
/// it to the check-in row at `place` (moving it to `new_place` when an edit changes its
/// start, with its `checkin_ids` entry). Runs
/// inside the caller's transaction; the caller updates the stay cache. Returns the
/// update's sequence number.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_update(
    conn: &Connection,
    identity: &DeviceIdentity,
    checkin_id: &Id128,
    place: i64,
    previous_seq: u32,
    reason: UpdateReason,
    checked_in_at: &DateTime<Utc>,
    checked_out_at: Option<&DateTime<Utc>>,
    auto_out_at: &DateTime<Utc>,
    new_place: Option<i64>,
    now: &DateTime<Utc>,
) -> Result<u32, DiaryError> {
    let sequence = previous_seq
        .checked_add(1)
        .ok_or_else(|| DiaryError::Invalid("too many updates of one check-in".into()))?;
    let body = CheckInUpdateBody {
        id: Id128::random()?,
        checkin_id: *checkin_id,
        sequence,
        reason,
        checked_in_at: *checked_in_at,
        checked_out_at: checked_out_at.copied(),
    };
    let record = identity.sign_record(RecordKind::CheckInUpdate, body.encode());
    conn.prepare_cached(
        "INSERT INTO checkin_updates (id, checkin_id, sequence, reason, checked_in_at, checked_out_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        body.id.as_bytes(),
        checkin_id.as_bytes(),
        sequence,
        reason.code(),
        to_ms(checked_in_at),
        checked_out_at.map(to_ms),
        to_ms(now),
    ])?;
    // Only an edit of the start moves the row (a new rowid); the rest update in place.
    let (id, start, out, auto) = (
        checkin_id.as_bytes(),
        to_ms(checked_in_at),
        checked_out_at.map(to_ms),
        to_ms(auto_out_at),
    );
    let out_reason = checked_out_at.map(|_| reason.code());
    let mut values: Vec<&dyn rusqlite::ToSql> =
        vec![&id, &start, &out, &auto, &out_reason, &sequence, &place];
    let sql = match &new_place {
        Some(to) => {
            values.push(to);
            "UPDATE checkins SET place = ?8, checked_in_at = ?2, checked_out_at = ?3,
                auto_out_at = ?4, out_reason = ?5, update_seq = ?6
             WHERE place = ?7 AND id = ?1"
        }
        None => {
            "UPDATE checkins SET checked_out_at = ?3, auto_out_at = ?4, out_reason = ?5,
                update_seq = ?6
             WHERE place = ?7 AND id = ?1 AND checked_in_at = ?2"
        }
    };
    let changed = conn.prepare_cached(sql)?.execute(values.as_slice())?;
    if changed != 1 {
        return Err(DiaryError::NotFound("no such check-in".into()));
    }
    if let Some(to) = new_place {
        note_place(conn, checkin_id, to)?;
    }
    enqueue(conn, &record, &body.id, checkin_id, now)?;
    Ok(sequence)
}

/// Closes every open check-in whose automatic check-out time has come. Runs at the start
/// of every write's transaction.
pub(super) fn close_due(
    conn: &Connection,
    identity: &DeviceIdentity,
    stays: &mut StayCache,
    now: &DateTime<Utc>,
) -> Result<usize, DiaryError> {
    let due: Vec<Stay> = stays
        .open_stays()
        .into_iter()
        .filter(|s| s.auto_out_at <= *now)
        .collect();
    for s in &due {
        let seq = record_update(
            conn,
            identity,
            &s.id,
            s.place,
            s.update_seq,
            UpdateReason::AutoCheckOut,
            &s.checked_in_at,
            Some(&s.auto_out_at),
            &s.auto_out_at,
            None,
            now,
        )?;
        stays.update(&s.id, Some(s.auto_out_at), s.auto_out_at, seq);
    }
    Ok(due.len())
}

pub(super) fn load_stay(conn: &Connection, id: &Id128) -> Result<Stay, DiaryError> {
    let not_found = || DiaryError::NotFound("no such check-in".into());
    let place = place_of(conn, id)?.ok_or_else(not_found)?;
    conn.prepare_cached(&format!("{SELECT_STAY} WHERE place = ?1 AND id = ?2"))?
        .query_row(params![place, id.as_bytes()], stay_from_row)
        .optional()?
        .ok_or_else(not_found)
}

impl Diary {
    /// Checks out one check-in (`Some(id)`) or every open one (`None`), at `at` or now.
    /// Returns the ids that were closed (empty when nothing was open).
    pub fn check_out(
        &mut self,
        id: Option<&Id128>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Id128>, DiaryError> {
        let now = self.clock.now();
        let at = trunc_ms(at.unwrap_or(now));
        if at > now {
            return Err(DiaryError::Invalid(
                "a check-out cannot be in the future".into(),
            ));
        }
        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let identity = &self.identity;
        close_due(&tx, identity, &mut stays, &now)?;
        let targets: Vec<Stay> = match id {
            Some(id) => {
                let s = load_stay(&tx, id)?;
                if s.checked_out_at.is_some() {
                    return Err(DiaryError::Invalid(
                        "that check-in is already checked out".into(),
                    ));
                }
                vec![s]
            }
            None => stays.open_stays(),
        };
        for s in &targets {
            if at <= s.checked_in_at {
                return Err(DiaryError::Invalid(
                    "the check-out must be after the check-in".into(),
                ));
            }
            let seq = record_update(
                &tx,
                identity,
                &s.id,
                s.place,
                s.update_seq,
                UpdateReason::CheckOut,
                &s.checked_in_at,
                Some(&at),
                &s.auto_out_at,
                None,
                &now,
            )?;
            stays.update(&s.id, Some(at), s.auto_out_at, seq);
        }
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(targets.into_iter().map(|s| s.id).collect())
    }

    /// Corrects a check-in's times. The check-out must follow the check-in, neither may be
    /// in the future, and the stay may not overlap another stay of the same person. Only
    /// a still-open check-in may stay open.
    pub fn edit_times(
        &mut self,
        id: &Id128,
        checked_in_at: DateTime<Utc>,
        checked_out_at: Option<DateTime<Utc>>,
    ) -> Result<CheckIn, DiaryError> {
        let now = self.clock.now();
        let offset = self.clock.local_offset();
        let checked_in_at = trunc_ms(checked_in_at);
        let checked_out_at = checked_out_at.map(trunc_ms);
        if checked_in_at > now || checked_out_at.is_some_and(|o| o > now) {
            return Err(DiaryError::Invalid("times cannot be in the future".into()));
        }
        if let Some(out) = checked_out_at
            && out <= checked_in_at
        {
            return Err(DiaryError::Invalid(
                "the check-out must be after the check-in".into(),
            ));
        }
        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let identity = &self.identity;
        close_due(&tx, identity, &mut stays, &now)?;
        let s = load_stay(&tx, id)?;
        if checked_out_at.is_none() && s.checked_out_at.is_some() {
            return Err(DiaryError::Invalid(
                "a closed check-in needs a check-out time".into(),
            ));
        }
        // Keep the stay length the check-in was given, re-capped at the new day's midnight.
        let stay = s.auto_out_at - s.checked_in_at;
        let auto_out_at = auto_out(&checked_in_at, stay, offset);
        if checked_out_at.is_none() && auto_out_at <= now {
            return Err(DiaryError::Invalid(
                "with that check-in time the stay would already have ended; give a check-out time"
                    .into(),
            ));
        }
        let end = checked_out_at.unwrap_or(auto_out_at);
        // Other stays of the person are disjoint, so two questions decide: does one begin
        // inside the new span (a range of the time-ordered table), or does the latest one
        // that begins before it run past its start (a walk back from the new start; edits
        // are rare, so no per-person index is written on every check-in for them).
        let inside: Option<i64> = tx
            .prepare_cached(
                "SELECT 1 FROM checkins WHERE place >= ?3 AND place < ?4
                 AND person_id = ?1 AND id != ?2 LIMIT 1",
            )?
            .query_row(
                params![
                    s.person_id.as_bytes(),
                    id.as_bytes(),
                    place_floor(to_ms(&checked_in_at)),
                    place_floor(to_ms(&end)),
                ],
                |r| r.get(0),
            )
            .optional()?;
        let before_end: Option<i64> = tx
            .prepare_cached(
                "SELECT coalesce(checked_out_at, auto_out_at) FROM checkins
                 WHERE place < ?3 AND person_id = ?1 AND id != ?2
                 ORDER BY place DESC LIMIT 1",
            )?
            .query_row(
                params![
                    s.person_id.as_bytes(),
                    id.as_bytes(),
                    place_floor(to_ms(&checked_in_at))
                ],
                |r| r.get(0),
            )
            .optional()?;
        let overlap = inside.is_some() || before_end.is_some_and(|e| e > to_ms(&checked_in_at));
        if overlap {
            return Err(DiaryError::Invalid(
                "those times overlap another stay of the same person".into(),
            ));
        }
        let new_place = if checked_in_at == s.checked_in_at {
            None
        } else {
            let place = free_place(&tx, &checked_in_at)?;
            stays.note_pending_at(&tx, place)?;
            Some(place)
        };
        record_update(
            &tx,
            identity,
            id,
            s.place,
            s.update_seq,
            UpdateReason::Edit,
            &checked_in_at,
            checked_out_at.as_ref(),
            &auto_out_at,
            new_place,
            &now,
        )?;
        if checked_out_at.is_none() {
            stays.note_open_from(&tx, to_ms(&checked_in_at))?;
        }
        tx.commit()?;
        // An edit can change which stay is a person's latest: the cache is read again
        // when next needed (`stays` is dropped here, not put back).
        drop(stays);
        self.checkin(id)
    }

    /// Closes every open check-in whose automatic check-out time has passed; returns how
    /// many. Runs on open and before every check-in, check-out and edit. Also moves
    /// `open_stays_since` up to the oldest open stay (see `diary::stays`) and gives the
    /// newest check-ins their `checkin_ids` entries (see `diary::id_index`): here, on
    /// `checkpoint` and on `close`, not inside a check-in.
    pub fn apply_auto_checkouts(&mut self) -> Result<usize, DiaryError> {
        let now = self.clock.now();
        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let identity = &self.identity;
        let n = close_due(&tx, identity, &mut stays, &now)?;
        stays.advance(&tx, &now)?;
        stays.index_ids(&tx)?;
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(n)
    }
}
