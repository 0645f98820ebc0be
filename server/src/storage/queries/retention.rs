//! Retention: everything personal older than the retention window is deleted — records
//! (check-ins, updates, declarations, staff check-ins) by the time they are about
//! (`records.at_ms`, migration 4 on SQLite, 6 on PostgreSQL), check-in updates and (on
//! SQLite, where they are tables of their own) the stays and declared people derived
//! from the records with their records,
//! inspections with their records (issue 19), exposure windows whose stay ended and cases whose period ended before the cutoff.
//!
//! In chunks of at most [`CHUNK`] records (a few thousand rows per statement), oldest
//! first, so SQLite's one connection is never held for long and PostgreSQL's deletes stay
//! short; the background task (`crate::retention_keeper`) runs it at start and then
//! periodically. On PostgreSQL, whole days older than the cutoff are dropped as
//! partitions first (`postgres/partitions.rs`); this purge then deletes only the rest (the
//! day the cutoff falls in, and the default partition), and each chunk's records go with
//! their identities (`record_ids`) in one statement.

use crate::storage::engine::{Arg, Engine, Query, first};
use crate::storage::error::StorageError;

/// Records deleted per round of statements (and the records tied with the last on `at_ms`).
pub(crate) const CHUNK: i64 = 5_000;

/// The `at_ms` of the record after the oldest `$2` below `$1`: the next chunk is every
/// record up to it, ties included (none when fewer than that are left: the last chunk).
const CHUNK_END: &str =
    "SELECT at_ms FROM records WHERE at_ms < $1 ORDER BY at_ms LIMIT 1 OFFSET $2";
/// Updates whose records are below `$1`.
const UPDATES: &str = "DELETE FROM checkin_updates WHERE (device_id, id) IN
     (SELECT device_id, id FROM records WHERE at_ms < $1 AND kind = 2)";
/// The stays of check-ins and staff check-ins whose records are below `$1` (SQLite's
/// `checkins` table; PostgreSQL's `checkins` is a view of `records`).
const STAYS: &str = "DELETE FROM checkins WHERE (device_id, id) IN
     (SELECT device_id, id FROM records WHERE at_ms < $1 AND kind IN (1, 4))";
/// Whom the declarations below `$1` were about (SQLite's `declared_people` table; on
/// PostgreSQL a view of `records`).
const DECLARED: &str = "DELETE FROM declared_people WHERE (device_id, id) IN
     (SELECT device_id, id FROM records WHERE at_ms < $1 AND kind = 3)";
pub(crate) const RECORDS: &str = "DELETE FROM records WHERE at_ms < $1";
const WINDOWS: &str = "DELETE FROM exposure_windows WHERE until_ms < $1";
const CASES: &str = "DELETE FROM cases WHERE until_ms < $1 AND created_at < $1";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 8] {
    [
        CHUNK_END, UPDATES, STAYS, DECLARED, RECORDS, WINDOWS, CASES, "SELECT 1",
    ]
}

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub records: u64,
    pub windows: u64,
    pub cases: u64,
}

/// How a backend keeps what retention deletes with the records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Whether stays and declared people are tables of their own ([`STAYS`],
    /// [`DECLARED`]; SQLite) rather than views of `records` (PostgreSQL).
    pub stays: bool,
    /// The statement that deletes the records below `$1` (and, on PostgreSQL, their
    /// identities); its count is the records deleted.
    pub records: &'static str,
}

/// SQLite's shape: stays and declared people in tables of their own, records alone.
pub(crate) const SQLITE: Shape = Shape {
    stays: true,
    records: RECORDS,
};

/// Deletes what is older than `cutoff_ms`, chunk by chunk, as the backend's `shape` says.
pub(crate) async fn purge<E: Engine>(
    db: &E,
    cutoff_ms: i64,
    shape: Shape,
) -> Result<Purged, StorageError> {
    let mut purged = Purged::default();
    loop {
        let next = first(
            db.rows(
                Query::new(CHUNK_END, vec![Arg::Int(cutoff_ms), Arg::Int(CHUNK)]),
                |r| r.int(0),
            )
            .await?,
        );
        let end = next.map_or(cutoff_ms, |at| at.saturating_add(1).min(cutoff_ms));
        db.execute(Query::new(UPDATES, vec![Arg::Int(end)])).await?;
        if shape.stays {
            db.execute(Query::new(STAYS, vec![Arg::Int(end)])).await?;
            db.execute(Query::new(DECLARED, vec![Arg::Int(end)]))
                .await?;
        }
        db.execute(Query::new(super::inspections::PURGE, vec![Arg::Int(end)]))
            .await?;
        let n = db
            .execute(Query::new(shape.records, vec![Arg::Int(end)]))
            .await?;
        purged.records += n;
        if next.is_none() {
            break;
        }
    }
    purged.windows = db
        .execute(Query::new(WINDOWS, vec![Arg::Int(cutoff_ms)]))
        .await?;
    purged.cases = db
        .execute(Query::new(CASES, vec![Arg::Int(cutoff_ms)]))
        .await?;
    Ok(purged)
}
