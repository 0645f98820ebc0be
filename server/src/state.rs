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
    /// A read replica (`vaora serve --replica-database`) for the heavy reads that may lag
    /// the primary by a moment: the exposure feed and the console's counts
    /// (`storage/postgres/replica.rs` says why the feed stays exact).
    pub replica: Option<S>,
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

/// One read, boxed so it may borrow the store it runs on ([`ServerState::read`]).
pub(crate) type ReadFuture<'a, T> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<T, crate::storage::StorageError>> + Send + 'a>,
>;

impl<S: crate::storage::Storage> ServerState<S> {
    /// Runs a read on the replica when there is one, else on the primary; a replica that
    /// fails (down, or restarting) is logged and the read runs on the primary.
    pub(crate) async fn read<T, F>(
        &self,
        what: &str,
        read: F,
    ) -> Result<T, crate::storage::StorageError>
    where
        F: for<'a> Fn(&'a S) -> ReadFuture<'a, T>,
    {
        if let Some(replica) = &self.replica {
            match read(replica).await {
                Ok(v) => return Ok(v),
                Err(e) => log::warn!("replica read ({what}) failed, reading the primary: {e}"),
            }
        }
        read(&self.store).await
    }
}
