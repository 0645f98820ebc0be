//! The diary key's life on a phone: made here, sealed by the platform, kept sealed beside
//! the diary.
//!
//! Rust makes the diary's random 32-byte SQLCipher key; the platform (Android Keystore,
//! iOS Keychain; an in-memory fake in tests) only seals and unseals it through
//! [`KeySealer`]. The sealed bytes are kept in a small file beside the diary
//! (`<diary>.sealed-key`), so the raw key never rests unsealed on disk and the app needs
//! no storage logic of its own. If the platform loses its wrapping key (Android
//! invalidates Keystore keys on some lock-screen changes; a restore does not carry
//! Keychain items marked this-device-only), unsealing fails with
//! [`DiaryError::KeyLost`] and the app offers [`Diary::recover_sealed`], which moves the
//! unreadable diary aside with its sealed key and starts afresh.
//!
//! Tools keep the raw key in a key file instead (`DiaryKey::read_file`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use vaora_protocol::clock::Clock;
use zeroize::Zeroizing;

use super::config::DiaryConfig;
use super::error::DiaryError;
use super::handle::Diary;
use super::key::DiaryKey;

/// Why the platform could not seal or unseal a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The wrapping key is gone or invalidated: the sealed key can never be opened again.
    #[error("the key store lost its key: {0}")]
    KeyLost(String),
    /// The key store is unavailable right now (device locked, hardware busy); retry later.
    #[error("the key store failed: {0}")]
    Unavailable(String),
}

/// The platform's key store. Both calls may block (hardware-backed keys).
pub trait KeySealer: Send + Sync {
    /// Seals (encrypts or wraps) a fresh 32-byte diary key; returns opaque bytes that only
    /// this key store can unseal.
    fn seal(&self, key: &[u8; 32]) -> Result<Vec<u8>, SealError>;
    /// Returns the 32 bytes that `seal` was given.
    fn unseal(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError>;
}

impl From<SealError> for DiaryError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::KeyLost(reason) => Self::KeyLost(reason),
            SealError::Unavailable(reason) => Self::KeyStoreFailed(reason),
        }
    }
}

/// Where the sealed key of the diary at `diary` is kept.
pub fn sealed_key_path(diary: &Path) -> PathBuf {
    let mut name = diary.as_os_str().to_owned();
    name.push(".sealed-key");
    PathBuf::from(name)
}

impl Diary {
    /// Opens the diary at `path` with its sealed key, creating both on first use.
    ///
    /// Errors: [`DiaryError::KeyLost`] when the key store can no longer unseal the key or
    /// the sealed key file is missing beside an existing diary (offer
    /// [`Diary::recover_sealed`]); [`DiaryError::WrongKey`] when the unsealed key does not
    /// open the file; [`DiaryError::KeyStoreFailed`] when the key store is unavailable.
    pub fn open_sealed(
        path: &Path,
        sealer: &dyn KeySealer,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<Self, DiaryError> {
        let sealed_path = sealed_key_path(path);
        let key = if sealed_path.exists() || path.exists() {
            unseal_existing(sealer, &sealed_path)?
        } else {
            let (key, sealed) = seal_new(sealer)?;
            write_atomically(&sealed_path, &sealed)?;
            key
        };
        Self::open(path, &key, clock, config)
    }

    /// After [`DiaryError::KeyLost`]: moves the unreadable diary aside (never deletes it;
    /// its sealed key goes beside it, in case the key store recovers) and starts a fresh
    /// diary with a new sealed key. Returns the diary and where the old file went.
    pub fn recover_sealed(
        path: &Path,
        sealer: &dyn KeySealer,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<(Self, Option<PathBuf>), DiaryError> {
        let sealed_path = sealed_key_path(path);
        let old_sealed = std::fs::read(&sealed_path).ok();
        let (key, sealed) = seal_new(sealer)?;
        let (diary, moved) = Self::recover_after_key_loss(path, &key, clock, config)?;
        if let (Some(target), Some(old)) = (&moved, old_sealed) {
            write_atomically(&sealed_key_path(target), &old)?;
        }
        write_atomically(&sealed_path, &sealed)?;
        Ok((diary, moved))
    }
}

/// Reads and unseals the key of an existing diary.
fn unseal_existing(sealer: &dyn KeySealer, sealed_path: &Path) -> Result<DiaryKey, DiaryError> {
    let sealed = std::fs::read(sealed_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            DiaryError::KeyLost("the diary exists but its sealed key file is missing".into())
        } else {
            DiaryError::Io(e)
        }
    })?;
    let raw = sealer.unseal(&sealed)?;
    key_from_bytes(&raw)
}

/// Makes a fresh key, has the key store seal it, and checks that it unseals to the same
/// bytes, so a diary is never created with a key that cannot be opened again.
fn seal_new(sealer: &dyn KeySealer) -> Result<(DiaryKey, Vec<u8>), DiaryError> {
    let key = DiaryKey::generate()?;
    let sealed = sealer.seal(key.as_bytes())?;
    let back = sealer.unseal(&sealed)?;
    if back.as_slice() != key.as_bytes().as_slice() {
        return Err(DiaryError::KeyStoreFailed(
            "the key store did not unseal the key it had just sealed".into(),
        ));
    }
    Ok((key, sealed))
}

