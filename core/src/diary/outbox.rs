//! The outbox: every signed record the device made, in the order it made them, with its
//! sync state. A record enters in the same transaction as the row it describes, so the
//! outbox and the diary never disagree; sync drains it (pending records in order) and
//! marks each one by record id, which is also the server's idempotency key.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::time::{id_col, time_col, to_ms};
use super::{Diary, DiaryError};
use crate::ids::Id128;
use crate::records::{RecordKind, SignedRecord};

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

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Position in the outbox: records are sent in this order.
    pub seq: i64,
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

/// Deletes the outbox records of the rows that `ids_sql` selects (a query with `?1` bound to
/// `cutoff_ms`): an outbox record's id is the id of the row it signs, so retention finds
/// them through the unique `record_id` index. Returns how many were deleted.
pub(crate) fn purge_records_of(
    conn: &Connection,
    ids_sql: &str,
    cutoff_ms: i64,
) -> Result<usize, DiaryError> {
    Ok(conn.execute(
        &format!("DELETE FROM outbox WHERE record_id IN ({ids_sql})"),
        params![cutoff_ms],
    )?)
}

const ENTRY_COLUMNS: &str =
    "seq, record_id, subject_id, kind, device_key, body, signature, created_at, state";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let kind_code: i64 = r.get(3)?;
    let kind = u8::try_from(kind_code)
        .ok()
        .and_then(RecordKind::from_code)
        .ok_or(rusqlite::Error::IntegralValueOutOfRange(3, kind_code))?;
    let device_key: Vec<u8> = r.get(4)?;
    let signature: Vec<u8> = r.get(6)?;
    let state_code: i64 = r.get(8)?;
    Ok(OutboxEntry {
        seq: r.get(0)?,
        record_id: id_col(r, 1)?,
        subject_id: id_col(r, 2)?,
        record: SignedRecord {
            kind,
            device_key: device_key
                .try_into()
                .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(4, 0))?,
            body: r.get(5)?,
            signature: signature
                .try_into()
                .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(6, 0))?,
        },
        created_at: time_col(r, 7)?,
        state: SyncState::from_code(state_code)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(8, state_code))?,
    })
}

impl Diary {
    /// Up to `limit` pending records, oldest first: the order sync must send them in.
    pub fn pending_records(&self, limit: u32) -> Result<Vec<OutboxEntry>, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 0 ORDER BY seq LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], entry_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every record in the outbox, oldest first (any state).
    pub fn all_records(&self) -> Result<Vec<OutboxEntry>, DiaryError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM outbox ORDER BY seq"))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Marks records the server accepted. Unknown ids are ignored (they may have been
    /// purged meanwhile); returns how many rows changed.
    pub fn mark_synced(&mut self, record_ids: &[Id128]) -> Result<usize, DiaryError> {
        let now = to_ms(&self.clock.now());
        let tx = self.conn.transaction()?;
        let mut changed = 0;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = 1, state_detail = NULL, state_at = ?2
                 WHERE record_id = ?1 AND state = 0",
            )?;
            for id in record_ids {
                changed += stmt.execute(params![id.as_bytes(), now])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Marks a record the server refused for good, with its reason.
    pub fn mark_rejected(&mut self, record_id: &Id128, detail: &str) -> Result<(), DiaryError> {
        let now = to_ms(&self.clock.now());
        let n = self.conn.execute(
            "UPDATE outbox SET state = 2, state_detail = ?2, state_at = ?3 WHERE record_id = ?1",
            params![record_id.as_bytes(), detail, now],
        )?;
        if n == 0 {
            return Err(DiaryError::NotFound("no such record in the outbox".into()));
        }
        Ok(())
    }

    /// How many records are pending, synced and rejected.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, DiaryError> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n = u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
            match SyncState::from_code(r.get(0)?) {
                Some(SyncState::Pending) => counts.pending = n,
                Some(SyncState::Synced) => counts.synced = n,
                Some(SyncState::Rejected) => counts.rejected = n,
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
                return Err(bad(crate::records::RecordError::BadSignature));
            }
            if e.record.id().map_err(bad)? != e.record_id {
                return Err(DiaryError::Corrupt(
                    "an outbox row's id differs from its record's id".into(),
                ));
            }
        }
        Ok(entries.len())
    }
}
