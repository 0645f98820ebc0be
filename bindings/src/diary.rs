//! `Vaora`: one open, decrypted diary, and everything an app does through it.
//!
//! The object wraps a `vaora_core::diary::SharedDiary` (a SQLite connection serves one
//! thread at a time; uniffi objects are shared across threads). Each method locks, calls
//! core, and maps the error; none decides anything on its own.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::FixedOffset;
use vaora_core::diary::{Diary, DiaryConfig, SharedDiary};
use vaora_protocol::clock::Clock;
use vaora_protocol::clock::SystemClock;

use crate::error::{ErrorCode, VaoraError};
use crate::guard::contain;
use crate::keystore::{KeyStore, PlatformSealer};

/// How a diary is opened. Defaults: Vietnam time (UTC+7), 21 days of retention.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DiaryOptions {
    /// The device's offset from UTC in seconds, for grouping check-ins by local day.
    #[uniffi(default = 25200)]
    pub utc_offset_seconds: i32,
    /// Check-ins older than this many days are purged (1–60).
    #[uniffi(default = 21)]
    pub retention_days: u32,
}

impl Default for DiaryOptions {
    fn default() -> Self {
        Self {
            utc_offset_seconds: 7 * 3600,
            retention_days: 21,
        }
    }
}

/// An open diary. Kotlin: `Closeable` (close it to release the database); Swift: released
/// with its last reference.
#[derive(uniffi::Object)]
pub struct Vaora {
    diary: SharedDiary,
    path: PathBuf,
    moved_aside: Option<String>,
}

impl std::fmt::Debug for Vaora {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vaora").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl Vaora {
    /// Opens the diary at `path`, creating it (and its sealed key) on first use.
    ///
    /// Errors: `KEY_LOST` when the key store can no longer unseal the key or the sealed key
    /// file is missing (offer `recoverAfterKeyLoss`); `WRONG_KEY` when the unsealed key does
    /// not open the file; `KEY_STORE_FAILED` when the key store is unavailable.
    #[uniffi::constructor]
    pub fn open(
        path: String,
        key_store: Arc<dyn KeyStore>,
        options: DiaryOptions,
    ) -> Result<Arc<Self>, VaoraError> {
        contain("open", || {
            let path = PathBuf::from(path);
            let (clock, config) = clock_and_config(&options)?;
            let diary = Diary::open_sealed(&path, &PlatformSealer(key_store), clock, config)?;
            log::info!(target: "vaora_ffi", "diary opened");
            Ok(Arc::new(Self {
                diary: SharedDiary::new(diary),
                path,
                moved_aside: None,
            }))
        })
    }

    /// After `KEY_LOST`: moves the unreadable diary aside (never deletes it; its sealed
    /// key goes beside it, in case the key store recovers), and starts a fresh diary with
    /// a new sealed key. `movedAsideTo()` says where the old file went.
    #[uniffi::constructor]
    pub fn recover_after_key_loss(
        path: String,
        key_store: Arc<dyn KeyStore>,
        options: DiaryOptions,
    ) -> Result<Arc<Self>, VaoraError> {
        contain("recover_after_key_loss", || {
            let path = PathBuf::from(path);
            let (clock, config) = clock_and_config(&options)?;
            let (diary, moved) =
                Diary::recover_sealed(&path, &PlatformSealer(key_store), clock, config)?;
            log::warn!(target: "vaora_ffi", "diary recreated after key loss");
            Ok(Arc::new(Self {
                diary: SharedDiary::new(diary),
                path,
                moved_aside: moved.map(|m| m.to_string_lossy().into_owned()),
            }))
        })
    }

    /// Where `recoverAfterKeyLoss` moved the unreadable diary (none for a normal open, or
    /// when there was no file to move).
    pub fn moved_aside_to(&self) -> Option<String> {
        self.moved_aside.clone()
    }

    /// The device's Ed25519 public key (32 bytes); the secret never leaves the diary.
    pub fn device_public_key(&self) -> Result<Vec<u8>, VaoraError> {
        self.with_diary("device_public_key", |d| {
            Ok(d.identity().public_key().to_vec())
        })
    }

    /// Folds the diary's write-ahead log into the main file, so that check-ins never pay
    /// for it. Call it when the app goes to the background (Android `onStop`, iOS
    /// `sceneDidEnterBackground`). Returns how many frames of the current log are now in the
    /// main file (0 when the log is empty).
    pub fn checkpoint(&self) -> Result<u32, VaoraError> {
        self.with_diary("checkpoint", |d| Ok(d.checkpoint()?))
    }

    /// The path this diary was opened from.
    pub fn path(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

impl Vaora {
    /// The shared diary, for core's async sync (which locks it briefly between awaits).
    pub(crate) fn shared(&self) -> &SharedDiary {
        &self.diary
    }

    /// Locks the diary and runs `f` with panics contained (a lock poisoned by a contained
    /// panic is taken over by `SharedDiary`: SQLite rolled back the open transaction).
    pub(crate) fn with_diary<T>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Diary) -> Result<T, VaoraError>,
    ) -> Result<T, VaoraError> {
        contain(what, || {
            let mut guard = self.diary.lock();
            f(&mut guard)
        })
    }
}

fn clock_and_config(options: &DiaryOptions) -> Result<(Arc<dyn Clock>, DiaryConfig), VaoraError> {
    let offset = FixedOffset::east_opt(options.utc_offset_seconds).ok_or_else(|| {
        VaoraError::input(
            ErrorCode::InvalidInput,
            format!(
                "UTC offset {} s is out of range",
                options.utc_offset_seconds
            ),
        )
    })?;
    let config = DiaryConfig {
        retention_days: options.retention_days,
        ..DiaryConfig::default()
    };
    Ok((Arc::new(SystemClock::new(offset)), config))
}
