//! The frozen upgrade steps: one per old version, each leaving the schema at the next
//! version. Every statement is written out as that version shipped it: a step never reads
//! a constant that later versions may change (not [`super::SQL`], not another module's
//! text), so upgrading a diary written years ago runs exactly what it ran then.

use rusqlite::Connection;

use super::super::error::DiaryError;

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

/// Version 2 → 3: the venue-code trust store (keys, roots, revocations).
const V2_TO_V3: &str = "
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
";

/// Version 3 → 4: declarations, staff check-ins and the cards of household members.
const V3_TO_V4: &str = "
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
    signature     BLOB NOT NULL
) STRICT;
CREATE INDEX staff_checkins_by_time ON staff_checkins (checked_in_at);

CREATE TABLE person_cards (
    person_id   BLOB PRIMARY KEY REFERENCES people (id),
    card_kind   INTEGER NOT NULL,
    card_hash   BLOB NOT NULL,
    card_number TEXT
) STRICT;
CREATE INDEX person_cards_by_hash ON person_cards (card_hash);
";

/// Version 4 → 5: the sync client's tables (registration, exposure windows, alerts).
const V4_TO_V5: &str = "
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
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (window_id, person_id)
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

/// The check-ins and their updates as version 9 made them (the 8 → 9 step).
const CHECKINS_V9_SQL: &str = "
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

/// Version 8 → 9: `checkins.id` loses its unique index (one B-tree less on every
/// check-in, ADR 0001) and `checkin_ids` takes over lookups by id, filled here with every
/// row; `checkin_updates` loses its foreign key to `checkins (id)`, which needed that
/// index. Both tables are copied through in-memory temp tables, with foreign keys off.
/// The step then sets `checkin_ids_through` (see `diary::id_index`).
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

/// Version 9 → 10: retention ages received windows by their end and alerts by their
/// start (`diary::schema::retained`); an index on each keeps the check on every open to a
/// probe instead of a scan of every window ever received.
const V9_TO_V10: &str = "
CREATE INDEX sync_windows_by_end ON sync_windows (until_ms);
CREATE INDEX sync_alerts_by_start ON sync_alerts (overlap_from);
";

/// Version 10 → 11: the staff desk keeps each visit's stay. `venue_id` and `visitor_key`
/// (the personal code's declaration id, or the card's keyed hash) find a visitor who is
/// still inside; `auto_out_at` is when the venue's default stay closes the visit, and
/// `checked_out_at` / `out_reason` (an `UpdateReason` code) when and how it closed. Visits
/// recorded before this step have none of them and are listed as closed at an unknown time.
const V10_TO_V11: &str = "
ALTER TABLE staff_checkins ADD COLUMN venue_id BLOB;
ALTER TABLE staff_checkins ADD COLUMN visitor_key BLOB;
ALTER TABLE staff_checkins ADD COLUMN auto_out_at INTEGER;
ALTER TABLE staff_checkins ADD COLUMN checked_out_at INTEGER;
ALTER TABLE staff_checkins ADD COLUMN out_reason INTEGER;
CREATE INDEX staff_checkins_open ON staff_checkins (visitor_key) WHERE checked_out_at IS NULL;
";

/// Version 11 → 12: the visits venue staff recorded from this phone's personal codes, as
/// the server returns them (`GET /v1/visits`), so exposure matching finds a proxy person
/// whose code staff scanned (issue 17). Keyed by the staff check-in's id; the stay's
/// times are replaced when the server's have moved. And when the user saw each alert
/// (`sync_alerts.seen_at`, NULL until then).
const V11_TO_V12: &str = "
ALTER TABLE sync_alerts ADD COLUMN seen_at INTEGER;
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
";

/// Version 12 → 13: the venues this phone's owner registered on the server (issue 19):
/// the signed code for the poster and the desk, and the management secret, which only
/// this encrypted file keeps.
const V12_TO_V13: &str = "
CREATE TABLE my_venues (
    venue_id      BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    manage_secret TEXT NOT NULL,
    contact       TEXT NOT NULL,
    server        TEXT NOT NULL,
    registered_at INTEGER NOT NULL
) STRICT;
";

/// Version 13 → 14: field inspection (issue 19): the inspections this phone recorded and
/// a ward's venue list downloaded for offline work.
const V13_TO_V14: &str = "
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

/// Applies the step from `version` to `version + 1`; `false` when there is none.
pub(super) fn apply(conn: &Connection, version: u32) -> Result<bool, DiaryError> {
    match version {
        1 => conn.execute_batch(V1_TO_V2)?,
        2 => conn.execute_batch(V2_TO_V3)?,
        3 => conn.execute_batch(V3_TO_V4)?,
        4 => conn.execute_batch(V4_TO_V5)?,
        5 => conn.execute_batch(V5_TO_V6)?,
        6 => {
            conn.execute_batch(V6_TO_V7_SAVE)?;
            conn.execute_batch(CHECKINS_V7_SQL)?;
            conn.execute_batch(V6_TO_V7_RESTORE)?;
        }
        7 => {
            conn.execute_batch(V7_TO_V8_SAVE)?;
            conn.execute_batch(CHECKINS_V8_SQL)?;
            conn.execute_batch(V7_TO_V8_RESTORE)?;
        }
        8 => {
            conn.execute_batch(V8_TO_V9_SAVE)?;
            conn.execute_batch(CHECKINS_V9_SQL)?;
            conn.execute_batch(V8_TO_V9_RESTORE)?;
            // Every row now has its `checkin_ids` entry: the mark (8 bytes big-endian)
            // covers the newest one.
            let newest: Option<i64> =
                conn.query_row("SELECT max(place) FROM checkins", [], |r| r.get(0))?;
            if let Some(place) = newest {
                conn.execute(
                    "INSERT INTO meta (name, value) VALUES ('checkin_ids_through', ?1)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    [place.to_be_bytes().as_slice()],
                )?;
            }
        }
        9 => conn.execute_batch(V9_TO_V10)?,
        10 => conn.execute_batch(V10_TO_V11)?,
        11 => conn.execute_batch(V11_TO_V12)?,
        12 => conn.execute_batch(V12_TO_V13)?,
        13 => conn.execute_batch(V13_TO_V14)?,
        _ => return Ok(false),
    }
    Ok(true)
}
