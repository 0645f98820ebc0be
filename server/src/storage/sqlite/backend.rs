//! [`Storage`] on SQLite: what SQLite does its own way (ingest, the rollup); everything
//! else is the shared statements the trait provides.

use vaora_protocol::ids::Id128;

use super::connection::SqliteStore;
use super::engine::{execute, query_rows};
use super::{ingest, rollup};
use crate::storage::contract::{Purged, Storage};
use crate::storage::engine::Arg;
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::queries::counts::{Counts, PEERS, VENUES};
use crate::storage::queries::{retention, venues, windows};
use crate::storage::rows::{
    CheckInRow, InsertOutcome, NewRecord, PeerCount, ScanWindow, VenueRow, WindowRow,
};

impl SqliteStore {
    /// Counts of the window, from the rollup when it covers the window, else summed; the
    /// connection is held from reading the rollup's day to reading the counts, so no
    /// re-base comes between.
    async fn counts<T: Send + 'static>(
        &self,
        w: &ScanWindow,
        counts: &'static Counts<T>,
    ) -> Result<Vec<T>, StorageError> {
        let w = w.clone();
        self.run(move |conn| {
            let q = if rollup::covers_now(conn, w.from_day, w.to_day)? {
                counts.on_joined_rollup(&w)
            } else {
                counts.summed(&w)
            };
            query_rows(conn, &q.sql, &q.args, counts.read)
        })
        .await
    }
}

impl Storage for SqliteStore {
    async fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> Result<Vec<InsertOutcome>, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction().or_storage()?;
            let out = ingest::insert_batch(&tx, &records)?;
            tx.commit().or_storage()?;
            Ok(out)
        })
        .await
    }

    async fn insert_venue(&self, v: VenueRow) -> Result<bool, StorageError> {
        self.run(move |conn| {
            execute(conn, venues::INSERT, &venues::insert_args(&v)).map(|n| n == 1)
        })
        .await
    }

    async fn insert_windows(&self, w: Vec<WindowRow>) -> Result<Vec<WindowRow>, StorageError> {
        // One connection, one writer: sequence numbers commit in order.
        windows::insert(self, w, Vec::new()).await
    }

    async fn store_backfilled_stays(&self, stays: Vec<CheckInRow>) -> Result<u64, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction().or_storage()?;
            let n = ingest::insert_stays(&tx, &stays)?;
            tx.commit().or_storage()?;
            Ok(n)
        })
        .await
    }

    async fn purge_before(&self, cutoff_ms: i64) -> Result<Purged, StorageError> {
        // Stays are a table of their own here.
        retention::purge(self, cutoff_ms, retention::SQLITE).await
    }

    async fn prepare_partitions(&self, _from_ms: i64, _until_ms: i64) -> Result<u64, StorageError> {
        // One file, no partitions: nothing to make ahead.
        Ok(0)
    }

    async fn revoke_venue_row(&self, id: Id128, now_ms: i64) -> Result<bool, StorageError> {
        self.run(move |conn| {
            let args = [Arg::id(&id), Arg::Int(now_ms)];
            Ok(!query_rows(conn, venues::REVOKE, &args, |_| Ok(()))?.is_empty())
        })
        .await
    }

    async fn venue_scan_counts(
        &self,
        w: &ScanWindow,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        self.counts(w, &VENUES).await
    }

    async fn peer_counts(&self, w: &ScanWindow) -> Result<Vec<PeerCount>, StorageError> {
        self.counts(w, &PEERS).await
    }

    async fn rebuild_scan_rollup(&self, day: i64) -> Result<(), StorageError> {
        self.run(move |conn| rollup::rebase(conn, day, true).map(|_| ()))
            .await
    }

    async fn rebase_scan_rollup(&self, day: i64) -> Result<bool, StorageError> {
        self.run(move |conn| rollup::rebase(conn, day, false)).await
    }
}
