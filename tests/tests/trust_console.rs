//! Trust no device, attack 7, and the console's sign-in throttle of attack 8
//! (`docs/sync-protocol.md`, threat model). A device's check-in names a venue id and a
//! venue name: the console's counts and the names tracers see come from the venue
//! registry, and check-ins at unknown or revoked venue ids are shown as such — in the
//! `/v1` contacts, the console's trace page and its CSV (where a claimed name could also
//! have carried a spreadsheet formula). A sign-in with a valid token is never refused
//! because others failed from the same address. On SQLite and PostgreSQL.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::panic)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{RecordKind, VenueRef};
use vaora_protocol::venue::Authority;
use vaora_protocol::wire::{RecordStatus, VenueRequest};
use vaora_server::storage::day_of_ms;
use vaora_tests::adversary::{RawDevice, checkin_body};
use vaora_tests::console_client::{Console, form, http};
use vaora_tests::sync_fixture::{Backend, ServerFixture, base_time, venue};

/// What devices claim the venues are called.
const CLAIMED: [&str; 3] = [
    "Bệnh viện Chợ Rẫy",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "@SUM(1+1)",
];

async fn claims(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = server.authority().unwrap();
    let mut registered = Vec::new();
    for name in ["Phở Hòa", "Quán Vắng"] {
        let resp = authority
            .register_venue(&VenueRequest {
                name: name.into(),
                address: "12 Nguyễn Huệ".into(),
                ward: "Phường Bến Nghé".into(),
                category: Some("restaurant-shop".into()),
                stay_minutes: None,
            })
            .await
            .unwrap();
        registered.push(resp.venue_id);
    }
    let (pho, revoked) = (registered[0], registered[1]);
    let unknown = Id128::random().unwrap();
    let t0 = base_time();
    let m = Duration::minutes;

    // A (the case) and B (a contact) at three venues, each naming them as they please.
    let a = RawDevice::register(&url).await.unwrap();
    let b = RawDevice::register(&url).await.unwrap();
    let at = |id: Id128, name: &str| VenueRef {
        id: Some(id),
        ..venue(name).unwrap()
    };
    let places = [
        (pho, CLAIMED[0]),
        (unknown, CLAIMED[1]),
        (revoked, CLAIMED[2]),
    ];
    for (k, (place, claimed)) in places.iter().enumerate() {
        let from = t0 + m(60 * k as i64);
        for (device, start, end) in [(&a, from, from + m(30)), (&b, from + m(10), from + m(20))] {
            let body = checkin_body(
                Id128::random().unwrap(),
                Id128::random().unwrap(),
                "Nguyễn Văn An",
                &at(*place, claimed),
                start,
                Some(end),
            );
            let answers = device
                .upload(&[device.sign(RecordKind::CheckIn, body.encode())])
                .await
                .unwrap();
            assert_eq!(answers, vec![RecordStatus::Accepted]);
        }
    }
    // A name a spreadsheet would run behind a tab or carriage return is not even stored
    // (control characters are refused at ingest; the CSV guard covers them too).
    for sneaky in ["\t=1+1", "\r=1+1"] {
        let body = checkin_body(
            Id128::random().unwrap(),
            Id128::random().unwrap(),
            "Nguyễn Văn An",
            &at(pho, sneaky),
            t0,
            Some(t0 + m(5)),
        );
        let answers = a
            .upload(&[a.sign(RecordKind::CheckIn, body.encode())])
            .await
            .unwrap();
        assert!(
            matches!(answers[0], RecordStatus::Rejected(_)),
            "{answers:?}"
        );
    }
    assert!(server.revoke_venue(revoked).await.unwrap());

    // The overview counts only check-ins at registered venues (two at the phở shop, two at
    // the venue revoked since), never the unknown id's.
    let day = day_of_ms(t0.timestamp_millis());
    let counts = server.overview_counts(day - 1, day + 1).await.unwrap();
    let total: u64 = counts.per_day.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 4, "{counts:?}");

    // /v1 contacts: registry names, and the unknown and revoked venues said to be so.
    let case = authority
        .create_case(a.id, None, t0 - m(60), t0 + m(300))
        .await
        .unwrap();
    let (status, body) = vaora_tests::sync_fixture::raw_device_request(
        &url,
        reqwest::Method::GET,
        &format!("/v1/authority/cases/{}/contacts", case.case_id.to_hex()),
        &server.authority_key().unwrap().key_id(),
        vaora_protocol::wire::AUTHORITY_SCHEME,
        &|msg| server.authority_key().unwrap().sign(msg),
        "application/json",
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let contacts: Value = serde_json::from_slice(&body).unwrap();
    let contacts = contacts["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 3);
    let of = |id: Id128| {
        contacts
            .iter()
            .find(|c| c["venue_id"] == serde_json::json!(id.to_hex()))
            .unwrap()
    };
    assert_eq!(of(pho)["venue_name"], "Phở Hòa");
    assert_eq!(of(pho)["venue_status"], "registered");
    assert_eq!(of(unknown)["venue_name"], "");
    assert_eq!(of(unknown)["venue_status"], "unknown");
    assert_eq!(of(revoked)["venue_name"], "Quán Vắng");
    assert_eq!(of(revoked)["venue_status"], "revoked");

    // The console's trace page and contacts CSV show no claimed name at all.
    let key = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&key, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await.unwrap();
    let hex = case.case_id.to_hex();
    let (status, page) = console.get(&format!("/console/cases/{hex}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, csv) = console
        .get(&format!("/console/cases/{hex}/contacts.csv"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for claimed in CLAIMED {
        let visible = claimed.trim_start_matches(['\t', '\r']);
        assert!(!page.contains(visible), "trace page shows {claimed:?}");
        assert!(!csv.contains(visible), "CSV shows {claimed:?}");
    }
    assert!(page.contains("Phở Hòa") && csv.contains("Phở Hòa"));
    // Every CSV cell that a spreadsheet would run as a formula is neutralised.
    for line in csv.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "CSV cell {cell:?}"
            );
        }
    }
}

async fn throttle(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let key = Authority::load_dir(&server.authority_dir).unwrap();
    let client = http();
    let attempt = |token: String| {
        let client = client.clone();
        let url = url.clone();
        async move {
            client
                .post(format!("{url}/console/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form(&[("token", &token)]))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Someone at this address guesses until the address is blocked…
    let mut last = StatusCode::OK;
    for _ in 0..8 {
        last = attempt("vaora-ct1.guess".into()).await;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // …and an operator at the same address (the proxy's, or an office's NAT) signs in.
    let token = vaora_console::token::issue(&key, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await;
    assert!(
        console.is_ok(),
        "a valid token was refused: {:?}",
        console.err()
    );
    // Guesses are still held back.
    assert_eq!(
        attempt("vaora-ct1.guess".into()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_read_from_the_registry_sqlite() {
    claims(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_read_from_the_registry_postgres() {
    claims(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_is_never_throttled_sqlite() {
    throttle(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_is_never_throttled_postgres() {
    throttle(Backend::Postgres).await;
}
