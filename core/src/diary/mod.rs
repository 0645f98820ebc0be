//! The encrypted check-in diary: SQLCipher (whole-database encryption, WAL and temp files
//! included) opened with a raw 32-byte key. Every user action commits here first, so the
//! app works offline; sync only drains the outbox this module fills.
//!
//! Other core modules keep their own tables here: each adds an `impl Diary` block in its
//! own file and a migration step in [`schema`].
//!
//! Files: `people.rs` (owner and household), `checkins.rs` (check-in rules),
//! `outbox.rs` (signed records waiting for sync), `retention.rs` (purging old records),
//! `lifecycle.rs` (key loss and key change), `open.rs` (opening safely), `stays.rs`
//! (each person's latest stay, kept in memory), `id_index.rs` (finding a check-in by id),
//! `marks.rs` (the `meta` values that bound those walks), `write_tx.rs` (the check-in
//! path's transaction).

mod checkins;
mod id_index;
mod key;
mod lifecycle;
mod marks;
mod open;
mod outbox;
mod people;
mod retention;
pub mod schema;
mod stays;
mod time;
mod write_tx;

pub use checkins::{CheckIn, CheckInRequest, Page};
pub use id_index::MAX_UNINDEXED;
pub use key::DiaryKey;
pub use outbox::{OutboxCounts, OutboxEntry, SyncState};
pub(crate) use outbox::{enqueue, purge_records_of};
pub use people::{NewPerson, Person};
pub use retention::PurgeCounts;

/// How large (in 4 KiB pages) the write-ahead log may grow before a commit has to
/// checkpoint it: 16 MiB. See `Diary::checkpoint`.
pub const WAL_AUTOCHECKPOINT_PAGES: u32 = 4096;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

use crate::clock::Clock;
use crate::identity::{DeviceIdentity, IdentityError};
use crate::records::RecordError;

/// Everything that can go wrong with the diary, as a typed error.
#[derive(Debug, thiserror::Error)]
pub enum DiaryError {
    #[error("the key does not open this diary")]
    WrongKey,
    #[error("the diary file is damaged: {0}")]
    Corrupt(String),
    #[error("the diary was written by a newer app (schema {found}, this app knows {supported})")]
    TooNew { found: u32, supported: u32 },
    #[error("the diary's schema version {found} cannot be upgraded")]
    TooOld { found: u32 },
    #[error("bad key: {0}")]
    BadKeyFormat(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("device identity: {0}")]
    Identity(#[from] IdentityError),
    #[error("stored record {id}: {source}")]
    BadRecord {
        id: String,
        #[source]
        source: RecordError,
    },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for DiaryError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Self::Corrupt(e.to_string())
            }
            _ => Self::Sqlite(e),
        }
    }
}

impl From<crate::ids::IdError> for DiaryError {
    fn from(e: crate::ids::IdError) -> Self {
        Self::Random(e.to_string())
    }
}

/// Settings a diary is opened with.
#[derive(Debug, Clone)]
pub struct DiaryConfig {
    /// Check-ins older than this many days are purged (1–60, default 21).
    pub retention_days: u32,
    /// How long a stay lasts when nobody checks out and the venue does not say (default 4 h).
    pub default_stay: chrono::Duration,
}

impl Default for DiaryConfig {
    fn default() -> Self {
        Self {
            retention_days: retention::DEFAULT_RETENTION_DAYS,
            default_stay: chrono::Duration::hours(4),
        }
    }
}

/// An open, decrypted diary.
pub struct Diary {
    conn: Connection,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    identity: DeviceIdentity,
    config: DiaryConfig,
    owner: crate::ids::Id128,
    /// People's latest stays (`None` until first needed or after a failed write).
    stays: std::cell::RefCell<Option<stays::StayCache>>,
}

impl std::fmt::Debug for Diary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diary")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Diary {
    /// The connection, for the other core modules' `impl Diary` blocks.
    #[allow(dead_code)] // used by the modules that keep tables here
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection for writes (transactions need `&mut`).
    #[allow(dead_code)]
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn config(&self) -> &DiaryConfig {
        &self.config
    }

    /// The device's signing identity (its secret stays inside the diary).
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// Closes the diary, checkpointing the WAL; errors are reported instead of dropped.
    /// Copies the write-ahead log into the main file (a passive checkpoint: it never
    /// waits for or blocks readers). The app calls it when it goes to the background;
    /// check-ins then never pay for it. Returns how many frames of the current log are now
    /// in the main file (0 when the log is empty).
    pub fn checkpoint(&self) -> Result<u32, DiaryError> {
        self.settle_open_stays()?;
        let copied: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))?;
        Ok(u32::try_from(copied).unwrap_or(0))
    }

    pub fn close(self) -> Result<(), DiaryError> {
        self.settle_open_stays()?;
        self.conn.close().map_err(|(_, e)| DiaryError::from(e))
    }

    /// Raises `open_stays_since` to the oldest open stay (see `diary::stays`), so the next
    /// open reads only the stays that can still be open, and gives the newest check-ins
    /// their `checkin_ids` entries (see `diary::id_index`).
    fn settle_open_stays(&self) -> Result<(), DiaryError> {
        let mut slot = self.stays.borrow_mut();
        let (tx, mut stays) = write_tx::WriteTx::begin_with_stays(&self.conn, &mut slot)?;
        stays.advance(&tx, &self.clock.now())?;
        stays.index_ids(&tx)?;
        tx.commit()?;
        *slot = Some(stays);
        Ok(())
    }

    /// Reads from the stay cache, first brought up to date with other connections' writes.
    fn read_stays<R>(&self, read: impl FnOnce(&stays::StayCache) -> R) -> Result<R, DiaryError> {
        let mut slot = self.stays.borrow_mut();
        let stays = stays::StayCache::current(&self.conn, slot.take())?;
        let value = read(&stays);
        *slot = Some(stays);
        Ok(value)
    }
}
