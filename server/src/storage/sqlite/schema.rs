//! The SQLite schema: every migration step, in order, each applied once and recorded in
//! `schema_migrations`.
//!
//! Steps are frozen text: a step never reads a constant that later code may change, so an
//! old database upgrades through exactly the statements it would have run back then. A new
//! column or table is a new step at the end.

use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::error::{OrStorage, StorageError};

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
    (2, MIGRATION_2),
    (3, MIGRATION_3),
    (4, MIGRATION_4),
    (5, MIGRATION_5),
    (6, MIGRATION_6),
    (7, MIGRATION_7),
    (8, MIGRATION_8),
    (9, MIGRATION_9),
    (10, MIGRATION_10),
];

/// Migration 2: venue registry and daily scan aggregates (backfilled from `checkins`).
const MIGRATION_2: &str = "
CREATE TABLE venues (
    id            BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    category      INTEGER NOT NULL,
    ward          TEXT NOT NULL,
    address       TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX venues_active_ward ON venues (revoked_at, ward, category);
CREATE TABLE venue_day_scans (
    venue_id BLOB NOT NULL,
    day      INTEGER NOT NULL,
    scans    INTEGER NOT NULL,
    PRIMARY KEY (day, venue_id)
);
CREATE INDEX venue_day_scans_venue ON venue_day_scans (venue_id, day);
CREATE TABLE day_scans (
    day   INTEGER PRIMARY KEY,
    scans INTEGER NOT NULL
);
INSERT INTO venue_day_scans (venue_id, day, scans)
    SELECT venue_id, from_ms / 86400000, count(*) FROM checkins
    WHERE venue_id IS NOT NULL AND from_ms >= 0 GROUP BY 1, 2;
INSERT INTO day_scans (day, scans)
    SELECT from_ms / 86400000, count(*) FROM checkins WHERE from_ms >= 0 GROUP BY 1;
";

/// Migration 3: the per-venue rolling rollup (see [`crate::storage::rollup`]); built on first use.
const MIGRATION_3: &str = "
CREATE TABLE venue_recent_scans (venue_id BLOB PRIMARY KEY,
    d0 INTEGER NOT NULL DEFAULT 0, d1 INTEGER NOT NULL DEFAULT 0, d2 INTEGER NOT NULL DEFAULT 0, d3 INTEGER NOT NULL DEFAULT 0, d4 INTEGER NOT NULL DEFAULT 0, d5 INTEGER NOT NULL DEFAULT 0, d6 INTEGER NOT NULL DEFAULT 0, d7 INTEGER NOT NULL DEFAULT 0, d8 INTEGER NOT NULL DEFAULT 0, d9 INTEGER NOT NULL DEFAULT 0, d10 INTEGER NOT NULL DEFAULT 0, d11 INTEGER NOT NULL DEFAULT 0, d12 INTEGER NOT NULL DEFAULT 0, d13 INTEGER NOT NULL DEFAULT 0, d14 INTEGER NOT NULL DEFAULT 0, d15 INTEGER NOT NULL DEFAULT 0, d16 INTEGER NOT NULL DEFAULT 0, d17 INTEGER NOT NULL DEFAULT 0, d18 INTEGER NOT NULL DEFAULT 0, d19 INTEGER NOT NULL DEFAULT 0, d20 INTEGER NOT NULL DEFAULT 0 );
CREATE TABLE scan_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), day INTEGER NOT NULL);
INSERT INTO scan_rollup (id, day) VALUES (1, -1);
";

