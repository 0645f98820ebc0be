//! Upgrading a server that stored staff check-ins as evidence only (before SQLite
//! migration 5 / PostgreSQL migration 7 traced them) loses none of them: after start, the
//! server derives each one's stay from its stored body by ingest's rules, moves it to the
//! desk's later check-out that was stored meanwhile, and the visitor is a contact of an
//! overlapping case. A body that does not read stays evidence only; the backfill runs
//! once. SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, Utc};
use vaora_protocol::cards::{CardHashKey, CardProfile, CccdCard};
use vaora_protocol::declare::staff::StaffCheckInBody;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{SignedRecord, VenueRef};
use vaora_protocol::venue::VenueCategory;
use vaora_server::storage::{CaseRow, RecordedBy};
use vaora_server::{Database, PgStore, SqliteStore, Storage};
use vaora_tests::pg::PgCluster;
use vaora_tests::stored_records::stored_checkin;

const CCCD: &str = "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hai Bà Trưng, Hà Nội|20052021";
const MINUTE: i64 = 60_000;

/// What the old server stored: a staff check-in (the desk's visit, 60 minutes), the desk's
/// check-out 20 minutes in (an update stored beside it), and a staff record that does not
/// read.
struct Old {
    staff_device: Id128,
    visit: SignedRecord,
    visit_id: Id128,
    from_ms: i64,
    unreadable_id: Id128,
    update_id: Id128,
}

fn old_records(venue: Id128) -> Old {
    let staff = DeviceIdentity::generate().unwrap();
    let at = Utc::now() - Duration::hours(3);
    let card = CccdCard::parse(CCCD, at.date_naive()).unwrap();
    let profile = CardProfile::from_cccd(&card, &CardHashKey::from_bytes([5; 32]), false);
    let visit_id = Id128::random().unwrap();
    let mut body = StaffCheckInBody::from_card(
        (visit_id, Id128::random().unwrap()),
        &profile,
        VenueRef {
            id: Some(venue),
            name: "Chợ Đồng Xuân".into(),
            address: "Đồng Xuân, Hoàn Kiếm".into(),
            category: VenueCategory::Market,
            issuer_key_id: None,
            verified: true,
        },
        at,
        None,
    );
    body.checkin.checked_out_at = Some(at + Duration::minutes(60));
    Old {
        staff_device: Id128::random().unwrap(),
        visit: body.sign(&staff),
        visit_id,
        from_ms: at.timestamp_millis(),
        unreadable_id: Id128::random().unwrap(),
        update_id: Id128::random().unwrap(),
    }
}

/// A SQLite database at migration 4 (records keyed by device, staff check-ins evidence
/// only), holding `old`.
fn old_sqlite(path: &std::path::Path, old: &Old) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .unwrap();
    for (version, sql) in &vaora_server::storage::sqlite::MIGRATIONS[..4] {
        conn.execute_batch(sql).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 0)",
            [version],
        )
        .unwrap();
    }
    let mut insert = conn
        .prepare(
            "INSERT INTO records (device_id, id, kind, body, signature, received_at, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )
        .unwrap();
    let device = old.staff_device.as_bytes().to_vec();
    for (id, kind, body) in rows(old) {
        insert
            .execute(rusqlite::params![
                device,
                id.as_bytes().to_vec(),
                kind,
                body,
                old.visit.signature.to_vec(),
                old.from_ms
            ])
            .unwrap();
    }
    conn.execute(
        "INSERT INTO checkin_updates (device_id, id, checkin_id, seq, from_ms, until_ms)
         VALUES (?1, ?2, ?3, 5, ?4, ?5)",
        rusqlite::params![
            device,
            old.update_id.as_bytes().to_vec(),
            old.visit_id.as_bytes().to_vec(),
            old.from_ms,
            old.from_ms + 20 * MINUTE
        ],
    )
    .unwrap();
}

