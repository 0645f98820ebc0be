//! The schema's tests: every old diary upgrades to exactly the fresh schema, with its data.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use rusqlite::Connection;

use super::retained;
use super::*;
use crate::diary::{Diary, DiaryConfig, DiaryKey, Page};
use vaora_protocol::ids::Id128;

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
    let clock = Arc::new(vaora_protocol::clock::FixedClock::new(now));
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
    let (closed, open_owner, open_member, update) = ([3u8; 16], [4u8; 16], [5u8; 16], [6u8; 16]);
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
        let checkin = |id: [u8; 16], person: [u8; 16], venue: &str, at: i64, out: Option<i64>| {
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
    use vaora_protocol::identity::DeviceIdentity;
    use vaora_protocol::records::{CheckInBody, CheckInMethod, RecordKind, VenueRef};
    use vaora_protocol::venue::VenueCategory;

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

/// Every table of a fresh diary is classified for retention exactly once: as holding
/// personal data (it ages out) or not (kept, with a reason). A new table that is in
/// neither list fails here, so retention cannot silently miss it.
#[test]
fn every_table_is_classified_for_retention() {
    let conn = Connection::open_in_memory().unwrap();
    init(&conn).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in &tables {
        let aging = retained::AGING.iter().any(|a| a.table() == table);
        let kept = retained::KEPT.iter().any(|(k, _)| k == table);
        assert!(
            aging != kept,
            "table {table} must be listed once: in AGING (personal data) or in KEPT"
        );
    }
    for (name, why) in retained::KEPT {
        assert!(tables.iter().any(|t| t == name), "KEPT names {name}");
        assert!(!why.is_empty());
    }
    for (i, entry) in retained::AGING.iter().enumerate() {
        assert!(
            tables.iter().any(|t| t == entry.table()),
            "AGING names {}",
            entry.table()
        );
        // Each entry's condition is valid SQL on its table.
        let condition = entry.condition().expect("every parent ages");
        conn.prepare(&format!("DELETE FROM {} WHERE {condition}", entry.table()))
            .unwrap_or_else(|e| panic!("{}: {e}", entry.table()));
        // A row that goes with its parent is deleted before the parent is.
        if let retained::Aging::With { parent, .. } = entry {
            let parent_at = retained::AGING
                .iter()
                .rposition(|a| a.table() == *parent)
                .expect("the parent ages");
            assert!(parent_at > i, "{} must come before {parent}", entry.table());
        }
    }
}
