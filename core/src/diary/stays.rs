//! Each person's latest stay, kept in memory instead of in an index.
//!
//! The check-in rules only ever need a person's latest stay: stays of one person never
//! overlap and an open stay runs until its automatic check-out, so the latest stay is the
//! only one that can be open, and a new check-in must begin after it. An index by person
//! would answer that in SQL, but it is one more encrypted page on every check-in (ADR
//! 0001), so the diary keeps the answer here:
//!
//! - **Open stays are always all known.** Opening the diary reads the open stays that began
//!   at or after `open_stays_since` (a `meta` value: no stay that began before it is still
//!   open), a short key range at the end of the time-ordered table. Writes lower the value
//!   when they open a stay that began before it (a late check-in, an edit), in the same
//!   transaction. It is raised to the oldest open stay's start only off the check-in path:
//!   when the diary opens, on `Diary::checkpoint` (the app going to the background) and on
//!   `Diary::close`, so a check-in never pays a page for it.
//! - **Other people's latest stays are looked up once**, on their first check-in after the
//!   diary opened (a scan back from the newest check-in until that person's), then kept.
//! - **Where pending check-in records start.** The `meta` value `pending_checkins_from`
//!   is a `place` below which no check-in record waits for sync, so the sync queue reads
//!   only the rows from there (`diary::outbox`). Marking records synced raises it; a
//!   check-in or an edit that puts a pending record below it lowers it, in the same
//!   transaction (only late check-ins do: new ones land at the end).
//! - **Where lookups by id start walking.** `checkin_ids_through` and how many check-ins
//!   lie above it are kept here too, so a check-in knows without a read whether it must
//!   write its own `checkin_ids` entry (`diary::id_index`).
//! - **Another connection's writes drop everything**: `PRAGMA data_version` tells, and the
//!   cache is read again. A failed write drops it too (the caller takes it out for the
//!   write and puts it back only after the commit).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::columns::{id_col, opt_time_col, time_col};
use super::error::DiaryError;
use super::id_index::{self, INDEXED_THROUGH, MAX_UNINDEXED};
use super::marks::{read_mark, write_mark};
use super::schema::PLACES_PER_MS;
use super::time::to_ms;
use vaora_protocol::ids::Id128;

/// `meta` name of the instant (Unix ms, 8 bytes big-endian) before which no open stay
/// began.
const OPEN_STAYS_SINCE: &str = "open_stays_since";

/// `meta` name of the `place` (8 bytes big-endian) below which no check-in record is
/// pending.
const PENDING_CHECKINS_FROM: &str = "pending_checkins_from";

/// How far `open_stays_since` may lag before raising it is worth a write.
const ADVANCE_STEP_MS: i64 = 60 * 1000;

/// The state of a check-in that the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stay {
    pub id: Id128,
    /// Where its row is (the rowid).
    pub place: i64,
    pub person_id: Id128,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub auto_out_at: DateTime<Utc>,
    pub update_seq: u32,
}

impl Stay {
    pub fn is_open(&self) -> bool {
        self.checked_out_at.is_none()
    }
}

pub(crate) const SELECT_STAY: &str =
    "SELECT id, person_id, checked_in_at, checked_out_at, auto_out_at, update_seq, place
     FROM checkins";

pub(crate) fn stay_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stay> {
    Ok(Stay {
        id: id_col(r, 0)?,
        person_id: id_col(r, 1)?,
        checked_in_at: time_col(r, 2)?,
        checked_out_at: opt_time_col(r, 3)?,
        auto_out_at: time_col(r, 4)?,
        update_seq: r.get(5)?,
        place: r.get(6)?,
    })
}

/// The first `place` of millisecond `ms` (see `schema::CHECKINS_SQL`).
pub(crate) fn place_floor(ms: i64) -> i64 {
    ms.saturating_mul(PLACES_PER_MS)
}

