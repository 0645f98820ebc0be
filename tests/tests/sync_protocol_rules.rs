//! Rules `docs/sync-protocol.md` states, checked against the real server on both
//! backends: the registration refusals of `docs/vectors/sync-protocol.json`, what a case
//! counts (stays at a known venue overlapping the period), the window of an open stay,
//! how check-in updates apply (sequence 0, updates that arrive before their check-in, a
//! lower sequence after a higher one), and the exposure cursor and `limit`.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::Value;
use vaora_core::sync::client::{self, SyncOptions};
use vaora_protocol::exposure::DEFAULT_STAY_MS;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, RecordKind, SignedRecord, UpdateReason, VenueRef,
};
use vaora_protocol::wire::{
    self, CBOR_CONTENT_TYPE, DEVICE_SCHEME, ErrorBody, ExposurePage, RecordStatus,
};
use vaora_tests::sync_fixture::{
    Backend, Phone, ServerFixture, base_time, raw_device_request, venue,
};

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/vectors/sync-protocol.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every registration request of the vectors gets the status and error code they say.
async fn registrations(url: &str) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    for case in vectors()["register_requests"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let resp = http
            .post(format!("{url}/v1/devices"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(case["request"].to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap();
        assert_eq!(
            u64::from(status),
            case["status"].as_u64().unwrap(),
            "{name}"
        );
        if let Some(code) = case["error"].as_str() {
            let err: ErrorBody = serde_json::from_slice(&body).unwrap();
            assert_eq!(err.error, code, "{name}");
        }
    }
}

fn checkin(
    phone: &Phone,
    checkin_id: Id128,
    venue: &VenueRef,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> SignedRecord {
    let body = CheckInBody {
        id: checkin_id,
        person_id: Id128::from_bytes([7; 16]),
        person_name: "Nguyễn Văn An".into(),
        venue: venue.clone(),
        method: CheckInMethod::ScannedVenueCode,
        checked_in_at: from,
        checked_out_at: until,
    };
    phone
        .lock()
        .identity()
        .sign_record(RecordKind::CheckIn, body.encode())
}

fn update(
    phone: &Phone,
    checkin_id: Id128,
    sequence: u32,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> SignedRecord {
    let body = CheckInUpdateBody {
        id: Id128::random().unwrap(),
        checkin_id,
        sequence,
        reason: UpdateReason::Edit,
        checked_in_at: from,
        checked_out_at: Some(until),
    };
    phone
        .lock()
        .identity()
        .sign_record(RecordKind::CheckInUpdate, body.encode())
}

async fn rules(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    registrations(&url).await;

    // A day back, so every stay below is in the past and inside the server's window.
    let t0 = base_time() - Duration::days(1);
    let phone = Phone::new(t0 + Duration::days(1)).unwrap();
    let reg = client::register(&phone.diary, &url, &SyncOptions::default())
        .await
        .unwrap();
    let device = reg.device_id;
    let sign = |m: &[u8]| phone.lock().identity().sign_bytes(m);
    let get = |path: String| {
        let url = url.clone();
        let sign = &sign;
        async move {
            raw_device_request(
                &url,
                Method::GET,
                &path,
                &device.to_hex(),
                DEVICE_SCHEME,
                sign,
                "application/json",
                Vec::new(),
            )
            .await
            .unwrap()
        }
    };
    let upload = |records: Vec<SignedRecord>| {
        let url = url.clone();
        let sign = &sign;
        async move {
            let (status, body) = raw_device_request(
                &url,
                Method::POST,
                "/v1/records",
                &device.to_hex(),
                DEVICE_SCHEME,
                sign,
                CBOR_CONTENT_TYPE,
                wire::encode_upload(&records),
            )
            .await
            .unwrap();
            assert_eq!(status, 200);
            for s in wire::decode_upload_answer(&body).unwrap() {
                assert_eq!(s, RecordStatus::Accepted);
            }
        }
    };

    let known = venue("Phở Hòa").unwrap();
    let manual = VenueRef {
        id: None,
        ..venue("Quán nước").unwrap()
    };
    let m = Duration::minutes;
    let ids: Vec<Id128> = (0..8).map(|_| Id128::random().unwrap()).collect();
    // Ends exactly when the case period starts: does not overlap it.
    let touching = checkin(&phone, ids[0], &known, t0 - m(30), Some(t0 + m(20)));
    let closed = checkin(&phone, ids[1], &known, t0, Some(t0 + m(30)));
    let open = checkin(&phone, ids[2], &known, t0 + m(60), None);
    let by_hand = checkin(&phone, ids[3], &manual, t0, Some(t0 + m(30)));
    // An update that arrives before its check-in waits for it, then moves it.
    let early_update = update(&phone, ids[4], 1, t0 + m(120), t0 + m(150));
    let late_checkin = checkin(&phone, ids[4], &known, t0 + m(120), None);
    // Sequence 0 is applied like any other: it still beats the check-in's own times.
    let zero = checkin(&phone, ids[5], &known, t0 + m(300), Some(t0 + m(330)));
    let zero_update = update(&phone, ids[5], 0, t0 + m(300), t0 + m(310));
    // The highest sequence wins, whatever the order of arrival.
    let ordered = checkin(&phone, ids[6], &known, t0 + m(360), Some(t0 + m(400)));
    let second = update(&phone, ids[6], 2, t0 + m(360), t0 + m(380));
    let first = update(&phone, ids[6], 1, t0 + m(360), t0 + m(390));
    upload(vec![touching, closed, open, by_hand, early_update]).await;
    upload(vec![late_checkin, zero, ordered]).await;
    upload(vec![zero_update, second]).await;
    upload(vec![first]).await;

    let authority = server.authority().unwrap();
    let case = authority
        .create_case(device, None, t0 + m(20), t0 + m(420))
        .await
        .unwrap();
    // closed, open, late, zero, ordered; not the touching stay, not the manual one.
    assert_eq!(case.checkins, 5);
    let published = authority.publish(case.case_id).await.unwrap();
    assert_eq!(published.published, 5);
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let mut got: Vec<(i64, i64)> = published
        .windows
        .iter()
        .map(|w| (w.from_ms(), w.until_ms()))
        .collect();
    got.sort_unstable();
    let mut want = vec![
        (ms(t0), ms(t0 + m(30))),
        (ms(t0 + m(60)), ms(t0 + m(60)) + DEFAULT_STAY_MS),
        (ms(t0 + m(120)), ms(t0 + m(150))),
        (ms(t0 + m(300)), ms(t0 + m(310))),
        (ms(t0 + m(360)), ms(t0 + m(380))),
    ];
    want.sort_unstable();
    assert_eq!(got, want);

    // Exposure pages: the first cursor is 0 (also when `since` is absent or negative);
    // `limit` is clamped to 1..=5000; `more` says the page is full.
    let page = |path: &str| get(path.to_owned());
    let parse = |body: &[u8]| -> ExposurePage { serde_json::from_slice(body).unwrap() };
    let (status, all) = page("/v1/exposures").await;
    assert_eq!(status, 200);
    let all = parse(&all);
    assert_eq!(all.windows.len(), 5);
    assert!(!all.more);
    let (_, same) = page("/v1/exposures?since=-7").await;
    assert_eq!(parse(&same), all);
    let (_, one) = page("/v1/exposures?since=0&limit=0").await;
    let one = parse(&one);
    assert_eq!(one.windows.len(), 1);
    assert!(one.more);
    assert_eq!(one.windows[0], all.windows[0]);
    let (_, rest) = page(&format!("/v1/exposures?since={}&limit=4", one.next_cursor)).await;
    let rest = parse(&rest);
    assert_eq!(rest.windows, all.windows[1..]);
    assert!(
        rest.more,
        "a full page says more, even when nothing follows"
    );
    assert_eq!(rest.next_cursor, all.next_cursor);
    let (_, after) = page(&format!("/v1/exposures?since={}", all.next_cursor)).await;
    let after = parse(&after);
    assert!(after.windows.is_empty() && !after.more);
    assert_eq!(after.next_cursor, all.next_cursor);
    let (status, bad) = page("/v1/exposures?limit=many").await;
    assert_eq!(status, 400);
    let err: ErrorBody = serde_json::from_slice(&bad).unwrap();
    assert_eq!(err.error, "malformed_query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_protocol_rules_sqlite() {
    rules(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_protocol_rules_postgres() {
    rules(Backend::Postgres).await;
}
