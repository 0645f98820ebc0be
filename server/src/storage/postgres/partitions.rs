//! The day partitions of `records` (migration 15): made ahead, and dropped once a whole
//! day is older than the retention window.
//!
//! Why a task of its own and not `pg_partman`: the work is two statements a day, and the
//! server already runs keepers; an extension would be one more package every deployment
//! and CI must install. Several server nodes may run this at once: each step holds a
//! transaction-scoped advisory lock, so one node does the work and the others find it
//! done (and `CREATE TABLE IF NOT EXISTS … PARTITION OF` would not fail if they did not).
//!
//! A record whose day has no partition yet is stored in `records_default`, never refused
//! (ingest accepts records up to `Limits::max_age_ms` old, longer than the retention
//! window, and tests store any time). Making a day's partition moves that day's rows out
//! of the default partition first, in the same transaction, so PostgreSQL's check that
//! the default holds none of the new day's rows always passes.

use chrono::{DateTime, NaiveDate};
use sqlx::postgres::PgPool;
use sqlx::{Postgres, Transaction};

use crate::storage::error::{OrStorage, StorageError};

/// The advisory lock every partition change holds (migrations hold 7331001, publications
/// 7331002).
const PARTITION_LOCK: &str = "SELECT pg_advisory_xact_lock(7331003)";
/// A partition change waits this long for a table lock at most (ingest and reads hold
/// `records` while they run); past it, it fails and the keeper retries later instead of
/// queueing every request behind it.
const LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '10s'";
/// Days made or dropped by one call at most (a bad clock never makes thousands).
const MAX_DAYS: i64 = 400;
const DAY_MS: i64 = 86_400_000;

/// The partition of `day` (days since 1970-01-01, UTC): `records_YYYYMMDD`.
pub fn partition_name(day: i64) -> Result<String, StorageError> {
    let at = day
        .checked_mul(DAY_MS)
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(|| StorageError::Corrupt(format!("day {day} is out of range")))?;
    Ok(at.format("records_%Y%m%d").to_string())
}

/// The day a partition name stands for; `None` for `records_default` and other tables.
fn day_of(name: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(name.strip_prefix("records_")?, "%Y%m%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((date - epoch).num_days())
}

/// The day of a time (floor division, like the migration's).
fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The days that have a partition, ascending.
async fn days(tx: &mut Transaction<'_, Postgres>) -> Result<Vec<i64>, StorageError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'records'::regclass",
    )
    .fetch_all(&mut **tx)
    .await
    .or_storage()?;
    let mut days: Vec<i64> = names.iter().filter_map(|n| day_of(n)).collect();
    days.sort_unstable();
    Ok(days)
}

async fn locked(pool: &PgPool) -> Result<Transaction<'_, Postgres>, StorageError> {
    let mut tx = pool.begin().await.or_storage()?;
    for step in [PARTITION_LOCK, LOCK_TIMEOUT] {
        sqlx::query(step).execute(&mut *tx).await.or_storage()?;
    }
    Ok(tx)
}

/// Makes a partition for every day from `from_ms`'s to `until_ms`'s that has none (moving
/// rows of those days out of the default partition); the number made.
pub(super) async fn prepare(
    pool: &PgPool,
    from_ms: i64,
    until_ms: i64,
) -> Result<u64, StorageError> {
    let (first, last) = (day_of_ms(from_ms), day_of_ms(until_ms));
    let last = last.min(first.saturating_add(MAX_DAYS - 1));
    let mut tx = locked(pool).await?;
    let have = days(&mut tx).await?;
    let mut made = 0;
    for day in first..=last {
        if have.binary_search(&day).is_err() {
            make(&mut tx, day).await?;
            made += 1;
        }
    }
    tx.commit().await.or_storage()?;
    Ok(made)
}

