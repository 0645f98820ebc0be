//! What the server refuses, and that a refusal stores nothing: altered records, unknown
//! devices, a record id replayed with other content, oversize batches and bodies, the
//! wrong kind of credential, malformed bodies, insane times, and too many requests.

// The refusal helper is shared by the #[test]s below; failing loudly is its job.
#![allow(clippy::unwrap_used)]

use chrono::Duration as Span;
use reqwest::Method;
use vaora_core::sync::client::{self, SyncOptions};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, CheckInMethod, RecordKind, SignedRecord};
use vaora_protocol::wire::{
    self, AUTHORITY_SCHEME, CBOR_CONTENT_TYPE, DEVICE_SCHEME, ErrorBody, RecordStatus,
};
use vaora_server::Limits;
use vaora_tests::sync_fixture::{
    Backend, Phone, ServerFixture, base_time, raw_device_request, venue,
};

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body).unwrap().error
}

fn checkin(
    identity: &DeviceIdentity,
    id: Id128,
    name: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> SignedRecord {
    let body = CheckInBody {
        id,
        person_id: Id128::random().unwrap(),
        person_name: name.into(),
        venue: venue("Quán nước").unwrap(),
        method: CheckInMethod::ScannedVenueCode,
        checked_in_at: at,
        checked_out_at: Some(at + Span::minutes(30)),
    };
    identity.sign_record(RecordKind::CheckIn, body.encode())
}

async fn refusals(backend: Backend) {
    let limits = Limits {
        max_batch: 50,
        max_body_bytes: 64 * 1024,
        rate_burst: 40.0,
        rate_per_second: 0.001,
        ..Limits::default()
    };
    let server = ServerFixture::start_with(backend, limits).await.unwrap();
    let url = server.url();
    let t0 = base_time();
    let phone = Phone::new(t0 + Span::hours(3)).unwrap();
    let reg = client::register(&phone.diary, &url, &SyncOptions::default())
        .await
        .unwrap();
    let device = reg.device_id.to_hex();
    let sign = |m: &[u8]| phone.lock().identity().sign_bytes(m);
    let upload = |records: Vec<SignedRecord>| {
        let body = wire::encode_upload(&records);
        let device = device.clone();
        let url = url.clone();
        let sign = &sign;
        async move {
            raw_device_request(
                &url,
                Method::POST,
                "/v1/records",
                &device,
                DEVICE_SCHEME,
                sign,
                CBOR_CONTENT_TYPE,
                body,
            )
            .await
            .unwrap()
        }
    };
    let identity =
        DeviceIdentity::from_secret_bytes(phone.lock().identity().secret_bytes().as_slice())
            .unwrap();

    // A good record, an altered one, a future one, one with an unknown kind: answered one by one.
    let good = checkin(&identity, Id128::random().unwrap(), "An", t0);
    let mut altered = checkin(&identity, Id128::random().unwrap(), "Bình", t0);
    // The first letter of the person's name (after id, person id and the length prefix).
    altered.body[36] ^= 1;
    let future = checkin(
        &identity,
        Id128::random().unwrap(),
        "Chi",
        chrono::Utc::now() + Span::hours(2),
    );
    let mut unknown_kind = checkin(&identity, Id128::random().unwrap(), "Dũng", t0);
    unknown_kind.kind = RecordKind::Declaration;
    let (status, body) = upload(vec![good.clone(), altered, future, unknown_kind]).await;
    assert_eq!(status, 200);
    let answers = wire::decode_upload_answer(&body).unwrap();
    assert_eq!(answers[0], RecordStatus::Accepted);
    assert!(
        matches!(&answers[1], RecordStatus::Rejected(r) if r.contains("signature")),
        "{:?}",
        answers[1]
    );
    assert!(
        matches!(&answers[2], RecordStatus::Rejected(r) if r.contains("future")),
        "{:?}",
        answers[2]
    );
    // A check-in body signed as a declaration fails the signature (kind is signed).
    assert!(
        matches!(&answers[3], RecordStatus::Rejected(_)),
        "{:?}",
        answers[3]
    );
    assert_eq!(server.record_count().await.unwrap(), 1);

    // The same record again is a duplicate; the same id with other content is refused.
    let replay = checkin(&identity, good.id().unwrap(), "An (changed)", t0);
    let (status, body) = upload(vec![good.clone(), replay.clone()]).await;
    assert_eq!(status, 200);
    let answers = wire::decode_upload_answer(&body).unwrap();
    assert_eq!(answers[0], RecordStatus::Duplicate);
    assert!(
        matches!(&answers[1], RecordStatus::Rejected(r) if r.contains("different content")),
        "{:?}",
        answers[1]
    );
    // Also when the changed replay comes alone, in a later request.
    let (_, body) = upload(vec![replay]).await;
    assert!(matches!(
        &wire::decode_upload_answer(&body).unwrap()[0],
        RecordStatus::Rejected(_)
    ));
    assert_eq!(server.record_count().await.unwrap(), 1);

    // Oversize batch: refused whole, nothing stored.
    let many: Vec<SignedRecord> = (0..51)
        .map(|i| checkin(&identity, Id128::random().unwrap(), &format!("P{i}"), t0))
        .collect();
    let (status, body) = upload(many).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "batch_too_large");
    // Oversize body.
    let mut big = checkin(&identity, Id128::random().unwrap(), &"x".repeat(70_000), t0);
    big.kind = RecordKind::CheckIn;
    let (status, body) = upload(vec![big]).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "body_too_large");
    assert_eq!(server.record_count().await.unwrap(), 1);

    // Malformed bodies.
    let (status, body) = raw_device_request(
        &url,
        Method::POST,
        "/v1/records",
        &device,
        DEVICE_SCHEME,
        &sign,
        CBOR_CONTENT_TYPE,
        b"\xff\x00garbage".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "malformed_body")
    );
    let (status, body) = raw_device_request(
        &url,
        Method::POST,
        "/v1/records",
        &device,
        DEVICE_SCHEME,
        &sign,
        CBOR_CONTENT_TYPE,
        wire_map(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "malformed_body")
    );
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/devices"))
        .body("{\"public_key\": 12")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // A registration whose proof was made by another key.
    let other = DeviceIdentity::generate().unwrap();
    let forged = serde_json::json!({
        "public_key": hex::encode(other.public_key()),
        "proof": hex::encode(identity.sign_bytes(&wire::RegisterRequest::proof_input(&other.public_key()))),
    });
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/devices"))
        .body(forged.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // An unregistered device, even with perfectly signed records and request.
    let stranger = DeviceIdentity::generate().unwrap();
    let rec = checkin(&stranger, Id128::random().unwrap(), "Lạ", t0);
    let (status, body) = raw_device_request(
        &url,
        Method::POST,
        "/v1/records",
        &Id128::random().unwrap().to_hex(),
        DEVICE_SCHEME,
        &|m| stranger.sign_bytes(m),
        CBOR_CONTENT_TYPE,
        wire::encode_upload(&[rec]),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&body).as_str()),
        (401, "unknown_device")
    );
    // A registered device id with a request signed by another key.
    let (status, body) = raw_device_request(
        &url,
        Method::GET,
        "/v1/keys",
        &device,
        DEVICE_SCHEME,
        &|m| stranger.sign_bytes(m),
        "",
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!((status, error_code(&body).as_str()), (401, "bad_signature"));

    // Credentials: a device on an authority endpoint, the authority on a device endpoint.
    let path = "/v1/authority/cases";
    let case = serde_json::to_vec(&serde_json::json!({
        "device_id": device, "from": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"
    }))
    .unwrap();
    let (status, body) = raw_device_request(
        &url,
        Method::POST,
        path,
        &device,
        DEVICE_SCHEME,
        &sign,
        "application/json",
        case.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "wrong_credential")
    );
    let key = server.authority_key().unwrap();
    let (status, body) = raw_device_request(
        &url,
        Method::GET,
        "/v1/exposures?since=0",
        &key.key_id(),
        AUTHORITY_SCHEME,
        &|m| key.sign(m),
        "",
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "wrong_credential")
    );
    // A device key pretending to be the authority.
    let (status, _) = raw_device_request(
        &url,
        Method::POST,
        path,
        &key.key_id(),
        AUTHORITY_SCHEME,
        &sign,
        "application/json",
        case,
    )
    .await
    .unwrap();
    assert_eq!(status, 401);
    assert_eq!(server.record_count().await.unwrap(), 1);

    // Rate limit: the burst runs out, then 429 with Retry-After.
    let mut limited = None;
    for _ in 0..60 {
        let (status, body) = raw_device_request(
            &url,
            Method::GET,
            "/v1/keys",
            &device,
            DEVICE_SCHEME,
            &sign,
            "",
            Vec::new(),
        )
        .await
        .unwrap();
        if status == 429 {
            limited = Some(error_code(&body));
            break;
        }
        assert_eq!(status, 200);
    }
    assert_eq!(limited.as_deref(), Some("rate_limited"));
}

/// Valid CBOR of the wrong shape (a map, not an array of records).
fn wire_map() -> Vec<u8> {
    vec![0xa1, 0x61, 0x61, 0x01]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refusals_sqlite() {
    refusals(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refusals_postgres() {
    refusals(Backend::Postgres).await;
}
