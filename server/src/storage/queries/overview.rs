//! The overview's counts: active venues by category and by ward, check-ins per day (from
//! the daily aggregate), registered devices, cases with nothing published yet.

use crate::storage::engine::{Arg, Engine, Query, code, count, first};
use crate::storage::error::StorageError;
use crate::storage::rows::OverviewCounts;

const BY_CATEGORY: &str = "SELECT category, count(*) FROM venues WHERE revoked_at IS NULL
     GROUP BY category ORDER BY category";
const BY_WARD: &str = "SELECT ward, count(*) AS n FROM venues WHERE revoked_at IS NULL
     GROUP BY ward ORDER BY n DESC, ward";
const PER_DAY: &str = "SELECT day, scans FROM day_scans WHERE day BETWEEN $1 AND $2 ORDER BY day";
const DEVICES: &str = "SELECT count(*) FROM devices";
const OPEN_CASES: &str = "SELECT count(*) FROM cases c
     WHERE NOT EXISTS (SELECT 1 FROM exposure_windows w WHERE w.case_id = c.id)";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 5] {
    [BY_CATEGORY, BY_WARD, PER_DAY, DEVICES, OPEN_CASES]
}

/// Venue counts and check-ins per day for days `from_day..=to_day` (day numbers). The five
/// small statements run at once (on PostgreSQL on separate connections; SQLite takes them
/// in turn).
pub(crate) async fn counts<E: Engine>(
    db: &E,
    from_day: i64,
    to_day: i64,
) -> Result<OverviewCounts, StorageError> {
    let (by_category, by_ward, per_day, devices, open_cases) = tokio::try_join!(
        db.rows(Query::new(BY_CATEGORY, Vec::new()), |r| Ok((
            code(r, 0, "category")?,
            count(r, 1)?
        ))),
        db.rows(Query::new(BY_WARD, Vec::new()), |r| Ok((
            r.text(0)?,
            count(r, 1)?
        ))),
        db.rows(
            Query::new(PER_DAY, vec![Arg::Int(from_day), Arg::Int(to_day)]),
            |r| Ok((r.int(0)?, count(r, 1)?))
        ),
        db.rows(Query::new(DEVICES, Vec::new()), |r| count(r, 0)),
        db.rows(Query::new(OPEN_CASES, Vec::new()), |r| count(r, 0)),
    )?;
    Ok(OverviewCounts {
        by_category,
        by_ward,
        per_day,
        devices: first(devices).unwrap_or(0),
        open_cases: first(open_cases).unwrap_or(0),
    })
}
