//! `Vaora`: one open, decrypted diary, and everything an app does through it.
//!
//! The object wraps a `vaora_core::diary::SharedDiary` (a SQLite connection serves one
//! thread at a time; uniffi objects are shared across threads). Each method locks, calls
//! core, maps the error, and tells the change observer what the call committed; none
//! decides anything on its own. After `close_diary` every call fails with `CLOSED`.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chrono::{FixedOffset, Offset};
use vaora_core::diary::{ChangeTap, DEFAULT_OWNER_NAME, Diary, DiaryConfig, SharedDiary};
use vaora_protocol::clock::Clock;
use vaora_protocol::clock::SystemClock;

use crate::changes::{ChangeObserver, DiaryChange};
use crate::error::{ErrorCode, VaoraError};
use crate::guard::contain;
use crate::keystore::{KeyStore, PlatformSealer};

/// How a diary is opened. Every field has a default: `DiaryOptions()` is the usual choice.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DiaryOptions {
    /// The local time's offset from UTC in seconds, for "never past local midnight" and
    /// the local day of a declaration. None (the default): the device's own offset now
    /// (the Kotlin and Swift layers pass the platform's zone; raw callers get the
    /// process's zone). Fixed while the diary is open: reopen after a zone change.
    #[uniffi(default = None)]
    pub utc_offset_seconds: Option<i32>,
    /// Check-ins older than this many days are purged (1–60).
    #[uniffi(default = 21)]
    pub retention_days: i32,
    /// The device owner's display name when the diary is created (a later open leaves the
    /// stored name alone: rename with `renamePerson`). None: "Tôi" (Vietnamese for "me").
    #[uniffi(default = None)]
    pub owner_name: Option<String>,
}

impl Default for DiaryOptions {
    fn default() -> Self {
        Self {
            utc_offset_seconds: None,
            retention_days: 21,
            owner_name: None,
        }
    }
}

/// The name the owner gets when no `owner_name` is given: "Tôi" ("me").
#[uniffi::export]
pub fn default_owner_name() -> String {
    DEFAULT_OWNER_NAME.to_owned()
}

/// The open diary, until `close_diary`.
struct Open {
    diary: SharedDiary,
    changes: ChangeTap,
}

