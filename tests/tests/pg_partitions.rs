//! PostgreSQL's day partitions of `records` (migration 15, issue 20):
//! - idempotency and per-device record identity hold across partitions: the same signed
//!   record uploaded twice is a duplicate, an id reused with another time (another day's
//!   partition) is refused, another device's record under the same id is its own; a stay an
//!   update moves to another day moves to that day's partition, and its record is still
//!   one;
//! - records of a day without a partition wait in the default partition and move to their
//!   day's partition when it is made; several nodes making partitions at once make each once;
//! - retention drops whole days (with their updates, inspections and identities) and
//!   deletes only what is left below the cutoff;
//! - the tracing statements read only the partitions of the case's period (their plan);
//! - migration 15 moves an existing unpartitioned database over, every row to its day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::RecordStatus;
use vaora_server::storage::postgres::partition_name;
use vaora_server::storage::{CaseRow, Derived, InsertOutcome, NewRecord};
use vaora_server::{PgStore, Storage};
use vaora_tests::adversary::{RawDevice, checkin_body};
use vaora_tests::pg::PgCluster;
use vaora_tests::stored_records::{stored_checkin, stored_update};
use vaora_tests::sync_fixture::{Backend, ServerFixture, venue};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// 2026-11-20 00:00 UTC (day 20777).
const D0: i64 = 20_777 * DAY;

/// `records`' partitions for the days D0 to D0 + 2 days, and the default one.
const THREE_DAYS_AND_DEFAULT: [&str; 4] = [
    "records_20261120",
    "records_20261121",
    "records_20261122",
    "records_default",
];

