//! The background task that pays backfills a migration noted as owed, once, after start:
//! today the stays of staff check-ins stored before the server traced staff visits (SQLite
//! migration 7, PostgreSQL 10). Each is derived by ingest's own rules from the stored body
//! ([`crate::ingest::backfilled_staff_stay`]) and stored with the aggregates, in batches,
//! off the request path; a body that does not read stays evidence only (counted in the log
//! line, never named). A failure leaves the note, so the next start tries again.

use std::sync::Arc;

use chrono::Utc;

use crate::ingest::backfilled_staff_stay;
use crate::state::ServerState;
use crate::storage::{Storage, StorageError};

/// The backfill of staff check-ins' stays (`pending_backfills.name`).
const STAFF_STAYS: &str = "staff_stays";

/// Records read per batch.
const BATCH: u32 = 500;

/// Starts the task. `None` outside a tokio runtime.
pub(crate) fn spawn<S: Storage>(
    state: &Arc<ServerState<S>>,
) -> Option<tokio::task::JoinHandle<()>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let weak = Arc::downgrade(state);
    Some(runtime.spawn(async move {
        let Some(state) = weak.upgrade() else { return };
        match staff_stays(&state).await {
            Ok(None) => {}
            Ok(Some((stored, unread))) => log::info!(
                "backfill: {stored} staff check-ins stored before tracing now have their stays; {unread} did not read and stay evidence only"
            ),
            Err(e) => log::warn!("backfill of staff check-ins' stays failed (next start retries): {e}"),
        }
    }))
}

/// Derives and stores the stays owed; `None` when none were owed, else (stored, unread).
pub(crate) async fn staff_stays<S: Storage>(
    state: &ServerState<S>,
) -> Result<Option<(u64, u64)>, StorageError> {
    let store = &state.store;
    if !store.backfill_pending(STAFF_STAYS).await? {
        return Ok(None);
    }
    let now_ms = Utc::now().timestamp_millis();
    let (mut stored, mut unread) = (0, 0);
    let mut after = None;
    loop {
        let batch = store.staff_records_without_stays(after, BATCH).await?;
        let Some((device, id, _)) = batch.last() else {
            break;
        };
        after = Some((*device, *id));
        let mut stays = Vec::with_capacity(batch.len());
        for (device, id, body) in &batch {
            match backfilled_staff_stay(&state.limits, &state.authority, now_ms, *device, *id, body)
            {
                Ok(stay) => stays.push(stay),
                Err(_) => unread += 1,
            }
        }
        stored += store.store_backfilled_stays(stays).await?;
    }
    store.finish_backfill(STAFF_STAYS).await?;
    Ok(Some((stored, unread)))
}