/// A PostgreSQL database at migration 6 holding `old`.
async fn old_postgres(url: &str, old: &Old) {
    let pool = vaora_tests::pg::at_migration(url, 6).await.unwrap();
    let device = old.staff_device.as_bytes().to_vec();
    for (id, kind, body) in rows(old) {
        sqlx::query(
            "INSERT INTO records (device_id, id, kind, body, signature, received_at, at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&device)
        .bind(id.as_bytes().to_vec())
        .bind(kind)
        .bind(body)
        .bind(old.visit.signature.to_vec())
        .bind(old.from_ms)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO checkin_updates (device_id, id, checkin_id, seq, from_ms, until_ms)
         VALUES ($1, $2, $3, 5, $4, $5)",
    )
    .bind(&device)
    .bind(old.update_id.as_bytes().to_vec())
    .bind(old.visit_id.as_bytes().to_vec())
    .bind(old.from_ms)
    .bind(old.from_ms + 20 * MINUTE)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// The old records as (id, kind, body): the visit, the unreadable one, the update's.
fn rows(old: &Old) -> [(Id128, i16, Vec<u8>); 3] {
    [
        (old.visit_id, 4, old.visit.body.clone()),
        (old.unreadable_id, 4, b"not a staff check-in".to_vec()),
        (old.update_id, 2, b"the desk's check-out".to_vec()),
    ]
}

async fn upgraded<S: Storage>(store: &S, old: &Old, venue: Id128) {
    // The backfill runs in the background after start: wait for its note to clear.
    let mut waited = 0;
    while store.backfill_pending("staff_stays").await.unwrap() {
        assert!(waited < 300, "the backfill did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // The unreadable one stays evidence only, and only it.
    let left = store.staff_records_without_stays(None, 10).await.unwrap();
    let left: Vec<Id128> = left.iter().map(|(_, id, _)| *id).collect();
    assert_eq!(left, vec![old.unreadable_id]);
    assert_eq!(store.record_count().await.unwrap(), 3);

    // A phone that was at the market at the same time: the visitor is its contact, with
    // how staff identified her, until the desk's check-out (not the body's 60 minutes).
    let phone = stored_checkin(Some(venue), old.from_ms - 30 * MINUTE).unwrap();
    store.insert_records(vec![phone.clone()]).await.unwrap();
    let case = CaseRow {
        id: Id128::random().unwrap(),
        device_id: phone.device_id,
        person_id: None,
        from_ms: old.from_ms - 120 * MINUTE,
        until_ms: old.from_ms + 120 * MINUTE,
        created_ms: old.from_ms,
        card: None,
    };
    let contacts = store.trace(&case).await.unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(c.device_id, old.staff_device);
    assert_eq!(c.checkin_id, old.visit_id);
    assert_eq!(c.recorded_by, RecordedBy::StaffFromCccd);
    assert_eq!(c.birth_year, Some(1948));
    assert_eq!(c.overlap_from_ms, old.from_ms);
    assert_eq!(c.overlap_until_ms, old.from_ms + 20 * MINUTE);
}

/// Starts the server over the upgraded database (migrations, then the backfill).
async fn serve(dir: &std::path::Path, database: Database) -> vaora_server::RunningServer {
    vaora_server::start(vaora_server::ServerConfig {
        listen: "127.0.0.1:0".into(),
        database,
        replica: None,
        console: Default::default(),
        attestation: Default::default(),
        authority_dir: dir.join("authority"),
        limits: vaora_server::Limits::default(),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_checkins_stored_before_tracing_are_traced_after_upgrade_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let venue = Id128::random().unwrap();
    let old = old_records(venue);
    old_sqlite(&path, &old);
    let server = serve(dir.path(), Database::Sqlite(path.clone())).await;
    upgraded(&SqliteStore::open(&path).unwrap(), &old, venue).await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_checkins_stored_before_tracing_are_traced_after_upgrade_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let pg = PgCluster::start().unwrap();
    let venue = Id128::random().unwrap();
    let old = old_records(venue);
    old_postgres(&pg.url(), &old).await;
    let server = serve(dir.path(), Database::Postgres(pg.url())).await;
    upgraded(&PgStore::connect(&pg.url()).await.unwrap(), &old, venue).await;
    drop(server);
}
