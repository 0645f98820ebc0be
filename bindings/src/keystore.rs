//! The platform key store, implemented by the app: Android Keystore on Android, the
//! Keychain on iOS, an in-memory fake in tests.
//!
//! Rust makes the diary's random 32-byte SQLCipher key; the app only seals and unseals it.
//! The sealed bytes are kept in a small file beside the diary (`<diary>.sealed-key`), so the
//! raw key never rests unsealed on disk and the app needs no storage logic of its own.
//! If the platform loses its wrapping key (Android invalidates Keystore keys on some
//! lock-screen changes; a device restore does not carry Keychain items marked
//! this-device-only), unsealing fails with `KeyStoreError::KeyLost` and the app offers
//! `Vaora.recoverAfterKeyLoss`. The lifecycle itself is core's (`Diary::open_sealed`,
//! `Diary::recover_sealed`).

use std::sync::Arc;

use vaora_core::diary::{KeySealer, SealError};
use zeroize::Zeroizing;

/// What a key store implementation reports.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// The wrapping key is gone or invalidated: the sealed key can never be opened again.
    #[error("the key store lost its key: {reason}")]
    KeyLost { reason: String },
    /// The key store is unavailable right now (device locked, hardware busy); retry later.
    #[error("the key store failed: {reason}")]
    Unavailable { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unavailable {
            reason: format!("unexpected error in the key store: {}", err.reason),
        }
    }
}

/// The app's key store. Both calls may block (hardware-backed keys); Rust calls them from
/// the thread that opens the diary, never from a UI callback.
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    /// Seals (encrypts or wraps) a fresh 32-byte diary key; returns opaque bytes that only
    /// this key store can unseal. Called once, when a diary is created or recreated.
    fn seal(&self, key: Vec<u8>) -> Result<Vec<u8>, KeyStoreError>;
    /// Returns the 32 bytes that `seal` was given.
    fn unseal(&self, sealed: Vec<u8>) -> Result<Vec<u8>, KeyStoreError>;
}

/// The app's key store as core's [`KeySealer`]: the key's life (make, seal, keep the
/// sealed bytes beside the diary, recover after loss) is core's (`vaora_core::diary`'s
/// `sealed.rs`); this only carries the two calls across the boundary.
pub(crate) struct PlatformSealer(pub(crate) Arc<dyn KeyStore>);

impl KeySealer for PlatformSealer {
    fn seal(&self, key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
        self.0.seal(key.to_vec()).map_err(SealError::from)
    }

    fn unseal(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.0
            .unseal(sealed.to_vec())
            .map(Zeroizing::new)
            .map_err(SealError::from)
    }
}

impl From<KeyStoreError> for SealError {
    fn from(err: KeyStoreError) -> Self {
        match err {
            KeyStoreError::KeyLost { reason } => Self::KeyLost(reason),
            KeyStoreError::Unavailable { reason } => Self::Unavailable(reason),
        }
    }
}