fn key_from_bytes(raw: &[u8]) -> Result<DiaryKey, DiaryError> {
    let mut bytes: [u8; 32] = raw.try_into().map_err(|_| {
        DiaryError::KeyStoreFailed(format!(
            "the key store returned {} bytes, expected 32",
            raw.len()
        ))
    })?;
    let key = DiaryKey::from_bytes(bytes);
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{TimeZone, Utc};
    use vaora_protocol::clock::FixedClock;

    use super::*;

    /// Seals by XOR with a byte; can be told to lose its key or to be unavailable.
    struct FakeSealer {
        mask: u8,
        state: Mutex<Option<SealError>>,
    }

    impl FakeSealer {
        fn new(mask: u8) -> Self {
            Self {
                mask,
                state: Mutex::new(None),
            }
        }
        fn fail(&self, e: SealError) {
            *self.state.lock().unwrap() = Some(e);
        }
    }

    impl KeySealer for FakeSealer {
        fn seal(&self, key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
            if let Some(e) = self.state.lock().unwrap().clone() {
                return Err(e);
            }
            Ok(key.iter().map(|b| b ^ self.mask).collect())
        }
        fn unseal(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
            if let Some(e) = self.state.lock().unwrap().clone() {
                return Err(e);
            }
            Ok(Zeroizing::new(
                sealed.iter().map(|b| b ^ self.mask).collect(),
            ))
        }
    }

    fn clock() -> Arc<dyn Clock> {
        Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap(),
        ))
    }

    #[test]
    fn creates_then_reopens_and_the_sealed_file_is_not_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let sealer = FakeSealer::new(0x5a);
        let d = Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default()).unwrap();
        let owner = d.owner_id();
        d.close().unwrap();
        let sealed = std::fs::read(sealed_key_path(&path)).unwrap();
        assert_eq!(sealed.len(), 32);
        let d = Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default()).unwrap();
        assert_eq!(d.owner_id(), owner, "the same diary opened again");
        // Another sealer unseals to other bytes: the key is wrong, the file untouched.
        let before = std::fs::read(&path).unwrap();
        d.close().unwrap();
        let before_close = std::fs::read(&path).unwrap();
        let err = Diary::open_sealed(
            &path,
            &FakeSealer::new(0x33),
            clock(),
            DiaryConfig::default(),
        )
        .unwrap_err();
        assert!(matches!(err, DiaryError::WrongKey), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before_close);
        drop(before);
    }

    #[test]
    fn a_lost_key_is_typed_and_recovery_moves_the_old_diary_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let sealer = FakeSealer::new(7);
        Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default())
            .unwrap()
            .close()
            .unwrap();
        let old_sealed = std::fs::read(sealed_key_path(&path)).unwrap();
        sealer.fail(SealError::KeyLost("invalidated".into()));
        let err = Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default()).unwrap_err();
        assert!(matches!(err, DiaryError::KeyLost(_)), "{err}");
        sealer.fail(SealError::Unavailable("locked".into()));
        let err = Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default()).unwrap_err();
        assert!(matches!(err, DiaryError::KeyStoreFailed(_)), "{err}");

        let fresh = FakeSealer::new(9);
        let (d, moved) =
            Diary::recover_sealed(&path, &fresh, clock(), DiaryConfig::default()).unwrap();
        let moved = moved.expect("the old diary was moved aside");
        assert!(moved.exists());
        assert_eq!(std::fs::read(sealed_key_path(&moved)).unwrap(), old_sealed);
        d.close().unwrap();
        Diary::open_sealed(&path, &fresh, clock(), DiaryConfig::default())
            .unwrap()
            .close()
            .unwrap();
    }

    #[test]
    fn a_missing_sealed_key_beside_a_diary_is_a_lost_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let sealer = FakeSealer::new(1);
        Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default())
            .unwrap()
            .close()
            .unwrap();
        std::fs::remove_file(sealed_key_path(&path)).unwrap();
        let err = Diary::open_sealed(&path, &sealer, clock(), DiaryConfig::default()).unwrap_err();
        assert!(matches!(err, DiaryError::KeyLost(_)), "{err}");
    }

    #[test]
    fn a_sealer_that_returns_other_bytes_creates_nothing() {
        struct Liar;
        impl KeySealer for Liar {
            fn seal(&self, _key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
                Ok(vec![1; 32])
            }
            fn unseal(&self, _sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
                Ok(Zeroizing::new(vec![2; 32]))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let err = Diary::open_sealed(&path, &Liar, clock(), DiaryConfig::default()).unwrap_err();
        assert!(matches!(err, DiaryError::KeyStoreFailed(_)), "{err}");
        assert!(!path.exists() && !sealed_key_path(&path).exists());
    }
}