/// What is known about people's latest stays.
#[derive(Debug)]
pub(crate) struct StayCache {
    /// `PRAGMA data_version` when this was read: another connection's commit changes it.
    data_version: i64,
    /// Person → latest stay (`None`: the person has no stay). Every open stay is here.
    latest: HashMap<Id128, Option<Stay>>,
    /// `open_stays_since` as stored (`i64::MIN` when never stored).
    open_since: i64,
    /// `pending_checkins_from` as stored (`i64::MIN` when never stored).
    pending_from: i64,
    /// `checkin_ids_through` as stored (`i64::MIN` when never stored).
    ids_through: i64,
    /// How many check-ins lie above `ids_through`, without their `checkin_ids` entry.
    unindexed: u64,
}

fn data_version(conn: &Connection) -> Result<i64, DiaryError> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

impl StayCache {
    /// Reads the open stays (the ones that began at or after `open_stays_since`).
    fn load(conn: &Connection) -> Result<Self, DiaryError> {
        let open_since = read_mark(conn, OPEN_STAYS_SINCE)?;
        let pending_from = read_mark(conn, PENDING_CHECKINS_FROM)?;
        let ids_through = read_mark(conn, INDEXED_THROUGH)?;
        let unindexed = id_index::unindexed(conn, ids_through)?;
        let mut latest = HashMap::new();
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_STAY} WHERE place >= ?1 AND checked_out_at IS NULL"
        ))?;
        let rows = stmt.query_map([place_floor(open_since)], stay_from_row)?;
        for s in rows {
            let s = s?;
            latest.insert(s.person_id, Some(s));
        }
        Ok(Self {
            data_version: data_version(conn)?,
            latest,
            open_since,
            pending_from,
            ids_through,
            unindexed,
        })
    }

    /// The cache in `slot` if it is still current, else a freshly read one.
    pub fn current(conn: &Connection, slot: Option<Self>) -> Result<Self, DiaryError> {
        match slot {
            Some(c) if c.data_version == data_version(conn)? => Ok(c),
            _ => Self::load(conn),
        }
    }

    /// `person`'s latest stay, if they have one.
    pub fn latest(
        &mut self,
        conn: &Connection,
        person: &Id128,
    ) -> Result<Option<Stay>, DiaryError> {
        if let Some(known) = self.latest.get(person) {
            return Ok(known.clone());
        }
        // Not open, so not loaded: one scan back from the newest check-in, once.
        let found = conn
            .prepare_cached(&format!(
                "{SELECT_STAY} WHERE person_id = ?1 ORDER BY place DESC LIMIT 1"
            ))?
            .query_row([person.as_bytes()], stay_from_row)
            .optional()?;
        self.latest.insert(*person, found.clone());
        Ok(found)
    }

    /// Every open stay, oldest first.
    pub fn open_stays(&self) -> Vec<Stay> {
        let mut open: Vec<Stay> = self
            .latest
            .values()
            .flatten()
            .filter(|s| s.is_open())
            .cloned()
            .collect();
        open.sort_by_key(|s| (s.checked_in_at, s.id));
        open
    }

    /// Records a new stay, which is now its person's latest. Inside the caller's
    /// transaction: when it began before `open_stays_since`, that is lowered to it.
    pub fn insert(&mut self, conn: &Connection, stay: Stay) -> Result<(), DiaryError> {
        if stay.is_open() {
            self.note_open_from(conn, to_ms(&stay.checked_in_at))?;
        }
        self.latest.insert(stay.person_id, Some(stay));
        Ok(())
    }

    /// Applies a change of a stay's times, if the stay is its person's latest.
    pub fn update(
        &mut self,
        id: &Id128,
        checked_out_at: Option<DateTime<Utc>>,
        auto_out_at: DateTime<Utc>,
        update_seq: u32,
    ) {
        for s in self.latest.values_mut().flatten() {
            if s.id == *id {
                s.checked_out_at = checked_out_at;
                s.auto_out_at = auto_out_at;
                s.update_seq = update_seq;
            }
        }
    }

    /// Inside a transaction, after the sweep: raises `open_stays_since` to the oldest open
    /// stay's start (or `now` when none is open) when it lags by [`ADVANCE_STEP_MS`].
    pub fn advance(&mut self, conn: &Connection, now: &DateTime<Utc>) -> Result<(), DiaryError> {
        let oldest_open = self
            .latest
            .values()
            .flatten()
            .filter(|s| s.is_open())
            .map(|s| to_ms(&s.checked_in_at))
            .min();
        let target = oldest_open.unwrap_or(i64::MAX).min(to_ms(now));
        if target.saturating_sub(self.open_since) >= ADVANCE_STEP_MS {
            write_mark(conn, OPEN_STAYS_SINCE, target)?;
            self.open_since = target;
        }
        Ok(())
    }

    /// The `place` from which pending check-in records must be looked for.
    pub fn pending_from(&self) -> i64 {
        self.pending_from
    }

    /// Inside a write's transaction: a pending check-in record now sits at `place`.
    pub fn note_pending_at(&mut self, conn: &Connection, place: i64) -> Result<(), DiaryError> {
        if place < self.pending_from {
            write_mark(conn, PENDING_CHECKINS_FROM, place)?;
            self.pending_from = place;
        }
        Ok(())
    }

    /// Inside the transaction that marked records synced or rejected: moves
    /// `pending_checkins_from` up to the first check-in record still pending (or past the
    /// last check-in when none is).
    pub fn raise_pending_from(&mut self, conn: &Connection) -> Result<(), DiaryError> {
        let (first_pending, last): (Option<i64>, Option<i64>) = conn
            .prepare_cached(
                "SELECT (SELECT min(place) FROM checkins
                         WHERE place >= ?1 AND sync_state = 0 AND body IS NOT NULL),
                        (SELECT max(place) FROM checkins)",
            )?
            .query_row([self.pending_from], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let target = match (first_pending, last) {
            (Some(p), _) => p,
            (None, Some(l)) => l.saturating_add(1),
            (None, None) => return Ok(()),
        };
        if target > self.pending_from {
            write_mark(conn, PENDING_CHECKINS_FROM, target)?;
            self.pending_from = target;
        }
        Ok(())
    }

    /// Inside a write's transaction: a stay is open from `start` on (a new stay, or an
    /// edited one), so `open_stays_since` must not be later than that.
    pub fn note_open_from(&mut self, conn: &Connection, start: i64) -> Result<(), DiaryError> {
        if start < self.open_since {
            write_mark(conn, OPEN_STAYS_SINCE, start)?;
            self.open_since = start;
        }
        Ok(())
    }

    /// Inside a check-in's transaction, after its row went in at `place`: a check-in
    /// below `checkin_ids_through` writes its own entry; a newer one joins the tail.
    pub fn note_new_checkin(
        &mut self,
        conn: &Connection,
        id: &Id128,
        place: i64,
    ) -> Result<(), DiaryError> {
        if place <= self.ids_through {
            id_index::note_place(conn, id, place)
        } else {
            self.unindexed += 1;
            Ok(())
        }
    }

    /// Inside a write's transaction: gives every waiting check-in its `checkin_ids` entry.
    pub fn index_ids(&mut self, conn: &Connection) -> Result<(), DiaryError> {
        if self.unindexed > 0 {
            self.ids_through = id_index::index_tail(conn, self.ids_through)?;
            self.unindexed = 0;
        }
        Ok(())
    }

    /// Inside a check-in's transaction: [`Self::index_ids`], once [`MAX_UNINDEXED`] wait.
    pub fn index_ids_when_due(&mut self, conn: &Connection) -> Result<(), DiaryError> {
        if self.unindexed >= MAX_UNINDEXED {
            self.index_ids(conn)?;
        }
        Ok(())
    }
}
