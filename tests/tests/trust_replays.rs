//! Trust no device, attack 6 (`docs/sync-protocol.md`, threat model): replays. A captured
//! authority request (`POST /v1/authority/cases`, `POST /v1/authority/venues`) sent again
//! within its freshness window creates nothing new: the answer names the same case or
//! venue, and the registry holds it once. A timestamp at the edge of `i64` is refused as
//! stale (no arithmetic on it can overflow), before any signature or device lookup. On
//! SQLite and PostgreSQL.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::Value;
use vaora_protocol::wire::{AUTHORITY_SCHEME, DEVICE_SCHEME, ErrorBody, RequestAuth};
use vaora_tests::adversary::{CapturedRequest, RawDevice, http};
use vaora_tests::sync_fixture::{Backend, ServerFixture, base_time};

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

async fn replays(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let key = server.authority_key().unwrap();
    let sign = |m: &[u8]| key.sign(m);
    let device = RawDevice::register(&url).await.unwrap();
    let t0 = base_time();

    // A case, marked once and replayed twice (as captured, byte for byte).
    let case_body = serde_json::json!({
        "device_id": device.id,
        "from": t0 - Duration::hours(2),
        "until": t0 + Duration::hours(2),
    });
    let captured = CapturedRequest::authority(
        &key.key_id(),
        &sign,
        Method::POST,
        "/v1/authority/cases",
        Utc::now().timestamp_millis(),
        serde_json::to_vec(&case_body).unwrap(),
    );
    let (status, first) = captured.send(&url).await.unwrap();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&first));
    for _ in 0..2 {
        let (status, again) = captured.send(&url).await.unwrap();
        assert!(
            status < 300,
            "{status}: {}",
            String::from_utf8_lossy(&again)
        );
        assert_eq!(json(&again)["case_id"], json(&first)["case_id"]);
    }
    assert_eq!(server.cases().await.unwrap().len(), 1);

    // A venue registration, replayed.
    let venue_body = serde_json::json!({"name": "Chợ Tân Định", "ward": "Phường Tân Định"});
    let captured = CapturedRequest::authority(
        &key.key_id(),
        &sign,
        Method::POST,
        "/v1/authority/venues",
        Utc::now().timestamp_millis(),
        serde_json::to_vec(&venue_body).unwrap(),
    );
    let (status, first) = captured.send(&url).await.unwrap();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&first));
    let (status, again) = captured.send(&url).await.unwrap();
    assert!(
        status < 300,
        "{status}: {}",
        String::from_utf8_lossy(&again)
    );
    assert_eq!(json(&again)["venue_id"], json(&first)["venue_id"]);
    assert_eq!(json(&again)["code"], json(&first)["code"]);
    assert_eq!(server.venues_named("Tân Định").await.unwrap().len(), 1);
    // The same venue asked for again in a new request (another timestamp) is a new venue:
    // idempotency is per request, not per name.
    let fresh = CapturedRequest::authority(
        &key.key_id(),
        &sign,
        Method::POST,
        "/v1/authority/venues",
        Utc::now().timestamp_millis() + 1,
        serde_json::to_vec(&venue_body).unwrap(),
    );
    let (status, other) = fresh.send(&url).await.unwrap();
    assert_eq!(status, 201);
    assert_ne!(json(&other)["venue_id"], json(&first)["venue_id"]);

    // Timestamps at the ends of i64, with either scheme: stale, not a crash.
    let client = http();
    for ts in [i64::MIN, i64::MIN + 1, i64::MAX] {
        for (scheme, principal) in [
            (AUTHORITY_SCHEME, key.key_id()),
            (DEVICE_SCHEME, device.id.to_hex()),
        ] {
            let resp = client
                .get(format!("{url}/v1/keys"))
                .header(
                    reqwest::header::AUTHORIZATION,
                    RequestAuth::header_value(scheme, &principal, ts, &[0; 64]),
                )
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: ErrorBody = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            if scheme == AUTHORITY_SCHEME {
                // /v1/keys is a device endpoint: the credential is refused before its time.
                assert_eq!((status, body.error.as_str()), (403, "wrong_credential"));
            } else {
                assert_eq!(
                    (status, body.error.as_str()),
                    (401, "stale_request"),
                    "{ts}"
                );
            }
        }
        let resp = client
            .post(format!("{url}/v1/authority/cases"))
            .header(
                reqwest::header::AUTHORIZATION,
                RequestAuth::header_value(AUTHORITY_SCHEME, &key.key_id(), ts, &[0; 64]),
            )
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: ErrorBody = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(
            (status, body.error.as_str()),
            (401, "stale_request"),
            "{ts}"
        );
    }
    assert_eq!(server.cases().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_writes_are_idempotent_under_replay_sqlite() {
    replays(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_writes_are_idempotent_under_replay_postgres() {
    replays(Backend::Postgres).await;
}
