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

use super::outbox::{SyncState, enqueue};
use super::time::{
    id_col, local_day_start, next_local_midnight, opt_id_col, opt_time_col, time_col, to_ms,
    trunc_ms,
};
use super::{Diary, DiaryError};
use crate::identity::DeviceIdentity;
use crate::ids::Id128;
use crate::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, RecordKind, UpdateReason, VenueRef,
};
use crate::venue::VenueCategory;

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
/// it to the check-in row. Runs inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn record_update(
    conn: &Connection,
    identity: &DeviceIdentity,
    checkin_id: &Id128,
    previous_seq: u32,
    reason: UpdateReason,
    checked_in_at: &DateTime<Utc>,
    checked_out_at: Option<&DateTime<Utc>>,
    auto_out_at: &DateTime<Utc>,
    now: &DateTime<Utc>,
) -> Result<(), DiaryError> {
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
    // `checked_in_at` is part of the table's key: setting it (even to the same value)
    // moves the row and rewrites every index entry, so only an edit of it does.
    let moves = reason == UpdateReason::Edit;
    let changed = conn
        .prepare_cached(if moves {
            "UPDATE checkins SET checked_in_at = ?2, checked_out_at = ?3, auto_out_at = ?4,
                out_reason = ?5, update_seq = ?6
         WHERE id = ?1"
        } else {
            "UPDATE checkins SET checked_out_at = ?3, auto_out_at = ?4,
                out_reason = ?5, update_seq = ?6
         WHERE id = ?1 AND checked_in_at = ?2"
        })?
        .execute(params![
            checkin_id.as_bytes(),
            to_ms(checked_in_at),
            checked_out_at.map(to_ms),
            to_ms(auto_out_at),
            checked_out_at.map(|_| reason.code()),
            sequence,
        ])?;
    if changed != 1 {
        return Err(DiaryError::NotFound("no such check-in".into()));
    }
    enqueue(conn, &record, &body.id, checkin_id, now)?;
    Ok(())
}

/// The minimal state of a check-in that the rules need.
struct Stay {
    id: Id128,
    person_id: Id128,
    checked_in_at: DateTime<Utc>,
    checked_out_at: Option<DateTime<Utc>>,
    auto_out_at: DateTime<Utc>,
    update_seq: u32,
}

const SELECT_STAY: &str =
    "SELECT id, person_id, checked_in_at, checked_out_at, auto_out_at, update_seq FROM checkins";

fn stay_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stay> {
    Ok(Stay {
        id: id_col(r, 0)?,
        person_id: id_col(r, 1)?,
        checked_in_at: time_col(r, 2)?,
        checked_out_at: opt_time_col(r, 3)?,
        auto_out_at: time_col(r, 4)?,
        update_seq: r.get(5)?,
    })
}

/// Closes every open check-in whose automatic check-out time has come.
fn close_due(
    conn: &Connection,
    identity: &DeviceIdentity,
    now: &DateTime<Utc>,
) -> Result<usize, DiaryError> {
    let due: Vec<Stay> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_STAY} WHERE id IN ({LATEST_STAY_IDS})
             AND checked_out_at IS NULL AND auto_out_at <= ?1"
        ))?;
        let rows = stmt.query_map([to_ms(now)], stay_from_row)?;
        rows.collect::<Result<_, _>>()?
    };
    for s in &due {
        record_update(
            conn,
            identity,
            &s.id,
            s.update_seq,
            UpdateReason::AutoCheckOut,
            &s.checked_in_at,
            Some(&s.auto_out_at),
            &s.auto_out_at,
            now,
        )?;
    }
    Ok(due.len())
}

/// Each person's latest stay: the only stays that can be open. A person's stays never
/// overlap and an open stay runs until its automatic check-out, which `check_in` and
/// `edit_times` keep after every other stay of the person; so the sweep of due
/// check-outs and the list of open ones need no index of their own (one probe of
/// `checkins_by_person` per person instead of one more index written by every check-in).
pub(crate) const LATEST_STAY_IDS: &str =
    "SELECT (SELECT l.id FROM checkins l WHERE l.person_id = p.id
        ORDER BY l.checked_in_at DESC LIMIT 1) FROM people p";

/// A person's latest stay (`?1` = person id): the statement every check-in runs.
fn latest_stay_sql() -> String {
    format!("{SELECT_STAY} WHERE person_id = ?1 ORDER BY checked_in_at DESC LIMIT 1")
}

