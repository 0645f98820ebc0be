//! A diary shared between threads: the app's UI calls and a background sync use one open
//! diary, one at a time (a SQLite connection serves one thread at a time).
//!
//! The async sync engine locks it only for short synchronous steps, never across a network
//! wait, so its futures are `Send`. A lock poisoned by a panic on another thread is taken
//! over: SQLite kept that thread's transaction atomic, so the diary itself is consistent.

use std::sync::{Arc, Mutex, MutexGuard};

use super::handle::Diary;

/// A clonable handle to one open diary.
#[derive(Debug, Clone)]
pub struct SharedDiary(Arc<Mutex<Diary>>);

impl SharedDiary {
    pub fn new(diary: Diary) -> Self {
        Self(Arc::new(Mutex::new(diary)))
    }

    /// The diary, for one short step; other threads wait until the guard is dropped.
    pub fn lock(&self) -> MutexGuard<'_, Diary> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The diary back, when this is the last handle (to close it); otherwise the handle.
    pub fn into_inner(self) -> Result<Diary, Self> {
        match Arc::try_unwrap(self.0) {
            Ok(mutex) => Ok(mutex.into_inner().unwrap_or_else(|p| p.into_inner())),
            Err(arc) => Err(Self(arc)),
        }
    }
}

impl From<Diary> for SharedDiary {
    fn from(diary: Diary) -> Self {
        Self::new(diary)
    }
}
