//! What the API's handlers share: the server's state and each device's request budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use vaora_protocol::ids::Id128;

use crate::state::ServerState;

/// Shared state of the API.
pub(crate) struct ApiState<S> {
    pub server: Arc<ServerState<S>>,
    buckets: Mutex<HashMap<Id128, (f64, Instant)>>,
}

impl<S> ApiState<S> {
    pub(crate) fn new(server: Arc<ServerState<S>>) -> Self {
        Self {
            server,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Token bucket per device; `Err(seconds)` to wait when empty.
    pub(crate) fn take_token(&self, device: Id128) -> Result<(), u64> {
        let limits = &self.server.limits;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = buckets.entry(device).or_insert((limits.rate_burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * limits.rate_per_second)
            .min(limits.rate_burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / limits.rate_per_second).ceil();
            Err((wait as u64).max(1))
        }
    }
}
