//! Sync: the phone drains its outbox of signed records to the authority's server and pulls
//! keys, revocations and exposure windows, then matches the windows against its own diary.
//!
//! - [`wire`]: the protocol types shared with the reference server (`docs/sync-protocol.md`).
//! - [`store`]: the client's tables in the diary (registration, windows, alerts); uploads
//!   come from the diary's outbox.
//! - [`exposure`]: matching windows against local stays, on the phone.
//! - [`client`] (feature `sync-client`): the async sync engine with retries, backoff and
//!   cancellation ([`cancel`], runtime-free), over the [`transport`] seam: an HTTP stack the
//!   caller provides. [`reqwest_transport`] (feature `reqwest-transport`) is the one tools
//!   and tests use; phones pass their platform's stack through the FFI crate.

#[cfg(feature = "sync-client")]
pub mod authority_client;
#[cfg(feature = "sync-client")]
pub mod backoff;
#[cfg(feature = "sync-client")]
pub mod cancel;
#[cfg(feature = "sync-client")]
pub mod client;
pub mod exposure;
#[cfg(feature = "reqwest-transport")]
pub mod reqwest_transport;
pub mod store;
#[cfg(feature = "sync-client")]
pub mod transport;
pub mod wire;

pub use exposure::{Alert, DEFAULT_STAY_MS, LocalStay, match_windows};
pub use store::Registration;
