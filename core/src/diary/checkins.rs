//! Check-ins and their rules.
//!
//! One call checks in one or several people (a family arriving together); each person's
//! check-in is its own signed record, and the rows plus their outbox records commit in one
//! transaction, so a crash leaves all of them or none. Every later change of times
//! (check-out, auto check-out, edit, being superseded by a newer check-in) is a signed
//! `CheckInUpdate` record, so the server sees exactly what the phone saw.
//!
//! Rules: one person has at most one open check-in and stays never overlap (a new
//! check-in closes the open one at its own start; a check-in may not start before the
//! person's latest stay ended). An open check-in closes by itself at the venue's default
//! stay (or the policy default, 4 h) and never later than the local midnight after it
//! began. Times can be edited: check-out after check-in, nothing in the future.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::columns::{id_col, opt_id_col, opt_time_col, time_col};
use super::error::DiaryError;
use super::handle::Diary;
use super::id_index::{note_place, place_of};
use super::outbox::{SyncState, enqueue};
use super::schema::PLACES_PER_MS;
use super::stays::{SELECT_STAY, Stay, StayCache, place_floor, stay_from_row};
use super::time::{local_day_start, next_local_midnight, to_ms, trunc_ms};
use super::write_tx::WriteTx;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, RecordKind, UpdateReason, VenueRef,
};
use vaora_protocol::venue::VenueCategory;

const MAX_VENUE_NAME: usize = 200;
const MAX_VENUE_ADDRESS: usize = 300;
/// A venue's default stay may not exceed this (the midnight cap applies anyway).
const MAX_STAY_HOURS: i64 = 24;

/// A check-in call: who, where, how, and optionally when (default: now).
#[derive(Debug, Clone)]
pub struct CheckInRequest {
    /// Everyone checking in together; at least one, no one twice.
    pub people: Vec<Id128>,
    pub venue: VenueRef,
    pub method: CheckInMethod,
    /// When they arrived; `None` means now. Never in the future.
    pub at: Option<DateTime<Utc>>,
    /// The venue's default stay when its code says one; else the diary's policy default.
    pub venue_default_stay: Option<Duration>,
}

/// A page of a list, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u32,
    pub limit: u32,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 50,
        }
    }
}

impl Page {
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }
}

/// A stored check-in as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub id: Id128,
    pub person_id: Id128,
    /// The person's current display name.
    pub person_name: String,
    pub venue: VenueRef,
    pub method: CheckInMethod,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// When it closes by itself if nobody checks out.
    pub auto_out_at: DateTime<Utc>,
    /// Why it was closed, once closed.
    pub out_reason: Option<UpdateReason>,
    /// Sync state of the check-in record itself.
    pub sync_state: SyncState,
}

impl CheckIn {
    pub fn is_open(&self) -> bool {
        self.checked_out_at.is_none()
    }
}

const SELECT_CHECKIN: &str = "
SELECT c.id, c.person_id, p.display_name, c.venue_id, c.venue_name, c.venue_address,
       c.venue_category, c.issuer_key_id, c.venue_verified, c.method, c.checked_in_at,
       c.checked_out_at, c.auto_out_at, c.out_reason, c.sync_state
FROM checkins c
JOIN people p ON p.id = c.person_id";

fn small_code(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<u8> {
    let v: i64 = r.get(idx)?;
    u8::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(idx, v))
}