/// Migration 4 (issue 18, "trust no device"): a record is identified by its device and
/// its id, `(device_id, id)`, in `records`, `checkins` and `checkin_updates` (which gains
/// `device_id`, copied from each update's record), so no device's upload can block,
/// replace or shadow another's, and an update moves only a check-in of its own device.
/// `records` gains `at_ms`, the time a record is about (retention ages records by it):
/// the stay's start for check-ins and updates, the receiving time for older declarations
/// and staff check-ins (their bodies were not read when they were stored). SQLite cannot
/// change a primary key in place: each table is copied into its new shape.
const MIGRATION_4: &str = "
CREATE TABLE records_scoped (
    device_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    kind        INTEGER NOT NULL,
    body        BLOB NOT NULL,
    signature   BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (device_id, id)
);
INSERT INTO records_scoped (device_id, id, kind, body, signature, received_at, at_ms)
    SELECT r.device_id, r.id, r.kind, r.body, r.signature, r.received_at,
           coalesce((SELECT c.from_ms FROM checkins c WHERE c.id = r.id),
                    (SELECT u.from_ms FROM checkin_updates u WHERE u.id = r.id),
                    r.received_at)
    FROM records r;
CREATE TABLE checkins_scoped (
    device_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    person_id   BLOB NOT NULL,
    person_name TEXT NOT NULL,
    venue_id    BLOB,
    venue_name  TEXT NOT NULL,
    from_ms     INTEGER NOT NULL,
    until_ms    INTEGER NOT NULL,
    seq         INTEGER NOT NULL DEFAULT -1,
    PRIMARY KEY (device_id, id)
);
INSERT INTO checkins_scoped (device_id, id, person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
    SELECT device_id, id, person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq FROM checkins;
CREATE TABLE checkin_updates_scoped (
    device_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    checkin_id BLOB NOT NULL,
    seq        INTEGER NOT NULL,
    from_ms    INTEGER NOT NULL,
    until_ms   INTEGER NOT NULL,
    PRIMARY KEY (device_id, id)
);
INSERT INTO checkin_updates_scoped (device_id, id, checkin_id, seq, from_ms, until_ms)
    SELECT r.device_id, u.id, u.checkin_id, u.seq, u.from_ms, u.until_ms
    FROM checkin_updates u JOIN records r ON r.id = u.id;
DROP TABLE records;
DROP TABLE checkins;
DROP TABLE checkin_updates;
ALTER TABLE records_scoped RENAME TO records;
ALTER TABLE checkins_scoped RENAME TO checkins;
ALTER TABLE checkin_updates_scoped RENAME TO checkin_updates;
CREATE INDEX records_at ON records (at_ms);
CREATE INDEX checkins_venue_time ON checkins (venue_id, from_ms);
CREATE INDEX checkins_device_time ON checkins (device_id, from_ms);
CREATE INDEX checkin_updates_checkin ON checkin_updates (device_id, checkin_id, seq);
";

/// Migration 5 (issue 17, "no one left out"): visits recorded by venue staff are stays
/// too. A staff check-in's stay is a `checkins` row under the staff device, marked with
/// how the visitor was identified (`recorded_by`: 0 own phone, 1 personal code, 2 CCCD,
/// 3 BHYT) and their birth year; one from a personal code keeps the code's device key
/// and declaration id, and `declared_people` says whom each declaration is about, so a
/// case for a device (and a person on it) also finds the visits staff recorded from that
/// person's code. One from an ID card keeps the number as the staff phone sealed it to
/// the authority (`sealed_card`) and the server's keyed link of it (`card_link`), never
/// the number; a case for a card holder (`cases.card_link`, `card_kind`, with the device
/// id all zeros) finds every staff device's visits of that card. Staff check-ins stored
/// before this step get their stays from migration 7 and the backfill after start.
const MIGRATION_5: &str = "
ALTER TABLE checkins ADD COLUMN recorded_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkins ADD COLUMN birth_year INTEGER;
ALTER TABLE checkins ADD COLUMN code_device_key BLOB;
ALTER TABLE checkins ADD COLUMN code_declaration_id BLOB;
ALTER TABLE checkins ADD COLUMN card_link BLOB;
ALTER TABLE checkins ADD COLUMN sealed_card BLOB;
CREATE INDEX checkins_code ON checkins (code_device_key, code_declaration_id)
    WHERE code_device_key IS NOT NULL;
CREATE INDEX checkins_card ON checkins (card_link) WHERE card_link IS NOT NULL;
ALTER TABLE cases ADD COLUMN card_link BLOB;
ALTER TABLE cases ADD COLUMN card_kind INTEGER;
CREATE TABLE declared_people (
    device_id BLOB NOT NULL,
    id        BLOB NOT NULL,
    person_id BLOB NOT NULL,
    PRIMARY KEY (device_id, id)
);
CREATE INDEX declared_people_person ON declared_people (device_id, person_id);
";

/// Migration 6 (issue 19, venues register themselves): a venue its owner registered keeps
/// the owner's contact phone (normalised; at most a few venues per contact) and the
/// SHA-256 of the management secret shown once to the owner. A venue the authority
/// registered has neither.
const MIGRATION_6: &str = "
ALTER TABLE venues ADD COLUMN contact TEXT;
ALTER TABLE venues ADD COLUMN manage_hash BLOB;
CREATE INDEX venues_contact ON venues (contact) WHERE contact IS NOT NULL;
";

/// Migration 7: staff check-ins stored before migration 5 were evidence only (no stay).
/// The step notes that their stays are owed; the server derives them in the background
/// after start (`crate::backfill_keeper`) with the same rules as ingest, then clears the
/// note. A database without such records owes nothing.
const MIGRATION_7: &str = "
CREATE TABLE pending_backfills (name TEXT PRIMARY KEY);
INSERT INTO pending_backfills (name) SELECT 'staff_stays' WHERE EXISTS (
    SELECT 1 FROM records r WHERE r.kind = 4
      AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.device_id = r.device_id AND c.id = r.id));
