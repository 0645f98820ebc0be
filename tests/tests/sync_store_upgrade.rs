//! Storage shape changes that must not lose or re-mean data:
//! - PostgreSQL migration 5 (each check-in stored once, `checkins` a view of `records`)
//!   upgrades a database written by migrations 1–4: stays, pending updates, duplicates and
//!   conflicts behave as before, and an orphan check-in stops the upgrade with a clear error;
//! - check-in updates applied per batch in set form (PostgreSQL) keep the "highest sequence
//!   wins" rule, whether the update arrives before, with or after its check-in (both backends).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vaora_protocol::ids::Id128;
use vaora_server::storage::{CaseRow, Derived, InsertOutcome, NewRecord};
use vaora_server::{PgStore, SqliteStore, Storage};
use vaora_tests::pg::PgCluster;
use vaora_tests::stored_records::{stored_checkin, stored_update};

/// 2026-11-20 12:00 UTC.
const NOON: i64 = 1_763_640_000_000;
const HOUR: i64 = 3_600_000;

fn update(checkin: &NewRecord, sequence: i64, from_ms: i64, until_ms: i64) -> NewRecord {
    stored_update(checkin, sequence, from_ms, until_ms, NOON).unwrap()
}

fn case_of(record: &NewRecord) -> CaseRow {
    CaseRow {
        id: Id128::random().unwrap(),
        device_id: record.device_id,
        person_id: None,
        from_ms: NOON - 48 * HOUR,
        until_ms: NOON + 48 * HOUR,
        created_ms: NOON,
        card: None,
    }
}

/// The stay (from, until) the store holds for `record`'s device.
async fn stay<S: Storage>(store: &S, record: &NewRecord) -> Vec<(i64, i64)> {
    store
        .case_stays(&case_of(record))
        .await
        .unwrap()
        .iter()
        .map(|c| (c.from_ms, c.until_ms))
        .collect()
}

/// Updates before, with and after their check-ins; a lower sequence never wins.
async fn updates_in_batches<S: Storage>(store: &S) {
    let venue = Some(Id128::random().unwrap());
    let a = stored_checkin(venue, NOON).unwrap();
    let b = stored_checkin(venue, NOON).unwrap();
    // Batch 1: check-in A with two updates of it (the higher sequence first), and an
    // update of B, whose check-in has not arrived yet.
    let batch = vec![
        update(&a, 2, NOON, NOON + 2 * HOUR),
        a.clone(),
        update(&a, 1, NOON, NOON + 5 * HOUR),
        update(&b, 4, NOON + HOUR, NOON + 3 * HOUR),
    ];
    let out = store.insert_records(batch).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Inserted; 4]);
    assert_eq!(stay(store, &a).await, vec![(NOON, NOON + 2 * HOUR)]);
    assert!(stay(store, &b).await.is_empty());
    // Batch 2: B arrives and takes its waiting update; a later, lower update of A is kept
    // as evidence but does not move the stay; a higher one does.
    let out = store
        .insert_records(vec![
            b.clone(),
            update(&a, 0, NOON, NOON + 9 * HOUR),
            update(&a, 7, NOON + HOUR, NOON + 4 * HOUR),
        ])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Inserted; 3]);
    assert_eq!(stay(store, &b).await, vec![(NOON + HOUR, NOON + 3 * HOUR)]);
    assert_eq!(stay(store, &a).await, vec![(NOON + HOUR, NOON + 4 * HOUR)]);
    assert_eq!(store.record_count().await.unwrap(), 7);
}

#[tokio::test]
async fn updates_apply_highest_sequence_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    updates_in_batches(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_apply_highest_sequence_postgres() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    updates_in_batches(&store).await;
}

/// A database as migrations 1–4 left it (what a server before migration 5 made).
async fn old_database(url: &str) -> sqlx::PgPool {
    vaora_tests::pg::at_migration(url, 4).await.unwrap()
}

