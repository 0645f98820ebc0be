//! [`Storage`] on PostgreSQL: what PostgreSQL does its own way (ingest in one statement,
//! venue writes that keep the rollup rows, the rollup's reader protocol and re-base);
//! everything else is the shared statements the trait provides.

use vaora_protocol::ids::Id128;

use super::connection::PgStore;
use super::engine::fetch;
use super::{ingest, partitions, rollup};
use crate::storage::contract::{Purged, Storage};
use crate::storage::engine::{Arg, Query};
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::queries::counts::{Counts, PEERS, VENUES, filters};
use crate::storage::queries::{retention, venues, windows};
use crate::storage::rows::{
    CheckInRow, InsertOutcome, NewRecord, PeerCount, ScanWindow, VenueRow, WindowRow,
};

/// Publications take turns: a transaction that stores windows holds this lock (released
/// at its commit) before its first `seq` is drawn, so sequence numbers become visible in
/// the order they are handed out, across connections and server processes. Without it a
/// later window could commit first; a phone polling in between would move its cursor past
/// the earlier one and never download it.
const PUBLICATION_LOCK: &str = "SELECT 0 FROM (SELECT pg_advisory_xact_lock(7331002)) l";

impl PgStore {
    /// Counts of the window: `on_rollup` inside a rollup reader when the rollup covers the
    /// window (so its day and its counts belong together), else summed.
    async fn counts<T: Send + 'static>(
        &self,
        w: &ScanWindow,
        counts: &Counts<T>,
        on_rollup: Query,
    ) -> Result<Vec<T>, StorageError> {
        let Some(mut tx) = rollup::reader(self.pool(), w.from_day, w.to_day).await? else {
            return fetch(self.pool(), counts.summed(w), counts.read).await;
        };
        let rows = fetch(&mut *tx, on_rollup, counts.read).await?;
        tx.commit().await.or_storage()?;
        Ok(rows)
    }
}

impl Storage for PgStore {
    async fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> Result<Vec<InsertOutcome>, StorageError> {
        ingest::insert_records(self.pool(), &records).await
    }

    async fn insert_venue(&self, venue: VenueRow) -> Result<bool, StorageError> {
        // The venue and its rollup row in one statement; a row back when it is new.
        let q = Query::new(rollup::REGISTER.as_str(), venues::insert_args(&venue));
        Ok(!fetch(self.pool(), q, |_| Ok(())).await?.is_empty())
    }

    async fn insert_windows(&self, w: Vec<WindowRow>) -> Result<Vec<WindowRow>, StorageError> {
        windows::insert(self, w, vec![Query::new(PUBLICATION_LOCK, Vec::new())]).await
    }

    async fn store_backfilled_stays(&self, stays: Vec<CheckInRow>) -> Result<u64, StorageError> {
        ingest::backfill_stays(self.pool(), &stays).await
    }

    async fn purge_before(&self, cutoff_ms: i64) -> Result<Purged, StorageError> {
        // Whole days go as partitions; the rest row by row. Stays live in their records
        // here (`checkins` is a view), and records go with their identities.
        let dropped = partitions::drop_before(self.pool(), cutoff_ms).await?;
        let shape = retention::Shape {
            stays: false,
            records: partitions::PURGE_RECORDS,
        };
        let mut purged = retention::purge(self, cutoff_ms, shape).await?;
        purged.records += dropped;
        Ok(purged)
    }

    async fn prepare_partitions(&self, from_ms: i64, until_ms: i64) -> Result<u64, StorageError> {
        partitions::prepare(self.pool(), from_ms, until_ms).await
    }

    async fn revoke_venue_row(&self, id: Id128, now_ms: i64) -> Result<bool, StorageError> {
        let q = Query::new(
            rollup::REVOKE.as_str(),
            vec![Arg::id(&id), Arg::Int(now_ms)],
        );
        Ok(!fetch(self.pool(), q, |_| Ok(())).await?.is_empty())
    }

    async fn venue_scan_counts(
        &self,
        w: &ScanWindow,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        self.counts(w, &VENUES, VENUES.on_joined_rollup(w)).await
    }

    async fn peer_counts(&self, w: &ScanWindow) -> Result<Vec<PeerCount>, StorageError> {
        // The rollup rows carry the peer group: one narrow table, no join.
        let narrow = Query::new(rollup::peer_counts_sql(w.days()), filters(w));
        self.counts(w, &PEERS, narrow).await
    }

    async fn rebuild_scan_rollup(&self, day: i64) -> Result<(), StorageError> {
        rollup::rebase(self.pool(), day, true).await.map(|_| ())
    }

    async fn rebase_scan_rollup(&self, day: i64) -> Result<bool, StorageError> {
        rollup::rebase(self.pool(), day, false).await
    }
}
