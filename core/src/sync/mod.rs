//! Sync: the phone drains its outbox of signed records to the authority's server and pulls
//! keys, revocations and exposure windows, then matches the windows against its own diary.
//!
//! - [`wire`]: the protocol types shared with the reference server (`docs/sync-protocol.md`).
//! - [`store`]: the client's tables in the diary (registration, windows, alerts); uploads
//!   come from the diary's outbox.
//! - [`exposure`]: matching windows against local stays, on the phone.
//! - [`client`] (feature `sync-client`): the async HTTP client with retries, backoff and cancellation;
//!   [`android_roots`]: its trusted roots on Android (the system CA folder).

#[cfg(feature = "sync-client")]
pub mod android_roots;
#[cfg(feature = "sync-client")]
pub mod authority_client;
#[cfg(feature = "sync-client")]
pub mod backoff;
#[cfg(feature = "sync-client")]
pub mod client;
pub mod exposure;
pub mod store;
pub mod wire;

pub use exposure::{Alert, DEFAULT_STAY_MS, LocalStay, match_windows};
pub use store::Registration;
