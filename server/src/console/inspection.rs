//! The compliance page's inspection rule computed in the database.
//!
//! Why: the rule ([`vaora_console::compliance`]) compares each venue with the median of its
//! peers (same ward, same category). Applied in the server, it needs every active venue's
//! row: 100,000 rows (name, ward, address, …) fetched and decoded per request, which cost
//! ~0.6 s on PostgreSQL at the scale. Computed in SQL, only the flagged venues
//! (a few percent) and one count leave the database.
//!
//! The SQL is a statement of the same rule, not a new one:
//! - the peer group is `(ward, category)` over the active venues matching the filters,
//!   the venue itself included (byte equality on `ward`, as Rust's `String` keys);
//! - the median is the middle value, or the mean of the two middle values, as a double:
//!   the values at positions `(n + 1) / 2` and `(n + 2) / 2` of the group in scan order
//!   (the same position twice when `n` is odd). PostgreSQL takes them with `nth_value` over
//!   the group (`(a::float8 + b::float8) / 2`, Rust's `(a as f64 + b as f64) / 2.0`
//!   operation for operation); SQLite averages the rows so numbered (exact for integer
//!   counts below 2^52). `percentile_cont(0.5)` gives the same values on PostgreSQL but needs
//!   a grouped aggregate joined back to every venue (one more sort and join of 100,000 rows);
//! - flagged: `scans = 0`, or `median >= MIN_PEER_MEDIAN AND scans < median * FEW_SHARE`,
//!   with both constants bound from the console crate.
//!
//! The server re-classifies each returned row with [`vaora_console::compliance::finding`];
//! `tests/tests/console_inspection.rs` checks the SQL against `compliance::inspect` on
//! generated data (ties, even and odd peer counts, zero-scan venues, quiet peer groups).
//!
//! The per-venue counts are materialised narrow (id, ward, category, scans); names and
//! addresses are joined back for the flagged venues only.
//!
//! Where these statements run: SQLite (rollup and daily sums), and PostgreSQL's fallback
//! over the daily sums. PostgreSQL's common case, the rollup, no longer runs the rule in
//! SQL: its rollup rows carry the peer group, so the server reads one narrow table and
//! applies `compliance::flag_peer_groups`, the rule `compliance::inspect` uses, itself
//! (`postgres::inspect_rollup`;
//! the window passes and the 100,000-row sort here cost more than the read).
//!
//! Every statement returns at least one row: column 0 is the number of venues checked;
//! the others are NULL when nothing is flagged, else a flagged venue as
//! [`INSPECTION_COLUMNS`] lists them.

use super::rollup;

/// What the statements return after the count, for each flagged venue.
pub const INSPECTION_COLUMNS: &str =
    "id, name, category, ward, address, registered_at, scans, peer_median";

/// Where each active venue's count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The per-venue rollup, for a window of `days` ending on its day.
    Rollup { days: i64 },
    /// The daily aggregates summed over the window (bound as the last two parameters).
    Summed,
}

/// PostgreSQL, over the daily aggregates (the rollup's fallback: the minutes after
/// midnight before the keeper re-based it, and windows the rollup does not cover; over the
/// rollup the server applies the Rust rule itself, see `postgres::inspect_rollup`).
/// Parameters: `$1` ward ('' = any), `$2` category (NULL = any), `$3` FEW_SHARE, `$4`
/// MIN_PEER_MEDIAN, `$5..=$6` the days.
pub fn postgres_summed() -> String {
    let counts = "SELECT v.id, v.ward, v.category,
                    coalesce(sum(a.scans), 0)::bigint AS scans
             FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN $5 AND $6
             WHERE v.revoked_at IS NULL AND ($1 = '' OR v.ward = $1)
               AND ($2::smallint IS NULL OR v.category = $2)
             GROUP BY v.id";
    // One sort of the counts by (ward, category, scans) feeds two window passes: the peer
    // count, then the middle value(s) by position, so no per-group aggregate is joined back.
    // `COLLATE "C"` only makes the sort cheaper: partition equality is byte equality anyway.
    format!(
        "WITH c AS MATERIALIZED ({counts}),
         t AS (SELECT count(*)::bigint AS checked FROM c)
         SELECT t.checked, f.* FROM t LEFT JOIN (
             SELECT v.id, v.name, v.category, v.ward, v.address, v.registered_at, x.scans,
                    x.peer_median
             FROM (SELECT k.id, k.scans,
                          ((nth_value(k.scans, ((k.n + 1) / 2)::int) OVER g)::float8
                           + (nth_value(k.scans, ((k.n + 2) / 2)::int) OVER g)::float8) / 2
                          AS peer_median
                   FROM (SELECT c.id, c.ward, c.category, c.scans, count(*) OVER g AS n
                         FROM c WINDOW g AS ({PEERS})) k
                   WINDOW g AS ({PEERS})) x
             JOIN venues v ON v.id = x.id
             WHERE x.scans = 0
                OR (x.peer_median >= $4::float8 AND x.scans < x.peer_median * $3::float8)
         ) f ON true"
    )
}

/// A venue's peers in scan order, the whole group in the frame.
const PEERS: &str = "PARTITION BY ward COLLATE \"C\", category ORDER BY scans
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";

/// SQLite. Parameters: `?1` ward ('' = any), `?2` category (NULL = any), `?3` FEW_SHARE,
/// `?4` MIN_PEER_MEDIAN, and for [`Source::Summed`] `?5..=?6` the days.
pub fn sqlite(source: Source) -> String {
    let counts = match source {
        Source::Rollup { days } => format!(
            "SELECT v.id, v.ward, v.category,
                    {} AS scans
             FROM venues v LEFT JOIN venue_recent_scans r ON r.venue_id = v.id
             WHERE v.revoked_at IS NULL AND (?1 = '' OR v.ward = ?1)
               AND (?2 IS NULL OR v.category = ?2)",
            rollup::window_sum(days)
        ),
        Source::Summed => "SELECT v.id, v.ward, v.category,
                    coalesce(sum(a.scans), 0) AS scans
             FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN ?5 AND ?6
             WHERE v.revoked_at IS NULL AND (?1 = '' OR v.ward = ?1)
               AND (?2 IS NULL OR v.category = ?2)
             GROUP BY v.id"
            .to_owned(),
    };
    format!(
        "WITH c AS MATERIALIZED ({counts}),
         ranked AS (SELECT ward, category, scans,
                      row_number() OVER (PARTITION BY ward, category ORDER BY scans) AS rn,
                      count(*) OVER (PARTITION BY ward, category) AS n
               FROM c),
         m AS (SELECT ward, category, avg(scans) AS med FROM ranked
               WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY ward, category),
         t AS (SELECT count(*) AS checked FROM c)
         SELECT t.checked, f.* FROM t LEFT JOIN (
             SELECT v.id, v.name, v.category, v.ward, v.address, v.registered_at, c.scans,
                    m.med AS peer_median
             FROM c JOIN m ON m.ward = c.ward AND m.category = c.category
             JOIN venues v ON v.id = c.id
             WHERE c.scans = 0 OR (m.med >= ?4 AND c.scans < m.med * ?3)
         ) f ON 1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_read_the_source_they_are_given() {
        let sql = sqlite(Source::Rollup { days: 14 });
        assert!(sql.contains("venue_recent_scans") && !sql.contains("venue_day_scans"));
        assert!(sql.contains("r.d13,") && !sql.contains("r.d14"));
        for sql in [postgres_summed(), sqlite(Source::Summed)] {
            assert!(sql.contains("venue_day_scans") && !sql.contains("venue_recent_scans"));
        }
    }
}