/// An open diary. Use it through the layers (`VaoraDiary` in Kotlin and Swift), which
/// move every call off the main thread.
#[derive(uniffi::Object)]
pub struct Vaora {
    open: RwLock<Option<Open>>,
    observer: RwLock<Option<Arc<dyn ChangeObserver>>>,
    path: PathBuf,
    moved_aside: Option<String>,
    utc_offset_seconds: i32,
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
            let created = !path.exists();
            let (clock, config, offset) = clock_and_config(&options)?;
            let diary = Diary::open_sealed(&path, &PlatformSealer(key_store), clock, config)?;
            log::info!(target: "vaora_ffi", "diary opened");
            Self::wrap(diary, path, None, offset, created.then_some(&options))
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
            let (clock, config, offset) = clock_and_config(&options)?;
            let (diary, moved) =
                Diary::recover_sealed(&path, &PlatformSealer(key_store), clock, config)?;
            log::warn!(target: "vaora_ffi", "diary recreated after key loss");
            let moved = moved.map(|m| m.to_string_lossy().into_owned());
            Self::wrap(diary, path, moved, offset, Some(&options))
        })
    }

    /// Where `recoverAfterKeyLoss` moved the unreadable diary (none for a normal open, or
    /// when there was no file to move).
    pub fn moved_aside_to(&self) -> Option<String> {
        self.moved_aside.clone()
    }

    /// The UTC offset (seconds) this diary reckons local days with.
    pub fn utc_offset_seconds(&self) -> i32 {
        self.utc_offset_seconds
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
    pub fn checkpoint(&self) -> Result<i32, VaoraError> {
        self.with_diary("checkpoint", |d| {
            Ok(i32::try_from(d.checkpoint()?).unwrap_or(i32::MAX))
        })
    }

    /// The path this diary was opened from.
    pub fn path(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// Closes the database now (settles open stays, folds the log in, releases the file).
    /// Every later call fails with `CLOSED`; closing twice does nothing. A sync still
    /// running keeps the database until it ends.
    pub fn close_diary(&self) -> Result<(), VaoraError> {
        let open = match self.open.write() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(open) = open else {
            return Ok(());
        };
        contain("close_diary", || match open.diary.into_inner() {
            Ok(diary) => Ok(diary.close()?),
            // A sync holds the other handle: the file closes when it ends.
            Err(_) => Ok(()),
        })
    }

    /// Sets (or, with none, removes) the one observer told after every committed change.
    /// The Kotlin and Swift layers install theirs at open and fan it out as `Flow`s and
    /// `AsyncSequence`s.
    pub fn set_change_observer(&self, observer: Option<Arc<dyn ChangeObserver>>) {
        match self.observer.write() {
            Ok(mut guard) => *guard = observer,
            Err(poisoned) => *poisoned.into_inner() = observer,
        }
    }
}

impl Vaora {
    fn wrap(
        mut diary: Diary,
        path: PathBuf,
        moved_aside: Option<String>,
        utc_offset_seconds: i32,
        created_with: Option<&DiaryOptions>,
    ) -> Result<Arc<Self>, VaoraError> {
        if let Some(name) = created_with.and_then(|o| o.owner_name.as_deref()) {
            let owner = diary.owner_id();
            diary.rename_person(&owner, name)?;
        }
        let changes = diary.watch_changes()?;
        Ok(Arc::new(Self {
            open: RwLock::new(Some(Open {
                diary: SharedDiary::new(diary),
                changes,
            })),
            observer: RwLock::new(None),
            path,
            moved_aside,
            utc_offset_seconds,
        }))
    }

    /// The shared diary (a clone of the handle), for core's async sync, which locks it
    /// briefly between awaits; `CLOSED` after `close_diary`.
    pub(crate) fn shared(&self) -> Result<SharedDiary, VaoraError> {
        let guard = match self.open.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard
            .as_ref()
            .map(|o| o.diary.clone())
            .ok_or_else(VaoraError::closed)
    }

    /// Locks the diary and runs `f` with panics contained (a lock poisoned by a contained
    /// panic is taken over by `SharedDiary`: SQLite rolled back the open transaction),
    /// then tells the observer what the call changed, once the diary is unlocked.
    pub(crate) fn with_diary<T>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Diary) -> Result<T, VaoraError>,
    ) -> Result<T, VaoraError> {
        let shared = self.shared()?;
        let result = contain(what, || {
            let mut guard = shared.lock();
            f(&mut guard)
        });
        self.tell_changes();
        result
    }

    /// Hands the changes committed since the last call to the observer, if any.
    pub(crate) fn tell_changes(&self) {
        let changes = {
            let guard = match self.open.read() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            match guard.as_ref() {
                Some(o) => o.changes.take(),
                None => return,
            }
        };
        if changes.is_empty() {
            return;
        }
        let observer = match self.observer.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(observer) = observer {
            // A foreign exception here is contained by uniffi and must not fail the call
            // that made the change: it is only logged.
            let _ = contain("change observer", || {
                observer.on_change(DiaryChange::from(changes));
                Ok(())
            });
        }
    }
}

fn clock_and_config(
    options: &DiaryOptions,
) -> Result<(Arc<dyn Clock>, DiaryConfig, i32), VaoraError> {
    let seconds = options
        .utc_offset_seconds
        .unwrap_or_else(|| chrono::Local::now().offset().fix().local_minus_utc());
    let offset = FixedOffset::east_opt(seconds).ok_or_else(|| {
        VaoraError::input(
            ErrorCode::InvalidInput,
            format!("UTC offset {seconds} s is out of range"),
        )
    })?;
    let retention_days = u32::try_from(options.retention_days).map_err(|_| {
        VaoraError::input(
            ErrorCode::InvalidInput,
            format!("retention of {} days", options.retention_days),
        )
    })?;
    let config = DiaryConfig {
        retention_days,
        ..DiaryConfig::default()
    };
    Ok((Arc::new(SystemClock::new(offset)), config, seconds))
}