/// The partition holding each row of `records` with this id, by name.
async fn partitions_of(store: &PgStore, id: Id128) -> Vec<String> {
    sqlx::query_scalar("SELECT tableoid::regclass::text FROM records WHERE id = $1 ORDER BY 1")
        .bind(id.as_bytes().to_vec())
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// The names of `records`' partitions, sorted.
async fn partitions(store: &PgStore) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'records'::regclass ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

async fn count(store: &PgStore, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

fn case_of(device: Id128, from_ms: i64, until_ms: i64) -> CaseRow {
    CaseRow {
        id: Id128::random().unwrap(),
        device_id: device,
        person_id: None,
        from_ms,
        until_ms,
        created_ms: until_ms,
        card: None,
    }
}

/// Over HTTP, as phones upload: a repeat is a duplicate and an id reused with another
/// time (whose record would go to another day's partition) is refused, while another
/// device may use the same id for its own record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_holds_across_partitions_over_http() {
    let server = ServerFixture::start(Backend::Postgres).await.unwrap();
    let url = server.url();
    let phone = RawDevice::register(&url).await.unwrap();
    let other = RawDevice::register(&url).await.unwrap();
    let shop = venue("Tiệm thuốc Tây").unwrap();
    let id = Id128::random().unwrap();
    let person = Id128::random().unwrap();
    let now = Utc::now();
    let first = checkin_body(
        id,
        person,
        "Lê Thị Hoa",
        &shop,
        now - Duration::days(3),
        None,
    );
    let moved = checkin_body(
        id,
        person,
        "Lê Thị Hoa",
        &shop,
        now - Duration::days(1),
        None,
    );
    let record = phone.sign(RecordKind::CheckIn, first.encode());
    assert_eq!(
        phone.upload(std::slice::from_ref(&record)).await.unwrap(),
        vec![RecordStatus::Accepted]
    );
    let answers = phone
        .upload(&[
            record.clone(),
            phone.sign(RecordKind::CheckIn, moved.encode()),
        ])
        .await
        .unwrap();
    assert_eq!(answers[0], RecordStatus::Duplicate);
    assert!(
        matches!(&answers[1], RecordStatus::Rejected(_)),
        "{answers:?}"
    );
    // Another device's record under the same id (at the other time) is its own.
    let theirs = other.sign(RecordKind::CheckIn, moved.encode());
    assert_eq!(
        other.upload(&[theirs]).await.unwrap(),
        vec![RecordStatus::Accepted]
    );
    assert_eq!(server.record_count().await.unwrap(), 2);
    let vaora_server::Database::Postgres(url) = &server.database else {
        panic!("a PostgreSQL fixture")
    };
    let store = PgStore::connect(url).await.unwrap();
    // Each in the partition of its own day (the keeper makes them at start; made here
    // too, in case the upload came first: then they move out of the default partition).
    store
        .prepare_partitions(
            (now - Duration::days(5)).timestamp_millis(),
            now.timestamp_millis(),
        )
        .await
        .unwrap();
    let mut expected = vec![
        partition_name((now - Duration::days(3)).timestamp_millis().div_euclid(DAY)).unwrap(),
        partition_name((now - Duration::days(1)).timestamp_millis().div_euclid(DAY)).unwrap(),
    ];
    expected.sort();
    assert_eq!(partitions_of(&store, id).await, expected);
    assert_eq!(count(&store, "SELECT count(*) FROM record_ids").await, 2);
}

/// In storage: partitions made ahead, the default partition emptied into a day made
/// later, a stay moved to another day's partition by its update, identity kept through
/// all of it, and several nodes making the same partitions at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_live_in_their_days_partition() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    let other_node = PgStore::connect(&cluster.url()).await.unwrap();
    // Two nodes start at once: the days are made once.
    let (a, b) = tokio::join!(
        store.prepare_partitions(D0, D0 + 2 * DAY),
        other_node.prepare_partitions(D0, D0 + 2 * DAY)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(partitions(&store).await, THREE_DAYS_AND_DEFAULT);

    let venue = Some(Id128::random().unwrap());
    let a = stored_checkin(venue, D0 + 10 * HOUR).unwrap();
    // A day with no partition yet: the default partition keeps it.
    let early = stored_checkin(venue, D0 - 2 * DAY + HOUR).unwrap();
    let out = store
        .insert_records(vec![a.clone(), early.clone()])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Inserted; 2]);
    assert_eq!(partitions_of(&store, a.id).await, vec!["records_20261120"]);
    assert_eq!(
        partitions_of(&store, early.id).await,
        vec!["records_default"]
    );
    // Making that day moves it out of the default partition.
    assert_eq!(
        store
            .prepare_partitions(D0 - 2 * DAY, D0 - 2 * DAY)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        partitions_of(&store, early.id).await,
        vec!["records_20261118"]
    );

    // An update moves A's stay a day later: its row follows, and stays one record.
    let moved = stored_update(
        &a,
        1,
        D0 + DAY + 9 * HOUR,
        D0 + DAY + 11 * HOUR,
        D0 + DAY + 9 * HOUR,
    )
    .unwrap();
    assert_eq!(
        store.insert_records(vec![moved.clone()]).await.unwrap(),
        vec![InsertOutcome::Inserted]
    );
    assert_eq!(partitions_of(&store, a.id).await, vec!["records_20261121"]);
    let case = case_of(a.device_id, D0, D0 + 3 * DAY);
    let stays: Vec<(i64, i64)> = store
        .case_stays(&case)
        .await
        .unwrap()
        .iter()
        .map(|s| (s.from_ms, s.until_ms))
        .collect();
    assert_eq!(stays, vec![(D0 + DAY + 9 * HOUR, D0 + DAY + 11 * HOUR)]);
    // Its original record again is a duplicate, altered a conflict: not a second row.
    let mut altered = a.clone();
    altered.body.push(b'!');
    let out = store
        .insert_records(vec![a.clone(), moved.clone()])
        .await
        .unwrap();
    assert_eq!(out, vec![InsertOutcome::Duplicate; 2]);
    let out = store.insert_records(vec![altered]).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Conflict]);
    assert_eq!(partitions_of(&store, a.id).await, vec!["records_20261121"]);
    assert_eq!(store.record_count().await.unwrap(), 3);
    // Identities and records agree, each identity at its record's time.
    let stray = count(
        &store,
        "SELECT count(*) FROM record_ids k FULL JOIN records r
         ON r.device_id = k.device_id AND r.id = k.id AND r.at_ms = k.at_ms
         WHERE r.id IS NULL OR k.id IS NULL",
    )
    .await;
    assert_eq!(stray, 0);
}

