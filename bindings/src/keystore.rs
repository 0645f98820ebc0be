//! The platform key store, implemented by the app: Android Keystore on Android, the
//! Keychain on iOS, an in-memory fake in tests.
//!
//! Rust makes the diary's random 32-byte SQLCipher key; the app only seals and unseals it.
//! The sealed bytes are kept in a small file beside the diary (`<diary>.sealed-key`), so the
//! raw key never rests unsealed on disk and the app needs no storage logic of its own.
//! If the platform loses its wrapping key (Android invalidates Keystore keys on some
//! lock-screen changes; a device restore does not carry Keychain items marked
//! this-device-only), unsealing fails with `KeyStoreError::KeyLost` and the app offers
//! `Vaora.recoverAfterKeyLoss`.

use std::io::Write;
use std::path::{Path, PathBuf};

use vaora_core::diary::DiaryKey;
use zeroize::Zeroizing;

use crate::error::{ErrorCode, VaoraError};

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

impl From<KeyStoreError> for VaoraError {
    fn from(err: KeyStoreError) -> Self {
        match err {
            KeyStoreError::KeyLost { reason } => VaoraError::key(ErrorCode::KeyLost, reason),
            KeyStoreError::Unavailable { reason } => {
                VaoraError::key(ErrorCode::KeyStoreFailed, reason)
            }
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

/// Where the sealed key of the diary at `diary` is kept.
pub(crate) fn sealed_key_path(diary: &Path) -> PathBuf {
    let mut name = diary.as_os_str().to_owned();
    name.push(".sealed-key");
    PathBuf::from(name)
}

/// Reads and unseals the key of an existing diary.
pub(crate) fn unseal_existing(
    store: &dyn KeyStore,
    sealed_path: &Path,
) -> Result<DiaryKey, VaoraError> {
    let sealed = std::fs::read(sealed_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            VaoraError::key(
                ErrorCode::KeyLost,
                "the diary exists but its sealed key file is missing",
            )
        } else {
            VaoraError::storage(
                ErrorCode::Storage,
                format!("cannot read the sealed key: {e}"),
            )
        }
    })?;
    let raw = Zeroizing::new(store.unseal(sealed)?);
    key_from_bytes(&raw)
}

/// A fresh key and its sealed form, not yet written anywhere.
pub(crate) struct SealedKey {
    pub(crate) key: DiaryKey,
    pub(crate) sealed: Vec<u8>,
}

/// Makes a fresh key, has the key store seal it, and checks that it unseals to the same
/// bytes, so a diary is never created with a key that cannot be opened again.
pub(crate) fn seal_new(store: &dyn KeyStore) -> Result<SealedKey, VaoraError> {
    let key = DiaryKey::generate()?;
    let sealed = store.seal(key.as_bytes().to_vec())?;
    let back = Zeroizing::new(store.unseal(sealed.clone())?);
    if back.as_slice() != key.as_bytes().as_slice() {
        return Err(VaoraError::key(
            ErrorCode::KeyStoreFailed,
            "the key store did not unseal the key it had just sealed",
        ));
    }
    Ok(SealedKey { key, sealed })
}

/// Writes sealed key bytes atomically.
pub(crate) fn write_sealed(path: &Path, sealed: &[u8]) -> Result<(), VaoraError> {
    write_atomically(path, sealed).map_err(|e| {
        VaoraError::storage(
            ErrorCode::Storage,
            format!("cannot write the sealed key: {e}"),
        )
    })
}

fn key_from_bytes(raw: &[u8]) -> Result<DiaryKey, VaoraError> {
    let bytes: [u8; 32] = raw.try_into().map_err(|_| {
        VaoraError::key(
            ErrorCode::KeyStoreFailed,
            format!("the key store returned {} bytes, expected 32", raw.len()),
        )
    })?;
    let key = DiaryKey::from_bytes(bytes);
    let mut bytes = bytes;
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(key)
}

/// Write to a temporary file, flush it to disk, then rename over the target: a crash leaves
/// either the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the rename itself durable; not every platform allows opening a directory.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
