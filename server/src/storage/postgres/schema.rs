//! The PostgreSQL schema: every migration step, in order, each applied once and recorded in
//! `schema_migrations`, under an advisory lock so several API nodes can start at once.
//!
//! Steps are frozen text: a step never reads a constant that later code may change, so an
//! old database upgrades through exactly the statements it would have run back then. A new
//! column or table is a new step at the end.

use sqlx::postgres::PgPool;

use crate::storage::error::{OrStorage, StorageError};

/// Migrations, applied in order, each once (recorded in `schema_migrations`).
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
CREATE TABLE devices (
    id            BYTEA PRIMARY KEY,
    public_key    BYTEA NOT NULL UNIQUE,
    registered_at BIGINT NOT NULL
);
CREATE TABLE records (
    id          BYTEA PRIMARY KEY,
    device_id   BYTEA NOT NULL,
    kind        SMALLINT NOT NULL,
    body        BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE TABLE checkins (
    id          BYTEA PRIMARY KEY,
    device_id   BYTEA NOT NULL,
    person_id   BYTEA NOT NULL,
    person_name TEXT NOT NULL,
    venue_id    BYTEA,
    venue_name  TEXT NOT NULL,
    from_ms     BIGINT NOT NULL,
    until_ms    BIGINT NOT NULL,
    seq         BIGINT NOT NULL DEFAULT -1
);
CREATE INDEX checkins_venue_time ON checkins (venue_id, from_ms);
CREATE INDEX checkins_device_time ON checkins (device_id, from_ms);
CREATE TABLE checkin_updates (
    id         BYTEA PRIMARY KEY,
    checkin_id BYTEA NOT NULL,
    seq        BIGINT NOT NULL,
    from_ms    BIGINT NOT NULL,
    until_ms   BIGINT NOT NULL
);
CREATE INDEX checkin_updates_checkin ON checkin_updates (checkin_id, seq);
CREATE TABLE cases (
    id         BYTEA PRIMARY KEY,
    device_id  BYTEA NOT NULL,
    person_id  BYTEA,
    from_ms    BIGINT NOT NULL,
    until_ms   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE exposure_windows (
    seq          BIGSERIAL PRIMARY KEY,
    id           BYTEA NOT NULL UNIQUE,
    case_id      BYTEA NOT NULL,
    checkin_id   BYTEA NOT NULL,
    venue_id     BYTEA NOT NULL,
    from_ms      BIGINT NOT NULL,
    until_ms     BIGINT NOT NULL,
    level        SMALLINT NOT NULL,
    key_id       TEXT NOT NULL,
    signature    BYTEA NOT NULL,
    published_at BIGINT NOT NULL,
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
    (11, MIGRATION_11),
    (12, MIGRATION_12),
    (13, MIGRATION_13),
    (14, MIGRATION_14),
    (15, MIGRATION_15),
];

/// Migration 2: venue registry and daily scan aggregates (backfilled from `checkins`).
const MIGRATION_2: &str = "
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE venues (
    id            BYTEA PRIMARY KEY,
    name          TEXT NOT NULL,
    category      SMALLINT NOT NULL,
    ward          TEXT NOT NULL,
    address       TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX venues_active_ward ON venues (ward, category) WHERE revoked_at IS NULL;
CREATE INDEX venues_name_trgm ON venues USING gin (name gin_trgm_ops);
CREATE INDEX venues_address_trgm ON venues USING gin (address gin_trgm_ops);
CREATE TABLE venue_day_scans (
    venue_id BYTEA NOT NULL,
    day      BIGINT NOT NULL,
    scans    BIGINT NOT NULL,
    PRIMARY KEY (day, venue_id)
);
CREATE INDEX venue_day_scans_venue ON venue_day_scans (venue_id, day) INCLUDE (scans);
CREATE TABLE day_scans (
    day   BIGINT PRIMARY KEY,
    scans BIGINT NOT NULL
);
CREATE INDEX exposure_windows_case ON exposure_windows (case_id);

INSERT INTO venue_day_scans (venue_id, day, scans)
    SELECT venue_id, floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins
    WHERE venue_id IS NOT NULL GROUP BY 1, 2;
INSERT INTO day_scans (day, scans)
    SELECT floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins GROUP BY 1;
";

/// Fills empty aggregate tables from `checkins`, exactly as migration 2 does (for bulk
/// loads that bypass ingest, e.g. the console bench). A copy of migration 2's last two
/// statements, not their source: the step stays frozen whatever happens to this one.
pub const AGGREGATE_BACKFILL: &str = "
INSERT INTO venue_day_scans (venue_id, day, scans)
    SELECT venue_id, floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins
    WHERE venue_id IS NOT NULL GROUP BY 1, 2;
INSERT INTO day_scans (day, scans)
    SELECT floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins GROUP BY 1;
";

/// Migration 3: the per-venue rolling rollup (see [`crate::storage::rollup`]); built on first use.
const MIGRATION_3: &str = "
CREATE TABLE venue_recent_scans (venue_id BYTEA PRIMARY KEY,
    d0 BIGINT NOT NULL DEFAULT 0, d1 BIGINT NOT NULL DEFAULT 0, d2 BIGINT NOT NULL DEFAULT 0, d3 BIGINT NOT NULL DEFAULT 0, d4 BIGINT NOT NULL DEFAULT 0, d5 BIGINT NOT NULL DEFAULT 0, d6 BIGINT NOT NULL DEFAULT 0, d7 BIGINT NOT NULL DEFAULT 0, d8 BIGINT NOT NULL DEFAULT 0, d9 BIGINT NOT NULL DEFAULT 0, d10 BIGINT NOT NULL DEFAULT 0, d11 BIGINT NOT NULL DEFAULT 0, d12 BIGINT NOT NULL DEFAULT 0, d13 BIGINT NOT NULL DEFAULT 0, d14 BIGINT NOT NULL DEFAULT 0, d15 BIGINT NOT NULL DEFAULT 0, d16 BIGINT NOT NULL DEFAULT 0, d17 BIGINT NOT NULL DEFAULT 0, d18 BIGINT NOT NULL DEFAULT 0, d19 BIGINT NOT NULL DEFAULT 0, d20 BIGINT NOT NULL DEFAULT 0 );
CREATE TABLE scan_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), day BIGINT NOT NULL);
INSERT INTO scan_rollup (id, day) VALUES (1, -1);
";

/// Migration 4: the rollup rows carry their venue's peer group (`ward`, `category`) and
/// exist for active venues only (see [`crate::storage::rollup`]), so the compliance page reads one
/// narrow table without joining 100,000 venues. The table is recreated empty on day −1:
/// the keeper rebuilds it at the next start (requests sum the daily aggregates until then).
const MIGRATION_4: &str = "
DROP TABLE venue_recent_scans;
CREATE TABLE venue_recent_scans (
    venue_id BYTEA PRIMARY KEY,
    ward     TEXT NOT NULL,
    category SMALLINT NOT NULL,
    d0 BIGINT NOT NULL DEFAULT 0,
    d1 BIGINT NOT NULL DEFAULT 0,
    d2 BIGINT NOT NULL DEFAULT 0,
    d3 BIGINT NOT NULL DEFAULT 0,
    d4 BIGINT NOT NULL DEFAULT 0,
    d5 BIGINT NOT NULL DEFAULT 0,
    d6 BIGINT NOT NULL DEFAULT 0,
    d7 BIGINT NOT NULL DEFAULT 0,
    d8 BIGINT NOT NULL DEFAULT 0,
    d9 BIGINT NOT NULL DEFAULT 0,
    d10 BIGINT NOT NULL DEFAULT 0,
    d11 BIGINT NOT NULL DEFAULT 0,
    d12 BIGINT NOT NULL DEFAULT 0,
    d13 BIGINT NOT NULL DEFAULT 0,
    d14 BIGINT NOT NULL DEFAULT 0,
    d15 BIGINT NOT NULL DEFAULT 0,
    d16 BIGINT NOT NULL DEFAULT 0,
    d17 BIGINT NOT NULL DEFAULT 0,
    d18 BIGINT NOT NULL DEFAULT 0,
    d19 BIGINT NOT NULL DEFAULT 0,
    d20 BIGINT NOT NULL DEFAULT 0
) WITH (fillfactor = 90);
CREATE INDEX venue_recent_scans_group ON venue_recent_scans (ward, category);
UPDATE scan_rollup SET day = -1 WHERE id = 1;
";

/// Migration 5: each check-in is stored once. The derived stay (person, venue, times,
/// update sequence) moves into nullable columns of its signed `records` row and `checkins`
/// becomes a view of the records that have a stay, so the tracing query and the console
/// read the same rows as before while ingest writes one row and three index entries per
/// check-in instead of two rows and four index entries. Every `checkins` row was stored
/// with its record; an orphan (a bulk load that bypassed ingest) stops the upgrade with a
/// clear error instead of being dropped.
const MIGRATION_5: &str = "
ALTER TABLE records
    ADD COLUMN person_id   BYTEA,
    ADD COLUMN person_name TEXT,
    ADD COLUMN venue_id    BYTEA,
    ADD COLUMN venue_name  TEXT,
    ADD COLUMN from_ms     BIGINT,
    ADD COLUMN until_ms    BIGINT,
    ADD COLUMN seq         BIGINT;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM checkins c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = c.id)) THEN
        RAISE EXCEPTION 'migration 5: check-ins without their signed record; restore the records first';
    END IF;
