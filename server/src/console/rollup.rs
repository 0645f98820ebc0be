//! The per-venue rolling scan rollup behind the unfiltered compliance page.
//!
//! Why: summing `venue_day_scans` over 100,000 venues × 14–21 days on every request reads
//! 1.4–2.1 million rows (seconds on PostgreSQL). The rollup keeps one row per venue,
//! `venue_recent_scans (venue_id, d0 … d20)`, where `dK` is the venue's scans on day
//! `scan_rollup.day - K`, so any window of 1..=21 days ending on the rollup's day is a
//! sum of columns over 100,000 rows.
//!
//! On PostgreSQL (migration 4) each row also carries the venue's peer group (`ward`,
//! `category`) and rows exist for **active** venues only, so the compliance page reads this
//! one narrow table (no join with 100,000 venues) and groups the counts itself.
//!
//! Kept up by:
//! - ingest, which increments the right column in the same transaction (the same statement
//!   on PostgreSQL) that stores a new check-in and bumps the daily aggregates; check-ins
//!   whose day falls outside the rollup's 21 days are left to the daily aggregates only
//!   (and on PostgreSQL so are check-ins of venues without a row: revoked or unregistered);
//! - on PostgreSQL, registration (the venue and its row, counted from the daily aggregates,
//!   in one statement) and revocation (the row is deleted with the flag set);
//! - the **re-base**, off the request path (`console::spawn_rollup_keeper`): when the day
//!   changes, `scan_rollup.day` moves on. SQLite and a first build (or a gap of 21 days or
//!   more) recompute every row from `venue_day_scans`; PostgreSQL's daily case shifts the
//!   columns and counts only the new day(s) from the daily aggregates ([`pg_shift`]).
//!   Migration 3 (and 4 on PostgreSQL) leave the rollup on day −1, so the keeper's first
//!   round builds it from existing data.
//!
//! Windows that end before the rollup's day, or are longer than 21 days, fall back to the
//! direct sum over the daily aggregates (same results, slower).

use std::fmt::Write as _;
use std::sync::LazyLock;

/// Days the rollup covers (the compliance page offers 1..=21).
pub const ROLLUP_DAYS: i64 = 21;