fn checkin_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckIn> {
    let bad = |idx, v: u8| rusqlite::Error::IntegralValueOutOfRange(idx, i64::from(v));
    let category = small_code(r, 6)?;
    let method = small_code(r, 9)?;
    let reason: Option<i64> = r.get(13)?;
    let state: i64 = r.get(14)?;
    Ok(CheckIn {
        id: id_col(r, 0)?,
        person_id: id_col(r, 1)?,
        person_name: r.get(2)?,
        venue: VenueRef {
            id: opt_id_col(r, 3)?,
            name: r.get(4)?,
            address: r.get(5)?,
            category: VenueCategory::from_code(category).ok_or(bad(6, category))?,
            issuer_key_id: r.get(7)?,
            verified: r.get::<_, i64>(8)? == 1,
        },
        method: CheckInMethod::from_code(method).ok_or(bad(9, method))?,
        checked_in_at: time_col(r, 10)?,
        checked_out_at: opt_time_col(r, 11)?,
        auto_out_at: time_col(r, 12)?,
        out_reason: reason
            .and_then(|v| u8::try_from(v).ok())
            .and_then(UpdateReason::from_code),
        sync_state: SyncState::from_code(state)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(14, state))?,
    })
}

fn check_text(what: &str, value: &str, max: usize, required: bool) -> Result<(), DiaryError> {
    if required && value.trim().is_empty() {
        return Err(DiaryError::Invalid(format!("the {what} cannot be empty")));
    }
    if value.chars().count() > max {
        return Err(DiaryError::Invalid(format!(
            "the {what} has at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(DiaryError::Invalid(format!(
            "the {what} cannot contain control characters"
        )));
    }
    Ok(())
}