/// Makes `day`'s partition inside the caller's transaction.
async fn make(tx: &mut Transaction<'_, Postgres>, day: i64) -> Result<(), StorageError> {
    let name = partition_name(day)?;
    let (lo, hi) = (day * DAY_MS, (day + 1) * DAY_MS);
    let waiting: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM records_default WHERE at_ms >= $1 AND at_ms < $2)",
    )
    .bind(lo)
    .bind(hi)
    .fetch_one(&mut **tx)
    .await
    .or_storage()?;
    let statements = if waiting {
        // The day's rows leave the default partition for a table that then becomes the
        // day's partition (its indexes are made as it is attached).
        vec![
            format!("CREATE TABLE \"{name}\" (LIKE records INCLUDING DEFAULTS)"),
            format!(
                "WITH moved AS (DELETE FROM records_default WHERE at_ms >= {lo} AND at_ms < {hi}
                                RETURNING *)
                 INSERT INTO \"{name}\" SELECT * FROM moved"
            ),
            format!(
                "ALTER TABLE records ATTACH PARTITION \"{name}\" FOR VALUES FROM ({lo}) TO ({hi})"
            ),
        ]
    } else {
        vec![format!(
            "CREATE TABLE IF NOT EXISTS \"{name}\" PARTITION OF records FOR VALUES FROM ({lo}) TO ({hi})"
        )]
    };
    for sql in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await
            .or_storage()?;
    }
    Ok(())
}

/// Drops the partitions of days that ended at or before `cutoff_ms`, with what was derived
/// from their records (check-in updates, inspections) and their records' identities, in
/// one transaction; the number of records dropped. What is older than the cutoff in the
/// day it falls in, and in the default partition, is left to the row-by-row purge.
pub(super) async fn drop_before(pool: &PgPool, cutoff_ms: i64) -> Result<u64, StorageError> {
    let mut tx = locked(pool).await?;
    let old: Vec<i64> = days(&mut tx)
        .await?
        .into_iter()
        .filter(|d| d.saturating_add(1).saturating_mul(DAY_MS) <= cutoff_ms)
        .take(usize::try_from(MAX_DAYS).unwrap_or(usize::MAX))
        .collect();
    let mut dropped = 0u64;
    for day in old {
        let name = partition_name(day)?;
        let (lo, hi) = (day * DAY_MS, (day + 1) * DAY_MS);
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{name}\""
        )))
        .fetch_one(&mut *tx)
        .await
        .or_storage()?;
        for sql in [
            format!(
                "DELETE FROM checkin_updates WHERE (device_id, id) IN
                 (SELECT device_id, id FROM \"{name}\" WHERE kind = 2)"
            ),
            format!("DELETE FROM inspections WHERE at_ms < {hi}"),
            format!("DELETE FROM record_ids WHERE at_ms >= {lo} AND at_ms < {hi}"),
            format!("DROP TABLE \"{name}\""),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await
                .or_storage()?;
        }
        dropped += u64::try_from(n).unwrap_or(0);
    }
    tx.commit().await.or_storage()?;
    Ok(dropped)
}

/// What the row-by-row purge deletes last in each chunk on PostgreSQL: the records below
/// `$1` (in the day the cutoff falls in and in the default partition) and their
/// identities, in one statement (the count is of identities, one per record).
pub(super) const PURGE_RECORDS: &str = "WITH gone AS (
         DELETE FROM records WHERE at_ms < $1 RETURNING device_id, id)
     DELETE FROM record_ids k USING gone g WHERE k.device_id = g.device_id AND k.id = g.id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_read_back_as_their_days() {
        // 2026-11-20 is day 20777.
        assert_eq!(partition_name(20_777).unwrap(), "records_20261120");
        assert_eq!(day_of("records_20261120"), Some(20_777));
        assert_eq!(day_of("records_default"), None);
        assert_eq!(day_of_ms(20_777 * DAY_MS + DAY_MS - 1), 20_777);
        assert_eq!(day_of_ms(-1), -1);
        for day in [-1, 0, 19_000, 20_777, 30_000] {
            assert_eq!(day_of(&partition_name(day).unwrap()), Some(day));
        }
    }
}
