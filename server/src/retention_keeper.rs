//! The background task that purges everything personal older than the retention window
//! ([`crate::storage::Storage::purge_before`], `Limits::retention_ms`), off the request
//! path: at start, then every [`PURGE_TICK`].

use std::sync::Arc;

use chrono::Utc;

use crate::metrics::KeeperOutcome;
use crate::state::ServerState;
use crate::storage::Storage;

/// How often the purge runs after the first one.
const PURGE_TICK: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Starts the purge task (see [`crate::keeper`]). `None` outside a tokio runtime.
pub(crate) fn spawn<S: Storage>(
    state: &Arc<ServerState<S>>,
) -> Option<tokio::task::JoinHandle<()>> {
    crate::keeper::spawn(state, |state| async move {
        let cutoff = Utc::now()
            .timestamp_millis()
            .saturating_sub(state.limits.retention_ms.max(0));
        match state.store.purge_before(cutoff).await {
            Ok(p) if p.records + p.windows + p.cases > 0 => {
                state.metrics.keeper("retention", KeeperOutcome::Worked);
                log::info!(
                    "retention: purged {} records, {} windows, {} cases",
                    p.records,
                    p.windows,
                    p.cases
                );
            }
            Ok(_) => state.metrics.keeper("retention", KeeperOutcome::Idle),
            Err(e) => {
                state.metrics.keeper("retention", KeeperOutcome::Failed);
                log::warn!("retention purge failed (will retry): {e}");
            }
        }
        // Staff enrolment codes live minutes; forget the expired ones.
        if let Err(e) = state
            .store
            .forget_expired_enrolments(Utc::now().timestamp_millis())
            .await
        {
            log::warn!("forgetting expired enrolment codes failed (will retry): {e}");
        }
        if let Err(e) = state
            .store
            .forget_expired_inspector_codes(Utc::now().timestamp_millis())
            .await
        {
            log::warn!("forgetting expired inspector codes failed (will retry): {e}");
        }
        PURGE_TICK
    })
}