/// Retention drops the partitions of days wholly past the cutoff with what hangs on their
/// records, and deletes row by row only what is left below it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_whole_days() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    store.prepare_partitions(D0, D0 + 4 * DAY).await.unwrap();
    let venue = Some(Id128::random().unwrap());
    let mut batch = Vec::new();
    for day in 0..5 {
        for hour in [2, 20] {
            batch.push(stored_checkin(venue, D0 + day * DAY + hour * HOUR).unwrap());
        }
    }
    // Day 0's first check-in is checked out by an update (a record of day 0 too).
    batch.push(stored_update(&batch[0], 1, D0 + 2 * HOUR, D0 + 3 * HOUR, D0 + 2 * HOUR).unwrap());
    // A record older than every partition, in the default partition.
    batch.push(stored_checkin(venue, D0 - 10 * DAY).unwrap());
    let n = batch.len();
    let out = store.insert_records(batch).await.unwrap();
    assert_eq!(out, vec![InsertOutcome::Inserted; n]);
    assert_eq!(
        count(&store, "SELECT count(*) FROM checkin_updates").await,
        1
    );

    // The cutoff is day 2, 12:00: days 0 and 1 go whole, day 2 loses its 02:00 check-in.
    let purged = store.purge_before(D0 + 2 * DAY + 12 * HOUR).await.unwrap();
    assert_eq!(purged.records, 7);
    assert_eq!(
        partitions(&store).await,
        vec![
            "records_20261122",
            "records_20261123",
            "records_20261124",
            "records_default"
        ]
    );
    assert_eq!(store.record_count().await.unwrap(), 5);
    assert_eq!(count(&store, "SELECT count(*) FROM record_ids").await, 5);
    assert_eq!(
        count(&store, "SELECT count(*) FROM checkin_updates").await,
        0
    );
    assert_eq!(
        count(&store, "SELECT min(at_ms) FROM records").await,
        D0 + 2 * DAY + 20 * HOUR
    );
    // Nothing more to do at the same cutoff.
    let again = store.purge_before(D0 + 2 * DAY + 12 * HOUR).await.unwrap();
    assert_eq!(again.records, 0);
}

/// The plans of the tracing statements for a one-day period read only the partitions
/// that can hold a stay overlapping it (the day itself, the day before for stays that
/// began before it, and for contacts one more day each side), never the default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_reads_only_the_partitions_of_its_period() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    store
        .prepare_partitions(D0 - 15 * DAY, D0 + 15 * DAY)
        .await
        .unwrap();
    let venue = Some(Id128::random().unwrap());
    let batch: Vec<NewRecord> = (-15..15)
        .map(|d| stored_checkin(venue, D0 + d * DAY + 9 * HOUR).unwrap())
        .collect();
    let subject = batch[15].device_id;
    let contact = stored_checkin(venue, D0 + 9 * HOUR + HOUR / 2).unwrap();
    store.insert_records(batch).await.unwrap();
    store.insert_records(vec![contact.clone()]).await.unwrap();
    let case = case_of(subject, D0, D0 + DAY);
    // The query still answers: one stay, one contact.
    assert_eq!(store.case_stays(&case).await.unwrap().len(), 1);
    let contacts = store.trace(&case).await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].device_id, contact.device_id);

    let [stays_plan, trace_plan] = store.explain_tracing(&case).await.unwrap();
    // Every partition a plan names (`records_` and the day or `default` after it).
    let read = |plan: &[String]| -> Vec<String> {
        let mut names: Vec<String> = plan
            .iter()
            .flat_map(|line| line.match_indices("records_").map(|(i, _)| &line[i..]))
            .map(|rest| {
                let tail: String = rest["records_".len()..]
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                format!("records_{tail}")
            })
            .filter(|n| n.len() == "records_20261120".len() || n == "records_default")
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let day = |d: i64| partition_name(20_777 + d).unwrap();
    assert_eq!(
        read(&stays_plan),
        vec![day(-1), day(0)],
        "{}",
        stays_plan.join("\n")
    );
    assert_eq!(
        read(&trace_plan),
        vec![day(-2), day(-1), day(0), day(1)],
        "{}",
        trace_plan.join("\n")
    );
}