fn load_stay(conn: &Connection, id: &Id128) -> Result<Stay, DiaryError> {
    conn.prepare_cached(&format!("{SELECT_STAY} WHERE id = ?1"))?
        .query_row([id.as_bytes()], stay_from_row)
        .optional()?
        .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))
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

        let identity = &self.identity;
        let tx = self.conn.transaction()?;
        close_due(&tx, identity, &now)?;
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
            // the open one (superseded below) or have ended by `at`. One index probe on
            // (person_id, checked_in_at) instead of a scan of the person's history.
            let latest: Option<Stay> = tx
                .prepare_cached(&latest_stay_sql())?
                .query_row([person_id.as_bytes()], stay_from_row)
                .optional()?;
            let open = match latest {
                Some(l)
                    if l.checked_in_at >= at || l.checked_out_at.is_some_and(|out| out > at) =>
                {
                    return Err(DiaryError::Invalid(
                        "this person already has a stay at or after that time".into(),
                    ));
                }
                Some(l) if l.checked_out_at.is_none() => Some(l),
                _ => None,
            };
            if let Some(s) = open {
                record_update(
                    &tx,
                    identity,
                    &s.id,
                    s.update_seq,
                    UpdateReason::Superseded,
                    &s.checked_in_at,
                    Some(&at),
                    &s.auto_out_at,
                    &now,
                )?;
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
            tx.prepare_cached(
                "INSERT INTO checkins (id, person_id, venue_id, venue_name, venue_address,
                    venue_category, issuer_key_id, venue_verified, method, checked_in_at,
                    checked_out_at, auto_out_at, out_reason, update_seq, created_at, body,
                    signature, sync_state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, NULL, 0, ?12, ?13,
                    ?14, 0)",
            )?
            .execute(params![
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
        tx.commit()?;
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
        let identity = &self.identity;
        let tx = self.conn.transaction()?;
        close_due(&tx, identity, &now)?;
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
            None => {
                let mut stmt = tx.prepare_cached(&format!(
                    "{SELECT_STAY} WHERE id IN ({LATEST_STAY_IDS}) AND checked_out_at IS NULL"
                ))?;
                let rows = stmt.query_map([], stay_from_row)?;
                rows.collect::<Result<_, _>>()?
            }
        };
        for s in &targets {
            if at <= s.checked_in_at {
                return Err(DiaryError::Invalid(
                    "the check-out must be after the check-in".into(),
                ));
            }
            record_update(
                &tx,
                identity,
                &s.id,
                s.update_seq,
                UpdateReason::CheckOut,
                &s.checked_in_at,
                Some(&at),
                &s.auto_out_at,
                &now,
            )?;
        }
        tx.commit()?;
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
        let identity = &self.identity;
        let tx = self.conn.transaction()?;
        close_due(&tx, identity, &now)?;
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
        // Other stays of the person are disjoint, so two index probes decide: a stay that
        // begins inside the new span, or the latest one that begins before it and runs
        // past its start.
        let inside: Option<i64> = tx
            .prepare_cached(
                "SELECT 1 FROM checkins WHERE person_id = ?1 AND id != ?2
                 AND checked_in_at >= ?3 AND checked_in_at < ?4 LIMIT 1",
            )?
            .query_row(
                params![
                    s.person_id.as_bytes(),
                    id.as_bytes(),
                    to_ms(&checked_in_at),
                    to_ms(&end)
                ],
                |r| r.get(0),
            )
            .optional()?;
        let before_end: Option<i64> = tx
            .prepare_cached(
                "SELECT coalesce(checked_out_at, auto_out_at) FROM checkins
                 WHERE person_id = ?1 AND id != ?2 AND checked_in_at < ?3
                 ORDER BY checked_in_at DESC LIMIT 1",
            )?
            .query_row(
                params![s.person_id.as_bytes(), id.as_bytes(), to_ms(&checked_in_at)],
                |r| r.get(0),
            )
            .optional()?;
        let overlap = inside.is_some() || before_end.is_some_and(|e| e > to_ms(&checked_in_at));
        if overlap {
            return Err(DiaryError::Invalid(
                "those times overlap another stay of the same person".into(),
            ));
        }
        record_update(
            &tx,
            identity,
            id,
            s.update_seq,
            UpdateReason::Edit,
            &checked_in_at,
            checked_out_at.as_ref(),
            &auto_out_at,
            &now,
        )?;
        tx.commit()?;
        self.checkin(id)
    }

    /// Closes every open check-in whose automatic check-out time has passed; returns how
    /// many. Runs on open and before every check-in, check-out and edit.
    pub fn apply_auto_checkouts(&mut self) -> Result<usize, DiaryError> {
        let now = self.clock.now();
        let identity = &self.identity;
        let tx = self.conn.transaction()?;
        let n = close_due(&tx, identity, &now)?;
        tx.commit()?;
        Ok(n)
    }

    /// One check-in by id.
    pub fn checkin(&self, id: &Id128) -> Result<CheckIn, DiaryError> {
        self.conn
            .prepare_cached(&format!("{SELECT_CHECKIN} WHERE c.id = ?1"))?
            .query_row([id.as_bytes()], checkin_from_row)
            .optional()?
            .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))
    }

    /// The newest check-ins of everyone, newest first.
    pub fn list_checkins(&self, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        self.merge_people_newest(i64::MIN, i64::MAX, page)
    }

    /// Check-ins that began on local day `date` (in the clock's offset), newest first.
    pub fn list_day(&self, date: NaiveDate, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        let offset = self.clock.local_offset();
        let start = local_day_start(date, offset);
        let end = start + Duration::days(1);
        self.merge_people_newest(to_ms(&start), to_ms(&end), page)
    }

    /// Check-ins of everyone that began in `[from_ms, until_ms)`, newest first. The table
    /// is ordered by person, so this walks each person's range newest first and merges
    /// them, reading `offset + limit` rows plus one per person (not a sort of every row).
    fn merge_people_newest(
        &self,
        from_ms: i64,
        until_ms: i64,
        page: Page,
    ) -> Result<Vec<CheckIn>, DiaryError> {
        let people: Vec<Id128> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM people ORDER BY id")?;
            let rows = stmt.query_map([], |r| id_col(r, 0))?;
            rows.collect::<Result<_, _>>()?
        };
        // One cached statement per person slot (the comment makes the texts differ), so
        // every walk keeps its own cursor open and nothing is re-prepared.
        let mut stmts = Vec::with_capacity(people.len());
        for slot in 0..people.len() {
            stmts.push(self.conn.prepare_cached(&format!(
                "{SELECT_CHECKIN} WHERE /* walk {slot} */ c.person_id = ?1
                 AND c.checked_in_at >= ?2 AND c.checked_in_at < ?3
                 ORDER BY c.checked_in_at DESC, c.id DESC"
            ))?);
        }
        let mut walks = Vec::with_capacity(people.len());
        for (stmt, person) in stmts.iter_mut().zip(&people) {
            walks.push(stmt.query(params![person.as_bytes(), from_ms, until_ms])?);
        }
        let mut heads: Vec<Option<CheckIn>> = Vec::with_capacity(walks.len());
        for w in &mut walks {
            heads.push(next_checkin(w)?);
        }
        let (mut skip, limit) = (page.offset, page.limit as usize);
        let mut out = Vec::with_capacity(limit.min(1024));
        while out.len() < limit {
            let newest = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|c| (i, (c.checked_in_at, c.id))))
                .max_by(|a, b| a.1.cmp(&b.1));
            let Some((i, _)) = newest else { break };
            let next = next_checkin(&mut walks[i])?;
            let Some(c) = std::mem::replace(&mut heads[i], next) else {
                break;
            };
            if skip > 0 {
                skip -= 1;
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// One person's check-ins since `since` (all kept ones when `None`), newest first.
    pub fn list_person(
        &self,
        person: &Id128,
        since: Option<DateTime<Utc>>,
        page: Page,
    ) -> Result<Vec<CheckIn>, DiaryError> {
        let since = since.map_or(i64::MIN, |t| to_ms(&t));
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.person_id = ?1 AND c.checked_in_at >= ?2
             ORDER BY c.checked_in_at DESC, c.id DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![person.as_bytes(), since, page.limit, page.offset],
            checkin_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every check-in still open, oldest first.
    pub fn open_checkins(&self) -> Result<Vec<CheckIn>, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.id IN ({LATEST_STAY_IDS}) AND c.checked_out_at IS NULL
             ORDER BY c.checked_in_at, c.id"
        ))?;
        let rows = stmt.query_map([], checkin_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

/// The next row of a list walk as a check-in.
fn next_checkin(rows: &mut rusqlite::Rows<'_>) -> Result<Option<CheckIn>, DiaryError> {
    Ok(match rows.next()? {
        Some(r) => Some(checkin_from_row(r)?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, Utc};
    use rusqlite::StatementStatus;

    use super::*;
    use crate::FixedClock;
    use crate::diary::{DiaryConfig, DiaryKey};

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
        let latest = d.conn.prepare_cached(&latest_stay_sql()).unwrap();
        assert_eq!(latest.get_status(StatementStatus::Run), 20);
        assert_eq!(latest.get_status(StatementStatus::RePrepare), 0);
    }
}
