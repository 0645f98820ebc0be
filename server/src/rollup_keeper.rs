//! The background task that keeps the per-venue scan rollup
//! ([`crate::storage::rollup`]) on the current UTC day, so no request ever re-bases it.

use std::sync::Arc;

use chrono::Utc;

use crate::metrics::KeeperOutcome;
use crate::state::ServerState;
use crate::storage::{Storage, day_of_ms, ms_to_next_day};

/// How often the rollup keeper looks at the date at most (it also wakes at UTC midnight).
const KEEPER_TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// Keeps the per-venue rollup on the current UTC day, off the request path: re-bases it at
/// once (a fresh or upgraded database is built here) and again right after each UTC
/// midnight, checking at least every minute. Requests never re-base; until the keeper has
/// moved the rollup to a new day they are served from the daily aggregates (same results,
/// slower), so no request waits for the ~10 s re-base at 100,000 venues.
///
/// See [`crate::keeper`]. `None` outside a tokio runtime.
pub(crate) fn spawn<S: Storage>(
    state: &Arc<ServerState<S>>,
) -> Option<tokio::task::JoinHandle<()>> {
    crate::keeper::spawn(state, |state| async move {
        let now = Utc::now();
        match state
            .store
            .rebase_scan_rollup(day_of_ms(now.timestamp_millis()))
            .await
        {
            Ok(true) => {
                state.metrics.keeper("rollup", KeeperOutcome::Worked);
                log::info!("scan rollup moved to {}", now.date_naive());
            }
            Ok(false) => state.metrics.keeper("rollup", KeeperOutcome::Idle),
            Err(e) => {
                state.metrics.keeper("rollup", KeeperOutcome::Failed);
                log::warn!("scan rollup re-base failed (will retry): {e}");
            }
        }
        let to_midnight = ms_to_next_day(now.timestamp_millis()) + 1_000;
        let wait = std::time::Duration::from_millis(u64::try_from(to_midnight).unwrap_or(0));
        wait.min(KEEPER_TICK)
    })
}