END $$;
UPDATE records r SET person_id = c.person_id, person_name = c.person_name, venue_id = c.venue_id,
    venue_name = c.venue_name, from_ms = c.from_ms, until_ms = c.until_ms, seq = c.seq
    FROM checkins c WHERE c.id = r.id;
DROP TABLE checkins;
CREATE INDEX records_stay_venue_time ON records (venue_id, from_ms) WHERE from_ms IS NOT NULL;
CREATE INDEX records_stay_device_time ON records (device_id, from_ms) WHERE from_ms IS NOT NULL;
CREATE VIEW checkins AS
    SELECT id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq
    FROM records WHERE from_ms IS NOT NULL;
";

/// Migration 6 (issue 18, "trust no device"): a record is identified by its device and
/// its id, `(device_id, id)`: the primary key of `records` (which holds the check-ins'
/// stays) and of `checkin_updates` (which gains `device_id`, copied from each update's
/// record), so no device's upload can block, replace or shadow another's, and an update
/// moves only a check-in of its own device. `records` gains `at_ms`, the time a record is
/// about (retention ages records by it): the stay's start for check-ins and updates, the
/// receiving time for older declarations and staff check-ins (their bodies were not read
/// when they were stored).
const MIGRATION_6: &str = "
ALTER TABLE records ADD COLUMN at_ms BIGINT;
UPDATE records r SET at_ms = coalesce(r.from_ms,
    (SELECT u.from_ms FROM checkin_updates u WHERE u.id = r.id), r.received_at);
