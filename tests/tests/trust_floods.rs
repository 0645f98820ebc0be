//! Trust no device, attack 5 in part (`docs/sync-protocol.md`, threat model): floods.
//! With the server's default limits: registrations from one address are limited (others
//! go on), declaration and staff check-in bodies are decoded and checked (no 4 KiB of
//! anything is stored), and an upload whose array head announces more records than
//! allowed is refused before it is read. On SQLite and PostgreSQL.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};

use chrono::{Duration, Utc};
use vaora_protocol::declare::{Answers, DeclarationBody, DeclarePolicy, DeclaredFor, PersonRef};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::{self, ErrorBody, RecordStatus};
use vaora_tests::adversary::{RawDevice, garbage_body, register_request};
use vaora_tests::sync_fixture::{Backend, ServerFixture};

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body).unwrap().error
}

/// Registers a fresh key from the local address `from`: the status.
async fn register_from(url: &str, from: IpAddr) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    register_through(http, url, None).await
}

/// Registers a fresh key with `http`, saying through `forwarded` (as a proxy would) who
/// the client is: the status.
async fn register_through(http: reqwest::Client, url: &str, forwarded: Option<&str>) -> u16 {
    let identity = DeviceIdentity::generate().unwrap();
    let mut request = http
        .post(format!("{url}/v1/devices"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&register_request(&identity)).unwrap());
    if let Some(client) = forwarded {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn registrations(url: &str) {
    let here = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    let mut statuses = Vec::new();
    for _ in 0..60 {
        statuses.push(register_from(url, here).await);
    }
    assert_eq!(statuses[0], 201);
    assert!(
        statuses.contains(&429),
        "60 registrations in a row from one address were all served: {statuses:?}"
    );
    // Another address is not held back by that one.
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    assert_eq!(register_from(url, elsewhere).await, 201);
}

async fn bodies(url: &str) {
    let device = RawDevice::register(url).await.unwrap();
    let now = Utc::now();
    // 4 KiB of anything behind a record id, signed as a declaration and as a staff
    // check-in: refused, never stored.
    let junk: Vec<_> = [RecordKind::Declaration, RecordKind::StaffCheckIn]
        .iter()
        .map(|k| device.sign(*k, garbage_body(Id128::random().unwrap(), 4096)))
        .collect();
    let answers = device.upload(&junk).await.unwrap();
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, RecordStatus::Rejected(_))),
        "undecodable bodies were stored: {answers:?}"
    );
    // A declaration that decodes but breaks the spec's rules (a name of control
    // characters, a validity of a year) is refused too; a proper one is stored.
    let person = |name: &str| PersonRef {
        id: Id128::random().unwrap(),
        name: name.into(),
        birth_year: Some(1950),
    };
    let good = DeclarationBody::new(
        Id128::random().unwrap(),
        person("Phạm Văn Đức"),
        DeclaredFor::Myself,
        Answers::all_clear(),
        now,
        now.date_naive(),
        &DeclarePolicy::default(),
    )
    .unwrap();
    let mut bad_name = good.clone();
    bad_name.id = Id128::random().unwrap();
    bad_name.subject.name = "\u{7}\u{7}\u{7}".into();
    let mut forever = good.clone();
    forever.id = Id128::random().unwrap();
    forever.valid_until = now + Duration::days(365);
    let records: Vec<_> = [&good, &bad_name, &forever]
        .iter()
        .map(|b| device.sign(RecordKind::Declaration, b.encode()))
        .collect();
    let answers = device.upload(&records).await.unwrap();
    assert_eq!(answers[0], RecordStatus::Accepted);
    assert!(
        matches!(answers[1], RecordStatus::Rejected(_)),
        "{answers:?}"
    );
    assert!(
        matches!(answers[2], RecordStatus::Rejected(_)),
        "{answers:?}"
    );

    // An array head announcing a million records (and nothing after it): 413 before any
    // record is read.
    let (status, body) = device
        .upload_bytes(vec![0x9a, 0x00, 0x0f, 0x42, 0x40])
        .await
        .unwrap();
    assert_eq!((status, error_code(&body)), (413, "batch_too_large".into()));
}

