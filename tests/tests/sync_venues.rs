//! `POST /v1/authority/venues` on the real server (SQLite and PostgreSQL): the returned code
//! verifies with the server's authority key, the poster PNG decodes back to the same code,
//! the venue lands in the console's registry, and what must be refused is refused (device
//! credential, malformed or invalid bodies) with 4xx JSON and nothing stored.

#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use chrono::Utc;
use reqwest::Method;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::venue::{
    Authority, SignerPolicy, TrustStore, VenueCategory, VenueCode, Verification,
};
use vaora_protocol::wire::{
    AUTHORITY_SCHEME, DEVICE_SCHEME, ErrorBody, RegisterRequest, VenueRequest,
};
use vaora_server::Database;
use vaora_server::storage::{VenueQuery, VenueRow};
use vaora_tests::sync_fixture::{Backend, ServerFixture, raw_device_request};

const PATH: &str = "/v1/authority/venues";

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body).unwrap().error
}

/// Registry rows whose name contains `text`, read through a second connection.
async fn registry(db: &Database, text: &str) -> Vec<VenueRow> {
    let q = VenueQuery {
        text: text.into(),
        limit: 50,
        ..VenueQuery::default()
    };
    vaora_tests::posters::registry(db, q).await
}

async fn venues(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = server.authority().unwrap();

    // Register through the same client the CLI uses.
    let name = "Chợ Bến Thành – Cổng Nam";
    let resp = authority
        .register_venue(&VenueRequest {
            name: name.into(),
            address: "Lê Lợi, Quận 1".into(),
            ward: "Phường Bến Thành".into(),
            category: Some("market".into()),
            stay_minutes: Some(45),
        })
        .await
        .unwrap();

    // The code verifies with the server's authority key and says what was asked.
    let trust = server.trust_store().unwrap();
    let key = Authority::load_dir(&server.authority_dir).unwrap();
    let verified = trust.verify_text(&resp.code, Utc::now());
    assert_eq!(verified.result, Verification::Valid);
    let info = VenueCode::parse(&resp.code).unwrap().info;
    assert_eq!(info.venue_id, resp.venue_id);
    assert_eq!(info.name, name);
    assert_eq!(info.address, "Lê Lợi, Quận 1");
    assert_eq!(info.category, VenueCategory::Market);
    assert_eq!(info.default_stay_min, 45);
    assert!(resp.valid_from <= Utc::now() && resp.valid_until > Utc::now());
    // A stranger's key does not verify it.
    let mut stranger = TrustStore::new();
    let other = Authority::generate(key.valid_from(), key.valid_until()).unwrap();
    stranger
        .apply_keyset(
            &other.self_signed_keyset(Utc::now().timestamp()),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    assert_ne!(
        stranger.verify_text(&resp.code, Utc::now()).result,
        Verification::Valid
    );

    // The PNG poster scans back to exactly the code; the SVG carries the name, escaped.
    let png = base64::engine::general_purpose::STANDARD
        .decode(&resp.poster_png_base64)
        .unwrap();
    let texts = vaora_tests::posters::codes_in_png(&png);
    assert_eq!(texts, vec![resp.code.clone()]);
    assert!(resp.poster_svg.starts_with("<svg"));
    assert!(resp.poster_svg.contains("Chợ Bến Thành"));

    // It is in the registry the console reads, with its ward and code.
    let rows = registry(&server.database, "Bến Thành").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, resp.venue_id);
    assert_eq!(rows[0].ward, "Phường Bến Thành");
    assert_eq!(rows[0].code_text, resp.code);
    assert_eq!(rows[0].category, VenueCategory::Market.code());

    // Defaults: no category → other, no stay → 60 minutes.
    let plain = authority
        .register_venue(&VenueRequest::named("Nhà văn hoá khu phố 3"))
        .await
        .unwrap();
    let info = VenueCode::parse(&plain.code).unwrap().info;
    assert_eq!(
        (info.category, info.default_stay_min),
        (VenueCategory::Other, 60)
    );

    // A registered device's credential is refused with 403, nothing stored.
    let identity = DeviceIdentity::generate().unwrap();
    let pk = identity.public_key();
    let reg = RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(identity.sign_bytes(&RegisterRequest::proof_input(&pk))),
        attestation: None,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let answer = reqwest::Client::new()
        .post(format!("{url}/v1/devices"))
        .body(serde_json::to_vec(&reg).unwrap())
        .send()
        .await
        .unwrap();
    let device: vaora_protocol::wire::RegisterResponse =
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    let body = serde_json::to_vec(&VenueRequest {
        name: "Quán của thiết bị".into(),
        address: String::new(),
        ward: String::new(),
        category: None,
        stay_minutes: None,
    })
    .unwrap();
    let (status, answer) = raw_device_request(
        &url,
        Method::POST,
        PATH,
        &device.device_id.to_hex(),
        DEVICE_SCHEME,
        &|m| identity.sign_bytes(m),
        "application/json",
        body.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (403, "wrong_credential")
    );
    // A device key claiming to be the authority: 401.
    let key_id = server.authority_key().unwrap().key_id();
    let (status, answer) = raw_device_request(
        &url,
        Method::POST,
        PATH,
        &key_id,
        AUTHORITY_SCHEME,
        &|m| identity.sign_bytes(m),
        "application/json",
        body,
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (401, "bad_signature")
    );
    assert!(registry(&server.database, "thiết bị").await.is_empty());

    // Malformed and invalid bodies: 4xx JSON, nothing stored.
    let signer = server.authority_key().unwrap();
    let bad_bodies: Vec<(&str, u16, &str)> = vec![
        ("{not json", 400, "malformed_body"),
        ("[]", 400, "malformed_body"),
        (r#"{"address": "no name"}"#, 400, "malformed_body"),
        (r#"{"name": 7}"#, 400, "malformed_body"),
        (r#"{"name": "   "}"#, 400, "invalid_venue"),
        (
            r#"{"name": "Ki-ốt", "category": "spaceport"}"#,
            400,
            "invalid_venue",
        ),
        (
            r#"{"name": "Ki-ốt", "stay_minutes": 0}"#,
            400,
            "invalid_venue",
        ),
        (
            r#"{"name": "Ki-ốt", "stay_minutes": 70000}"#,
            400,
            "malformed_body",
        ),
    ];
    for (body, want_status, want_code) in bad_bodies {
        let (status, answer) = raw_device_request(
            &url,
            Method::POST,
            PATH,
            &key_id,
            AUTHORITY_SCHEME,
            &|m| signer.sign(m),
            "application/json",
            body.as_bytes().to_vec(),
        )
        .await
        .unwrap();
        assert_eq!(
            (status, error_code(&answer).as_str()),
            (want_status, want_code),
            "{}",
            body
        );
    }
    let long = format!(r#"{{"name": "{}"}}"#, "Quán ".repeat(100));
    let (status, answer) = raw_device_request(
        &url,
        Method::POST,
        PATH,
        &key_id,
        AUTHORITY_SCHEME,
        &|m| signer.sign(m),
        "application/json",
        long.into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (400, "invalid_venue")
    );
    assert!(registry(&server.database, "Ki-ốt").await.is_empty());
    assert!(registry(&server.database, "Quán Quán").await.is_empty());
    // Oversize body: 413 JSON.
    let huge = vec![b' '; 64 * 1024];
    let (status, answer) = raw_device_request(
        &url,
        Method::POST,
        PATH,
        &key_id,
        AUTHORITY_SCHEME,
        &|m| signer.sign(m),
        "application/json",
        huge,
    )
    .await
    .unwrap();
    assert_eq!(
        (status, error_code(&answer).as_str()),
        (413, "body_too_large")
    );
    // Still exactly the two venues registered above.
    assert_eq!(registry(&server.database, "").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_venues_sqlite() {
    venues(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_venues_postgres() {
    venues(Backend::Postgres).await;
}
