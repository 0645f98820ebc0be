//! One shape for the server's background keepers (the scan rollup's day, the retention
//! purge): a task that runs a round at once and again after the wait each round asks for,
//! off the request path, and holds only a weak reference to the server between rounds, so
//! it ends once the server's state is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::state::ServerState;
use crate::storage::Storage;

/// Starts a keeper whose `round` gets the state and returns how long to sleep before the
/// next one. `None` outside a tokio runtime.
pub(crate) fn spawn<S, F, Fut>(
    state: &Arc<ServerState<S>>,
    mut round: F,
) -> Option<tokio::task::JoinHandle<()>>
where
    S: Storage,
    F: FnMut(Arc<ServerState<S>>) -> Fut + Send + 'static,
    Fut: Future<Output = Duration> + Send,
{
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let weak = Arc::downgrade(state);
    Some(runtime.spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { return };
            // The round owns the only strong reference and drops it before the sleep.
            let wait = round(state).await;
            tokio::time::sleep(wait).await;
        }
    }))
}
