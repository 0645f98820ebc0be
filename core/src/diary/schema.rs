//! The diary schema: one version number, the full current SQL for a fresh diary, and one
//! upgrade step per older version. Rules (after chatmail/core's STYLE.md): STRICT tables,
//! explicit INSERT column lists, and a migration never changes what an existing column
//! means — it adds a column or a table instead.
//!
//! Each area keeps its SQL in its own constant below ([`CORE_SQL`] for the diary itself);
//! the fresh schema is the list [`SQL`]. To add tables for a new area: append a constant to
//! [`SQL`], bump [`VERSION`] and add one arm to [`upgrade_from`] that creates exactly the
//! same objects (the migration test compares an upgraded diary with a fresh one).
//!
//! Times are INTEGER Unix milliseconds (UTC); ids are 16-byte BLOBs.

use rusqlite::Connection;

use super::DiaryError;

/// The schema version a fresh diary gets and an older one is upgraded to.
pub const VERSION: u32 = 3;

/// The diary's own tables: settings, people, check-ins, their updates, the outbox.
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
    out_reason     INTEGER,
    update_seq     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX checkins_by_time ON checkins (checked_in_at);
CREATE INDEX checkins_by_person ON checkins (person_id, checked_in_at);
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

/// The complete schema of a fresh diary at [`VERSION`], one entry per area.
pub const SQL: &[&str] = &[CORE_SQL, crate::sync::store::SCHEMA_SQL];

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

/// Creates or upgrades the schema inside the caller's transaction.
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
        upgrade_from(conn, current)?;
    } else {
        return Err(DiaryError::TooNew {
            found: current,
            supported: VERSION,
        });
    }
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// Applies every upgrade step from `version` up to [`VERSION`].
fn upgrade_from(conn: &Connection, version: u32) -> Result<(), DiaryError> {
    let mut v = version;
    while v < VERSION {
        // One arm per old version, each leaving the schema at v + 1.
        match v {
            1 => conn.execute_batch(V1_TO_V2)?,
            // 2 -> 3: the sync client's tables (registration, exposure windows, alerts).
            2 => conn.execute_batch(crate::sync::store::SCHEMA_SQL)?,
            _ => return Err(DiaryError::TooOld { found: version }),
        }
        v += 1;
    }
    Ok(())
}
