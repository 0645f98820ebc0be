//! Batch ingest on SQLite and PostgreSQL: a batch that mixes new records, records already
//! stored, a reused id with other content, check-ins without a venue and records that are
//! not check-ins, over several venues and days. Checks each outcome and then the daily
//! aggregates (`day_scans`, `venue_day_scans`) and the per-venue rollup
//! (`venue_recent_scans`) exactly, read straight from the tables, against a count of the
//! check-ins this test knows were stored; a second upload of the same batch changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use vaora_protocol::ids::Id128;
use vaora_server::storage::{Derived, InsertOutcome, NewRecord, VenueRow, day_of_ms};
use vaora_server::{PgStore, SqliteStore, Storage};
use vaora_tests::stored_records::stored_checkin;

const DAY: i64 = 86_400_000;
/// 2026-11-20 12:00 UTC.
const NOON: i64 = 1_763_640_000_000;

fn declaration() -> NewRecord {
    let id = Id128::random().unwrap();
    NewRecord {
        id,
        device_id: Id128::random().unwrap(),
        kind: 3,
        body: [id.as_bytes().as_slice(), b"declaration"].concat(),
        signature: [2; 64],
        received_ms: NOON,
        at_ms: NOON,
        derived: Derived::Nothing,
    }
}

/// What the tables should hold: per day, per (venue, day), per venue the rollup columns.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    days: BTreeMap<i64, i64>,
    venue_days: BTreeMap<(Vec<u8>, i64), i64>,
    rollup: BTreeMap<Vec<u8>, Vec<i64>>,
}

fn expected(stored: &[(Option<Id128>, i64)], rollup_day: i64) -> Counts {
    let mut c = Counts::default();
    for (venue, from_ms) in stored {
        let day = day_of_ms(*from_ms);
        // Only check-ins at registered venues count (every venue here is registered; a
        // check-in without a venue counts nowhere).
        if let Some(v) = venue {
            *c.days.entry(day).or_default() += 1;
            *c.venue_days
                .entry((v.as_bytes().to_vec(), day))
                .or_default() += 1;
            let offset = rollup_day - day;
            let row = c
                .rollup
                .entry(v.as_bytes().to_vec())
                .or_insert_with(|| vec![0; 21]);
            if (0..21).contains(&offset) {
                row[offset as usize] += 1;
            }
        }
    }
    // Rollup rows exist for venues with a scan inside its 21 days; others have none or zeros.
    c.rollup.retain(|_, cols| cols.iter().any(|n| *n > 0));
    c
}

