//! The rollup's upkeep on PostgreSQL ([`crate::storage::rollup`]): one row per **active**
//! venue carrying its peer group, written by registration, dropped by revocation, counted
//! by ingest (inside ingest's one statement), shifted by the daily re-base; and the reader
//! protocol that keeps a request's day and counts from the same rollup.

use std::sync::LazyLock;

use sqlx::{PgPool, Postgres, Transaction};

use crate::storage::error::{OrStorage, StorageError};
use crate::storage::queries::venues;
use crate::storage::rollup::{ROLLUP_DAYS, columns, covers, per_column, window_terms};

/// Re-base: recomputes one row per **active** venue, with its peer group (`ward`,
/// `category`), from `venues` and `venue_day_scans` for the day in `scan_rollup` (the
/// caller empties the table and sets the day first, in one transaction). Rows are written
/// in peer-group order.
static FILL: LazyLock<String> = LazyLock::new(|| {
    let coalesced: String = (0..ROLLUP_DAYS)
        .map(|k| format!(", coalesce(a.d{k}, 0)"))
        .collect();
    format!(
        "INSERT INTO venue_recent_scans (venue_id, ward, category, {cols})
         SELECT v.id, v.ward, v.category{coalesced}
         FROM venues v LEFT JOIN (
             SELECT a.venue_id{sums} FROM venue_day_scans a, scan_rollup s
             WHERE s.id = 1 AND a.day BETWEEN s.day - {last} AND s.day GROUP BY a.venue_id
         ) a ON a.venue_id = v.id
         WHERE v.revoked_at IS NULL
         ORDER BY v.ward, v.category",
        cols = columns(""),
        sums =
            per_column(|k| format!("sum(CASE WHEN a.day = s.day - {k} THEN a.scans ELSE 0 END)")),
        last = ROLLUP_DAYS - 1,
    )
});

/// Daily re-base by `shift` days (1..=20) onto day `day`, without re-reading three weeks
/// of daily aggregates: a temporary copy of the rollup whose columns move `shift` places
/// (`dK` becomes `d(K + shift)`, the oldest fall off) and whose first `shift` columns (days
/// `day - shift + 1 ..= day`, which ingest left to the daily aggregates while they were
/// ahead of the rollup's day) are counted from `venue_day_scans`. The caller holds the
/// rollup against writers, then replaces its rows with the copy. (The day is written into
/// the text: `CREATE TABLE AS` takes no bind parameters.)
fn shift_sql(day: i64, shift: i64) -> String {
    let shift = shift.clamp(1, ROLLUP_DAYS - 1);
    let fresh: String = (0..shift)
        .map(|k| format!(", coalesce(a.d{k}, 0)::bigint AS d{k}"))
        .collect();
    let moved: String = (shift..ROLLUP_DAYS)
        .map(|k| format!(", r.d{} AS d{k}", k - shift))
        .collect();
    format!(
        "CREATE TEMPORARY TABLE venue_recent_scans_next ON COMMIT DROP AS
         SELECT r.venue_id, r.ward, r.category{fresh}{moved}
         FROM venue_recent_scans r LEFT JOIN (
             SELECT venue_id{sums} FROM venue_day_scans
             WHERE day BETWEEN {day} - {last} AND {day} GROUP BY venue_id
         ) a ON a.venue_id = r.venue_id",
        sums = (0..shift)
            .map(|k| format!(", sum(CASE WHEN day = {day} - {k} THEN scans ELSE 0 END) AS d{k}"))
            .collect::<String>(),
        last = shift - 1,
    )
}

/// Puts the rows [`shift_sql`] computed back (the caller emptied the table).
static SHIFT_BACK: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO venue_recent_scans (venue_id, ward, category, {cols})
         SELECT venue_id, ward, category, {cols} FROM venue_recent_scans_next
         ORDER BY ward, category",
        cols = columns(""),
    )
});

