//! Scans per active venue over a window of days, as the console's compliance page and the
//! inspection rule read them: summed from the daily aggregates (any window), or from the
//! per-venue rollup (windows the rollup covers, see [`crate::storage::rollup`]). Which
//! source serves a request, and under which lock, is the backend's call; the statements
//! are shared, except the narrow rollup read of PostgreSQL, whose rollup rows carry the
//! peer group.
//!
//! Every statement here takes `$1` ward ('' = any) and `$2` category (NULL = any); the
//! summed ones also `$3..=$4`, the first and last day.

use crate::storage::engine::{Arg, Query, ReadRow, Row, code, count, id};
use crate::storage::error::StorageError;
use crate::storage::queries::venues::{VENUE_COLUMNS, list_columns, venue};
use crate::storage::rollup::window_sum;
use crate::storage::rows::{PeerCount, ScanWindow, VenueRow};

/// The active venues matching the filters.
const ACTIVE: &str =
    "v.revoked_at IS NULL AND ($1 = '' OR v.ward = $1) AND ($2 IS NULL OR v.category = $2)";

/// One kind of count: its statement over the daily aggregates, its statement over a rollup
/// joined to the venues (for a window of `days`), and its row reader.
pub(crate) struct Counts<T> {
    summed: fn() -> String,
    joined_rollup: fn(i64) -> String,
    pub read: ReadRow<T>,
}

impl<T> Counts<T> {
    /// The statement summed from the daily aggregates over the window.
    pub(crate) fn summed(&self, w: &ScanWindow) -> Query {
        let mut args = filters(w);
        args.extend([Arg::Int(w.from_day), Arg::Int(w.to_day)]);
        Query::new((self.summed)(), args)
    }

    /// The statement over a rollup that covers the window, joined to the venues.
    pub(crate) fn on_joined_rollup(&self, w: &ScanWindow) -> Query {
        Query::new((self.joined_rollup)(w.days()), filters(w))
    }
}

/// `$1` and `$2`, the filters.
pub(crate) fn filters(w: &ScanWindow) -> Vec<Arg> {
    vec![
        Arg::Text(w.ward.clone()),
        Arg::OptInt(w.category.map(i64::from)),
    ]
}

/// Each active venue (without code text) and its scans. The summed join is per venue (not
/// an aggregate of every venue's days first), so a ward or category filter reads only its
/// venues' rows through `venue_day_scans_venue (venue_id, day)`; the rollup has one row
/// per venue, so no per-day rows are read.
pub(crate) const VENUES: Counts<(VenueRow, u64)> = Counts {
    summed: || {
        format!(
            "SELECT {}, CAST(coalesce(sum(a.scans), 0) AS BIGINT) FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN $3 AND $4
             WHERE {ACTIVE} GROUP BY v.id",
            list_columns!()
        )
    },
    joined_rollup: |days| {
        format!(
            "SELECT {}, {} FROM venues v LEFT JOIN venue_recent_scans r ON r.venue_id = v.id
             WHERE {ACTIVE}",
            list_columns!(),
            window_sum(days)
        )
    },
    read: venue_count,
};

/// Each active venue's peer group and scans: what the compliance rule needs.
pub(crate) const PEERS: Counts<PeerCount> = Counts {
    summed: || {
        format!(
            "SELECT v.id, v.ward, v.category, CAST(coalesce(sum(a.scans), 0) AS BIGINT)
             FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN $3 AND $4
             WHERE {ACTIVE} GROUP BY v.id"
        )
    },
    joined_rollup: |days| {
        format!(
            "SELECT v.id, v.ward, v.category, {} FROM venues v
             LEFT JOIN venue_recent_scans r ON r.venue_id = v.id WHERE {ACTIVE}",
            window_sum(days)
        )
    },
    read: peer_count,
};

#[cfg(test)]
pub(super) fn statements() -> Vec<String> {
    vec![
        (VENUES.summed)(),
        (VENUES.joined_rollup)(14),
        (PEERS.summed)(),
        (PEERS.joined_rollup)(21),
    ]
}

fn venue_count(r: &dyn Row) -> Result<(VenueRow, u64), StorageError> {
    Ok((venue(r)?, count(r, VENUE_COLUMNS)?))
}

/// A row of the `PEERS` statements (and of PostgreSQL's narrow rollup read).
fn peer_count(r: &dyn Row) -> Result<PeerCount, StorageError> {
    Ok(PeerCount {
        venue_id: id(r, 0)?,
        ward: r.text(1)?,
        category: code(r, 2, "category")?,
        scans: count(r, 3)?,
    })
}