async fn floods(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    bodies(&url).await;
    registrations(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_are_bounded_sqlite() {
    floods(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_are_bounded_postgres() {
    floods(Backend::Postgres).await;
}

/// A stand-in for Play Integrity / App Attest: accepts a verdict whose token is the hex of
/// the challenge it was asked for (a real verifier checks the platform's signature and the
/// nonce inside the verdict).
struct FakeVerifier;

impl vaora_server::AttestationVerifier for FakeVerifier {
    fn verify(&self, attestation: &wire::Attestation, challenge: &[u8; 32]) -> Result<(), String> {
        if attestation.platform == "play-integrity" && attestation.token == hex::encode(challenge) {
            Ok(())
        } else {
            Err("the verdict does not verify".into())
        }
    }
}

async fn register_with(url: &str, request: &wire::RegisterRequest) -> (u16, String) {
    let resp = vaora_tests::adversary::http()
        .post(format!("{url}/v1/devices"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(request).unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    let code = serde_json::from_slice::<ErrorBody>(&body).map_or(String::new(), |e| e.error);
    (status, code)
}

/// The attestation seam: off by default (every other test registers without one); when a
/// verifier is configured, a registration without a verdict, or with one for another key,
/// is refused, and one whose verdict is bound to its key is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_can_require_platform_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let server = vaora_server::start(vaora_server::ServerConfig {
        listen: "127.0.0.1:0".into(),
        database: vaora_server::Database::Sqlite(dir.path().join("server.db")),
        replica: None,
        console: Default::default(),
        attestation: vaora_server::AttestationPolicy::required(std::sync::Arc::new(FakeVerifier)),
        authority_dir: dir.path().join("authority"),
        limits: vaora_server::Limits::default(),
    })
    .await
    .unwrap();
    let url = format!("http://{}", server.addr);
    let identity = DeviceIdentity::generate().unwrap();
    let mut request = register_request(&identity);
    assert_eq!(
        register_with(&url, &request).await,
        (403, "attestation_refused".into())
    );
    let other = DeviceIdentity::generate().unwrap();
    let verdict = |key: &[u8; 32]| wire::Attestation {
        platform: "play-integrity".into(),
        token: hex::encode(wire::RegisterRequest::attestation_challenge(key)),
    };
    request.attestation = Some(verdict(&other.public_key()));
    assert_eq!(
        register_with(&url, &request).await,
        (403, "attestation_refused".into())
    );
    request.attestation = Some(verdict(&identity.public_key()));
    assert_eq!(register_with(&url, &request).await.0, 201);
    server.shutdown().await;
}

/// Many addresses at once (a botnet, an IPv6 prefix): each stays within its own budget,
/// yet the server's budget for everyone together bounds how many registrations it serves.
async fn registrations_from_many_addresses(backend: Backend) {
    let server = ServerFixture::start_with(
        backend,
        vaora_server::Limits {
            register_all_burst: 5.0,
            register_all_per_second: 0.001,
            ..vaora_server::Limits::default()
        },
    )
    .await
    .unwrap();
    let url = server.url();
    let mut statuses = Vec::new();
    for last in 1..=12u8 {
        statuses.push(register_from(&url, IpAddr::V4(Ipv4Addr::new(127, 0, 1, last))).await);
    }
    assert_eq!(&statuses[..5], &[201; 5], "{statuses:?}");
    assert!(
        statuses[5..].iter().all(|s| *s == 429),
        "registrations past the server's budget were served: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_overall_are_bounded_sqlite() {
    registrations_from_many_addresses(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_overall_are_bounded_postgres() {
    registrations_from_many_addresses(Backend::Postgres).await;
}

/// A GET signed by `identity` but naming `principal` as the device, from local address
/// `from`: the status and the error code.
async fn device_get_from(
    url: &str,
    from: IpAddr,
    principal: &str,
    identity: &DeviceIdentity,
) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    let path = "/v1/exposures";
    let ts = Utc::now().timestamp_millis();
    let sig = identity.sign_bytes(&wire::request_signing_input("GET", path, ts, b""));
    let resp = http
        .get(format!("{url}{path}"))
        .header(
            reqwest::header::AUTHORIZATION,
            wire::RequestAuth::header_value(wire::DEVICE_SCHEME, principal, ts, &sig),
        )
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    let code = serde_json::from_slice::<ErrorBody>(&body)
        .map(|e| e.error)
        .unwrap_or_default();
    (status, code)
}

/// Requests naming made-up device ids (each one a database lookup) are refused cheaply
/// once an address has named too many: 429 before any lookup. Another address, and a
/// registered device from it, go on.
async fn unknown_devices(backend: Backend) {
    let server = ServerFixture::start_with(
        backend,
        vaora_server::Limits {
            unknown_device_burst: 5.0,
            unknown_device_per_second: 0.001,
            ..vaora_server::Limits::default()
        },
    )
    .await
    .unwrap();
    let url = server.url();
    let flooder = IpAddr::V4(Ipv4Addr::new(127, 0, 2, 1));
    let identity = DeviceIdentity::generate().unwrap();
    let mut answers = Vec::new();
    for _ in 0..12 {
        let made_up = Id128::random().unwrap().to_hex();
        answers.push(device_get_from(&url, flooder, &made_up, &identity).await);
    }
    assert!(
        answers[..5]
            .iter()
            .all(|(s, c)| *s == 401 && c == "unknown_device"),
        "{answers:?}"
    );
    assert!(
        answers[5..]
            .iter()
            .all(|(s, c)| *s == 429 && c == "rate_limited"),
        "unknown devices past the address's budget were looked up: {answers:?}"
    );
    // A registered phone elsewhere is served.
    let phone = RawDevice::register(&url).await.unwrap();
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 2, 2));
    let (status, _) = device_get_from(&url, elsewhere, &phone.id.to_hex(), &phone.identity).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devices_are_refused_cheaply_sqlite() {
    unknown_devices(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devices_are_refused_cheaply_postgres() {
    unknown_devices(Backend::Postgres).await;
}

/// Registers a fresh key through a proxy at 127.0.0.1 that says the client is `forwarded`.
async fn register_forwarded(url: &str, forwarded: &str) -> u16 {
    register_through(vaora_tests::adversary::http(), url, Some(forwarded)).await
}

async fn server_behind(dir: &std::path::Path, trusted: Vec<IpAddr>) -> vaora_server::RunningServer {
    vaora_server::start(vaora_server::ServerConfig {
        listen: "127.0.0.1:0".into(),
        database: vaora_server::Database::Sqlite(dir.join("server.db")),
        replica: None,
        console: vaora_server::ConsoleSettings {
            https: false,
            trusted_proxies: trusted,
        },
        attestation: Default::default(),
        authority_dir: dir.join("authority"),
        limits: vaora_server::Limits::default(),
    })
    .await
    .unwrap()
}

/// Behind a balancer (several nodes, docs/scaling.md) every request comes from the
/// balancer's address: the per-address registration budget counts the address a trusted
/// proxy forwards, so phones on other networks are not held back by each other, and one
/// address that floods is still limited. An untrusted peer's `X-Forwarded-For` is not
/// believed (anyone can write it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_budgets_count_the_address_a_trusted_proxy_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let proxy = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let server = server_behind(dir.path(), vec![proxy]).await;
    let url = format!("http://{}", server.addr);
    for i in 0..30 {
        assert_eq!(
            register_forwarded(&url, &format!("203.0.113.{i}")).await,
            201
        );
    }
    let mut one = Vec::new();
    for _ in 0..30 {
        one.push(register_forwarded(&url, "198.51.100.7").await);
    }
    assert!(
        one.contains(&429),
        "one forwarded address was never limited"
    );
    // A client cannot pick its address by writing the header's left part itself: these
    // all count against the address the proxy saw (burst 20).
    let mut spoofed = Vec::new();
    for i in 0..40 {
        spoofed.push(register_forwarded(&url, &format!("192.0.2.{i}, 198.51.100.8")).await);
    }
    assert!(spoofed.contains(&429), "{spoofed:?}");
    server.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let server = server_behind(dir.path(), Vec::new()).await;
    let url = format!("http://{}", server.addr);
    let mut untrusted = Vec::new();
    for i in 0..40 {
        untrusted.push(register_forwarded(&url, &format!("203.0.113.{i}")).await);
    }
    assert!(
        untrusted.contains(&429),
        "an untrusted peer's header was believed"
    );
    server.shutdown().await;
}