/// Registration: the shared venue insert (`$1..=$7`, [`venues::INSERT`]) and the venue's
/// rollup row in one statement, the row counted from `venue_day_scans` like [`FILL`]
/// (zeros for a new venue); one row back when the venue is new, none when its id was
/// registered before.
pub(super) static REGISTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH v AS ({insert} RETURNING id, ward, category)
         INSERT INTO venue_recent_scans (venue_id, ward, category, {cols})
         SELECT v.id, v.ward, v.category{sums}
         FROM v CROSS JOIN (SELECT day FROM scan_rollup WHERE id = 1) s
         LEFT JOIN venue_day_scans a
                ON a.venue_id = v.id AND a.day BETWEEN s.day - {last} AND s.day
         GROUP BY v.id, v.ward, v.category
         RETURNING venue_id",
        insert = venues::INSERT,
        cols = columns(""),
        sums =
            per_column(|k| format!("coalesce(sum(a.scans) FILTER (WHERE a.day = s.day - {k}), 0)")),
        last = ROLLUP_DAYS - 1,
    )
});

/// Revocation: the shared revoke ([`venues::REVOKE`]: venue `$1` at `$2`, once) and the
/// removal of its rollup row; returns a row when the venue exists.
pub(super) static REVOKE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH r AS ({revoke}),
              gone AS (DELETE FROM venue_recent_scans WHERE venue_id IN (SELECT id FROM r))
         SELECT 1 FROM r",
        revoke = venues::REVOKE,
    )
});

