//! Issue 19, venues register themselves: `POST /v1/venues` (no credential) on the real
//! server, SQLite and PostgreSQL, through the client `vaora venue register` uses. The code
//! verifies with the server's authority key and its poster scans back to it; the registry
//! keeps the normalised contact phone and a hash of the management secret; the console's
//! filter tells owners' venues from the authority's; a contact phone registers at most
//! five venues; bad input is refused with a typed error and stores nothing; addresses and
//! the server have budgets.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};

use base64::Engine as _;
use chrono::Utc;
use vaora_core::sync::client::SyncError;
use vaora_core::sync::own_venue::register_own_venue;
use vaora_core::sync::reqwest_transport::ReqwestTransport;
use vaora_protocol::venue::{VenueCategory, VenueCode, Verification};
use vaora_protocol::wire::{ErrorBody, OwnVenueRequest, VenueRequest};
use vaora_server::storage::{VenueQuery, VenueRow};
use vaora_server::{Database, Limits};
use vaora_tests::sync_fixture::{Backend, ServerFixture};

/// Registry rows, read through a second connection: whose name contains `text`, and who
/// registered them (`None`: anyone).
async fn registry(db: &Database, text: &str, self_registered: Option<bool>) -> Vec<VenueRow> {
    let q = VenueQuery {
        text: text.into(),
        include_revoked: true,
        self_registered,
        limit: 50,
        ..VenueQuery::default()
    };
    vaora_tests::posters::registry(db, q).await
}

fn shop(name: &str, contact: &str) -> OwnVenueRequest {
    OwnVenueRequest {
        venue: VenueRequest {
            name: name.into(),
            address: "13 Lò Đúc, Hai Bà Trưng".into(),
            ward: "Phường Phạm Đình Hổ".into(),
            category: Some("restaurant-shop".into()),
            stay_minutes: Some(30),
        },
        contact: contact.into(),
    }
}

/// [`shop`] with other venue fields.
fn shop_with(name: &str, edit: impl FnOnce(&mut VenueRequest)) -> OwnVenueRequest {
    let mut req = shop(name, "0911 111 111");
    edit(&mut req.venue);
    req
}

/// The server's code (`status`, `code`) of a refusal.
fn refusal(e: SyncError) -> (u16, String) {
    match e {
        SyncError::Server { status, code, .. } => (status, code),
        other => panic!("not a server refusal: {other:?}"),
    }
}

/// Generous per-address budget: these tests register many venues from one address.
fn roomy() -> Limits {
    Limits {
        own_venue_burst: 100.0,
        ..Limits::default()
    }
}

