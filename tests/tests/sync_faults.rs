//! Fault injection: a TCP proxy between phone and server drops connections mid-request
//! and mid-response, delays, cuts bodies, answers 500/503, and the server is killed and
//! restarted. After randomized rounds of that and one clean sync, the server holds every
//! record exactly once and the phone has marked every record synced.

// The round helper is shared by the #[test]s below; failing loudly is its job.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::Duration as Span;
use vaora_core::sync::Backoff;
use vaora_core::sync::client::{self, CancelToken, SyncOptions};
use vaora_protocol::wire::{self, CBOR_CONTENT_TYPE, DEVICE_SCHEME, RecordStatus};
use vaora_server::Limits;
use vaora_tests::proxy::{FaultProxy, Rng};
use vaora_tests::sync_fixture::{
    Backend, Phone, ServerFixture, all_records, base_time, raw_device_request, venue,
};

const ROUNDS: u64 = 10;

fn options(url: &str, batch: usize, attempts: u32) -> SyncOptions {
    SyncOptions {
        server: Some(url.to_owned()),
        batch_size: batch,
        max_attempts: attempts,
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(40),
        },
        request_timeout: Duration::from_secs(5),
    }
}

async fn faults(backend: Backend, seed: u64) {
    let limits = Limits {
        rate_burst: 1e6,
        rate_per_second: 1e6,
        ..Limits::default()
    };
    let mut server = ServerFixture::start_with(backend, limits).await.unwrap();
    let proxy = FaultProxy::start(server.addr(), seed).await.unwrap();
    let mut rng = Rng::new(seed ^ 0x9e37_79b9);
    let t0 = base_time();
    let phone = Phone::new(t0 + Span::hours(3)).unwrap();
    let reg = client::register(&phone.diary, &server.url(), &options(&server.url(), 10, 3))
        .await
        .unwrap();
    let shop = venue("Cơm tấm Ba Ghiền").unwrap();
    let owner = phone.owner();
    let mut next_stay = t0 - Span::hours(40);
    let mut restarts = 0;

    for round in 0..ROUNDS {
        // New check-ins while (maybe) offline.
        for _ in 0..(5 + rng.below(20)) {
            let from = next_stay;
            next_stay += Span::minutes(2);
            phone
                .stay(&[owner], &shop, from, from + Span::minutes(1))
                .unwrap();
        }
        if round % 4 == 3 {
            server.restart().await.unwrap();
            proxy.set_target(server.addr());
            restarts += 1;
        }
        proxy.set_fault_percent(30 + rng.below(50));
        let batch = 1 + rng.below(25) as usize;
        // Any outcome is fine here; what matters is what the final clean sync finds.
        let _ = client::sync(
            &phone.diary,
            &options(&proxy.url(), batch, 3),
            &|_| {},
            &CancelToken::new(),
        )
        .await;
    }
    let injected = proxy.faults_injected();
    println!("seed {seed}: {injected} faults injected");
    assert!(injected >= 3, "the rounds must actually inject faults");
    assert!(
        restarts >= 2,
        "the server was killed and restarted mid-test"
    );

    proxy.set_fault_percent(0);
    let report = client::sync(
        &phone.diary,
        &options(&proxy.url(), 100, 5),
        &|_| {},
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let counts = phone.lock().outbox_counts().unwrap();
    assert_eq!(counts.pending, 0);
    assert_eq!(counts.rejected, 0);
    let records = all_records(&phone).unwrap();
    assert_eq!(counts.synced, records.len() as u64);
    assert_eq!(
        server.record_count().await.unwrap(),
        records.len() as u64,
        "every record exactly once"
    );

    // And each stored record is exactly the phone's: uploading them all again is all duplicates.
    let url = server.url();
    let device = reg.device_id.to_hex();
    let sign = |m: &[u8]| phone.lock().identity().sign_bytes(m);
    for chunk in records.chunks(500) {
        let (status, body) = raw_device_request(
            &url,
            reqwest::Method::POST,
            "/v1/records",
            &device,
            DEVICE_SCHEME,
            &sign,
            CBOR_CONTENT_TYPE,
            wire::encode_upload(chunk),
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
        let answers = wire::decode_upload_answer(&body).unwrap();
        assert!(
            answers.iter().all(|a| *a == RecordStatus::Duplicate),
            "{answers:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_survives_faults_sqlite() {
    for seed in [1, 7] {
        faults(Backend::Sqlite, seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_survives_faults_postgres() {
    for seed in [11] {
        faults(Backend::Postgres, seed).await;
    }
}
