//! What a load balancer and an operator ask a node: `GET /healthz` (does this node reach its
//! database?) and, with a read replica, how far the replica lags (`GET /metrics`).
//!
//! Why a database round trip in the health check: a node whose pool cannot reach PostgreSQL
//! answers every device request `503 storage_unavailable`; the balancer should send those
//! requests to a node that can. The check is one `SELECT 1`, no table read.

use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::metrics::Metrics;
use crate::state::ServerState;
use crate::storage::{PgStore, Storage};

/// How often the replica's lag is measured.
const LAG_TICK: Duration = Duration::from_secs(2);

/// `200 ok` when the primary database answers, else `503 storage_unavailable` (logged).
pub(crate) async fn answer<S: Storage>(server: &ServerState<S>) -> Response {
    match server.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            log::warn!("health check: storage: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable\n").into_response()
        }
    }
}

/// Measures the replica's lag behind the primary every [`LAG_TICK`] into `metrics`, until
/// the server (which holds the metrics) is gone. A failed measurement is logged and leaves
/// the last figure; outside a tokio runtime nothing runs.
pub(crate) fn watch_replica(primary: &PgStore, replica: &PgStore, metrics: &Arc<Metrics>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let (primary, replica) = (primary.clone(), replica.clone());
    let weak: Weak<Metrics> = Arc::downgrade(metrics);
    runtime.spawn(async move {
        // Said once, not every round: a misconfigured replica stays misconfigured.
        let mut said_not_standby = false;
        loop {
            let Some(metrics) = weak.upgrade() else {
                return;
            };
            match replica.lag_behind(primary.pool()).await {
                Ok(Some(lag)) => metrics.replica_lag(lag.seconds, lag.bytes),
                Ok(None) if !said_not_standby => {
                    said_not_standby = true;
                    log::warn!("the read replica is not a standby (not in recovery)");
                }
                Ok(None) => {}
                Err(e) => log::warn!("measuring the replica's lag: {e}"),
            }
            drop(metrics);
            tokio::time::sleep(LAG_TICK).await;
        }
    });
}
