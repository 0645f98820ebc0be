//! The sync queue: every signed record the device made, with its sync state. A record is
//! stored in the same transaction as the row it describes, so the queue and the diary never
//! disagree; sync drains it (pending records, oldest first) and marks each one by record
//! id, which is also the server's idempotency key.
//!
//! Records live in two places (ADR 0001): a check-in's own record is kept in its check-in
//! row (one B-tree fewer per check-in), every other record (check-in updates,
//! declarations, staff check-ins) in the `outbox` table, in the order it was made (`seq`).
//! The queue merges the two: outbox records in the order they were made, check-in records
//! in check-in time order (`place`), the older creation time first and the outbox first
//! at equal times; and it never hands out a check-in's update before the check-in
//! itself, whatever the device clock did.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::columns::{array_col, id_col, time_col};
use super::error::DiaryError;
use super::handle::Diary;
use super::id_index::place_of;
use super::stays::StayCache;
use super::time::to_ms;
use super::write_tx::WriteTx;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{RecordKind, SignedRecord};

/// Where a record stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncState {
    /// Not yet accepted by the server.
    Pending = 0,
    /// The server stored it.
    Synced = 1,
    /// The server refused it for good (the detail says why); never sent again.
    Rejected = 2,
}

impl SyncState {
    pub fn code(self) -> i64 {
        self as i64
    }
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Pending),
            1 => Some(Self::Synced),
            2 => Some(Self::Rejected),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Synced => "synced",
            Self::Rejected => "rejected",
        }
    }
}

/// One record of the sync queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub record_id: Id128,
    /// The check-in (or declaration…) the record is about; the record id itself for a
    /// check-in, the check-in's id for its updates.
    pub subject_id: Id128,
    pub record: SignedRecord,
    pub created_at: DateTime<Utc>,
    pub state: SyncState,
}

/// How many records are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub synced: u64,
    pub rejected: u64,
}

/// Adds a signed record to the outbox inside the caller's transaction; returns its `seq`.
pub(crate) fn enqueue(
    conn: &Connection,
    record: &SignedRecord,
    record_id: &Id128,
    subject_id: &Id128,
    now: &DateTime<Utc>,
) -> Result<i64, DiaryError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO outbox (record_id, subject_id, kind, device_key, body, signature, created_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
    )?;
    stmt.execute(params![
        record_id.as_bytes(),
        subject_id.as_bytes(),
        record.kind.code(),
        record.device_key.as_slice(),
        record.body,
        record.signature.as_slice(),
        to_ms(now),
    ])?;
    Ok(conn.last_insert_rowid())
}

const OUTBOX_COLUMNS: &str =
    "record_id, subject_id, kind, device_key, body, signature, created_at, state";

/// A sync state column.
fn state_col(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<SyncState> {
    let code: i64 = r.get(idx)?;
    SyncState::from_code(code).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, code))
}

fn entry_from_outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let kind_code: i64 = r.get(2)?;
    let kind = u8::try_from(kind_code)
        .ok()
        .and_then(RecordKind::from_code)
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(2, kind_code))?;
    Ok(OutboxEntry {
        record_id: id_col(r, 0)?,
        subject_id: id_col(r, 1)?,
        record: SignedRecord {
            kind,
            device_key: array_col(r, 3)?,
            body: r.get(4)?,
            signature: array_col(r, 5)?,
        },
        created_at: time_col(r, 6)?,
        state: state_col(r, 7)?,
    })
}

/// A check-in row's record. The device key is not stored per row: a diary has one device
/// key for its whole life, so it is the diary's own.
const CHECKIN_RECORD_COLUMNS: &str = "id, body, signature, created_at, sync_state";

