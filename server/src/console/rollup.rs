//! The per-venue rolling scan rollup behind the unfiltered compliance page.
//!
//! Why: summing `venue_day_scans` over 100,000 venues × 14–21 days on every request reads
//! 1.4–2.1 million rows (seconds on PostgreSQL). The rollup keeps one row per venue,
//! `venue_recent_scans (venue_id, d0 … d20)`, where `dK` is the venue's scans on day
//! `scan_rollup.day - K`, so any window of 1..=21 days ending on the rollup's day is a
//! sum of columns over 100,000 rows.
//!
//! Kept up in two ways:
//! - ingest increments the right column in the same transaction (the same statement on
//!   PostgreSQL) that stores a new check-in and bumps the daily aggregates; check-ins whose
//!   day falls outside the rollup's 21 days are left to the daily aggregates only;
//! - when a request asks for a window ending after the rollup's day, the rollup is
//!   **re-based**: `scan_rollup.day` moves to that day and every row is recomputed from
//!   `venue_day_scans` in one set-based statement (once per day in practice). Migration 3
//!   creates the tables empty with day −1, so the first request builds it from existing data.
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

/// Recomputes every row from `venue_day_scans` for the day in `scan_rollup` (the caller
/// empties the table and sets the day first, in one transaction).
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

/// PostgreSQL ingest: a CTE body adding the rows of CTE `ins (venue_id, day)` to the rollup,
/// grouped per venue (one upsert per distinct venue of the batch). The rollup's day is read
/// by primary key so the planner expects one row (a plain join with the never-analysed
/// one-row table was estimated at thousands of rows, enough to trigger JIT compilation).
pub static PG_INGEST: LazyLock<String> = LazyLock::new(|| {
    let mut sql = format!(
        "INSERT INTO venue_recent_scans (venue_id, {}) SELECT i.venue_id",
        columns("")
    );
    for k in 0..ROLLUP_DAYS {
        let _ = write!(sql, ", count(*) FILTER (WHERE i.day = s.day - {k})");
    }
    let _ = write!(
        sql,
        " FROM ins i, (SELECT day FROM scan_rollup WHERE id = 1) s
          WHERE i.venue_id IS NOT NULL AND i.day BETWEEN s.day - {} AND s.day
          GROUP BY i.venue_id ON CONFLICT (venue_id) DO UPDATE SET ",
        ROLLUP_DAYS - 1
    );
    let sets = (0..ROLLUP_DAYS)
        .map(|k| format!("d{k} = venue_recent_scans.d{k} + EXCLUDED.d{k}"))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push_str(&sets);
    sql
});

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
            crate::console::sqlite::MIGRATION_3,
        ] {
            for k in 0..ROLLUP_DAYS {
                assert!(migration.contains(&format!(" d{k} ")), "d{k} missing");
            }
            assert!(!migration.contains(&format!(" d{ROLLUP_DAYS} ")));
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
