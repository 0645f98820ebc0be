//! Trust no device, attack 9 (`docs/sync-protocol.md`, "Retention"): nothing personal is
//! kept past the retention window (21 days by default). A phone that was offline for a
//! month uploads check-ins, a check-out, a declaration and a staff check-in from 30 days
//! ago (within the 60 days ingest accepts); the server's background purge removes them
//! (it runs at start and then periodically) and keeps last week's. On SQLite and
//! PostgreSQL, with the default configuration.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use vaora_protocol::cards::profile::CardKind;
use vaora_protocol::declare::{
    Answers, DeclarationBody, DeclarePolicy, DeclaredFor, PersonRef, StaffCheckInBody,
    VisitorSource,
};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, RecordKind, SignedRecord};
use vaora_protocol::wire::RecordStatus;
use vaora_tests::adversary::{RawDevice, checkin_body, update_body};
use vaora_tests::sync_fixture::{Backend, ServerFixture, venue};

/// Every kind of record a phone sends, made at `at`.
fn records(device: &RawDevice, at: DateTime<Utc>) -> Vec<SignedRecord> {
    let shop = venue("Tiệm thuốc Tây").unwrap();
    let id = Id128::random().unwrap();
    let checkin = checkin_body(id, Id128::random().unwrap(), "Lê Thị Hoa", &shop, at, None);
    let update = update_body(id, 1, at, at + Duration::minutes(20)).unwrap();
    let declaration = DeclarationBody::new(
        Id128::random().unwrap(),
        PersonRef {
            id: Id128::random().unwrap(),
            name: "Lê Thị Hoa".into(),
            birth_year: Some(1948),
        },
        DeclaredFor::Myself,
        Answers {
            phone: Some("+84912345678".into()),
            ..Answers::all_clear()
        },
        at,
        at.date_naive(),
        &DeclarePolicy::default(),
    )
    .unwrap();
    let mut visit = checkin_body(
        Id128::random().unwrap(),
        Id128::random().unwrap(),
        "Trần Văn Ba",
        &shop,
        at,
        None,
    );
    visit.method = CheckInMethod::ScannedByStaff;
    let staff = StaffCheckInBody {
        checkin: visit,
        birth_year: Some(1950),
        source: VisitorSource::IdCard {
            kind: CardKind::Cccd,
            card_hash: [3; 32],
            sealed: None,
        },
    };
    vec![
        device.sign(RecordKind::CheckIn, checkin.encode()),
        device.sign(RecordKind::CheckInUpdate, update.encode()),
        device.sign(RecordKind::Declaration, declaration.encode()),
        device.sign(RecordKind::StaffCheckIn, staff.encode()),
    ]
}

async fn retention(backend: Backend) {
    let mut server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let device = RawDevice::register(&url).await.unwrap();
    let now = Utc::now();
    let old = records(&device, now - Duration::days(30));
    let recent = records(&device, now - Duration::days(7));
    let answers = device.upload(&[old, recent].concat()).await.unwrap();
    assert_eq!(answers, vec![RecordStatus::Accepted; 8]);

    // The purge runs in the background: at the latest when the server starts again.
    server.restart().await.unwrap();
    let mut left = server.record_count().await.unwrap();
    for _ in 0..100 {
        if left == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = server.record_count().await.unwrap();
    }
    assert_eq!(left, 4, "records older than the retention window are kept");

    // Tracing sees last week's stay and nothing of the month-old one.
    let case = server
        .authority()
        .unwrap()
        .create_case(device.id, None, now - Duration::days(40), now)
        .await
        .unwrap();
    assert_eq!(case.checkins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_kept_past_the_retention_window_sqlite() {
    retention(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_kept_past_the_retention_window_postgres() {
    retention(Backend::Postgres).await;
}