async fn owners_register(backend: Backend) {
    let server = ServerFixture::start_with(backend, roomy()).await.unwrap();
    let url = server.url();
    let transport = ReqwestTransport::new().unwrap();

    // Diacritics and markup in the name; the phone as people type it.
    let name = "Phở Thìn <b>Lò Đúc</b> & con";
    let resp = register_own_venue(&transport, &url, &shop(name, "+84 912-345.678"))
        .await
        .unwrap();

    // The code verifies with the server's authority key and says what was asked.
    let trust = server.trust_store().unwrap();
    let venue = &resp.venue;
    assert_eq!(
        trust.verify_text(&venue.code, Utc::now()).result,
        Verification::Valid
    );
    let info = VenueCode::parse(&venue.code).unwrap().info;
    assert_eq!(info.venue_id, venue.venue_id);
    assert_eq!(info.name, name);
    assert_eq!(info.category, VenueCategory::RestaurantOrShop);
    assert_eq!(info.default_stay_min, 30);

    // The PNG poster scans back to exactly the code; the SVG escapes the markup.
    let png = base64::engine::general_purpose::STANDARD
        .decode(&venue.poster_png_base64)
        .unwrap();
    let texts = vaora_tests::posters::codes_in_png(&png);
    assert_eq!(texts, vec![venue.code.clone()]);
    assert!(!venue.poster_svg.contains("<b>"));

    // The management secret: 32 hex digits, which the server does not keep as such.
    assert_eq!(resp.manage_secret.len(), 32);
    assert!(resp.manage_secret.chars().all(|c| c.is_ascii_hexdigit()));
    let rows = registry(&server.database, "Phở Thìn", None).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, venue.venue_id);
    assert!(row.self_registered());
    assert_eq!(row.contact, "0912345678", "the contact is kept normalised");
    let hash = row.manage_hash.unwrap();
    assert_ne!(&hash[..16], &hex::decode(&resp.manage_secret).unwrap()[..]);

    // The authority's venues and the owners' are told apart.
    server
        .authority()
        .unwrap()
        .register_venue(&VenueRequest {
            name: "Phở Thìn – quầy của phường".into(),
            address: String::new(),
            ward: "Phường Phạm Đình Hổ".into(),
            category: None,
            stay_minutes: None,
        })
        .await
        .unwrap();
    let owners = registry(&server.database, "Phở Thìn", Some(true)).await;
    let authority = registry(&server.database, "Phở Thìn", Some(false)).await;
    assert_eq!(
        owners.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![row.id]
    );
    assert_eq!(authority.len(), 1);
    assert!(!authority[0].self_registered());
    assert_eq!(authority[0].contact, "");

    // One phone registers at most five venues, however it is written.
    for (i, typed) in [
        "0912 345 678",
        "0912.345.678",
        "(0912) 345-678",
        "+84912345678",
    ]
    .iter()
    .enumerate()
    {
        register_own_venue(&transport, &url, &shop(&format!("Quán số {i}"), typed))
            .await
            .unwrap();
    }
    let sixth = register_own_venue(&transport, &url, &shop("Quán số 6", "0912345678"))
        .await
        .unwrap_err();
    assert_eq!(refusal(sixth), (403, "contact_limit".into()));
    assert!(
        registry(&server.database, "Quán số 6", None)
            .await
            .is_empty()
    );
    // Another phone still may.
    register_own_venue(&transport, &url, &shop("Quán số 6", "0987 654 321"))
        .await
        .unwrap();

    // Bad input: a typed refusal, nothing stored.
    let before = registry(&server.database, "", None).await.len();
    let bad = [
        shop("Quán không số", ""),
        shop("Quán chữ", "không có số"),
        shop("Quán ngắn", "12345"),
        shop("   ", "0911 111 111"),
        shop_with("Quán lạ", |v| v.category = Some("spaceship".into())),
        shop_with("Quán vội", |v| v.stay_minutes = Some(0)),
        shop_with("Quán lâu", |v| v.stay_minutes = Some(1441)),
    ];
    for req in bad {
        let e = register_own_venue(&transport, &url, &req)
            .await
            .unwrap_err();
        assert_eq!(refusal(e), (400, "invalid_venue".into()), "{req:?}");
    }
    let http = reqwest::Client::new();
    for body in [
        &b"{not json"[..],
        br#"{"name":"X","ward":"Y"}"#,
        &[0xff; 64],
    ] {
        let resp = http
            .post(format!("{url}/v1/venues"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let answer: ErrorBody = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert!(!answer.message.is_empty());
    }
    assert_eq!(registry(&server.database, "", None).await.len(), before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_register_their_venues_sqlite() {
    owners_register(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_register_their_venues_postgres() {
    owners_register(Backend::Postgres).await;
}

/// One self-registration from the local address `from`: the status and the error code.
async fn register_from(url: &str, from: IpAddr, n: u32) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    let resp = http
        .post(format!("{url}/v1/venues"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&shop(&format!("Tiệm {n}"), &format!("09{n:08}"))).unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get(reqwest::header::RETRY_AFTER).is_some();
    let body = resp.bytes().await.unwrap();
    let code = serde_json::from_slice::<ErrorBody>(&body)
        .map(|e| e.error)
        .unwrap_or_default();
    if status == 429 {
        assert!(retry, "a 429 says when to come back");
    }
    (status, code)
}

/// Floods: an address spends its budget (others go on), and the server's budget bounds
/// many addresses together.
async fn floods(backend: Backend) {
    let server = ServerFixture::start_with(
        backend,
        Limits {
            own_venue_burst: 3.0,
            own_venue_per_second: 0.001,
            ..Limits::default()
        },
    )
    .await
    .unwrap();
    let url = server.url();
    let here = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    let mut statuses = Vec::new();
    for n in 0..5 {
        statuses.push(register_from(&url, here, n).await);
    }
    let created = statuses.iter().filter(|s| s.0 == 201).count();
    assert_eq!(created, 3, "{statuses:?}");
    assert_eq!(statuses[4], (429, "rate_limited".into()));
    assert_eq!(
        register_from(&url, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), 10)
            .await
            .0,
        201
    );
    assert_eq!(registry(&server.database, "Tiệm", None).await.len(), 4);
    drop(server);

    let server = ServerFixture::start_with(
        backend,
        Limits {
            own_venue_all_burst: 4.0,
            own_venue_all_per_second: 0.001,
            ..Limits::default()
        },
    )
    .await
    .unwrap();
    let url = server.url();
    let mut statuses = Vec::new();
    for last in 1..=8u8 {
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 2, last));
        statuses.push(register_from(&url, from, u32::from(last)).await.0);
    }
    assert_eq!(&statuses[..4], &[201; 4], "{statuses:?}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_registration_floods_are_bounded_sqlite() {
    floods(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_registration_floods_are_bounded_postgres() {
    floods(Backend::Postgres).await;
}
