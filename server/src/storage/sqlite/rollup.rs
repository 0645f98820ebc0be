//! The rollup's upkeep on SQLite ([`crate::storage::rollup`]): one row per scanned venue,
//! no peer group; ingest upserts the right column, the re-base recomputes every row.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use rusqlite::{Connection, Transaction, params};
use vaora_protocol::ids::Id128;

use super::engine::b;
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::rollup::{ROLLUP_DAYS, columns, covers};

/// Re-base: recomputes every row from `venue_day_scans` for the day in `scan_rollup` (the
/// caller empties the table and sets the day first, in one transaction).
static FILL: LazyLock<String> = LazyLock::new(|| {
    let mut sql = format!(
        "INSERT INTO venue_recent_scans (venue_id, {}) SELECT a.venue_id",
        columns("")
    );
    for k in 0..ROLLUP_DAYS {
        let _ = write!(
            sql,
            ", sum(CASE WHEN a.day = s.day - {k} THEN a.scans ELSE 0 END)"
        );
    }
    let _ = write!(
        sql,
        " FROM venue_day_scans a, scan_rollup s
          WHERE a.day BETWEEN s.day - {} AND s.day GROUP BY a.venue_id",
        ROLLUP_DAYS - 1
    );
    sql
});

/// Ingest: adds `?2` check-ins of venue `?1` on day `offset` days before the rollup's day
/// (0..=20); one statement per distinct venue and day of a batch.
fn increment(offset: i64) -> String {
    format!(
        "INSERT INTO venue_recent_scans (venue_id, d{offset}) VALUES (?1, ?2)
         ON CONFLICT(venue_id) DO UPDATE SET d{offset} = d{offset} + excluded.d{offset}"
    )
}

fn rollup_day(conn: &Connection) -> Result<i64, StorageError> {
    conn.prepare_cached("SELECT day FROM scan_rollup WHERE id = 1")
        .and_then(|mut stmt| stmt.query_row([], |r| r.get(0)))
        .or_storage()
}

/// Adds the check-ins stored now (per venue and day) to the rollup, inside ingest's
/// transaction; days outside the rollup's 21 are left to the daily aggregates.
pub(super) fn count(
    tx: &Transaction<'_>,
    per_venue_day: &BTreeMap<(Id128, i64), i64>,
) -> Result<(), StorageError> {
    let rollup_day = rollup_day(tx)?;
    for ((v, day), n) in per_venue_day {
        let offset = rollup_day - day;
        if (0..ROLLUP_DAYS).contains(&offset) {
            tx.prepare_cached(&increment(offset))
                .and_then(|mut stmt| stmt.execute(params![b(v), n]))
                .or_storage()?;
        }
    }
    Ok(())
}

/// Re-bases the rollup on `day` when it is older (`force`: always), in one transaction;
/// `true` when it did.
pub(super) fn rebase(conn: &mut Connection, day: i64, force: bool) -> Result<bool, StorageError> {
    let tx = conn.transaction().or_storage()?;
    if rollup_day(&tx)? >= day && !force {
        return Ok(false);
    }
    tx.execute("UPDATE scan_rollup SET day = ?1 WHERE id = 1", [day])
        .or_storage()?;
    tx.execute("DELETE FROM venue_recent_scans", [])
        .or_storage()?;
    tx.execute(&FILL, []).or_storage()?;
    tx.commit().or_storage()?;
    log::info!("scan rollup re-based on day {day}");
    Ok(true)
}

/// Whether the rollup covers `from_day..=to_day` (the caller holds the connection, so no
/// re-base can come between this and the read).
pub(super) fn covers_now(
    conn: &Connection,
    from_day: i64,
    to_day: i64,
) -> Result<bool, StorageError> {
    Ok(covers(rollup_day(conn)?, from_day, to_day))
}
