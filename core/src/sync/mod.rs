//! Sync: the phone drains its queue of signed records to the authority's server and pulls
//! keys, revocations and exposure windows, then matches the windows against its own diary.
//! The wire types and the matching rule are `vaora_protocol::{wire, exposure}`, shared
//! with the server.
//!
//! - [`store`]: what only sync keeps in the diary (registration, received windows,
//!   alerts, the download cursor); uploads come from the diary's queue.
//! - [`client`]: the async sync engine with retries, backoff ([`backoff`]) and
//!   runtime-free cancellation ([`cancel`]), over the [`transport`] seam: an HTTP stack the
//!   caller provides. [`reqwest_transport`] (feature `reqwest-transport`) is the one tools
//!   and tests use; phones pass their platform's stack through the FFI crate.
//! - [`authority_client`]: the health authority's calls (cases, tracing, publishing,
//!   venue registration), for tools.
//! - [`own_venue`]: a venue's owner registers it (no credential).

pub mod authority_client;
mod backoff;
mod cancel;
pub mod client;
mod error;
mod exchange;
pub mod inspection;
mod options;
pub mod own_venue;
#[cfg(feature = "reqwest-transport")]
pub mod reqwest_transport;
mod store;
pub mod transport;

pub use backoff::Backoff;
pub use cancel::CancelToken;
pub use store::{Registration, StoredAlert};