ALTER TABLE records ALTER COLUMN at_ms SET NOT NULL;
ALTER TABLE records DROP CONSTRAINT records_pkey;
ALTER TABLE records ADD PRIMARY KEY (device_id, id);
CREATE INDEX records_at ON records (at_ms);
ALTER TABLE checkin_updates ADD COLUMN device_id BYTEA;
UPDATE checkin_updates u SET device_id = r.device_id FROM records r WHERE r.id = u.id;
DELETE FROM checkin_updates WHERE device_id IS NULL;
ALTER TABLE checkin_updates ALTER COLUMN device_id SET NOT NULL;
ALTER TABLE checkin_updates DROP CONSTRAINT checkin_updates_pkey;
ALTER TABLE checkin_updates ADD PRIMARY KEY (device_id, id);
DROP INDEX checkin_updates_checkin;
CREATE INDEX checkin_updates_checkin ON checkin_updates (device_id, checkin_id, seq);
";

/// Migration 7 (issue 17, "no one left out"): visits recorded by venue staff are stays
/// too. A staff check-in's record carries its stay like a check-in's, under the staff
/// device, marked with how the visitor was identified (`recorded_by`: 0 own phone, 1
/// personal code, 2 CCCD, 3 BHYT) and their birth year; one from a personal code keeps
/// the code's device key and declaration id. A declaration's record keeps whom it is
/// about (`person_id`, read as the `declared_people` view), so a case for a device (and
/// a person on it) also finds the visits staff recorded from that person's code. One from
/// an ID card keeps the number as the staff phone sealed it to the authority
/// (`sealed_card`) and the server's keyed link of it (`card_link`), never the number; a
/// case for a card holder (`cases.card_link`, `card_kind`, with the device id all zeros)
/// finds every staff device's visits of that card. The `checkins` view gains the new
/// columns at its end. Staff check-ins stored before this step get their stays from migration 10
/// and the backfill after start.
const MIGRATION_7: &str = "
ALTER TABLE records
    ADD COLUMN recorded_by         SMALLINT NOT NULL DEFAULT 0,
    ADD COLUMN birth_year          INTEGER,
    ADD COLUMN code_device_key     BYTEA,
    ADD COLUMN code_declaration_id BYTEA,
    ADD COLUMN card_link           BYTEA,
    ADD COLUMN sealed_card         BYTEA;
CREATE OR REPLACE VIEW checkins AS
    SELECT id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq,
           recorded_by, birth_year, code_device_key, code_declaration_id, card_link, sealed_card
    FROM records WHERE from_ms IS NOT NULL;
