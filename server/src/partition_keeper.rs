//! The background task that makes `records`' day partitions ahead on PostgreSQL
//! ([`crate::storage::Storage::prepare_partitions`]; nothing on SQLite): at start, then
//! once a day, for every day from the retention cutoff to [`AHEAD_DAYS`] ahead, so a
//! record is stored in its day's partition (and retention drops it with its day) unless
//! its day is older than the keeper's first run. Several nodes may run it at once; the
//! storage lets one do the work.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::metrics::KeeperOutcome;
use crate::state::ServerState;
use crate::storage::Storage;

/// Days made ahead of today: a week of ingest survives a keeper that stopped running.
const AHEAD_DAYS: i64 = 7;
/// How often the keeper runs after a round that worked.
const DAILY: Duration = Duration::from_secs(24 * 60 * 60);
/// How soon it tries again after a round that failed.
const RETRY: Duration = Duration::from_secs(10 * 60);
const DAY_MS: i64 = 86_400_000;

/// Starts the partition keeper (see [`crate::keeper`]). `None` outside a tokio runtime.
pub(crate) fn spawn<S: Storage>(
    state: &Arc<ServerState<S>>,
) -> Option<tokio::task::JoinHandle<()>> {
    crate::keeper::spawn(state, |state| async move {
        let now = Utc::now().timestamp_millis();
        let from = now.saturating_sub(state.limits.retention_ms.max(0));
        let until = now.saturating_add(AHEAD_DAYS * DAY_MS);
        match state.store.prepare_partitions(from, until).await {
            Ok(0) => {
                state.metrics.keeper("partitions", KeeperOutcome::Idle);
                DAILY
            }
            Ok(n) => {
                state.metrics.keeper("partitions", KeeperOutcome::Worked);
                log::info!("partitions: made {n} day partitions of records");
                DAILY
            }
            Err(e) => {
                state.metrics.keeper("partitions", KeeperOutcome::Failed);
                log::warn!("making day partitions failed (will retry): {e}");
                RETRY
            }
        }
    })
}
