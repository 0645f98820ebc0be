//! Privacy by retention: check-ins (with their updates and outbox records) older than the
//! window are deleted, on open and on demand. Contact tracing needs about two weeks;
//! keeping more would only add risk. The window is 1–60 days, 21 by default.

use chrono::Duration;
use rusqlite::params;

use super::id_index::forget_before;
use super::outbox::purge_records_of;
use super::stays::place_floor;
use super::time::to_ms;
use super::{Diary, DiaryError};

pub const DEFAULT_RETENTION_DAYS: u32 = 21;
pub const MIN_RETENTION_DAYS: u32 = 1;
pub const MAX_RETENTION_DAYS: u32 = 60;

/// How many rows a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeCounts {
    pub checkins: u64,
    pub updates: u64,
    pub records: u64,
    /// Declarations and staff check-ins (`crate::declare`).
    pub declarations: u64,
}

pub(crate) fn validate_days(days: u32) -> Result<(), DiaryError> {
    if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(DiaryError::Invalid(format!(
            "the retention window is {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days, got {days}"
        )))
    }
}

impl Diary {
    /// Purges with the configured window (runs on open).
    pub fn purge_expired(&mut self) -> Result<PurgeCounts, DiaryError> {
        self.purge_older_than(self.config.retention_days)
    }

    /// Deletes check-ins, declarations and staff check-ins that began more than `days` days
    /// ago (1–60), the check-ins' updates, and the outbox records of all of these, in one
    /// transaction.
    pub fn purge_older_than(&mut self, days: u32) -> Result<PurgeCounts, DiaryError> {
        validate_days(days)?;
        let cutoff = to_ms(&(self.clock.now() - Duration::days(i64::from(days))));
        if !anything_before(&self.conn, cutoff)? {
            return Ok(PurgeCounts::default());
        }
        let tx = self.conn.transaction()?;
        // Update records go first, found through the rows they sign (no outbox index is
        // paid for on writes just for retention); updates before their check-ins, since
        // the join needs them. A check-in's own record goes with its row.
        let update_records = purge_records_of(
            &tx,
            &format!(
                "SELECT u.id FROM checkin_updates u WHERE u.checkin_id IN ({EXPIRED_CHECKIN_IDS})"
            ),
            place_floor(cutoff),
        )?;
        let checkin_records: i64 = tx.query_row(
            "SELECT count(*) FROM checkins WHERE place < ?1 AND body IS NOT NULL",
            params![place_floor(cutoff)],
            |r| r.get(0),
        )?;
        let records = update_records + usize::try_from(checkin_records).unwrap_or(0);
        let updates = tx.execute(
            &format!("DELETE FROM checkin_updates WHERE checkin_id IN ({EXPIRED_CHECKIN_IDS})"),
            params![place_floor(cutoff)],
        )?;
        forget_before(&tx, place_floor(cutoff))?;
        let checkins = tx.execute(
            "DELETE FROM checkins WHERE place < ?1",
            params![place_floor(cutoff)],
        )?;
        let declaration_records = crate::declare::store::purge_records_before(&tx, cutoff)?;
        let declarations = crate::declare::store::purge_rows_before(&tx, cutoff)?;
        tx.commit()?;
        if checkins > 0 {
            // A purged stay may have been someone's latest.
            *self.stays.get_mut() = None;
        }
        let counts = PurgeCounts {
            checkins: checkins as u64,
            updates: updates as u64,
            records: records as u64 + declaration_records,
            declarations,
        };
        if counts != PurgeCounts::default() {
            log::info!(
                "retention purged {} check-ins, {} updates, {} records",
                counts.checkins,
                counts.updates,
                counts.records
            );
        }
        Ok(counts)
    }
}

/// The check-ins before place `?1`: a key range at the start of the time-ordered table.
const EXPIRED_CHECKIN_IDS: &str = "SELECT id FROM checkins WHERE place < ?1";

/// Whether any row that retention deletes began before `cutoff`. Every open runs retention,
/// and on most opens nothing has expired: one statement of a few index probes (each
/// table's time order) then replaces the purge's eight, which an open would otherwise
/// parse and run for nothing. Outbox records and updates are only purged with the rows
/// they belong to, so these three tables decide.
fn anything_before(conn: &rusqlite::Connection, cutoff: i64) -> Result<bool, DiaryError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM checkins WHERE place < ?2)
             OR EXISTS (SELECT 1 FROM declarations WHERE declared_at < ?1)
             OR EXISTS (SELECT 1 FROM staff_checkins WHERE checked_in_at < ?1)",
        )?
        .query_row(params![cutoff, place_floor(cutoff)], |r| r.get(0))?)
}