CREATE INDEX records_code ON records (code_device_key, code_declaration_id)
    WHERE code_device_key IS NOT NULL;
CREATE INDEX records_card ON records (card_link) WHERE card_link IS NOT NULL;
ALTER TABLE cases ADD COLUMN card_link BYTEA, ADD COLUMN card_kind SMALLINT;
CREATE INDEX records_declared_person ON records (device_id, person_id) WHERE kind = 3;
CREATE VIEW declared_people AS
    SELECT device_id, id, person_id FROM records WHERE kind = 3 AND person_id IS NOT NULL;
";

/// Migration 8 (issue 19, venues register themselves): as SQLite's migration 6, a
/// self-registered venue's contact phone and the SHA-256 of its management secret.
const MIGRATION_8: &str = "
ALTER TABLE venues ADD COLUMN contact TEXT, ADD COLUMN manage_hash BYTEA;
CREATE INDEX venues_contact ON venues (contact) WHERE contact IS NOT NULL;
";

/// Migration 9: the retention purge's index on `records.at_ms` becomes a BRIN index. A
/// B-tree there cost every ingested record one more random index insert (the times a
/// batch is about are spread over days); a BRIN index keeps one summary per 128 pages,
/// which arriving records rarely change, and the purge, which runs in the background,
/// reads the few ranges that hold old records (records arrive roughly in the order of
/// the times they are about).
const MIGRATION_9: &str = "
DROP INDEX records_at;
CREATE INDEX records_at ON records USING brin (at_ms);
";

/// Migration 10: as SQLite's migration 7, staff check-ins stored before migration 7 owe
/// their stays (`records` rows of kind 4 whose stay columns are empty); the server derives
/// them in the background after start and clears the note.
const MIGRATION_10: &str = "
CREATE TABLE pending_backfills (name TEXT PRIMARY KEY);
INSERT INTO pending_backfills (name) SELECT 'staff_stays' WHERE EXISTS (
    SELECT 1 FROM records r WHERE r.kind = 4 AND r.from_ms IS NULL);
";

/// Migration 11: a device's stays are read through the primary key `(device_id, id)`,
/// which groups each device's records already (a phone holds a few hundred within the
/// retention window); the separate `(device_id, from_ms)` index cost every check-in one
/// more B-tree insert for no query that needed it.
const MIGRATION_11: &str = "
DROP INDEX records_stay_device_time;
";

/// Migration 12: as SQLite's migration 8, staff enrolment codes and enrolled staff.
const MIGRATION_12: &str = "
CREATE TABLE staff_enrolments (
    code_hash  BYTEA PRIMARY KEY,
    venue_id   BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by    BYTEA
);
CREATE TABLE venue_staff (
    venue_id    BYTEA NOT NULL,
    device_id   BYTEA NOT NULL,
    enrolled_at BIGINT NOT NULL,
    PRIMARY KEY (venue_id, device_id)
);
";

/// Migration 13: as SQLite's migration 9, the certified inspectors.
const MIGRATION_13: &str = "
CREATE TABLE inspectors (
    device_id    BYTEA PRIMARY KEY,
    certified_at BIGINT NOT NULL
);
";

/// Migration 14: as SQLite's migration 10, inspections and inspector enrolment codes.
const MIGRATION_14: &str = "
CREATE TABLE inspections (
    device_id BYTEA NOT NULL,
    id        BYTEA NOT NULL,
    venue_id  BYTEA NOT NULL,
    at_ms     BIGINT NOT NULL,
    code      SMALLINT NOT NULL,
    place     SMALLINT NOT NULL,
    poster    SMALLINT NOT NULL,
    scanning  SMALLINT NOT NULL,
    desk      SMALLINT,
    verdict   TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (device_id, id)
);
CREATE INDEX inspections_venue ON inspections (venue_id, at_ms);
CREATE INDEX inspections_at ON inspections (at_ms);
CREATE TABLE inspector_enrolments (
    code_hash  BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    used_by    BYTEA
);
";

