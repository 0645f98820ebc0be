//! The SQLite store: one embedded file, nothing to install. One connection behind a mutex,
//! used from blocking threads; SQLite serialises writers anyway, and WAL keeps the file
//! consistent when the process is killed mid-write.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::schema::migrate;
use crate::storage::error::{Backend, OrStorage, StorageError};

/// Pages of WAL (4 KiB each) before SQLite checkpoints on commit: 16 MiB.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 4096;

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
        // Plans must not depend on bound values. Without this (STAT4 is compiled in), the
        // planner marks `= ?` terms as value-sensitive, rusqlite clears a cached
        // statement's bindings when it is put back, and clearing expires such a statement:
        // each later use re-parsed it (ingest's per-check-in lookup of early updates cost
        // ~9% of SQLite ingest that way). Every query here is an index probe or a scan
        // whose best plan does not depend on the value.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .or_storage()?;
        // Checkpoints copy WAL pages into the file; ingest rewrites the same index pages
        // batch after batch, so a larger WAL (16 MiB before SQLite checkpoints) copies each
        // page once for many batches instead of once per ~4 MiB.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .or_storage()?;
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

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;

    /// A cached statement with `= ?` terms is reused as prepared, whatever is bound: the
    /// planner's value-sensitive marks (and so a re-parse on every reuse) are off.
    #[tokio::test]
    async fn cached_statements_are_not_reprepared_when_rebound() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
        let reprepared = store
            .run(|conn| {
                let sql = "SELECT seq, from_ms, until_ms FROM checkin_updates
                           WHERE device_id = ?1 AND checkin_id = ?2 ORDER BY seq DESC LIMIT 1";
                for i in 0u8..5 {
                    let mut stmt = conn.prepare_cached(sql).or_storage()?;
                    let found = stmt.exists([[i; 16], [i + 1; 16]]).or_storage()?;
                    assert!(!found);
                }
                let stmt = conn.prepare_cached(sql).or_storage()?;
                Ok(stmt.get_status(StatementStatus::RePrepare))
            })
            .await
            .unwrap();
        assert_eq!(reprepared, 0, "the statement was re-parsed on reuse");
    }
}
