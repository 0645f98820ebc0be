//! `vaora-ffi`: the uniffi surface that Kotlin and Swift call.
//!
//! This crate holds no rules: every exported object wraps a `vaora-core` object, and every
//! decision (what a valid code is, when a check-in closes, what sync sends) stays in core,
//! where the Rust tests cover it. What lives here is only what a foreign boundary needs:
//!
//! - [`error`]: the one place where core errors become the few FFI error enums, each with a
//!   stable [`error::ErrorCode`] that apps can switch on and a reason fit to log;
//! - [`guard`]: panics are contained at every exported entry point and logged, so no panic
//!   crosses into the JVM or Swift;
//! - [`keystore`]: the `KeyStore` foreign trait (Android Keystore / iOS Keychain seal the
//!   diary key; the raw key never rests unsealed on disk);
//! - [`logging`]: the `Logger` foreign trait that forwards the `log` crate to the platform;
//! - [`http`]: the `HttpTransport` foreign trait: sync speaks HTTP through the platform's
//!   stack (no HTTP library, TLS or async runtime inside this library);
//! - [`diary`]: the `Vaora` object, an open diary, and everything done through it;
//! - [`desk`]: the staff desk (`StaffDesk`), opened through a diary at one venue.
//!
//! Bindings are generated in library mode from the built library
//! (`cargo xtask kotlin-test`, `cargo xtask swift-test`, `docs/bindings.md`).

// uniffi's scaffolding macros expand to `extern "C"` functions and pointer handling. The
// crate's own unsafe code is one function, `direct_scan::vaora_scan_frame_direct` (the
// JVM's camera fast lane), which borrows the caller's planes for one call.
#![allow(unsafe_code)]

uniffi::setup_scaffolding!();

pub mod answers;
pub mod cards;
pub mod changes;
pub mod checkins;
pub mod codes;
pub mod convert;
pub mod declare;
pub mod desk;
pub mod diary;
pub mod direct_scan;
pub mod error;
pub mod guard;
pub mod http;
pub mod inspections;
pub mod keystore;
pub mod logging;
pub mod own_venues;
pub mod render;
pub mod scan;
pub mod sync;

/// The version of the Vaora core inside this library (the Cargo package version).
#[uniffi::export]
pub fn vaora_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Panics inside the library on purpose, to let the foreign tests check that the panic
/// comes back as `VaoraError.Internal` (code `INTERNAL`) and is logged. Test builds only.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
pub fn test_hook_panic() -> Result<(), error::VaoraError> {
    guard::contain("test_hook_panic", || {
        #[allow(clippy::panic)]
        {
            panic!("deliberate test panic")
        }
    })
}
