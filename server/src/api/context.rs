//! What the API's handlers share: the server's state and the request budgets (token
//! buckets) of devices, of registering addresses and of addresses naming unknown devices.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use vaora_protocol::ids::Id128;

use crate::buckets::Buckets;
use crate::state::ServerState;

/// The client's address, which the per-address budgets are kept by: the TCP peer, or,
/// when the peer is a trusted proxy (`vaora serve --trusted-proxy`: the balancer in front
/// of several nodes), the right-most `X-Forwarded-For` address that is not one, as the
/// console counts sign-ins. Without it every registration behind a balancer would come
/// from the balancer's address and share one budget. `None` when the server was not
/// started with connection info (some tests).
pub(crate) fn client_ip<S>(
    state: &ApiState<S>,
    extensions: &Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>()?;
    Some(vaora_console::client_ip(
        extensions,
        headers,
        &state.trusted_proxies,
    ))
}

/// Shared state of the API.
pub(crate) struct ApiState<S> {
    pub server: Arc<ServerState<S>>,
    /// Proxies whose `X-Forwarded-For` names the client ([`client_ip`]).
    trusted_proxies: Vec<IpAddr>,
    devices: Buckets<Id128>,
    registrations: Buckets<IpAddr>,
    all_registrations: Buckets<()>,
    unknown_devices: Buckets<IpAddr>,
}

impl<S> ApiState<S> {
    pub(crate) fn new(server: Arc<ServerState<S>>, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            server,
            trusted_proxies,
            devices: Buckets::new(),
            registrations: Buckets::new(),
            all_registrations: Buckets::new(),
            unknown_devices: Buckets::new(),
        }
    }

    /// Whether `from` may still name unknown devices (nothing is taken); `Err(seconds)`
    /// to wait when its budget is spent.
    pub(crate) fn may_name_devices(&self, from: IpAddr) -> Result<(), u64> {
        let limits = &self.server.limits;
        self.unknown_devices.peek(
            from,
            limits.unknown_device_burst,
            limits.unknown_device_per_second,
            Instant::now(),
        )
    }

    /// Counts a request from `from` that named a device the server does not know.
    pub(crate) fn named_unknown_device(&self, from: IpAddr) {
        let limits = &self.server.limits;
        // An empty bucket only means the next request is refused early.
        let _ = self.unknown_devices.take(
            from,
            limits.unknown_device_burst,
            limits.unknown_device_per_second,
            Instant::now(),
        );
    }

    /// Token bucket per device; `Err(seconds)` to wait when empty.
    pub(crate) fn take_token(&self, device: Id128) -> Result<(), u64> {
        let limits = &self.server.limits;
        self.devices.take(
            device,
            limits.rate_burst,
            limits.rate_per_second,
            Instant::now(),
        )
    }

    /// One token bucket for every registration, whatever its address; `Err(seconds)` to
    /// wait when empty.
    pub(crate) fn take_any_registration(&self) -> Result<(), u64> {
        let limits = &self.server.limits;
        self.all_registrations.take(
            (),
            limits.register_all_burst,
            limits.register_all_per_second,
            Instant::now(),
        )
    }

    /// Token bucket per registering address; `Err(seconds)` to wait when empty.
    pub(crate) fn take_registration(&self, from: IpAddr) -> Result<(), u64> {
        let limits = &self.server.limits;
        self.registrations.take(
            from,
            limits.register_burst,
            limits.register_per_second,
            Instant::now(),
        )
    }
}