/// Migration 15 (issue 20): `records` is partitioned by day on `at_ms` (declarative
/// `PARTITION BY RANGE`, one partition per UTC day named `records_YYYYMMDD`, and a
/// default partition for times no day partition covers yet), so retention drops whole
/// days instead of deleting rows, and tracing reads only the days of its period.
///
/// A partitioned table's unique keys must contain the partition key, so `(device_id, id)`
/// (migration 6) cannot stay the primary key of `records`: it moves to `record_ids`, a
/// narrow unpartitioned table that ingest inserts into first (`ON CONFLICT DO NOTHING`),
/// so a record is one per device and id whatever its time; `records` keeps
/// `(device_id, id, at_ms)`. A stay's row has `at_ms` equal to the stay's start (updates
/// and the backfill keep it so; here it is set from `from_ms`), and the `checkins` view
/// reads the start from `at_ms`, so a bound on a stay's start prunes partitions. One
/// partition per day that holds rows is made here; the partition keeper makes the days
/// ahead (`postgres/partitions.rs`).
const MIGRATION_15: &str = "
ALTER TABLE records RENAME TO records_unpartitioned;
DROP VIEW checkins;
DROP VIEW declared_people;
CREATE TABLE record_ids (
    device_id BYTEA NOT NULL,
    id        BYTEA NOT NULL,
    at_ms     BIGINT NOT NULL,
    PRIMARY KEY (device_id, id)
);
INSERT INTO record_ids (device_id, id, at_ms)
    SELECT device_id, id, coalesce(from_ms, at_ms) FROM records_unpartitioned;
CREATE INDEX record_ids_at ON record_ids USING brin (at_ms);
CREATE TABLE records (LIKE records_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (at_ms);
CREATE TABLE records_default PARTITION OF records DEFAULT;
DO $$
DECLARE d BIGINT;
BEGIN
    FOR d IN SELECT DISTINCT floor(coalesce(from_ms, at_ms)::numeric / 86400000)::bigint
             FROM records_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF records FOR VALUES FROM (%s) TO (%s)',
            'records_' || to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD'),
            d * 86400000, (d + 1) * 86400000);
    END LOOP;
END $$;
INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms, person_id,
                     person_name, venue_id, venue_name, from_ms, until_ms, seq, recorded_by,
                     birth_year, code_device_key, code_declaration_id, card_link, sealed_card)
    SELECT id, device_id, kind, body, signature, received_at, coalesce(from_ms, at_ms),
           person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq, recorded_by,
           birth_year, code_device_key, code_declaration_id, card_link, sealed_card
    FROM records_unpartitioned;
DROP TABLE records_unpartitioned;
ALTER TABLE records ADD PRIMARY KEY (device_id, id, at_ms);
CREATE INDEX records_stay_venue_time ON records (venue_id, at_ms) WHERE from_ms IS NOT NULL;
CREATE INDEX records_at ON records USING brin (at_ms);
CREATE INDEX records_code ON records (code_device_key, code_declaration_id)
    WHERE code_device_key IS NOT NULL;
CREATE INDEX records_card ON records (card_link) WHERE card_link IS NOT NULL;
CREATE INDEX records_declared_person ON records (device_id, person_id) WHERE kind = 3;
CREATE VIEW checkins AS
    SELECT id, device_id, person_id, person_name, venue_id, venue_name, at_ms AS from_ms,
           until_ms, seq, recorded_by, birth_year, code_device_key, code_declaration_id,
           card_link, sealed_card
    FROM records WHERE from_ms IS NOT NULL;
CREATE VIEW declared_people AS
    SELECT device_id, id, person_id FROM records WHERE kind = 3 AND person_id IS NOT NULL;
";

/// Applies the pending migrations in one transaction, under an advisory lock.
pub(super) async fn migrate(pool: &PgPool) -> Result<(), StorageError> {
    let mut tx = pool.begin().await.or_storage()?;
    sqlx::query("SELECT pg_advisory_xact_lock(7331001)")
        .execute(&mut *tx)
        .await
        .or_storage()?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(&mut *tx)
        .await
        .or_storage()?;
    for (version, sql) in MIGRATIONS {
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *tx)
            .await
            .or_storage()?;
        if done.is_none() {
            sqlx::raw_sql(*sql).execute(&mut *tx).await.or_storage()?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(chrono::Utc::now().timestamp_millis())
                .execute(&mut *tx)
                .await
                .or_storage()?;
        }
    }
    tx.commit().await.or_storage()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::rollup::ROLLUP_DAYS;

    #[test]
    fn the_bench_backfill_is_migration_2s() {
        assert!(MIGRATION_2.ends_with(AGGREGATE_BACKFILL));
    }

    #[test]
    fn rollup_migrations_declare_every_rollup_column() {
        for migration in [MIGRATION_3, MIGRATION_4] {
            for k in 0..ROLLUP_DAYS {
                assert!(migration.contains(&format!(" d{k} ")), "d{k} missing");
            }
            assert!(!migration.contains(&format!(" d{ROLLUP_DAYS} ")));
        }
    }
}