";

/// Migration 8 (issue 19, enrolled staff): single-use enrolment codes an owner asks for
/// (kept as SHA-256, with their venue and expiry, and the device that used one), and the
/// devices enrolled as a venue's staff.
const MIGRATION_8: &str = "
CREATE TABLE staff_enrolments (
    code_hash  BLOB PRIMARY KEY,
    venue_id   BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by    BLOB
);
CREATE TABLE venue_staff (
    venue_id    BLOB NOT NULL,
    device_id   BLOB NOT NULL,
    enrolled_at INTEGER NOT NULL,
    PRIMARY KEY (venue_id, device_id)
);
";

/// Migration 9 (issue 19, field inspection): the devices the authority certified as
/// inspectors, and when.
const MIGRATION_9: &str = "
CREATE TABLE inspectors (
    device_id    BLOB PRIMARY KEY,
    certified_at INTEGER NOT NULL
);
";

/// Migration 10 (issue 19, field inspection): what inspectors found, one row per stored
/// inspection record (purged with it), and the single-use codes the authority gives an
/// inspector's phone to certify itself (kept as SHA-256).
const MIGRATION_10: &str = "
CREATE TABLE inspections (
    device_id BLOB NOT NULL,
    id        BLOB NOT NULL,
    venue_id  BLOB NOT NULL,
    at_ms     INTEGER NOT NULL,
    code      INTEGER NOT NULL,
    place     INTEGER NOT NULL,
    poster    INTEGER NOT NULL,
    scanning  INTEGER NOT NULL,
    desk      INTEGER,
    verdict   TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (device_id, id)
);
CREATE INDEX inspections_venue ON inspections (venue_id, at_ms);
CREATE INDEX inspections_at ON inspections (at_ms);
CREATE TABLE inspector_enrolments (
    code_hash  BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_by    BLOB
);
";

/// Applies the pending migrations in one transaction.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let tx = conn.transaction().or_storage()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .or_storage()?;
    for (version, sql) in MIGRATIONS {
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .or_storage()?;
        if done.is_none() {
            tx.execute_batch(sql).or_storage()?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, chrono::Utc::now().timestamp_millis()],
            )
            .or_storage()?;
        }
    }
    tx.commit().or_storage()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::rollup::ROLLUP_DAYS;

    #[test]
    fn migration_3_declares_every_rollup_column() {
        for k in 0..ROLLUP_DAYS {
            assert!(MIGRATION_3.contains(&format!(" d{k} ")), "d{k} missing");
        }
        assert!(!MIGRATION_3.contains(&format!(" d{ROLLUP_DAYS} ")));
    }
}
