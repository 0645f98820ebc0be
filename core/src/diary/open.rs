//! Opening a diary without ever harming it.
//!
//! Order matters: the file's shape is checked first (a plain SQLite file or a truncated
//! file is `Corrupt`), then the key is tried with a read-only query, and only after the
//! key has proved itself do we run anything that can write (journal_mode=WAL, the schema,
//! the device identity, retention). So a wrong key leaves the file byte-for-byte unchanged.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, config::DbConfig};

use super::config::{DiaryConfig, validate_days};
use super::error::DiaryError;
use super::handle::Diary;
use super::key::DiaryKey;
use super::people;
use super::schema;
use vaora_protocol::clock::Clock;
use vaora_protocol::identity::DeviceIdentity;

/// SQLCipher 4's page size; an encrypted diary is always a whole number of pages.
const PAGE_SIZE: u64 = 4096;
const PLAIN_SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Diary {
    /// Opens (or creates) the diary at `path` with `key`.
    ///
    /// Errors: [`DiaryError::WrongKey`] (file untouched), [`DiaryError::Corrupt`] (not an
    /// encrypted diary: truncated, not page-aligned, plain SQLite), [`DiaryError::TooNew`].
    /// Runs retention and due auto check-outs before returning.
    pub fn open(
        path: &Path,
        key: &DiaryKey,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<Self, DiaryError> {
        validate_days(config.retention_days)?;
        check_file_shape(path)?;
        super::cipher_start::wait_until_ready();
        let conn = Connection::open_with_flags(path, open_flags())?;
        // SQLCipher would print HMAC failures to stderr; the typed error says it instead.
        conn.pragma_update(None, "cipher_log_level", "NONE")?;
        conn.pragma_update(None, "key", key.sqlcipher_literal().as_str())?;
        before_first_read(&conn)?;
        check_key(&conn)?;
        Self::finish_open(conn, path, clock, config)
    }

    /// Opens a diary WITHOUT encryption, only so benchmarks can measure what encryption
    /// costs in the same run. Never compiled into phone builds (cargo feature
    /// `bench-plaintext`).
    #[cfg(feature = "bench-plaintext")]
    pub fn open_plaintext_for_bench(
        path: &Path,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<Self, DiaryError> {
        let conn = Connection::open_with_flags(path, open_flags())?;
        before_first_read(&conn)?;
        Self::finish_open(conn, path, clock, config)
    }

    fn finish_open(
        mut conn: Connection,
        path: &Path,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<Self, DiaryError> {
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DiaryError::Corrupt(format!(
                "the diary refused WAL mode (got {mode})"
            )));
        }
        // Durability level: see docs/adr/0001-sqlcipher-raw-key.md.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints copy the WAL into the main file and fsync it; inside a commit that is
        // a 5–20 ms stall. Let the WAL grow to 16 MiB before SQLite forces one, and run
        // them off the write path instead: `Diary::checkpoint` (the app calls it when it
        // goes to the background) and on close. ADR 0001 explains the trade.
        conn.pragma_update(None, "wal_autocheckpoint", super::WAL_AUTOCHECKPOINT_PAGES)?;
        // Every check-in runs about ten distinct statements; the default cache (16) would
        // evict and re-parse some of them on each write.
        conn.set_prepared_statement_cache_capacity(64);
        // Plans must not depend on bound values: otherwise (STAT4 is compiled in) a cached
        // statement is re-prepared whenever a parameter changes, which cost ~10% of a
        // check-in. Our queries are all index probes whose plan never needs the value.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        // Off while the schema is created or upgraded (see below); it cannot change inside
        // a transaction.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let tx = conn.transaction()?;
        schema::init(&tx)?;
        let identity = load_or_create_identity(&tx)?;
        let owner = people::ensure_owner(&tx, clock.now())?;
        tx.commit()?;
        // Only now: schema upgrades rebuild tables, and with foreign keys on, dropping the
        // old check-ins table would cascade into their updates.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut diary = Self {
            conn,
            path: path.to_owned(),
            clock,
            identity,
            config,
            owner,
            stays: std::cell::RefCell::new(None),
        };
        diary.purge_expired()?;
        diary.apply_auto_checkouts()?;
        Ok(diary)
    }
}

/// Settings that must be in place before the schema is first read: they write nothing
/// (a wrong key must leave the file untouched), and changing `temp_store` once the temp
/// schema exists makes SQLite discard every loaded schema and parse them again.
fn before_first_read(conn: &Connection) -> Result<(), DiaryError> {
    // Temp tables and sort spills stay in memory: nothing unencrypted reaches disk.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn open_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI
}

/// Rejects files that cannot be an encrypted diary before SQLCipher sees them.
fn check_file_shape(path: &Path) -> Result<(), DiaryError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(()); // created but never written: SQLite treats it as new
    }
    let mut head = [0u8; 16];
    if len >= 16 {
        file.read_exact(&mut head)?;
        if &head == PLAIN_SQLITE_MAGIC {
            return Err(DiaryError::Corrupt(
                "this is an unencrypted SQLite file, not a diary".into(),
            ));
        }
    }
    if len < PAGE_SIZE || len % PAGE_SIZE != 0 {
        return Err(DiaryError::Corrupt(format!(
            "the file is {len} bytes, not a whole number of {PAGE_SIZE}-byte pages"
        )));
    }
    Ok(())
}

/// Tries the key with a read that touches page 1: a wrong key fails SQLCipher's HMAC.
fn check_key(conn: &Connection) -> Result<(), DiaryError> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) => match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Err(DiaryError::WrongKey),
            _ => Err(e.into()),
        },
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