/// A database as migration 14 left it, with rows on three days, moves over: every row in
/// its day's partition, identities for all, stays where tracing finds them, and ingest's
/// rules as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_15_partitions_an_existing_database() {
    let cluster = PgCluster::start().expect("PostgreSQL for the test");
    let pool = vaora_tests::pg::at_migration(&cluster.url(), 14)
        .await
        .unwrap();
    let venue = Some(Id128::random().unwrap());
    let case_stay = stored_checkin(venue, D0 + 9 * HOUR).unwrap();
    let contact = stored_checkin(venue, D0 + 9 * HOUR + HOUR / 2).unwrap();
    let later = stored_checkin(venue, D0 + 2 * DAY + 9 * HOUR).unwrap();
    let checkout = stored_update(
        &later,
        1,
        D0 + 2 * DAY + 9 * HOUR,
        D0 + 2 * DAY + 10 * HOUR,
        D0 + 2 * DAY + 9 * HOUR,
    )
    .unwrap();
    let declaration_id = Id128::random().unwrap();
    // Stored as migration 14's server stored them.
    for r in [&case_stay, &contact, &later] {
        let Derived::CheckIn(c) = &r.derived else {
            unreachable!()
        };
        sqlx::query(
            "INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms,
                 person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, -1)",
        )
        .bind(r.id.as_bytes().to_vec())
        .bind(r.device_id.as_bytes().to_vec())
        .bind(&r.body)
        .bind(r.signature.to_vec())
        .bind(r.received_ms)
        .bind(r.at_ms)
        .bind(c.person_id.as_bytes().to_vec())
        .bind(&c.person_name)
        .bind(c.venue_id.map(|v| v.as_bytes().to_vec()))
        .bind(&c.venue_name)
        .bind(c.from_ms)
        .bind(c.until_ms)
        .execute(&pool)
        .await
        .unwrap();
    }
    let Derived::Update(u) = &checkout.derived else {
        unreachable!()
    };
    sqlx::query(
        "INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms)
         VALUES ($1, $2, 2, $3, $4, $5, $5);
        ",
    )
    .bind(checkout.id.as_bytes().to_vec())
    .bind(checkout.device_id.as_bytes().to_vec())
    .bind(&checkout.body)
    .bind(checkout.signature.to_vec())
    .bind(checkout.at_ms)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO checkin_updates (device_id, id, checkin_id, seq, from_ms, until_ms) VALUES ($1, $2, $3, 1, $4, $5)")
        .bind(checkout.device_id.as_bytes().to_vec())
        .bind(u.id.as_bytes().to_vec())
        .bind(u.checkin_id.as_bytes().to_vec())
        .bind(u.from_ms)
        .bind(u.until_ms)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE records SET until_ms = $1, seq = 1 WHERE id = $2")
        .bind(u.until_ms)
        .bind(later.id.as_bytes().to_vec())
        .execute(&pool)
        .await
        .unwrap();
    // A declaration, a day after the first stays.
    sqlx::query(
        "INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms, person_id)
         VALUES ($1, $2, 3, $3, $4, $5, $5, $6)",
    )
    .bind(declaration_id.as_bytes().to_vec())
    .bind(case_stay.device_id.as_bytes().to_vec())
    .bind([declaration_id.as_bytes().as_slice(), b"declaration"].concat())
    .bind(vec![5u8; 64])
    .bind(D0 + DAY + HOUR)
    .bind(Id128::random().unwrap().as_bytes().to_vec())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = PgStore::connect(&cluster.url()).await.unwrap();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY 1")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(applied, (1..=15).collect::<Vec<i64>>());
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'records'::regclass"
        )
        .await,
        1
    );
    // Every row in its day's partition (none in the default), with its identity.
    let placed: Vec<(i64, String)> =
        sqlx::query_as("SELECT at_ms, tableoid::regclass::text FROM records ORDER BY at_ms")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(placed.len(), 5);
    for (at, partition) in &placed {
        assert_eq!(partition, &partition_name(at.div_euclid(DAY)).unwrap());
    }
    assert_eq!(partitions(&store).await, THREE_DAYS_AND_DEFAULT);
    assert_eq!(count(&store, "SELECT count(*) FROM record_ids").await, 5);
    assert_eq!(
        count(&store, "SELECT count(*) FROM declared_people").await,
        1
    );
    // Tracing reads the moved stays.
    let case = case_of(case_stay.device_id, D0, D0 + DAY);
    let contacts = store.trace(&case).await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].device_id, contact.device_id);
    let later_case = case_of(later.device_id, D0 + 2 * DAY, D0 + 3 * DAY);
    let stays: Vec<(i64, i64)> = store
        .case_stays(&later_case)
        .await
        .unwrap()
        .iter()
        .map(|s| (s.from_ms, s.until_ms))
        .collect();
    assert_eq!(stays, vec![(u.from_ms, u.until_ms)]);
    // Ingest: old records are duplicates, altered ones conflicts, new ones stored.
    let mut altered = contact.clone();
    altered.body.push(b'!');
    let fresh = stored_checkin(venue, D0 + 9 * HOUR).unwrap();
    let out = store
        .insert_records(vec![case_stay.clone(), altered, checkout.clone(), fresh])
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![
            InsertOutcome::Duplicate,
            InsertOutcome::Conflict,
            InsertOutcome::Duplicate,
            InsertOutcome::Inserted
        ]
    );
    assert_eq!(store.trace(&case).await.unwrap().len(), 2);
    assert_eq!(store.record_count().await.unwrap(), 6);
}

#[test]
fn the_days_used_here_are_the_dates_named() {
    assert_eq!(
        Utc.timestamp_millis_opt(D0)
            .unwrap()
            .date_naive()
            .to_string(),
        "2026-11-20"
    );
}