/// When a stay that began at `start` closes by itself.
fn auto_out(start: &DateTime<Utc>, stay: Duration, offset: chrono::FixedOffset) -> DateTime<Utc> {
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
fn record_update(
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
fn close_due(
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

fn load_stay(conn: &Connection, id: &Id128) -> Result<Stay, DiaryError> {
    let not_found = || DiaryError::NotFound("no such check-in".into());
    let place = place_of(conn, id)?.ok_or_else(not_found)?;
    conn.prepare_cached(&format!("{SELECT_STAY} WHERE place = ?1 AND id = ?2"))?
        .query_row(params![place, id.as_bytes()], stay_from_row)
        .optional()?
        .ok_or_else(not_found)
}

const INSERT_CHECKIN_SQL: &str = "
INSERT INTO checkins (place, id, person_id, venue_id, venue_name, venue_address,
    venue_category, issuer_key_id, venue_verified, method, checked_in_at, checked_out_at,
    auto_out_at, out_reason, update_seq, created_at, body, signature, sync_state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, NULL, 0, ?13, ?14, ?15, 0)";

const FREE_PLACE_SQL: &str = "SELECT max(place) FROM checkins WHERE place >= ?1 AND place < ?2";

/// The `place` (rowid) for a check-in beginning at `at`: the next free one of that
/// millisecond (a family shares one instant).
fn free_place(conn: &Connection, at: &DateTime<Utc>) -> Result<i64, DiaryError> {
    let first = place_floor(to_ms(at));
    let end = first.saturating_add(PLACES_PER_MS);
    let taken: Option<i64> = conn
        .prepare_cached(FREE_PLACE_SQL)?
        .query_row(params![first, end], |r| r.get(0))?;
    match taken {
        None => Ok(first),
        Some(p) if p + 1 < end => Ok(p + 1),
        Some(_) => Err(DiaryError::Invalid(format!(
            "at most {PLACES_PER_MS} check-ins can begin in the same millisecond"
        ))),
    }
}

impl Diary {
    /// Checks in everyone in `req.people` at one venue. Returns the new check-ins in the
    /// order the people were given. All or nothing.
    pub fn check_in(&mut self, req: CheckInRequest) -> Result<Vec<CheckIn>, DiaryError> {
        let now = self.clock.now();
        let offset = self.clock.local_offset();
        let at = trunc_ms(req.at.unwrap_or(now));
        if at > now {
            return Err(DiaryError::Invalid(
                "a check-in cannot be in the future".into(),
            ));
        }
        if at < now - Duration::days(i64::from(self.config.retention_days)) {
            return Err(DiaryError::Invalid(
                "a check-in cannot be older than the retention window".into(),
            ));
        }
        if req.people.is_empty() {
            return Err(DiaryError::Invalid("name at least one person".into()));
        }
        for (i, p) in req.people.iter().enumerate() {
            if req.people[..i].contains(p) {
                return Err(DiaryError::Invalid("a person is named twice".into()));
            }
        }
        check_text("venue name", &req.venue.name, MAX_VENUE_NAME, true)?;
        check_text(
            "venue address",
            &req.venue.address,
            MAX_VENUE_ADDRESS,
            false,
        )?;
        if let Some(k) = &req.venue.issuer_key_id {
            check_text("issuer key id", k, MAX_VENUE_NAME, true)?;
        }
        let stay = req.venue_default_stay.unwrap_or(self.config.default_stay);
        if stay <= Duration::zero() || stay > Duration::hours(MAX_STAY_HOURS) {
            return Err(DiaryError::Invalid(format!(
                "a default stay is between 1 second and {MAX_STAY_HOURS} hours"
            )));
        }
        let auto_out_at = auto_out(&at, stay, offset);

        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let identity = &self.identity;
        close_due(&tx, identity, &mut stays, &now)?;
        let mut done = Vec::with_capacity(req.people.len());
        for person_id in &req.people {
            let person_name: String = tx
                .prepare_cached(
                    "SELECT display_name FROM people WHERE id = ?1 AND removed_at IS NULL",
                )?
                .query_row([person_id.as_bytes()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| DiaryError::NotFound("no such person".into()))?;
            // A person's stays never overlap (check_in and edit_times keep it so), so
            // the latest stay alone decides: it must have begun before `at`, and either be
            // the open one (superseded below) or have ended by `at`.
            let open = match stays.latest(&tx, person_id)? {
                Some(l)
                    if l.checked_in_at >= at || l.checked_out_at.is_some_and(|out| out > at) =>
                {
                    return Err(DiaryError::Invalid(
                        "this person already has a stay at or after that time".into(),
                    ));
                }
                Some(l) if l.is_open() => Some(l),
                _ => None,
            };
            if let Some(s) = open {
                let seq = record_update(
                    &tx,
                    identity,
                    &s.id,
                    s.place,
                    s.update_seq,
                    UpdateReason::Superseded,
                    &s.checked_in_at,
                    Some(&at),
                    &s.auto_out_at,
                    None,
                    &now,
                )?;
                stays.update(&s.id, Some(at), s.auto_out_at, seq);
            }
            let body = CheckInBody {
                id: Id128::random()?,
                person_id: *person_id,
                person_name,
                venue: req.venue.clone(),
                method: req.method,
                checked_in_at: at,
                checked_out_at: None,
            };
            // The row is the check-in's signed record too (schema v8): no outbox row.
            let record = identity.sign_record(RecordKind::CheckIn, body.encode());
            let place = free_place(&tx, &at)?;
            stays.note_pending_at(&tx, place)?;
            tx.prepare_cached(INSERT_CHECKIN_SQL)?.execute(params![
                place,
                body.id.as_bytes(),
                person_id.as_bytes(),
                body.venue.id.as_ref().map(|v| v.as_bytes().as_slice()),
                body.venue.name,
                body.venue.address,
                body.venue.category.code(),
                body.venue.issuer_key_id,
                body.venue.verified,
                body.method.code(),
                to_ms(&at),
                to_ms(&auto_out_at),
                to_ms(&now),
                record.body,
                record.signature.as_slice(),
            ])?;
            stays.note_new_checkin(&tx, &body.id, place)?;
            stays.insert(
                &tx,
                Stay {
                    id: body.id,
                    place,
                    person_id: *person_id,
                    checked_in_at: at,
                    checked_out_at: None,
                    auto_out_at,
                    update_seq: 0,
                },
            )?;
            done.push(CheckIn {
                id: body.id,
                person_id: body.person_id,
                person_name: body.person_name,
                venue: body.venue,
                method: body.method,
                checked_in_at: at,
                checked_out_at: None,
                auto_out_at,
                out_reason: None,
                sync_state: SyncState::Pending,
            });
        }
        stays.index_ids_when_due(&tx)?;
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(done)
    }

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

    /// One check-in by id.
    pub fn checkin(&self, id: &Id128) -> Result<CheckIn, DiaryError> {
        let place = place_of(&self.conn, id)?
            .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))?;
        self.checkin_at(place, id)
    }

    /// Check-in `id`, whose row is at `place`.
    fn checkin_at(&self, place: i64, id: &Id128) -> Result<CheckIn, DiaryError> {
        self.conn
            .prepare_cached(&format!(
                "{SELECT_CHECKIN} WHERE c.place = ?1 AND c.id = ?2"
            ))?
            .query_row(params![place, id.as_bytes()], checkin_from_row)
            .optional()?
            .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))
    }

    /// The newest check-ins of everyone, newest first.
    pub fn list_checkins(&self, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} ORDER BY c.place DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt.query_map(params![page.limit, page.offset], checkin_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Check-ins that began on local day `date` (in the clock's offset), newest first.
    pub fn list_day(&self, date: NaiveDate, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        let offset = self.clock.local_offset();
        let start = local_day_start(date, offset);
        let end = start + Duration::days(1);
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.place >= ?1 AND c.place < ?2
             ORDER BY c.place DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                place_floor(to_ms(&start)),
                place_floor(to_ms(&end)),
                page.limit,
                page.offset
            ],
            checkin_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One person's check-ins since `since` (all kept ones when `None`), newest first: a
    /// walk back through the time-ordered table that keeps that person's rows.
    pub fn list_person(
        &self,
        person: &Id128,
        since: Option<DateTime<Utc>>,
        page: Page,
    ) -> Result<Vec<CheckIn>, DiaryError> {
        let since = since.map_or(i64::MIN, |t| place_floor(to_ms(&t)));
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.place >= ?2 AND c.person_id = ?1
             ORDER BY c.place DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![person.as_bytes(), since, page.limit, page.offset],
            checkin_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every check-in still open, oldest first.
    pub fn open_checkins(&self) -> Result<Vec<CheckIn>, DiaryError> {
        let open = self.read_stays(StayCache::open_stays)?;
        open.iter()
            .map(|s| self.checkin_at(s.place, &s.id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, Utc};
    use rusqlite::StatementStatus;

    use super::*;
    use crate::diary::{DiaryConfig, DiaryKey};
    use vaora_protocol::clock::FixedClock;

    /// The check-in path's cached statements must stay compiled across writes: with STAT4
    /// compiled in, SQLite otherwise re-prepares a statement whose plan looked at a bound
    /// value each time that value changes (it did, on every check-in, before QPSG was on).
    #[test]
    fn check_in_statements_are_not_reprepared() {
        let dir = tempfile::tempdir().unwrap();
        let key = DiaryKey::generate().unwrap();
        let clock = Arc::new(FixedClock::new(Utc::now() - Duration::days(1)));
        let path = dir.path().join("d.db");
        let mut d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
        let owner = d.owner_id();
        for i in 0..20 {
            clock.advance(Duration::seconds(10));
            d.check_in(CheckInRequest {
                people: vec![owner],
                venue: VenueRef {
                    id: Id128::random().ok(),
                    name: format!("Cửa hàng {i}"),
                    address: String::new(),
                    category: VenueCategory::RestaurantOrShop,
                    issuer_key_id: None,
                    verified: true,
                },
                method: CheckInMethod::ScannedVenueCode,
                at: None,
                venue_default_stay: None,
            })
            .unwrap();
            clock.advance(Duration::seconds(1));
            d.check_out(None, None).unwrap();
        }
        let place = d.conn.prepare_cached(FREE_PLACE_SQL).unwrap();
        assert_eq!(place.get_status(StatementStatus::Run), 20);
        assert_eq!(place.get_status(StatementStatus::RePrepare), 0);
    }
}
