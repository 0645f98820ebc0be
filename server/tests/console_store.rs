//! The console's storage on SQLite: daily scan aggregates count each stored check-in
//! exactly once (re-uploads and updates do not add), revoked venues leave the counts, and
//! migration 2 backfills the aggregates of a database that already held check-ins.

#![allow(clippy::unwrap_used)]

use rusqlite::params;
use vaora_protocol::ids::Id128;
use vaora_server::storage::{
    CheckInRow, Derived, NewRecord, ScanWindow, UpdateRow, VenueRow, day_of_ms, sqlite,
};
use vaora_server::{SqliteStore, Storage};

const DAY: i64 = 86_400_000;
/// 2026-11-20 12:00 UTC.
const NOON: i64 = 1_763_640_000_000;

fn venue(name: &str, ward: &str) -> VenueRow {
    VenueRow {
        id: Id128::random().unwrap(),
        name: name.into(),
        category: 2,
        ward: ward.into(),
        address: "1 Lê Lợi".into(),
        code_text: "VN1:test".into(),
        registered_ms: NOON,
        revoked: false,
        contact: String::new(),
        manage_hash: None,
    }
}

fn window(from_day: i64, to_day: i64, ward: &str, category: Option<u8>) -> ScanWindow {
    ScanWindow {
        from_day,
        to_day,
        ward: ward.into(),
        category,
    }
}

fn checkin(device: Id128, venue: Option<Id128>, from_ms: i64) -> NewRecord {
    let id = Id128::random().unwrap();
    NewRecord {
        id,
        device_id: device,
        kind: 1,
        body: id.as_bytes().to_vec(),
        signature: [0; 64],
        received_ms: from_ms,
        at_ms: from_ms,
        derived: Derived::CheckIn(CheckInRow::own(
            id,
            device,
            Id128::random().unwrap(),
            String::new(),
            venue,
            "x".into(),
            from_ms,
            from_ms + 3_600_000,
        )),
    }
}

#[tokio::test]
async fn aggregates_count_each_stored_checkin_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let (a, b) = (venue("A", "W1"), venue("B", "W1"));
    store.insert_venue(a.clone()).await.unwrap();
    store.insert_venue(b.clone()).await.unwrap();
    let device = Id128::random().unwrap();
    let first = checkin(device, Some(a.id), NOON);
    let records = vec![
        first.clone(),
        checkin(device, Some(a.id), NOON - DAY),
        checkin(device, Some(a.id), NOON - 10 * DAY),
        checkin(device, None, NOON),
    ];
    store.insert_records(records).await.unwrap();
    // A re-upload and a later update of the same check-in add nothing.
    store.insert_records(vec![first.clone()]).await.unwrap();
    let update = Id128::random().unwrap();
    store
        .insert_records(vec![NewRecord {
            id: update,
            kind: 2,
            body: update.as_bytes().to_vec(),
            derived: Derived::Update(UpdateRow {
                id: update,
                checkin_id: first.id,
                sequence: 1,
                from_ms: NOON + 60_000,
                until_ms: NOON + 120_000,
            }),
            ..first.clone()
        }])
        .await
        .unwrap();

    let today = day_of_ms(NOON);
    let counts = store
        .venue_scan_counts(&window(today - 1, today, "", None))
        .await
        .unwrap();
    let of = |id: Id128| counts.iter().find(|(v, _)| v.id == id).map(|(_, n)| *n);
    assert_eq!(of(a.id), Some(2), "today and yesterday, not ten days ago");
    assert_eq!(of(b.id), Some(0), "unscanned venues are listed with zero");

    let overview = store.overview_counts(today - 20, today).await.unwrap();
    assert_eq!(
        overview.per_day,
        vec![(today - 10, 1), (today - 1, 1), (today, 1)],
        "only check-ins at registered venues count (a device may name any venue, or none)"
    );
    assert_eq!(overview.by_ward, vec![("W1".to_owned(), 2)]);

    assert!(store.revoke_venue_row(b.id, NOON).await.unwrap());
    assert!(
        !store
            .revoke_venue_row(Id128::random().unwrap(), NOON)
            .await
            .unwrap()
    );
    let counts = store
        .venue_scan_counts(&window(today - 1, today, "W1", Some(2)))
        .await
        .unwrap();
    assert_eq!(counts.len(), 1, "revoked venues leave the inspection list");
    let overview = store.overview_counts(today, today).await.unwrap();
    assert_eq!(overview.by_category, vec![(2, 1)]);
}

#[tokio::test]
async fn migration_backfills_scan_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let venue_id = Id128::random().unwrap();
    {
        // A database as the server left it before the console existed.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        conn.execute_batch(sqlite::MIGRATIONS[0].1).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)",
            [],
        )
        .unwrap();
        for (i, from) in [NOON, NOON + 1000, NOON - DAY].into_iter().enumerate() {
            conn.execute(
                "INSERT INTO checkins (id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms)
                 VALUES (?1, ?2, ?2, '', ?3, 'v', ?4, ?5)",
                params![vec![i as u8; 16], vec![9u8; 16], venue_id.as_bytes().to_vec(), from, from + 1],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    let mut row = venue("Old", "W2");
    row.id = venue_id;
    store.insert_venue(row).await.unwrap();
    let today = day_of_ms(NOON);
    let counts = store
        .venue_scan_counts(&window(today, today, "", None))
        .await
        .unwrap();
    assert_eq!(counts[0].1, 2);
    let overview = store.overview_counts(today - 1, today).await.unwrap();
    assert_eq!(overview.per_day, vec![(today - 1, 1), (today, 2)]);
}
