//! The diary schema: one version number, the full current SQL for a fresh diary, and one
//! frozen upgrade step per older version ([`steps`]). Rules (after chatmail/core's
//! STYLE.md): STRICT tables, explicit INSERT column lists, and a migration never changes
//! what an existing column means: it adds a column or a table instead.
//!
//! The diary owns every table: the modules that read and write them (people, check-ins,
//! declarations, the trust store, sync state) keep their queries, never their DDL. To
//! change the schema: edit [`SQL`], bump [`VERSION`], add one step to [`steps`] whose text
//! is written out in full (a step never reads a live constant, so later edits to [`SQL`]
//! cannot change what an old step does), and list every new table in [`retained`] (the
//! tests compare an upgraded diary with a fresh one and check that every table is
//! classified for retention).
//!
//! Times are INTEGER Unix milliseconds (UTC); ids are 16-byte BLOBs.
//!
//! Check-ins (since version 9) write exactly one B-tree, because each one costs an
//! encrypted page per write (ADR 0001):
//!
//! - The row is also the check-in's signed record: `body` and `signature` are columns, with
//!   the sync state, instead of an outbox row. `body` and `signature` are NULL only for
//!   check-ins upgraded from a diary that had lost their record.
//! - `place` (the rowid) is `checked_in_at × 1024 + n`, `n` counting check-ins that began
//!   in the same millisecond (a family): the table is stored in time order, so a check-in
//!   appends to its last page, the lists (newest first, by day) and retention read key
//!   ranges, and the interior pages hold bare integers. `checked_in_at` stays a column of
//!   its own for readers of the file.
//! - `id` has no index of its own. `checkin_ids` tells where a check-in is by id; it is
//!   filled off the check-in path (`diary::id_index`): every row at or below the `meta`
//!   value `checkin_ids_through` has its entry there, newer rows are found by a walk over
//!   the short tail above it.
//! - There is no per-person index and no index of open check-ins: each person's latest
//!   stay (the only stay that can be open, since a person's stays never overlap) is kept in
//!   memory by `diary::stays`, which reads only the stays that began after the `meta`
//!   value `open_stays_since` when a diary opens.
//! - Check-in updates name their check-in by id without a foreign key (a foreign key needs
//!   an index on `checkins.id`); retention deletes a check-in's updates with it.

pub(crate) mod retained;
mod steps;
#[cfg(test)]
mod tests;

use rusqlite::{Connection, OptionalExtension};

use super::error::DiaryError;

/// The schema version a fresh diary gets and an older one is upgraded to.
pub(crate) const VERSION: u32 = 14;

/// How many check-ins may begin in the same millisecond (`place` = ms × this + n).
pub(crate) const PLACES_PER_MS: i64 = 1024;

/// The complete schema of a fresh diary at [`VERSION`].
pub(crate) const SQL: &str = "
-- Settings and people.
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

-- Check-ins: one B-tree per check-in (ADR 0001); see the module doc.
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

-- Check-in updates: found by check-in id, deleted with their check-in.
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

-- Signed records other than check-ins, waiting for sync.
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

-- The venue-code trust store.
CREATE TABLE trust_keys (
    key_id      BLOB PRIMARY KEY,
    public_key  BLOB NOT NULL,
    valid_from  INTEGER NOT NULL,
    valid_until INTEGER NOT NULL
) STRICT;
CREATE TABLE trust_roots (
    public_key BLOB PRIMARY KEY,
    sequence   INTEGER NOT NULL
) STRICT;
CREATE TABLE trust_revoked_keys (
    key_id BLOB PRIMARY KEY
) STRICT;
CREATE TABLE trust_revoked_venues (
    venue_id BLOB PRIMARY KEY
) STRICT;

-- Declarations, staff check-ins and the cards of household members.
CREATE TABLE declarations (
    id          BLOB PRIMARY KEY,
    subject_id  BLOB NOT NULL,
    declared_at INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    device_key  BLOB NOT NULL,
    body        BLOB NOT NULL,
    signature   BLOB NOT NULL
) STRICT;
CREATE INDEX declarations_by_subject ON declarations (subject_id, declared_at);
CREATE INDEX declarations_by_time ON declarations (declared_at);

