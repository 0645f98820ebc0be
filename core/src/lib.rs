//! Vaora core: the phone's side of every rule: the encrypted diary, camera-frame
//! decoding and the sync engine.
//!
//! The platforms (Kotlin, Swift) only draw screens, feed camera frames and hand over
//! platform secrets; this crate holds what a phone does. The formats and rules it shares
//! with the server live one layer down, in `vaora-protocol`; this crate never imports
//! FFI, web-server or platform code: `bindings/` and `cli/` depend on it, never the other
//! way. See `ARCHITECTURE.md` at the repository root for the map of modules.
//!
//! - [`diary`]: SQLCipher storage of everything the phone keeps (people, check-ins,
//!   declarations, the trust store, sync state) and the workflows that write it;
//! - [`scan`]: camera frames in, decoded texts out;
//! - [`desk`]: the staff desk, recording visitors from their personal code or ID card;
//! - [`sync`]: the outbox drain and downloads over a caller-provided HTTP transport.

pub mod desk;
pub mod diary;
pub mod scan;
pub mod sync;
