//! SQLite backend: one embedded file, nothing to install. One connection behind a mutex,
//! used from blocking threads; SQLite serialises writers anyway, and WAL keeps the
//! file consistent when the process is killed mid-write.

// Row tuples mirror the SELECT column lists one to one; naming each would only hide that.
#![allow(clippy::type_complexity)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use vaora_protocol::ids::Id128;

use crate::storage::{
    CaseRow, CheckInRow, ContactRow, Derived, DeviceRow, InsertOutcome, NewRecord, Storage,
    StorageError, UpdateRow, WindowRow, id_from, key_from, sig_from,
};

/// Migrations, applied in order, each once (recorded in `schema_migrations`).
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
CREATE TABLE devices (
    id            BLOB PRIMARY KEY,
    public_key    BLOB NOT NULL UNIQUE,
    registered_at INTEGER NOT NULL
);
CREATE TABLE records (
    id          BLOB PRIMARY KEY,
    device_id   BLOB NOT NULL,
    kind        INTEGER NOT NULL,
    body        BLOB NOT NULL,
    signature   BLOB NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE TABLE checkins (
    id          BLOB PRIMARY KEY,
    device_id   BLOB NOT NULL,
    person_id   BLOB NOT NULL,
    person_name TEXT NOT NULL,
    venue_id    BLOB,
    venue_name  TEXT NOT NULL,
    from_ms     INTEGER NOT NULL,
    until_ms    INTEGER NOT NULL,
    seq         INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX checkins_venue_time ON checkins (venue_id, from_ms);
CREATE INDEX checkins_device_time ON checkins (device_id, from_ms);
CREATE TABLE checkin_updates (
    id         BLOB PRIMARY KEY,
    checkin_id BLOB NOT NULL,
    seq        INTEGER NOT NULL,
    from_ms    INTEGER NOT NULL,
    until_ms   INTEGER NOT NULL
);
CREATE INDEX checkin_updates_checkin ON checkin_updates (checkin_id, seq);
CREATE TABLE cases (
    id         BLOB PRIMARY KEY,
    device_id  BLOB NOT NULL,
    person_id  BLOB,
    from_ms    INTEGER NOT NULL,
    until_ms   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE exposure_windows (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           BLOB NOT NULL UNIQUE,
    case_id      BLOB NOT NULL,
    checkin_id   BLOB NOT NULL,
    venue_id     BLOB NOT NULL,
    from_ms      INTEGER NOT NULL,
    until_ms     INTEGER NOT NULL,
    level        INTEGER NOT NULL,
    key_id       TEXT NOT NULL,
    signature    BLOB NOT NULL,
    published_at INTEGER NOT NULL,
    UNIQUE (case_id, checkin_id)
);
",
    ),
    (2, crate::console::sqlite::MIGRATION_2),
    (3, crate::console::sqlite::MIGRATION_3),
];

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
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB of page cache instead of SQLite's 2 MiB default: ingest inserts random
        // 16-byte ids into the primary keys, and once those indexes outgrow the cache every
        // insert re-reads pages from the OS. (Ingest cost per record still grows with the
        // tables with this setting; see docs/scaling.md.)
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Ingest alone keeps about 30 statements prepared (one per rollup column among
        // them); the default cache of 16 would re-prepare them on every batch.
        conn.set_prepared_statement_cache_capacity(128);
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

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
        .map_err(|e| StorageError::Database(format!("storage task: {e}")))?
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, chrono::Utc::now().timestamp_millis()],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn b(id: &Id128) -> &[u8] {
    id.as_bytes().as_slice()
}

/// Stores a batch inside `tx`; outcomes in input order. Each statement is prepared once
/// per connection (cached) and run per row; the daily aggregates and the rollup are then
/// bumped once per distinct key for the check-ins stored now (see
/// [`crate::console::sqlite::count_scans`]), not once per record.
fn insert_batch(
    tx: &rusqlite::Transaction<'_>,
    records: &[NewRecord],
) -> Result<Vec<InsertOutcome>, StorageError> {
    let mut out = Vec::with_capacity(records.len());
    let mut fresh: Vec<&CheckInRow> = Vec::new();
    let mut insert = tx.prepare_cached(
        "INSERT INTO records (id, device_id, kind, body, signature, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING",
    )?;
    let mut stored =
        tx.prepare_cached("SELECT device_id, kind, body FROM records WHERE id = ?1")?;
    for r in records {
        let n = insert.execute(params![
            b(&r.id),
            b(&r.device_id),
            i64::from(r.kind),
            r.body,
            r.signature.as_slice(),
            r.received_ms
        ])?;
        if n == 0 {
            let same = stored.query_row([b(&r.id)], |row| {
                Ok(row.get_ref(0)?.as_blob()? == b(&r.device_id)
                    && row.get::<_, i64>(1)? == i64::from(r.kind)
                    && row.get_ref(2)?.as_blob()? == r.body.as_slice())
            })?;
            out.push(if same {
                InsertOutcome::Duplicate
            } else {
                InsertOutcome::Conflict
            });
            continue;
        }
        match &r.derived {
            Derived::CheckIn(c) => {
                if insert_checkin(tx, c)? {
                    fresh.push(c);
                }
            }
            Derived::Update(u) => apply_update(tx, u)?,
            Derived::Nothing => {}
        }
        out.push(InsertOutcome::Inserted);
    }
    crate::console::sqlite::count_scans(tx, &fresh)?;
    Ok(out)
}

/// Stores a check-in's stay; true when the row is new (and so counts in the aggregates).
fn insert_checkin(tx: &rusqlite::Transaction<'_>, c: &CheckInRow) -> Result<bool, StorageError> {
    let inserted = tx.prepare_cached(
        "INSERT INTO checkins (id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO NOTHING",
)?.execute(
        params![
            b(&c.id),
            b(&c.device_id),
            b(&c.person_id),
            c.person_name,
            c.venue_id.as_ref().map(b),
            c.venue_name,
            c.from_ms,
            c.until_ms
        ],
    )?;
    // Updates that arrived before their check-in.
    let latest: Option<(i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT seq, from_ms, until_ms FROM checkin_updates WHERE checkin_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([b(&c.id)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((seq, from, until)) = latest {
        tx.prepare_cached(
            "UPDATE checkins SET from_ms = ?2, until_ms = ?3, seq = ?4 WHERE id = ?1 AND seq < ?4",
        )?
        .execute(params![b(&c.id), from, until, seq])?;
    }
    Ok(inserted == 1)
}

fn apply_update(tx: &rusqlite::Transaction<'_>, u: &UpdateRow) -> Result<(), StorageError> {
    tx.prepare_cached(
        "INSERT INTO checkin_updates (id, checkin_id, seq, from_ms, until_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO NOTHING",
)?.execute(
        params![b(&u.id), b(&u.checkin_id), u.sequence, u.from_ms, u.until_ms],
    )?;
    tx.prepare_cached(
        "UPDATE checkins SET from_ms = ?2, until_ms = ?3, seq = ?4 WHERE id = ?1 AND seq < ?4",
    )?
    .execute(params![b(&u.checkin_id), u.from_ms, u.until_ms, u.sequence])?;
    Ok(())
}

fn checkin_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    String,
    Option<Vec<u8>>,
    String,
    i64,
    i64,
)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

pub(crate) fn window_from(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(
    i64,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    i64,
    i64,
    i64,
    String,
    Vec<u8>,
    i64,
)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

type WindowTuple = (
    i64,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    i64,
    i64,
    i64,
    String,
    Vec<u8>,
    i64,
);

pub(crate) fn window_row(t: WindowTuple) -> Result<WindowRow, StorageError> {
    let (seq, id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, sig, published) =
        t;
    Ok(WindowRow {
        seq,
        id: id_from(&id)?,
        case_id: id_from(&case_id)?,
        checkin_id: id_from(&checkin_id)?,
        venue_id: id_from(&venue_id)?,
        from_ms,
        until_ms,
        level: u8::try_from(level).map_err(|_| StorageError::Corrupt("level".into()))?,
        key_id,
        signature: sig_from(&sig)?,
        published_ms: published,
    })
}

const WINDOW_COLUMNS: &str = "seq, id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, signature, published_at";

impl Storage for SqliteStore {
    async fn register_device(
        &self,
        id: Id128,
        public_key: [u8; 32],
        now_ms: i64,
    ) -> Result<DeviceRow, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO devices (id, public_key, registered_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(public_key) DO NOTHING",
                params![b(&id), public_key.as_slice(), now_ms],
            )?;
            let stored: Vec<u8> = tx.query_row(
                "SELECT id FROM devices WHERE public_key = ?1",
                [public_key.as_slice()],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(DeviceRow {
                id: id_from(&stored)?,
                public_key,
            })
        })
        .await
    }

    async fn device(&self, id: Id128) -> Result<Option<DeviceRow>, StorageError> {
        self.run(move |conn| {
            let key: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT public_key FROM devices WHERE id = ?1",
                    [b(&id)],
                    |r| r.get(0),
                )
                .optional()?;
            key.map(|k| {
                Ok(DeviceRow {
                    id,
                    public_key: key_from(&k)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> Result<Vec<InsertOutcome>, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let out = insert_batch(&tx, &records)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn record_count(&self) -> Result<u64, StorageError> {
        self.run(|conn| {
            let n: i64 = conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn create_case(&self, case: CaseRow) -> Result<(), StorageError> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO cases (id, device_id, person_id, from_ms, until_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    b(&case.id),
                    b(&case.device_id),
                    case.person_id.map(|p| p.as_bytes().to_vec()),
                    case.from_ms,
                    case.until_ms,
                    case.created_ms
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn case(&self, id: Id128) -> Result<Option<CaseRow>, StorageError> {
        self.run(move |conn| {
            let row: Option<(Vec<u8>, Option<Vec<u8>>, i64, i64, i64)> = conn
                .query_row(
                    "SELECT device_id, person_id, from_ms, until_ms, created_at FROM cases WHERE id = ?1",
                    [b(&id)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            row.map(|(d, p, f, u, c)| {
                Ok(CaseRow {
                    id,
                    device_id: id_from(&d)?,
                    person_id: p.map(|p| id_from(&p)).transpose()?,
                    from_ms: f,
                    until_ms: u,
                    created_ms: c,
                })
            })
            .transpose()
        })
        .await
    }

    async fn case_stays(&self, case: &CaseRow) -> Result<Vec<CheckInRow>, StorageError> {
        let case = case.clone();
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms
                 FROM checkins WHERE device_id = ?1 AND (?2 IS NULL OR person_id = ?2)
                   AND venue_id IS NOT NULL AND from_ms < ?4 AND until_ms > ?3
                 ORDER BY from_ms",
            )?;
            let rows = stmt.query_map(
                params![b(&case.device_id), case.person_id.map(|p| p.as_bytes().to_vec()), case.from_ms, case.until_ms],
                checkin_row,
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (id, d, p, pn, v, vn, f, u) = row?;
                out.push(CheckInRow {
                    id: id_from(&id)?,
                    device_id: id_from(&d)?,
                    person_id: id_from(&p)?,
                    person_name: pn,
                    venue_id: v.map(|v| id_from(&v)).transpose()?,
                    venue_name: vn,
                    from_ms: f,
                    until_ms: u,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn trace(&self, case: &CaseRow) -> Result<Vec<ContactRow>, StorageError> {
        let case = case.clone();
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT c.device_id, c.person_id, c.person_name, c.venue_id, c.venue_name,
                        max(c.from_ms, k.from_ms) AS o_from, min(c.until_ms, k.until_ms) AS o_until
                 FROM checkins k
                 JOIN checkins c ON c.venue_id = k.venue_id
                   AND c.from_ms < k.until_ms AND c.until_ms > k.from_ms
                 WHERE k.device_id = ?1 AND (?2 IS NULL OR k.person_id = ?2)
                   AND k.venue_id IS NOT NULL AND k.from_ms < ?4 AND k.until_ms > ?3
                   AND NOT (c.device_id = k.device_id AND (?2 IS NULL OR c.person_id = ?2))
                 ORDER BY o_from, c.person_id",
            )?;
            let rows = stmt.query_map(
                params![
                    b(&case.device_id),
                    case.person_id.map(|p| p.as_bytes().to_vec()),
                    case.from_ms,
                    case.until_ms
                ],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (d, p, pn, v, vn, f, u) = row?;
                out.push(ContactRow {
                    device_id: id_from(&d)?,
                    person_id: id_from(&p)?,
                    person_name: pn,
                    venue_id: id_from(&v)?,
                    venue_name: vn,
                    overlap_from_ms: f,
                    overlap_until_ms: u,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn insert_windows(
        &self,
        windows: Vec<WindowRow>,
    ) -> Result<Vec<WindowRow>, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let mut fresh = Vec::new();
            for w in windows {
                let n = tx.execute(
                    "INSERT INTO exposure_windows (id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, signature, published_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                    params![
                        b(&w.id),
                        b(&w.case_id),
                        b(&w.checkin_id),
                        b(&w.venue_id),
                        w.from_ms,
                        w.until_ms,
                        i64::from(w.level),
                        w.key_id,
                        w.signature.as_slice(),
                        w.published_ms
                    ],
                )?;
                if n == 1 {
                    fresh.push(WindowRow { seq: tx.last_insert_rowid(), ..w });
                }
            }
            tx.commit()?;
            Ok(fresh)
        })
        .await
    }

    async fn windows_since(&self, cursor: i64, limit: i64) -> Result<Vec<WindowRow>, StorageError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {WINDOW_COLUMNS} FROM exposure_windows WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![cursor, limit], window_from)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(window_row(row?)?);
            }
            Ok(out)
        })
        .await
    }
}