CREATE TABLE staff_checkins (
    id            BLOB PRIMARY KEY,
    checked_in_at INTEGER NOT NULL,
    device_key    BLOB NOT NULL,
    body          BLOB NOT NULL,
    signature     BLOB NOT NULL, venue_id BLOB, visitor_key BLOB, auto_out_at INTEGER, checked_out_at INTEGER, out_reason INTEGER
) STRICT;
CREATE INDEX staff_checkins_by_time ON staff_checkins (checked_in_at);
CREATE INDEX staff_checkins_open ON staff_checkins (visitor_key) WHERE checked_out_at IS NULL;

CREATE TABLE person_cards (
    person_id   BLOB PRIMARY KEY REFERENCES people (id),
    card_kind   INTEGER NOT NULL,
    card_hash   BLOB NOT NULL,
    card_number TEXT
) STRICT;
CREATE INDEX person_cards_by_hash ON person_cards (card_hash);

-- The sync client: registration, received exposure windows, alerts.
CREATE TABLE sync_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE sync_windows (
    id          BLOB PRIMARY KEY,
    venue_id    BLOB NOT NULL,
    from_ms     INTEGER NOT NULL,
    until_ms    INTEGER NOT NULL,
    level       INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE TABLE sync_alerts (
    window_id     BLOB NOT NULL,
    person_id     BLOB NOT NULL,
    person_name   TEXT NOT NULL,
    venue_id      BLOB NOT NULL,
    venue_name    TEXT NOT NULL,
    overlap_from  INTEGER NOT NULL,
    overlap_until INTEGER NOT NULL,
    level         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL, seen_at INTEGER,
    PRIMARY KEY (window_id, person_id)
) STRICT;
CREATE INDEX sync_windows_by_end ON sync_windows (until_ms);
CREATE INDEX sync_alerts_by_start ON sync_alerts (overlap_from);
CREATE TABLE code_visits (
    checkin_id     BLOB PRIMARY KEY,
    declaration_id BLOB NOT NULL,
    venue_id       BLOB NOT NULL,
    venue_name     TEXT NOT NULL,
    from_ms        INTEGER NOT NULL,
    until_ms       INTEGER NOT NULL,
    received_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX code_visits_by_start ON code_visits (from_ms);
-- Venues this phone's owner registered on the server (their own poster, their desk).
CREATE TABLE my_venues (
    venue_id      BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    manage_secret TEXT NOT NULL,
    contact       TEXT NOT NULL,
    server        TEXT NOT NULL,
    registered_at INTEGER NOT NULL
) STRICT;
-- Inspections this phone's inspector recorded (issue 19; the signed record is in the
-- outbox), and the ward venue list downloaded for offline work.
CREATE TABLE inspections (
    id           BLOB PRIMARY KEY,
    venue_id     BLOB NOT NULL,
    venue_name   TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    inspected_at INTEGER NOT NULL
) STRICT;
CREATE TABLE ward_venues (
    venue_id          BLOB PRIMARY KEY,
    ward              TEXT NOT NULL,
    name              TEXT NOT NULL,
    address           TEXT NOT NULL,
    category          INTEGER NOT NULL,
    last_inspected_at INTEGER,
    last_verdict      TEXT,
    due               INTEGER NOT NULL,
    downloaded_at     INTEGER NOT NULL
) STRICT;
";

/// Creates or upgrades the schema inside the caller's transaction. Foreign keys must be
/// off (they are by default; `Diary::open` turns them on afterwards): upgrades rebuild
/// tables.
pub(crate) fn init(conn: &Connection) -> Result<(), DiaryError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == VERSION {
        return Ok(());
    }
    if current == 0 {
        conn.execute_batch(SQL)?;
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
    for v in version..target {
        if !steps::apply(conn, v)? {
            return Err(DiaryError::TooOld { found: version });
        }
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