/// Ingest: a CTE body adding the rows of CTE `counted (venue_id, day)` (the check-ins
/// stored now at registered, active venues) to the rollup rows of their venues, grouped
/// per venue (one update per distinct venue of the batch). Venues without a row (revoked,
/// or never registered) are left out: they are on no list. The
/// rollup's day is read by primary key so the planner expects one row (a plain join with
/// the never-analysed one-row table was estimated at thousands of rows, enough to trigger
/// JIT compilation).
pub(super) static INGEST: LazyLock<String> = LazyLock::new(|| {
    let sets = (0..ROLLUP_DAYS)
        .map(|k| format!("d{k} = r.d{k} + x.d{k}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "UPDATE venue_recent_scans r SET {sets}
         FROM (SELECT i.venue_id{counts}
               FROM counted i, (SELECT day FROM scan_rollup WHERE id = 1) s
               WHERE i.venue_id IS NOT NULL AND i.day BETWEEN s.day - {last} AND s.day
               GROUP BY i.venue_id) x
         WHERE r.venue_id = x.venue_id",
        counts = per_column(|k| format!("count(*) FILTER (WHERE i.day = s.day - {k})")),
        last = ROLLUP_DAYS - 1,
    )
});

/// Every active venue's `(id, ward, category, scans)` over the last `days` days (1..=21)
/// of the rollup, with the filters `$1` ward ('' = any) and `$2` category (NULL = any):
/// one narrow table, no join (the columns of the shared `PEERS` counts).
pub fn peer_counts_sql(days: i64) -> String {
    format!(
        "SELECT venue_id, ward, category, {} FROM venue_recent_scans
         WHERE ($1 = '' OR ward = $1) AND ($2 IS NULL OR category = $2)",
        window_terms("", days)
    )
}

/// Re-bases the rollup on `day` when it is older (`force`: always); `true` when it did.
///
/// Concurrency: the state row is locked first (one re-base at a time, re-checked under
/// the lock), then `TRUNCATE` takes the rollup table exclusively, which waits for ingest
/// transactions that already wrote to it and holds new ones back until commit. The fill
/// statement's snapshot is taken after that, so it sees every committed daily row, and
/// ingest statements that waited read the new `scan_rollup.day` (their snapshot is taken
/// after their locks), so no scan is counted twice or lost.
pub(super) async fn rebase(pool: &PgPool, day: i64, force: bool) -> Result<bool, StorageError> {
    if rollup_day(pool).await? >= day && !force {
        return Ok(false);
    }
    let mut tx = pool.begin().await.or_storage()?;
    let current: i64 = sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *tx)
        .await
        .or_storage()?;
    if current >= day && !force {
        return Ok(false);
    }
    let shift = day - current;
    let shifting = !force && current >= 0 && shift < ROLLUP_DAYS;
    let refill = if shifting {
        // The daily case: move the columns instead of re-reading three weeks of daily
        // aggregates (seconds instead of 10–25 s with ingest held). Writers (ingest,
        // registration, revocation) wait from here to commit; readers go on until the
        // TRUNCATE, so the copy is taken from a rollup nobody changes.
        sqlx::query("LOCK TABLE venue_recent_scans IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .or_storage()?;
        sqlx::query(sqlx::AssertSqlSafe(shift_sql(day, shift)))
            .execute(&mut *tx)
            .await
            .or_storage()?;
        SHIFT_BACK.as_str()
    } else {
        FILL.as_str()
    };
    sqlx::query("TRUNCATE venue_recent_scans")
        .execute(&mut *tx)
        .await
        .or_storage()?;
    // Before the refill: `FILL` reads the new day from `scan_rollup`.
    sqlx::query("UPDATE scan_rollup SET day = $1 WHERE id = 1")
        .bind(day)
        .execute(&mut *tx)
        .await
        .or_storage()?;
    sqlx::query(sqlx::AssertSqlSafe(refill))
        .execute(&mut *tx)
        .await
        .or_storage()?;
    tx.commit().await.or_storage()?;
    if shifting {
        log::info!("scan rollup moved {shift} day(s) to day {day}");
    } else {
        log::info!("scan rollup re-based on day {day}");
    }
    Ok(true)
}

/// The day the rollup is on (−1 before its first build).
async fn rollup_day(pool: &PgPool) -> Result<i64, StorageError> {
    sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1")
        .fetch_one(pool)
        .await
        .or_storage()
}

/// A transaction for reading the rollup, when it covers `from_day..=to_day`; `None` means
/// "sum the daily aggregates instead".
///
/// It holds the rollup table in `ACCESS SHARE` mode before reading the day, so no re-base
/// (whose `TRUNCATE` needs the table exclusively) can slip between reading the day and
/// reading the counts: both belong to the same rollup. The lock is taken with `NOWAIT`:
/// while a re-base runs (seconds, once a day) requests use the daily aggregates instead of
/// waiting.
pub(super) async fn reader(
    pool: &PgPool,
    from_day: i64,
    to_day: i64,
) -> Result<Option<Transaction<'static, Postgres>>, StorageError> {
    let mut tx = pool.begin().await.or_storage()?;
    if let Err(e) = sqlx::query("LOCK TABLE venue_recent_scans IN ACCESS SHARE MODE NOWAIT")
        .execute(&mut *tx)
        .await
    {
        // 55P03 lock_not_available: a re-base holds the table.
        if e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "55P03")
        {
            log::debug!("scan rollup busy (re-base): summing the daily aggregates");
            return Ok(None);
        }
        return Err(e).or_storage();
    }
    let day: i64 = sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .or_storage()?;
    Ok(covers(day, from_day, to_day).then_some(tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_moves_every_column_once() {
        for shift in 1..ROLLUP_DAYS {
            let sql = shift_sql(20_000, shift);
            let aliases: Vec<i64> = sql
                .split(" AS d")
                .skip(1)
                .filter_map(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse()
                        .ok()
                })
                .collect();
            for k in 0..ROLLUP_DAYS {
                // Counted days appear twice (the inner sum and the copy), moved ones once.
                let want = if k < shift { 2 } else { 1 };
                let got = aliases.iter().filter(|a| **a == k).count();
                assert_eq!(got, want, "d{k}, shift {shift}");
            }
            assert!(sql.contains(&format!("r.d{} AS d20", ROLLUP_DAYS - 1 - shift)));
            assert!(!sql.contains(&format!("r.d{} AS", ROLLUP_DAYS - shift)));
            assert!(sql.contains(&format!("BETWEEN 20000 - {} AND 20000", shift - 1)));
        }
    }

    #[test]
    fn registration_and_revocation_wrap_the_shared_statements() {
        assert!(REGISTER.contains(venues::INSERT));
        assert!(REVOKE.contains(venues::REVOKE));
    }
}