fn entry_from_checkin_row(
    r: &rusqlite::Row<'_>,
    device_key: [u8; 32],
) -> rusqlite::Result<OutboxEntry> {
    let id = id_col(r, 0)?;
    Ok(OutboxEntry {
        record_id: id,
        subject_id: id,
        record: SignedRecord {
            kind: RecordKind::CheckIn,
            device_key,
            body: r.get(1)?,
            signature: array_col(r, 2)?,
        },
        created_at: time_col(r, 3)?,
        state: state_col(r, 4)?,
    })
}

impl Diary {
    /// Up to `limit` pending records, oldest first: the order sync must send them in.
    pub fn pending_records(&self, limit: u32) -> Result<Vec<OutboxEntry>, DiaryError> {
        self.queue(true, limit)
    }

    /// Every record, oldest first (any state).
    pub fn all_records(&self) -> Result<Vec<OutboxEntry>, DiaryError> {
        self.queue(false, u32::MAX)
    }

    /// The merged queue (see the module docs). Pending check-in records are found by
    /// walking the check-in rows from `pending_checkins_from` (no index of sync states is
    /// written on check-in).
    fn queue(&self, pending_only: bool, limit: u32) -> Result<Vec<OutboxEntry>, DiaryError> {
        let state_filter = if pending_only { "state = 0" } else { "1" };
        let outbox: Vec<OutboxEntry> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE {state_filter} ORDER BY seq LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit], entry_from_outbox_row)?;
            rows.collect::<Result<_, _>>()?
        };
        let device_key = self.identity.public_key();
        let checkin_filter = if pending_only { "sync_state = 0" } else { "1" };
        // Pending ones start at `pending_checkins_from` (see `diary::stays`).
        let from = if pending_only {
            self.read_stays(StayCache::pending_from)?
        } else {
            i64::MIN
        };
        let checkins: Vec<OutboxEntry> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {CHECKIN_RECORD_COLUMNS} FROM checkins
                 WHERE place >= ?2 AND body IS NOT NULL AND {checkin_filter}
                 ORDER BY place LIMIT ?1"
            ))?;
            let rows = stmt.query_map(params![limit, from], |r| {
                entry_from_checkin_row(r, device_key)
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut out = Vec::with_capacity(limit.min(outbox.len() + checkins.len()));
        let mut emitted: HashSet<Id128> = HashSet::new();
        let (mut o, mut c) = (
            outbox.into_iter().peekable(),
            checkins.into_iter().peekable(),
        );
        while out.len() < limit {
            // Skip check-ins already handed out ahead of their update.
            while c.peek().is_some_and(|e| emitted.contains(&e.record_id)) {
                c.next();
            }
            let take_outbox = match (o.peek(), c.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => a.created_at <= b.created_at,
            };
            if !take_outbox {
                if let Some(e) = c.next() {
                    emitted.insert(e.record_id);
                    out.push(e);
                }
                continue;
            }
            let Some(e) = o.next() else { break };
            if e.record.kind == RecordKind::CheckInUpdate
                && !emitted.contains(&e.subject_id)
                && let Some(first) = self.checkin_record(&e.subject_id, pending_only)?
            {
                emitted.insert(first.record_id);
                out.push(first);
                if out.len() == limit {
                    break;
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    /// The record kept in check-in `id`'s row, if it has one (and is pending, when asked).
    fn checkin_record(
        &self,
        id: &Id128,
        pending_only: bool,
    ) -> Result<Option<OutboxEntry>, DiaryError> {
        let device_key = self.identity.public_key();
        let Some(place) = place_of(&self.conn, id)? else {
            return Ok(None);
        };
        let state_filter = if pending_only { "sync_state = 0" } else { "1" };
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {CHECKIN_RECORD_COLUMNS} FROM checkins
                 WHERE place = ?1 AND id = ?2 AND body IS NOT NULL AND {state_filter}"
            ))?
            .query_row(params![place, id.as_bytes()], |r| {
                entry_from_checkin_row(r, device_key)
            })
            .optional()?)
    }

    /// Marks records the server accepted. Unknown ids are ignored (they may have been
    /// purged meanwhile); returns how many records changed.
    pub fn mark_synced(&mut self, record_ids: &[Id128]) -> Result<usize, DiaryError> {
        let now = to_ms(&self.clock.now());
        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        // Acknowledged check-ins are found through `checkin_ids`, not by walks.
        stays.index_ids(&tx)?;
        let mut changed = 0;
        {
            let mut outbox = tx.prepare_cached(
                "UPDATE outbox SET state = 1, state_detail = NULL, state_at = ?2
                 WHERE record_id = ?1 AND state = 0",
            )?;
            let mut checkins = tx.prepare_cached(
                "UPDATE checkins SET sync_state = 1, sync_detail = NULL, sync_at = ?2
                 WHERE place = ?3 AND id = ?1 AND sync_state = 0 AND body IS NOT NULL",
            )?;
            for id in record_ids {
                let n = outbox.execute(params![id.as_bytes(), now])?;
                changed += if n > 0 {
                    n
                } else if let Some(place) = place_of(&tx, id)? {
                    checkins.execute(params![id.as_bytes(), now, place])?
                } else {
                    0
                };
            }
        }
        stays.raise_pending_from(&tx)?;
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(changed)
    }

    /// Marks a record the server refused for good, with its reason.
    pub fn mark_rejected(&mut self, record_id: &Id128, detail: &str) -> Result<(), DiaryError> {
        let now = to_ms(&self.clock.now());
        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let mut n = tx.execute(
            "UPDATE outbox SET state = 2, state_detail = ?2, state_at = ?3 WHERE record_id = ?1",
            params![record_id.as_bytes(), detail, now],
        )?;
        if n == 0 {
            if let Some(place) = place_of(&tx, record_id)? {
                n = tx.execute(
                    "UPDATE checkins SET sync_state = 2, sync_detail = ?2, sync_at = ?3
                     WHERE place = ?4 AND id = ?1 AND body IS NOT NULL",
                    params![record_id.as_bytes(), detail, now, place],
                )?;
            }
            stays.raise_pending_from(&tx)?;
        }
        if n == 0 {
            return Err(DiaryError::NotFound("no such record in the outbox".into()));
        }
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(())
    }

    /// How many records wait for sync: what the sync loop reports between batches, read
    /// without counting the synced ones.
    pub fn pending_count(&self) -> Result<u64, DiaryError> {
        let from = self.read_stays(StayCache::pending_from)?;
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM outbox WHERE state = 0)
                      + (SELECT count(*) FROM checkins
                         WHERE place >= ?1 AND sync_state = 0 AND body IS NOT NULL)",
            )?
            .query_row([from], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many records are pending, synced and rejected.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, DiaryError> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, count(*) FROM outbox GROUP BY state
             UNION ALL
             SELECT sync_state, count(*) FROM checkins WHERE body IS NOT NULL GROUP BY sync_state",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n = u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
            match SyncState::from_code(r.get(0)?) {
                Some(SyncState::Pending) => counts.pending += n,
                Some(SyncState::Synced) => counts.synced += n,
                Some(SyncState::Rejected) => counts.rejected += n,
                None => {}
            }
        }
        Ok(counts)
    }

    /// Verifies the signature of every stored record and that each was made by this
    /// device's key; returns how many were checked. The first bad one is an error.
    pub fn verify_all(&self) -> Result<usize, DiaryError> {
        let own_key = self.identity.public_key();
        let entries = self.all_records()?;
        for e in &entries {
            let bad = |source| DiaryError::BadRecord {
                id: e.record_id.to_hex(),
                source,
            };
            e.record.verify().map_err(bad)?;
            if e.record.device_key != own_key {
                return Err(bad(vaora_protocol::records::RecordError::BadSignature));
            }
            if e.record.id().map_err(bad)? != e.record_id {
                return Err(DiaryError::Corrupt(
                    "a stored record's id differs from its row's id".into(),
                ));
            }
        }
        Ok(entries.len())
    }
}
