//! The diary schema: one version number, the full current SQL for a fresh diary, and one
//! upgrade step per older version. Rules (after chatmail/core's STYLE.md): STRICT tables,
//! explicit INSERT column lists, and a migration never changes what an existing column
//! means — it adds a column or a table instead.
//!
//! Each area keeps its SQL in its own constant below ([`CORE_SQL`] for the diary itself);
//! the fresh schema is the list [`SQL`]. To add tables for a new area: append a constant to
//! [`SQL`], bump [`VERSION`] and add one arm to [`upgrade`] that creates exactly the
//! same objects (the migration test compares an upgraded diary with a fresh one).
//!
//! Times are INTEGER Unix milliseconds (UTC); ids are 16-byte BLOBs.

use rusqlite::{Connection, OptionalExtension};

use super::DiaryError;

/// The schema version a fresh diary gets and an older one is upgraded to.
pub const VERSION: u32 = 9;

/// The diary's own tables, part 1: settings and people.
pub const CORE_SQL: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE people (
    id           BLOB PRIMARY KEY,
    display_name TEXT NOT NULL,
    relation     TEXT,
    birth_year   INTEGER,
    is_owner     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    removed_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX people_one_owner ON people (is_owner) WHERE is_owner = 1;
";

/// The check-ins (since version 9). A check-in writes exactly one B-tree, because each
/// one costs an encrypted page per write (ADR 0001): this table.
///
/// - The row is also the check-in's signed record: `body` and `signature` are columns, with
///   the sync state, instead of an outbox row. `body` and `signature` are NULL only for
///   check-ins upgraded from a diary that had lost their record.
/// - `place` (the rowid) is `checked_in_at × 1024 + n`, `n` counting check-ins that began
///   in the same millisecond (a family): the table is stored in time order, so a check-in
///   appends to its last page, the lists (newest first, by day) and retention read key
///   ranges, and the interior pages hold bare integers. `checked_in_at` stays a column of
///   its own for readers of the file.
/// - `id` has no index of its own. `checkin_ids` tells where a check-in is by id; it is
///   filled off the check-in path (`diary::id_index`): every row at or below the `meta`
///   value `checkin_ids_through` has its entry there, newer rows are found by a walk over
///   the short tail above it.
/// - There is no per-person index and no index of open check-ins: each person's latest
///   stay (the only stay that can be open, since a person's stays never overlap) is kept in
///   memory by `diary::stays`, which reads only the stays that began after the `meta`
///   value `open_stays_since` when a diary opens.
pub const CHECKINS_SQL: &str = "
CREATE TABLE checkins (
    place          INTEGER PRIMARY KEY,
    id             BLOB NOT NULL,
    person_id      BLOB NOT NULL REFERENCES people (id),
    venue_id       BLOB,
    venue_name     TEXT NOT NULL,
    venue_address  TEXT NOT NULL,
    venue_category INTEGER NOT NULL,
    issuer_key_id  TEXT,
    venue_verified INTEGER NOT NULL,
    method         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    auto_out_at    INTEGER NOT NULL,
    out_reason     INTEGER,
    update_seq     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    body           BLOB,
    signature      BLOB,
    sync_state     INTEGER NOT NULL DEFAULT 0,
    sync_detail    TEXT,
    sync_at        INTEGER
) STRICT;

CREATE TABLE checkin_ids (
    id    BLOB PRIMARY KEY,
    place INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
";

/// How many check-ins may begin in the same millisecond (`place` = ms × this + n).
pub const PLACES_PER_MS: i64 = 1024;

/// Check-in updates. An update names its check-in by id without a foreign key (since
/// version 9: a foreign key needs an index on `checkins.id`); retention deletes a
/// check-in's updates with it.
pub const CHECKIN_UPDATES_SQL: &str = "
CREATE TABLE checkin_updates (
    id             BLOB PRIMARY KEY,
    checkin_id     BLOB NOT NULL,
    sequence       INTEGER NOT NULL,
    reason         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (checkin_id, sequence)
) STRICT;
";

/// The outbox: signed records other than check-ins (updates, declarations, staff
/// check-ins) waiting for sync.
pub const OUTBOX_SQL: &str = "
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    record_id    BLOB NOT NULL UNIQUE,
    subject_id   BLOB NOT NULL,
    kind         INTEGER NOT NULL,
    device_key   BLOB NOT NULL,
    body         BLOB NOT NULL,
    signature    BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    state        INTEGER NOT NULL DEFAULT 0,
    state_detail TEXT,
    state_at     INTEGER
) STRICT;
";

/// The complete schema of a fresh diary at [`VERSION`], one entry per area.
pub const SQL: &[&str] = &[
    CORE_SQL,
    CHECKINS_SQL,
    CHECKIN_UPDATES_SQL,
    OUTBOX_SQL,
    crate::venue::TRUST_SQL,
    crate::declare::store::SCHEMA_SQL,
    crate::sync::store::SCHEMA_SQL,
];

/// Version 1 → 2: check-in updates got their own table (so a check-in's history of
/// check-out, edits and auto check-out is kept, each signed), check-ins count their
/// updates, and open check-ins got an index for the auto check-out sweep.
const V1_TO_V2: &str = "
ALTER TABLE checkins ADD COLUMN update_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX checkins_open ON checkins (auto_out_at) WHERE checked_out_at IS NULL;
CREATE TABLE checkin_updates (
    id             BLOB PRIMARY KEY,
    checkin_id     BLOB NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    sequence       INTEGER NOT NULL,
    reason         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (checkin_id, sequence)
) STRICT;
";

/// Version 5 → 6: the outbox keeps only its unique record id index. Every check-in write
/// paid one encrypted page per index (about a third of the write), and none is needed:
/// retention deletes a purged row's outbox record through the record id, which is the
/// purged row's own id (see `diary::retention`), and the pending list walks the outbox in
/// `seq` order, where synced records are a prefix of at most the retention window.
/// Dropping an index changes no column's meaning.
const V5_TO_V6: &str = "
DROP INDEX outbox_by_state;
DROP INDEX outbox_by_subject;
DROP INDEX outbox_by_created;
";

/// The check-ins as version 7 made them (kept verbatim for the 6 → 7 step): time-ordered
/// without a rowid, a per-person index, and `outbox_seq` pointing at the record's outbox
/// row.
const CHECKINS_V7_SQL: &str = "
CREATE TABLE checkins (
    id             BLOB NOT NULL UNIQUE,
    person_id      BLOB NOT NULL REFERENCES people (id),
    venue_id       BLOB,
    venue_name     TEXT NOT NULL,
    venue_address  TEXT NOT NULL,
    venue_category INTEGER NOT NULL,
    issuer_key_id  TEXT,
    venue_verified INTEGER NOT NULL,
    method         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    auto_out_at    INTEGER NOT NULL,
    out_reason     INTEGER,
    update_seq     INTEGER NOT NULL DEFAULT 0,
    outbox_seq     INTEGER,
    PRIMARY KEY (checked_in_at, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX checkins_by_person ON checkins (person_id, checked_in_at);
";

/// Version 6 → 7: check-ins are rebuilt as a time-ordered table without a rowid (see
/// [`CHECKINS_V7_SQL`]), which also drops the time index and the open-check-in index, and
/// gain `outbox_seq`, filled from the outbox. The rows are copied through an in-memory
/// temp table (the v8 step does the same).
/// Runs with foreign keys off (the diary turns them on after the schema is settled), so
/// dropping the old table cascades to nothing.
const V6_TO_V7_SAVE: &str = "
CREATE TEMP TABLE checkins_v6 AS
SELECT c.id, c.person_id, c.venue_id, c.venue_name, c.venue_address, c.venue_category,
       c.issuer_key_id, c.venue_verified, c.method, c.checked_in_at, c.checked_out_at,
       c.auto_out_at, c.out_reason, c.update_seq,
       (SELECT o.seq FROM outbox o WHERE o.record_id = c.id) AS outbox_seq
FROM checkins c;
DROP TABLE checkins;
";
const V6_TO_V7_RESTORE: &str = "
INSERT INTO checkins (id, person_id, venue_id, venue_name, venue_address, venue_category,
    issuer_key_id, venue_verified, method, checked_in_at, checked_out_at, auto_out_at,
    out_reason, update_seq, outbox_seq)
SELECT id, person_id, venue_id, venue_name, venue_address, venue_category, issuer_key_id,
    venue_verified, method, checked_in_at, checked_out_at, auto_out_at, out_reason,
    update_seq, outbox_seq
FROM temp.checkins_v6;
DROP TABLE temp.checkins_v6;
";

/// Version 7 → 8: check-ins are rebuilt as a rowid table in `place` order (see
/// [`CHECKINS_V8_SQL`]), which drops the per-person index, and each check-in's signed record
/// moves from its outbox row into the check-in row with its sync state (the outbox keeps
/// updates and declarations). `outbox_seq` goes with the old table. Copied through an
/// in-memory temp table, like the v7 rebuild, with foreign keys off.
const V7_TO_V8_SAVE: &str = "
CREATE TEMP TABLE checkins_v7 AS
SELECT c.id, c.person_id, c.venue_id, c.venue_name, c.venue_address, c.venue_category,
       c.issuer_key_id, c.venue_verified, c.method, c.checked_in_at, c.checked_out_at,
       c.auto_out_at, c.out_reason, c.update_seq,
       coalesce(o.created_at, c.checked_in_at) AS created_at, o.body, o.signature,
       coalesce(o.state, 0) AS sync_state, o.state_detail, o.state_at
FROM checkins c LEFT JOIN outbox o ON o.record_id = c.id;
DELETE FROM outbox WHERE record_id IN (SELECT id FROM temp.checkins_v7);
DROP TABLE checkins;
";
const V7_TO_V8_RESTORE: &str = "
INSERT INTO checkins (place, id, person_id, venue_id, venue_name, venue_address,
    venue_category, issuer_key_id, venue_verified, method, checked_in_at, checked_out_at,
    auto_out_at, out_reason, update_seq, created_at, body, signature, sync_state, sync_detail,
    sync_at)
SELECT checked_in_at * 1024 + row_number() OVER (PARTITION BY checked_in_at ORDER BY id) - 1,
    id, person_id, venue_id, venue_name, venue_address, venue_category, issuer_key_id,
    venue_verified, method, checked_in_at, checked_out_at, auto_out_at, out_reason,
    update_seq, created_at, body, signature, sync_state, state_detail, state_at
FROM temp.checkins_v7;
DROP TABLE temp.checkins_v7;
";

/// The check-ins as version 8 made them (kept verbatim for the 7 → 8 step): `id` with a
/// unique index of its own.
const CHECKINS_V8_SQL: &str = "
CREATE TABLE checkins (
    place          INTEGER PRIMARY KEY,
    id             BLOB NOT NULL UNIQUE,
    person_id      BLOB NOT NULL REFERENCES people (id),
    venue_id       BLOB,
    venue_name     TEXT NOT NULL,
    venue_address  TEXT NOT NULL,
    venue_category INTEGER NOT NULL,
    issuer_key_id  TEXT,
    venue_verified INTEGER NOT NULL,
    method         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    auto_out_at    INTEGER NOT NULL,
    out_reason     INTEGER,
    update_seq     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    body           BLOB,
    signature      BLOB,
    sync_state     INTEGER NOT NULL DEFAULT 0,
    sync_detail    TEXT,
    sync_at        INTEGER
) STRICT;
";

/// Version 8 → 9: `checkins.id` loses its unique index (one B-tree less on every
/// check-in, ADR 0001) and `checkin_ids` takes over lookups by id, filled here with every
/// row; `checkin_updates` loses its foreign key to `checkins (id)`, which needed that
/// index. Both tables are copied through in-memory temp tables, with foreign keys off.
/// The caller then sets `checkin_ids_through` (see `diary::id_index`).
const V8_TO_V9_SAVE: &str = "
CREATE TEMP TABLE checkins_v8 AS SELECT * FROM checkins;
CREATE TEMP TABLE checkin_updates_v8 AS SELECT * FROM checkin_updates;
DROP TABLE checkin_updates;
DROP TABLE checkins;
";
const V8_TO_V9_RESTORE: &str = "
INSERT INTO checkins (place, id, person_id, venue_id, venue_name, venue_address,
    venue_category, issuer_key_id, venue_verified, method, checked_in_at, checked_out_at,
    auto_out_at, out_reason, update_seq, created_at, body, signature, sync_state, sync_detail,
    sync_at)
SELECT place, id, person_id, venue_id, venue_name, venue_address, venue_category,
    issuer_key_id, venue_verified, method, checked_in_at, checked_out_at, auto_out_at,
    out_reason, update_seq, created_at, body, signature, sync_state, sync_detail, sync_at
FROM temp.checkins_v8;
INSERT INTO checkin_ids (id, place) SELECT id, place FROM checkins;
INSERT INTO checkin_updates (id, checkin_id, sequence, reason, checked_in_at,
    checked_out_at, created_at)
SELECT id, checkin_id, sequence, reason, checked_in_at, checked_out_at, created_at
FROM temp.checkin_updates_v8;
DROP TABLE temp.checkins_v8;
DROP TABLE temp.checkin_updates_v8;
";

/// Creates or upgrades the schema inside the caller's transaction. Foreign keys must be
/// off (they are by default; `Diary::open` turns them on afterwards): upgrades rebuild
/// tables.
pub fn init(conn: &Connection) -> Result<(), DiaryError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == VERSION {
        return Ok(());
    }
    if current == 0 {
        for part in SQL {
            conn.execute_batch(part)?;
        }
    } else if current < VERSION {
        upgrade(conn, current, VERSION)?;
    } else {
        return Err(DiaryError::TooNew {
            found: current,
            supported: VERSION,
        });
    }
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// Applies every upgrade step from `version` up to `target` (tests stop at an older one
/// to build an old diary with data).
fn upgrade(conn: &Connection, version: u32, target: u32) -> Result<(), DiaryError> {
    // SQLCipher's build turns foreign keys on by default; with them on, a rebuild's DROP
    // TABLE would delete every row that refers to the dropped table.
    let foreign_keys: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    if foreign_keys {
        return Err(DiaryError::Invalid(
            "schema upgrades must run with foreign keys off".into(),
        ));
    }
    let mut v = version;
    while v < target {
        // One arm per old version, each leaving the schema at v + 1.
        match v {
            1 => conn.execute_batch(V1_TO_V2)?,
            // 2 -> 3: the venue-code trust store (keys, roots, revocations).
            2 => conn.execute_batch(crate::venue::TRUST_SQL)?,
            // 3 -> 4: declarations, staff check-ins, people's card hashes (crate::declare::store).
            3 => conn.execute_batch(crate::declare::store::SCHEMA_SQL)?,
            // 4 -> 5: the sync client's tables (registration, exposure windows, alerts).
            4 => conn.execute_batch(crate::sync::store::SCHEMA_SQL)?,
            // 5 -> 6: fewer outbox indexes (faster check-in writes).
            5 => conn.execute_batch(V5_TO_V6)?,
            // 6 -> 7: time-ordered check-ins without a rowid, with their outbox seq.
            6 => {
                conn.execute_batch(V6_TO_V7_SAVE)?;
                conn.execute_batch(CHECKINS_V7_SQL)?;
                conn.execute_batch(V6_TO_V7_RESTORE)?;
            }
            // 7 -> 8: person-ordered check-ins that carry their own signed record.
            7 => {
                conn.execute_batch(V7_TO_V8_SAVE)?;
                conn.execute_batch(CHECKINS_V8_SQL)?;
                conn.execute_batch(V7_TO_V8_RESTORE)?;
            }
            // 8 -> 9: no index on check-in ids in the write path; `checkin_ids` instead.
            8 => {
                conn.execute_batch(V8_TO_V9_SAVE)?;
                conn.execute_batch(CHECKINS_SQL)?;
                conn.execute_batch(CHECKIN_UPDATES_SQL)?;
                conn.execute_batch(V8_TO_V9_RESTORE)?;
                super::id_index::mark_all_indexed(conn)?;
            }
            _ => return Err(DiaryError::TooOld { found: version }),
        }
        v += 1;
    }
    // The rebuilt tables must still agree with the ones that refer to them.
    let broken: Option<String> = conn
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(table) = broken {
        return Err(DiaryError::Corrupt(format!(
            "after the upgrade, a row of {table} refers to a missing row"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use rusqlite::Connection;

    use super::*;
    use crate::diary::{Diary, DiaryConfig, DiaryKey, Page};
    use crate::ids::Id128;

    /// The schema as version 1 shipped it (kept verbatim: this is what old phones have).
    const V1_SQL: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE people (
    id           BLOB PRIMARY KEY,
    display_name TEXT NOT NULL,
    relation     TEXT,
    birth_year   INTEGER,
    is_owner     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    removed_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX people_one_owner ON people (is_owner) WHERE is_owner = 1;

CREATE TABLE checkins (
    id             BLOB PRIMARY KEY,
    person_id      BLOB NOT NULL REFERENCES people (id),
    venue_id       BLOB,
    venue_name     TEXT NOT NULL,
    venue_address  TEXT NOT NULL,
    venue_category INTEGER NOT NULL,
    issuer_key_id  TEXT,
    venue_verified INTEGER NOT NULL,
    method         INTEGER NOT NULL,
    checked_in_at  INTEGER NOT NULL,
    checked_out_at INTEGER,
    auto_out_at    INTEGER NOT NULL,
    out_reason     INTEGER
) STRICT;
CREATE INDEX checkins_by_time ON checkins (checked_in_at);
CREATE INDEX checkins_by_person ON checkins (person_id, checked_in_at);

CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    record_id    BLOB NOT NULL UNIQUE,
    subject_id   BLOB NOT NULL,
    kind         INTEGER NOT NULL,
    device_key   BLOB NOT NULL,
    body         BLOB NOT NULL,
    signature    BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    state        INTEGER NOT NULL DEFAULT 0,
    state_detail TEXT,
    state_at     INTEGER
) STRICT;
CREATE INDEX outbox_by_state ON outbox (state, seq);
CREATE INDEX outbox_by_subject ON outbox (subject_id);
CREATE INDEX outbox_by_created ON outbox (created_at);
";

    /// SQL text with white space collapsed (ALTER TABLE splices text in as written).
    fn normalize(sql: &str) -> String {
        let mut out = String::new();
        for tok in sql.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(tok);
        }
        out.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
    }

    /// Everything that defines a schema: sqlite_master rows plus every table's columns,
    /// indexes and foreign keys as SQLite reports them.
    fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )
            .unwrap();
        let rows: Vec<(String, String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (ty, name, tbl, sql) in rows {
            out.push(format!("{ty} {name} on {tbl}: {}", normalize(&sql)));
            if ty == "table" {
                for pragma in ["table_xinfo", "index_list", "foreign_key_list"] {
                    let mut s = conn
                        .prepare(&format!("SELECT * FROM pragma_{pragma}(?1)"))
                        .unwrap();
                    let n = s.column_count();
                    let lines: Vec<String> = s
                        .query_map([&name], |r| {
                            let cols: Vec<String> = (0..n)
                                .map(|i| {
                                    format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap())
                                })
                                .collect();
                            Ok(cols.join("|"))
                        })
                        .unwrap()
                        .collect::<Result<_, _>>()
                        .unwrap();
                    out.extend(lines.into_iter().map(|l| format!("  {pragma} {name}: {l}")));
                }
            }
        }
        out.push(format!(
            "user_version {}",
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
                .unwrap()
        ));
        out
    }

    #[test]
    fn upgraded_v1_schema_equals_a_fresh_one() {
        let fresh = Connection::open_in_memory().unwrap();
        init(&fresh).unwrap();

        let old = Connection::open_in_memory().unwrap();
        old.pragma_update(None, "foreign_keys", "OFF").unwrap();
        old.execute_batch(V1_SQL).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        assert_ne!(describe(&old), describe(&fresh), "v1 must differ from v2");
        let tx = old.unchecked_transaction().unwrap();
        init(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(describe(&old), describe(&fresh));
    }

    /// Opens an old diary at `now` (which upgrades it) and checks it reached [`VERSION`].
    fn open_upgraded(path: &std::path::Path, key: &DiaryKey, now: chrono::DateTime<Utc>) -> Diary {
        let clock = Arc::new(crate::FixedClock::new(now));
        let d = Diary::open(path, key, clock, DiaryConfig::default()).unwrap();
        let user_version: u32 = d
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(user_version, VERSION);
        d
    }

    /// A version-6 diary with history (a closed check-in with its update and a synced
    /// record, two open check-ins of two people) comes through the v7 rebuild whole: no
    /// update is lost to the foreign key's cascade, sync states still show, the open
    /// check-ins are still found without their old index, and (v8) the check-ins' records
    /// move from the outbox into their rows.
    #[test]
    fn v6_diary_with_history_upgrades_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v6.db");
        let key = DiaryKey::generate().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap();
        let ms = now.timestamp_millis();
        let h = 3_600_000;
        let (owner, member) = ([1u8; 16], [2u8; 16]);
        let (closed, open_owner, open_member, update) =
            ([3u8; 16], [4u8; 16], [5u8; 16], [6u8; 16]);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "key", key.sqlcipher_literal().as_str())
                .unwrap();
            conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
            conn.execute_batch(V1_SQL).unwrap();
            upgrade(&conn, 1, 6).unwrap();
            conn.pragma_update(None, "user_version", 6).unwrap();
            for (id, name, is_owner) in [(owner, "Tôi", 1), (member, "Bà", 0)] {
                conn.execute(
                    "INSERT INTO people (id, display_name, relation, birth_year, is_owner, created_at)
                     VALUES (?1, ?2, NULL, NULL, ?3, ?4)",
                    rusqlite::params![id.as_slice(), name, is_owner, ms - 10 * h],
                )
                .unwrap();
            }
            let checkin =
                |id: [u8; 16], person: [u8; 16], venue: &str, at: i64, out: Option<i64>| {
                    conn.execute(
                        "INSERT INTO checkins (id, person_id, venue_id, venue_name, venue_address,
                        venue_category, issuer_key_id, venue_verified, method, checked_in_at,
                        checked_out_at, auto_out_at, out_reason, update_seq)
                     VALUES (?1, ?2, NULL, ?3, '', 3, NULL, 0, 2, ?4, ?5, ?6, ?7, ?8)",
                        rusqlite::params![
                            id.as_slice(),
                            person.as_slice(),
                            venue,
                            at,
                            out,
                            at + 4 * h,
                            out.map(|_| 1),
                            i64::from(out.is_some())
                        ],
                    )
                    .unwrap();
                };
            checkin(closed, owner, "Chợ Bến Thành", ms - 6 * h, Some(ms - 5 * h));
            checkin(open_owner, owner, "Nhà thuốc", ms - 2 * h, None);
            checkin(open_member, member, "Chùa", ms - h, None);
            conn.execute(
                "INSERT INTO checkin_updates (id, checkin_id, sequence, reason, checked_in_at,
                    checked_out_at, created_at) VALUES (?1, ?2, 1, 1, ?3, ?4, ?4)",
                rusqlite::params![update.as_slice(), closed.as_slice(), ms - 6 * h, ms - 5 * h],
            )
            .unwrap();
            // Outbox order: the closed check-in (synced), its update, the two open ones.
            for (record, subject, state) in [
                (closed, closed, 1),
                (update, closed, 0),
                (open_owner, open_owner, 0),
                (open_member, open_member, 0),
            ] {
                conn.execute(
                    "INSERT INTO outbox (record_id, subject_id, kind, device_key, body, signature,
                        created_at, state) VALUES (?1, ?2, 1, x'00', x'00', x'00', ?3, ?4)",
                    rusqlite::params![record.as_slice(), subject.as_slice(), ms - h, state],
                )
                .unwrap();
            }
        }
        let mut d = open_upgraded(&path, &key, now);
        let updates: i64 = d
            .conn()
            .query_row("SELECT count(*) FROM checkin_updates", [], |r| r.get(0))
            .unwrap();
        assert_eq!(updates, 1, "the rebuild must not cascade into updates");
        // v8: each check-in's record moved from the outbox into its row, with its state;
        // the update's record stays in the outbox.
        type Row = (Vec<u8>, i64, Option<Vec<u8>>, i64);
        let rows: Vec<Row> = d
            .conn()
            .prepare("SELECT id, sync_state, body, created_at FROM checkins ORDER BY checked_in_at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (closed.to_vec(), 1, Some(vec![0]), ms - h),
                (open_owner.to_vec(), 0, Some(vec![0]), ms - h),
                (open_member.to_vec(), 0, Some(vec![0]), ms - h),
            ]
        );
        let outbox: Vec<Vec<u8>> = d
            .conn()
            .prepare("SELECT record_id FROM outbox ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(outbox, vec![update.to_vec()]);
        let list = d.list_checkins(Page::default()).unwrap();
        let shown: Vec<(&str, crate::diary::SyncState, bool)> = list
            .iter()
            .map(|c| (c.venue.name.as_str(), c.sync_state, c.is_open()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("Chùa", crate::diary::SyncState::Pending, true),
                ("Nhà thuốc", crate::diary::SyncState::Pending, true),
                ("Chợ Bến Thành", crate::diary::SyncState::Synced, false),
            ]
        );
        let open: Vec<Id128> = d.open_checkins().unwrap().iter().map(|c| c.id).collect();
        assert_eq!(
            open,
            vec![
                Id128::from_bytes(open_owner),
                Id128::from_bytes(open_member)
            ]
        );
        let closed_now = d.check_out(None, None).unwrap();
        assert_eq!(closed_now.len(), 2);
        assert!(d.open_checkins().unwrap().is_empty());
        // Foreign keys are on again after the upgrade.
        let fk: i64 = d
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    /// A version-7 diary whose check-in records are real signed records in the outbox: after
    /// the v8 rebuild each record is in its check-in row, every signature still verifies,
    /// the sync states and queue order are kept, and a family that checked in in the same
    /// millisecond gets distinct, ordered places.
    #[test]
    fn v7_diary_records_move_into_their_rows_and_still_verify() {
        use crate::identity::DeviceIdentity;
        use crate::records::{CheckInBody, CheckInMethod, RecordKind, VenueRef};
        use crate::venue::VenueCategory;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        let key = DiaryKey::generate().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap();
        let ms = now.timestamp_millis();
        let identity = DeviceIdentity::generate().unwrap();
        let (owner, kid) = ([1u8; 16], [2u8; 16]);
        // Two check-ins at the same instant (a family, kid's id sorts first), one earlier.
        let plan = [
            ([7u8; 16], owner, "Chợ", ms - 3_600_000, 1),
            ([9u8; 16], owner, "Trường", ms - 600_000, 0),
            ([8u8; 16], kid, "Trường", ms - 600_000, 0),
        ];
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "key", key.sqlcipher_literal().as_str())
                .unwrap();
            conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
            conn.execute_batch(V1_SQL).unwrap();
            upgrade(&conn, 1, 7).unwrap();
            conn.pragma_update(None, "user_version", 7).unwrap();
            conn.execute(
                "INSERT INTO meta (name, value) VALUES ('device_secret', ?1)",
                [identity.secret_bytes().as_slice()],
            )
            .unwrap();
            for (id, name, is_owner) in [(owner, "Tôi", 1), (kid, "Bé", 0)] {
                conn.execute(
                    "INSERT INTO people (id, display_name, relation, birth_year, is_owner, created_at)
                     VALUES (?1, ?2, NULL, NULL, ?3, ?4)",
                    rusqlite::params![id.as_slice(), name, is_owner, ms - 7_200_000],
                )
                .unwrap();
            }
            for (id, person, venue, at, state) in plan {
                let body = CheckInBody {
                    id: Id128::from_bytes(id),
                    person_id: Id128::from_bytes(person),
                    person_name: "x".into(),
                    venue: VenueRef {
                        id: None,
                        name: venue.into(),
                        address: String::new(),
                        category: VenueCategory::Market,
                        issuer_key_id: None,
                        verified: false,
                    },
                    method: CheckInMethod::ManualEntry,
                    checked_in_at: Utc.timestamp_millis_opt(at).unwrap(),
                    checked_out_at: None,
                };
                let record = identity.sign_record(RecordKind::CheckIn, body.encode());
                conn.execute(
                    "INSERT INTO outbox (record_id, subject_id, kind, device_key, body, signature,
                        created_at, state) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    rusqlite::params![
                        id.as_slice(),
                        record.kind.code(),
                        record.device_key.as_slice(),
                        record.body,
                        record.signature.as_slice(),
                        at,
                        state
                    ],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO checkins (id, person_id, venue_id, venue_name, venue_address,
                        venue_category, issuer_key_id, venue_verified, method, checked_in_at,
                        checked_out_at, auto_out_at, out_reason, update_seq, outbox_seq)
                     VALUES (?1, ?2, NULL, ?3, '', 2, NULL, 0, 2, ?4, ?5, ?6, NULL, 0,
                        last_insert_rowid())",
                    rusqlite::params![
                        id.as_slice(),
                        person.as_slice(),
                        venue,
                        at,
                        (state == 1).then_some(at + 60_000),
                        at + 4 * 3_600_000
                    ],
                )
                .unwrap();
            }
        }
        let d = open_upgraded(&path, &key, now);
        assert_eq!(d.verify_all().unwrap(), 3);
        let outbox: i64 = d
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(outbox, 0, "check-in records left the outbox");
        let pending: Vec<Id128> = d
            .pending_records(10)
            .unwrap()
            .iter()
            .map(|e| e.record_id)
            .collect();
        // Same creation time: queued in place order (the kid's id sorts first).
        assert_eq!(
            pending,
            vec![Id128::from_bytes([8u8; 16]), Id128::from_bytes([9u8; 16])]
        );
        let places: Vec<(Vec<u8>, i64)> = d
            .conn()
            .prepare("SELECT id, place FROM checkins ORDER BY place")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let base = (ms - 600_000) * PLACES_PER_MS;
        assert_eq!(
            places,
            vec![
                ([7u8; 16].to_vec(), (ms - 3_600_000) * PLACES_PER_MS),
                ([8u8; 16].to_vec(), base),
                ([9u8; 16].to_vec(), base + 1),
            ]
        );
        let counts = d.outbox_counts().unwrap();
        assert_eq!((counts.pending, counts.synced, counts.rejected), (2, 1, 0));
        // v9: every check-in has its `checkin_ids` entry, and the mark covers them all.
        assert_eq!(crate::diary::id_index::tests::assert_exact(&d), 0);
    }

    #[test]
    fn newer_and_unknown_versions_are_refused() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(matches!(init(&conn), Err(DiaryError::TooNew { .. })));
    }

    /// A real encrypted v1 diary with data opens, upgrades, and its check-in is usable.
    #[test]
    fn encrypted_v1_diary_with_data_upgrades_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let key = DiaryKey::generate().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap();
        let ms = now.timestamp_millis();
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "key", key.sqlcipher_literal().as_str())
                .unwrap();
            conn.execute_batch(V1_SQL).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO people (id, display_name, relation, birth_year, is_owner, created_at)
                 VALUES (?1, 'Tôi', NULL, NULL, 1, ?2)",
                rusqlite::params![[1u8; 16].as_slice(), ms],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO checkins (id, person_id, venue_id, venue_name, venue_address,
                    venue_category, issuer_key_id, venue_verified, method, checked_in_at,
                    checked_out_at, auto_out_at, out_reason)
                 VALUES (?1, ?2, NULL, 'Chợ cũ', '', 3, NULL, 0, 2, ?3, NULL, ?4, NULL)",
                rusqlite::params![
                    [2u8; 16].as_slice(),
                    [1u8; 16].as_slice(),
                    ms - 3_600_000,
                    ms + 3_600_000
                ],
            )
            .unwrap();
        }
        let mut d = open_upgraded(&path, &key, now);
        let list = d.list_checkins(Page::default()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].venue.name, "Chợ cũ");
        // The upgraded diary takes updates (the v2 table) for the old check-in.
        let id = list[0].id;
        d.check_out(Some(&id), None).unwrap();
        assert!(d.checkin(&id).unwrap().checked_out_at.is_some());
    }
}
