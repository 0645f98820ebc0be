//! The per-venue rolling scan rollup behind the unfiltered compliance page: what both
//! backends share of it (its shape, which windows it serves, how a window is summed).
//!
//! Why: summing `venue_day_scans` over 100,000 venues × 14–21 days on every request reads
//! 1.4–2.1 million rows (seconds on PostgreSQL). The rollup keeps one row per venue,
//! `venue_recent_scans (venue_id, d0 … d20)`, where `dK` is the venue's scans on day
//! `scan_rollup.day - K`, so any window of 1..=21 days ending on the rollup's day is a
//! sum of columns over 100,000 rows.
//!
//! On PostgreSQL (migration 4) each row also carries the venue's peer group (`ward`,
//! `category`) and rows exist for **active** venues only, so the compliance page reads this
//! one narrow table (no join with 100,000 venues); SQLite keeps the simpler migration-3
//! shape (every venue that was scanned, no peer group) and joins the venues.
//!
//! Kept up by:
//! - ingest, which increments the right column in the same transaction (the same statement
//!   on PostgreSQL) that stores a new check-in and bumps the daily aggregates; check-ins
//!   whose day falls outside the rollup's 21 days are left to the daily aggregates only
//!   (and on PostgreSQL so are check-ins of venues without a row: revoked or unregistered);
//! - on PostgreSQL, registration (the venue and its row, counted from the daily aggregates,
//!   in one statement) and revocation (the row is deleted with the flag set);
//! - the **re-base**, off the request path (`crate::rollup_keeper`): when the day changes,
//!   `scan_rollup.day` moves on. SQLite and a first build (or a gap of 21 days or more)
//!   recompute every row from `venue_day_scans`; PostgreSQL's daily case shifts the columns
//!   and counts only the new day(s) from the daily aggregates. Migration 3 (and 4 on
//!   PostgreSQL) leave the rollup on day −1, so the keeper's first round builds it from
//!   existing data.
//!
//! Windows that end before the rollup's day, or are longer than 21 days, fall back to the
//! direct sum over the daily aggregates (same results, slower).

/// Days the rollup covers (the compliance page offers 1..=21).
pub(crate) const ROLLUP_DAYS: i64 = 21;

/// `prefix`d0, `prefix`d1, … for every rollup column.
pub(crate) fn columns(prefix: &str) -> String {
    (0..ROLLUP_DAYS)
        .map(|k| format!("{prefix}d{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `dK` column values of a per-day select: `, <agg>(k) AS dK` for each column.
pub(crate) fn per_column(agg: impl Fn(i64) -> String) -> String {
    (0..ROLLUP_DAYS)
        .map(|k| format!(", {} AS d{k}", agg(k)))
        .collect()
}

/// `{prefix}d0 + … + {prefix}d(days-1)`: the scans of the last `days` days (1..=21).
pub(crate) fn window_terms(prefix: &str, days: i64) -> String {
    (0..days.clamp(1, ROLLUP_DAYS))
        .map(|k| format!("{prefix}d{k}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The scans of the last `days` days (1..=21) of rollup row `r`, 0 without a row.
pub(crate) fn window_sum(days: i64) -> String {
    format!("coalesce({}, 0)", window_terms("r.", days))
}

/// Whether a window `from_day..=to_day` can be read from a rollup built for `rollup_day`.
pub(crate) fn covers(rollup_day: i64, from_day: i64, to_day: i64) -> bool {
    let days = to_day - from_day + 1;
    to_day == rollup_day && (1..=ROLLUP_DAYS).contains(&days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_covered_only_when_ending_on_the_rollup_day() {
        assert!(covers(100, 100, 100));
        assert!(covers(100, 80, 100));
        assert!(!covers(100, 79, 100), "22 days");
        assert!(!covers(100, 90, 99), "ends before the rollup day");
        assert!(!covers(100, 101, 101), "after the rollup day");
        assert_eq!(window_sum(2), "coalesce(r.d0 + r.d1, 0)");
        assert_eq!(window_terms("", 30), window_terms("", ROLLUP_DAYS));
    }
}
