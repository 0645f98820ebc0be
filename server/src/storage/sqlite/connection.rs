//! The SQLite store: one embedded file, nothing to install. One connection behind a mutex,
//! used from blocking threads; SQLite serialises writers anyway, and WAL keeps the file
//! consistent when the process is killed mid-write.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::schema::migrate;
use crate::storage::error::{Backend, OrStorage, StorageError};

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let mut conn = Connection::open(path).or_storage()?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .or_storage()?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .or_storage()?;
        // 64 MiB of page cache instead of SQLite's 2 MiB default: ingest inserts random
        // 16-byte ids into the primary keys, and once those indexes outgrow the cache every
        // insert re-reads pages from the OS. (Ingest cost per record still grows with the
        // tables with this setting; see docs/scaling.md.)
        conn.pragma_update(None, "cache_size", -65_536)
            .or_storage()?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .or_storage()?;
        // Ingest alone keeps about 30 statements prepared (one per rollup column among
        // them); the default cache of 16 would re-prepare them on every batch.
        conn.set_prepared_statement_cache_capacity(128);
        // `= ANY($n)` in shared statements reads as `IN rarray(?n)` here.
        rusqlite::vtab::array::load_module(&conn).or_storage()?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StorageError::database(Backend::Sqlite, format!("storage task: {e}")))?
    }
}