/// Stores a check-in the way the server did before migration 5: its signed record and a
/// `checkins` row.
async fn old_checkin(pool: &sqlx::PgPool, r: &NewRecord, with_record: bool) {
    let Derived::CheckIn(c) = &r.derived else {
        panic!("a check-in")
    };
    if with_record {
        sqlx::query("INSERT INTO records (id, device_id, kind, body, signature, received_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(r.id.as_bytes().to_vec())
            .bind(r.device_id.as_bytes().to_vec())
            .bind(i16::from(r.kind))
            .bind(&r.body)
            .bind(r.signature.to_vec())
            .bind(r.received_ms)
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO checkins (id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(c.id.as_bytes().to_vec())
        .bind(c.device_id.as_bytes().to_vec())
        .bind(c.person_id.as_bytes().to_vec())
        .bind(&c.person_name)
        .bind(c.venue_id.map(|v| v.as_bytes().to_vec()))
        .bind(&c.venue_name)
        .bind(c.from_ms)
        .bind(c.until_ms)
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_5_upgrades_an_existing_database() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let pool = old_database(&cluster.url()).await;
    let venue = Some(Id128::random().unwrap());
    let case_stay = stored_checkin(venue, NOON).unwrap();
    let contact = stored_checkin(venue, NOON + HOUR / 2).unwrap();
    let waiting = stored_checkin(venue, NOON - 24 * HOUR).unwrap();
    for r in [&case_stay, &contact] {
        old_checkin(&pool, r, true).await;
    }
    // An update stored before migration 5 whose check-in arrives after it.
    let late = update(&waiting, 3, NOON - 24 * HOUR, NOON - 22 * HOUR);
    let Derived::Update(u) = &late.derived else {
        unreachable!()
    };
    // Stored as the server stored it: its record and its row (migration 6 takes the
    // update's device from its record).
    sqlx::query("INSERT INTO records (id, device_id, kind, body, signature, received_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(late.id.as_bytes().to_vec())
        .bind(late.device_id.as_bytes().to_vec())
        .bind(i16::from(late.kind))
        .bind(&late.body)
        .bind(late.signature.to_vec())
        .bind(late.received_ms)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO checkin_updates (id, checkin_id, seq, from_ms, until_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(u.id.as_bytes().to_vec())
        .bind(u.checkin_id.as_bytes().to_vec())
        .bind(u.sequence)
        .bind(u.from_ms)
        .bind(u.until_ms)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = PgStore::connect(&cluster.url()).await.unwrap();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY 1")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let all: Vec<i64> = vaora_server::storage::postgres::MIGRATIONS
        .iter()
        .map(|(v, _)| *v)
        .collect();
    assert_eq!(applied, all);
    let kind: String = sqlx::query_scalar(
        "SELECT table_type::text FROM information_schema.tables WHERE table_name = 'checkins'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(kind, "VIEW");
    assert_eq!(store.record_count().await.unwrap(), 3);
    // The stays moved with their records: the tracing query still finds the contact.
    assert_eq!(stay(&store, &case_stay).await, vec![(NOON, NOON + HOUR)]);
    let contacts = store.trace(&case_of(&case_stay)).await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].device_id, contact.device_id);
    assert_eq!(contacts[0].overlap_from_ms, NOON + HOUR / 2);
    assert_eq!(contacts[0].overlap_until_ms, NOON + HOUR);
    // Migration 7: stays from before it read as the phones' own check-ins.
    assert_eq!(
        contacts[0].recorded_by,
        vaora_server::storage::RecordedBy::OwnPhone
    );
    // Old records are duplicates when re-sent, conflicts when altered.
    let mut altered = contact.clone();
    altered.body.push(b'!');
    let out = store
        .insert_records(vec![case_stay.clone(), altered, waiting.clone()])
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![
            InsertOutcome::Duplicate,
            InsertOutcome::Conflict,
            InsertOutcome::Inserted
        ]
    );
    // The check-in that arrived after the upgrade took the update stored before it.
    assert_eq!(
        stay(&store, &waiting).await,
        vec![(NOON - 24 * HOUR, NOON - 22 * HOUR)]
    );
    assert_eq!(store.record_count().await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_5_refuses_check_ins_without_their_record() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let pool = old_database(&cluster.url()).await;
    let kept = stored_checkin(None, NOON).unwrap();
    old_checkin(&pool, &kept, true).await;
    old_checkin(&pool, &stored_checkin(None, NOON).unwrap(), false).await;
    pool.close().await;
    let err = PgStore::connect(&cluster.url()).await.unwrap_err();
    assert!(
        err.to_string().contains("without their signed record"),
        "{err}"
    );
    // Nothing of the migration is half-applied: the old shape is intact.
    let pool = sqlx::PgPool::connect(&cluster.url()).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM checkins")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let versions: i64 = sqlx::query_scalar("SELECT max(version) FROM schema_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 4);
}