fn columns(prefix: &str) -> String {
    (0..ROLLUP_DAYS)
        .map(|k| format!("{prefix}d{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite re-base: recomputes every row from `venue_day_scans` for the day in `scan_rollup`
/// (the caller empties the table and sets the day first, in one transaction).
pub static FILL: LazyLock<String> = LazyLock::new(|| {
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

/// The scans of the last `days` days (1..=21) of rollup row `r`, 0 without a row.
pub fn window_sum(days: i64) -> String {
    let terms = (0..days.clamp(1, ROLLUP_DAYS))
        .map(|k| format!("r.d{k}"))
        .collect::<Vec<_>>()
        .join(" + ");
    format!("coalesce({terms}, 0)")
}

/// The `dK` column sums of a per-day select: `, <agg>(k) AS dK` for each column.
fn per_column(agg: impl Fn(i64) -> String) -> String {
    (0..ROLLUP_DAYS)
        .map(|k| format!(", {} AS d{k}", agg(k)))
        .collect()
}

/// PostgreSQL re-base: recomputes one row per **active** venue, with its peer group
/// (`ward`, `category`), from `venues` and `venue_day_scans` for the day in `scan_rollup`
/// (the caller empties the table and sets the day first, in one transaction). Rows are
/// written in peer-group order.
pub static PG_FILL: LazyLock<String> = LazyLock::new(|| {
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

/// PostgreSQL daily re-base by `shift` days (1..=20) onto day `day`, without re-reading
/// three weeks of daily aggregates: a temporary copy of the rollup whose columns move
/// `shift` places (`dK` becomes `d(K + shift)`, the oldest fall off) and whose first `shift`
/// columns (days `day - shift + 1 ..= day`, which ingest left to the daily aggregates while
/// they were ahead of the rollup's day) are counted from `venue_day_scans`. The caller
/// holds the rollup against writers, then replaces its rows with the copy. (The day is
/// written into the text: `CREATE TABLE AS` takes no bind parameters.)
pub fn pg_shift(day: i64, shift: i64) -> String {
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

/// Puts the rows [`pg_shift`] computed back (the caller emptied the table).
pub static PG_SHIFT_BACK: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO venue_recent_scans (venue_id, ward, category, {cols})
         SELECT venue_id, ward, category, {cols} FROM venue_recent_scans_next
         ORDER BY ward, category",
        cols = columns(""),
    )
});

/// PostgreSQL registration: a CTE-headed statement that inserts the venue (`$1..=$7` as
/// `insert_venue` binds them) and its rollup row, counted from `venue_day_scans` like
/// [`PG_FILL`] (zeros for a new venue, unless check-ins named it before it was registered).
pub static PG_REGISTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH v AS (
             INSERT INTO venues (id, name, category, ward, address, code_text, registered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, ward, category)
         INSERT INTO venue_recent_scans (venue_id, ward, category, {cols})
         SELECT v.id, v.ward, v.category{sums}
         FROM v CROSS JOIN (SELECT day FROM scan_rollup WHERE id = 1) s
         LEFT JOIN venue_day_scans a
                ON a.venue_id = v.id AND a.day BETWEEN s.day - {last} AND s.day
         GROUP BY v.id, v.ward, v.category",
        cols = columns(""),
        sums =
            per_column(|k| format!("coalesce(sum(a.scans) FILTER (WHERE a.day = s.day - {k}), 0)")),
        last = ROLLUP_DAYS - 1,
    )
});

/// PostgreSQL revocation: marks venue `$1` revoked at `$2` (once) and drops its rollup row;
/// returns a row when the venue exists.
pub const PG_REVOKE: &str = "
    WITH r AS (UPDATE venues SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1
               RETURNING id),
         gone AS (DELETE FROM venue_recent_scans WHERE venue_id IN (SELECT id FROM r))
    SELECT 1 FROM r";

/// PostgreSQL ingest: a CTE body adding the rows of CTE `ins (venue_id, day)` to the
/// rollup rows of their venues, grouped per venue (one update per distinct venue of the
/// batch). Venues without a row (revoked, or never registered) are left out: they are on
/// no list. The rollup's day is read by primary key so the planner expects one row (a plain
/// join with the never-analysed one-row table was estimated at thousands of rows, enough to
/// trigger JIT compilation).
pub static PG_INGEST: LazyLock<String> = LazyLock::new(|| {
    let sets = (0..ROLLUP_DAYS)
        .map(|k| format!("d{k} = r.d{k} + x.d{k}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "UPDATE venue_recent_scans r SET {sets}
         FROM (SELECT i.venue_id{counts}
               FROM ins i, (SELECT day FROM scan_rollup WHERE id = 1) s
               WHERE i.venue_id IS NOT NULL AND i.day BETWEEN s.day - {last} AND s.day
               GROUP BY i.venue_id) x
         WHERE r.venue_id = x.venue_id",
        counts = per_column(|k| format!("count(*) FILTER (WHERE i.day = s.day - {k})")),
        last = ROLLUP_DAYS - 1,
    )
});

/// PostgreSQL: every active venue's `(id, ward, category, scans)` over the last `days`
/// days (1..=21) of the rollup, with the optional filters `$1` ward ('' = any) and `$2`
/// category (NULL = any). One narrow table, no join.
pub fn pg_counts(days: i64) -> String {
    let terms = (0..days.clamp(1, ROLLUP_DAYS))
        .map(|k| format!("d{k}"))
        .collect::<Vec<_>>()
        .join(" + ");
    format!(
        "SELECT venue_id, ward, category, ({terms})::bigint FROM venue_recent_scans
         WHERE ($1 = '' OR ward = $1) AND ($2::smallint IS NULL OR category = $2)"
    )
}

/// SQLite ingest: adds `?2` check-ins of venue `?1` on day `offset` days before the
/// rollup's day (0..=20); one statement per distinct venue and day of a batch.
pub fn sqlite_increment(offset: i64) -> String {
    format!(
        "INSERT INTO venue_recent_scans (venue_id, d{offset}) VALUES (?1, ?2)
         ON CONFLICT(venue_id) DO UPDATE SET d{offset} = d{offset} + excluded.d{offset}"
    )
}

/// Whether a window `from_day..=to_day` can be read from a rollup built for `rollup_day`.
pub fn covers(rollup_day: i64, from_day: i64, to_day: i64) -> bool {
    let days = to_day - from_day + 1;
    to_day == rollup_day && (1..=ROLLUP_DAYS).contains(&days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_declare_every_rollup_column() {
        for migration in [
            crate::console::postgres::MIGRATION_3,
            crate::console::postgres::MIGRATION_4,
            crate::console::sqlite::MIGRATION_3,
        ] {
            for k in 0..ROLLUP_DAYS {
                assert!(migration.contains(&format!(" d{k} ")), "d{k} missing");
            }
            assert!(!migration.contains(&format!(" d{ROLLUP_DAYS} ")));
        }
    }

    #[test]
    fn a_shift_moves_every_column_once() {
        for shift in 1..ROLLUP_DAYS {
            let sql = pg_shift(20_000, shift);
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
    fn windows_are_covered_only_when_ending_on_the_rollup_day() {
        assert!(covers(100, 100, 100));
        assert!(covers(100, 80, 100));
        assert!(!covers(100, 79, 100), "22 days");
        assert!(!covers(100, 90, 99), "ends before the rollup day");
        assert!(!covers(100, 101, 101), "after the rollup day");
        assert_eq!(window_sum(2), "coalesce(r.d0 + r.d1, 0)");
    }
}
