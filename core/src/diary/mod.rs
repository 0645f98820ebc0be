//! The encrypted check-in diary: SQLCipher (whole-database encryption, WAL and temp files
//! included) opened with a raw 32-byte key. Every user action commits here first, so the
//! app works offline; sync only drains the outbox this module fills.
//!
//! Other core modules keep their own tables here: each adds an `impl Diary` block in its
//! own file and a migration step in [`schema`].

mod key;
pub mod schema;

pub use key::DiaryKey;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

use crate::clock::Clock;
use crate::identity::{DeviceIdentity, IdentityError};

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
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// Settings a diary is opened with.
#[derive(Debug, Clone)]
pub struct DiaryConfig {
    /// Check-ins older than this many days are purged (1–60, default 21).
    pub retention_days: u32,
}

impl Default for DiaryConfig {
    fn default() -> Self {
        Self { retention_days: 21 }
    }
}

/// An open, decrypted diary.
#[allow(dead_code)]
pub struct Diary {
    conn: Connection,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    identity: DeviceIdentity,
    config: DiaryConfig,
}

impl std::fmt::Debug for Diary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diary")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Diary {
    /// Opens (or creates) the diary at `path` with `key`.
    pub fn open(
        path: &Path,
        key: &DiaryKey,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<Self, DiaryError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "key", key.sqlcipher_literal().as_str())?;
        // The key is checked before anything can write to the file.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|_| DiaryError::WrongKey)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        let tx = conn.unchecked_transaction()?;
        schema::init(&tx)?;
        let identity = load_or_create_identity(&tx)?;
        tx.commit()?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            clock,
            identity,
            config,
        })
    }

    /// The connection, for the other core modules' `impl Diary` blocks.
    #[allow(dead_code)] // used by the modules that keep tables here
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
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
}

fn load_or_create_identity(conn: &Connection) -> Result<DeviceIdentity, DiaryError> {
    let existing: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'device_secret'",
            [],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?;
    match existing {
        Some(bytes) => Ok(DeviceIdentity::from_secret_bytes(
            &zeroize::Zeroizing::new(bytes),
        )?),
        None => {
            let identity = DeviceIdentity::generate()?;
            conn.execute(
                "INSERT INTO meta (name, value) VALUES ('device_secret', ?1)",
                [identity.secret_bytes().as_slice()],
            )?;
            Ok(identity)
        }
    }
}