fn rollup_select() -> String {
    let cols = (0..21)
        .map(|k| format!("d{k}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("SELECT venue_id, {cols} FROM venue_recent_scans")
}

fn sqlite_counts(path: &std::path::Path) -> Counts {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut c = Counts::default();
    let mut st = conn.prepare("SELECT day, scans FROM day_scans").unwrap();
    for row in st
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (d, n) = row.unwrap();
        c.days.insert(d, n);
    }
    let mut st = conn
        .prepare("SELECT venue_id, day, scans FROM venue_day_scans")
        .unwrap();
    for row in st
        .query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (v, d, n) = row.unwrap();
        c.venue_days.insert((v, d), n);
    }
    let mut st = conn.prepare(&rollup_select()).unwrap();
    for row in st
        .query_map([], |r| {
            let v: Vec<u8> = r.get(0)?;
            let cols = (1..=21)
                .map(|i| r.get::<_, i64>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((v, cols))
        })
        .unwrap()
    {
        let (v, cols) = row.unwrap();
        if cols.iter().any(|n| *n > 0) {
            c.rollup.insert(v, cols);
        }
    }
    c
}

async fn pg_counts(store: &PgStore) -> Counts {
    use sqlx::Row;
    let mut c = Counts::default();
    for r in sqlx::query("SELECT day, scans FROM day_scans")
        .fetch_all(store.pool())
        .await
        .unwrap()
    {
        c.days.insert(r.get(0), r.get(1));
    }
    for r in sqlx::query("SELECT venue_id, day, scans FROM venue_day_scans")
        .fetch_all(store.pool())
        .await
        .unwrap()
    {
        c.venue_days.insert((r.get(0), r.get(1)), r.get(2));
    }
    for r in sqlx::query(sqlx::AssertSqlSafe(rollup_select()))
        .fetch_all(store.pool())
        .await
        .unwrap()
    {
        let cols: Vec<i64> = (1..=21).map(|i| r.get::<i64, _>(i)).collect();
        if cols.iter().any(|n| *n > 0) {
            c.rollup.insert(r.get(0), cols);
        }
    }
    c
}

/// Runs the story; `counts` reads the tables. Returns nothing: asserts as it goes.
async fn mixed_batches<S, F, Fut>(store: &S, counts: F)
where
    S: Storage,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Counts>,
{
    let venues: Vec<Id128> = (0..4).map(|_| Id128::random().unwrap()).collect();
    // Registered first: check-ins count in the aggregates and the rollup only at
    // registered, active venues.
    for (i, id) in venues.iter().enumerate() {
        store
            .insert_venue(VenueRow {
                id: *id,
                name: format!("Venue {i}"),
                category: 1,
                ward: "Phường 1".into(),
                address: String::new(),
                code_text: "VN1:test".into(),
                registered_ms: NOON - 30 * DAY,
                revoked: false,
                contact: String::new(),
                manage_hash: None,
            })
            .await
            .unwrap();
    }
    let today = day_of_ms(NOON);
    // First batch, then the rollup is built on today (so later batches increment it).
    let first: Vec<NewRecord> = vec![
        stored_checkin(Some(venues[0]), NOON).unwrap(),
        stored_checkin(Some(venues[0]), NOON - DAY).unwrap(),
        stored_checkin(Some(venues[1]), NOON - 3 * DAY).unwrap(),
        stored_checkin(None, NOON).unwrap(),
        declaration(),
    ];
    let outcomes = store.insert_records(first.clone()).await.unwrap();
    assert_eq!(outcomes, vec![InsertOutcome::Inserted; first.len()]);
    store.rebuild_scan_rollup(today).await.unwrap();
    let mut stored: Vec<(Option<Id128>, i64)> = vec![
        (Some(venues[0]), NOON),
        (Some(venues[0]), NOON - DAY),
        (Some(venues[1]), NOON - 3 * DAY),
        (None, NOON),
    ];
    assert_eq!(counts().await, expected(&stored, today));

    // The mixed batch: re-sent records, a reused id with other content, and new check-ins
    // at several venues and days (same venue and day twice, one 20 days back (last rollup
    // column), one 21 days back (outside the rollup), one without a venue), and a declaration.
    let mut conflicting = first[2].clone();
    conflicting.body.push(b'!');
    let fresh = [
        (Some(venues[0]), NOON + 60_000),
        (Some(venues[0]), NOON + 120_000),
        (Some(venues[1]), NOON),
        (Some(venues[2]), NOON - 2 * DAY),
        (Some(venues[2]), NOON - 20 * DAY),
        (Some(venues[3]), NOON - 21 * DAY),
        (Some(venues[1]), NOON - 3 * DAY + 5_000),
        (None, NOON - DAY),
    ];
    let mut batch: Vec<NewRecord> = Vec::new();
    let mut want: Vec<InsertOutcome> = Vec::new();
    for (i, (venue, at)) in fresh.iter().enumerate() {
        batch.push(stored_checkin(*venue, *at).unwrap());
        want.push(InsertOutcome::Inserted);
        match i {
            1 => {
                batch.push(first[0].clone());
                want.push(InsertOutcome::Duplicate);
            }
            3 => {
                batch.push(conflicting.clone());
                want.push(InsertOutcome::Conflict);
            }
            5 => {
                batch.push(first[4].clone());
                want.push(InsertOutcome::Duplicate);
                batch.push(declaration());
                want.push(InsertOutcome::Inserted);
            }
            6 => {
                batch.push(first[1].clone());
                want.push(InsertOutcome::Duplicate);
            }
            _ => {}
        }
    }
    let outcomes = store.insert_records(batch.clone()).await.unwrap();
    assert_eq!(outcomes, want);
    stored.extend(fresh.iter().copied());
    let after = counts().await;
    assert_eq!(after, expected(&stored, today));
    // Spot checks that do not go through `expected`: venue 0 has 3 scans today (one
    // from the first batch, two now); venue 3's scan is only in the daily aggregates.
    assert_eq!(after.rollup[venues[0].as_bytes().as_slice()][0], 3);
    assert_eq!(after.rollup[venues[0].as_bytes().as_slice()][1], 1);
    assert_eq!(after.rollup[venues[2].as_bytes().as_slice()][20], 1);
    assert!(!after.rollup.contains_key(venues[3].as_bytes().as_slice()));
    assert_eq!(
        after.venue_days[&(venues[3].as_bytes().to_vec(), today - 21)],
        1
    );
    assert_eq!(
        after.days[&today], 4,
        "the check-in without a venue counts nowhere"
    );

    // The same batch again stores nothing and counts nothing.
    let again = store.insert_records(batch).await.unwrap();
    let want_again: Vec<InsertOutcome> = want
        .iter()
        .map(|o| match o {
            InsertOutcome::Conflict => InsertOutcome::Conflict,
            _ => InsertOutcome::Duplicate,
        })
        .collect();
    assert_eq!(again, want_again);
    assert_eq!(counts().await, after);
    assert_eq!(store.record_count().await.unwrap(), 5 + 8 + 1);
}

#[tokio::test]
async fn mixed_batch_counts_exactly_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = SqliteStore::open(&path).unwrap();
    mixed_batches(&store, || {
        let path = path.clone();
        async move { sqlite_counts(&path) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_batch_counts_exactly_postgres() {
    let cluster = vaora_tests::pg::PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    mixed_batches(&store, || pg_counts(&store)).await;
}
