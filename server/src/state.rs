//! What every role works with, shared by the `/v1` API and the console: the store, the
//! authority's key (device certificates, key sets, exposure windows, authority requests),
//! a venue issuer over the same key, and the abuse limits.

use std::sync::Arc;
use vaora_protocol::venue::VenueIssuer;

use crate::attestation::AttestationPolicy;
use crate::authority::AuthorityKey;
use crate::limits::Limits;
use crate::venues::OwnVenueBudget;

/// The server's shared state.
pub(crate) struct ServerState<S> {
    pub store: S,
    /// Shared with ingest's checking threads, which open sealed card numbers.
    pub authority: Arc<AuthorityKey>,
    pub issuer: VenueIssuer,
    pub limits: Limits,
    pub attestation: AttestationPolicy,
    /// Venue self-registrations, per address and overall: the API and the public page
    /// draw from the same budget.
    pub own_venues: OwnVenueBudget,
    /// What `GET /metrics` shows (requests, records, batch sizes).
    pub metrics: Arc<crate::metrics::Metrics>,
}
