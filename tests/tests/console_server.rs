//! The authority console mounted in the real server (`vaora_server::start`, SQLite and
//! PostgreSQL), over loopback HTTP: sign in with a token from the server's own authority
//! directory, register a venue through the form, find it in the list, see phones' uploaded
//! check-ins on the overview and compliance pages, then mark, trace and publish a case
//! and see the phone of the contact receive the window through the `/v1` API.

// A story test: failing loudly at the step that broke is its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, FixedOffset, Utc};
use reqwest::StatusCode;
use vaora_core::sync::client::{self, CancelToken, SyncOptions};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::VenueRef;
use vaora_protocol::venue::{Authority, VenueCategory, VenueCode};
use vaora_tests::console_client::{Console, by_id, http};
use vaora_tests::sync_fixture::{Backend, Phone, ServerFixture, base_time};

fn options(url: &str) -> SyncOptions {
    SyncOptions {
        server: Some(url.to_owned()),
        max_attempts: 2,
        backoff: vaora_core::sync::Backoff {
            base: std::time::Duration::from_millis(10),
            max: std::time::Duration::from_millis(50),
        },
        ..SyncOptions::default()
    }
}

async fn story(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = Authority::load_dir(&server.authority_dir).unwrap();

    // Refused: a token signed by another authority key, and nothing before sign-in.
    let stranger = vaora_protocol::testing::test_authority();
    let other = vaora_console::token::issue(&stranger, Utc::now(), 1).unwrap();
    let (status, _) = Console::login(&url, &other).await.err().expect("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let anon = http()
        .get(format!("{url}/console/venues"))
        .send()
        .await
        .unwrap();
    assert!(anon.status().is_redirection(), "{}", anon.status());

    // Signed in with a token from the server's own authority directory (what
    // `vaora authority token --authority DIR` prints).
    let token = vaora_console::token::issue(&authority, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await.unwrap();

    // Register two venues in one ward through the form.
    let ward = "Phường Bến Nghé";
    let shop = VenueCategory::RestaurantOrShop.as_str().to_owned();
    let register = |name: &'static str| {
        let console = &console;
        let shop = shop.clone();
        async move {
            let location = console
                .post(
                    "/console/venues",
                    "/console/venues",
                    &[
                        ("name", name),
                        ("category", &shop),
                        ("ward", ward),
                        ("address", "12 Nguyễn Huệ, Quận 1"),
                    ],
                )
                .await;
            let id = location
                .strip_prefix("/console/venues/")
                .and_then(|r| r.split('?').next())
                .unwrap()
                .to_owned();
            id.parse::<Id128>().unwrap()
        }
    };
    let pho_id = register("Phở Hòa").await;
    let quiet_id = register("Quán Vắng").await;

    // The detail page carries a code signed by this server's authority for that venue id.
    let (status, detail) = console
        .get(&format!("/console/venues/{}", pho_id.to_hex()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let code = VenueCode::parse(by_id(&detail, "venue-code")).unwrap();
    assert_eq!(code.info.venue_id, pho_id);
    assert_eq!(code.info.key_id, authority.key_id());
    let key = ed25519_dalek::VerifyingKey::from_bytes(&authority.public_key()).unwrap();
    key.verify_strict(
        &VenueCode::signing_input(&code.body),
        &ed25519_dalek::Signature::from_bytes(&code.signature),
    )
    .unwrap();

    // The list finds it by a piece of its name; revoked venues stay hidden.
    let (_, list) = console.get("/console/venues?q=H%C3%B2a").await;
    assert!(list.contains(&pho_id.to_hex()), "{list}");
    assert!(!list.contains(&quiet_id.to_hex()));

    // Two phones check in at the registered venue (ids from the code) and upload.
    let t0 = base_time();
    let now = t0 + Duration::hours(3);
    let pho = VenueRef {
        id: Some(pho_id),
        name: "Phở Hòa".into(),
        address: "12 Nguyễn Huệ, Quận 1".into(),
        category: VenueCategory::RestaurantOrShop,
        issuer_key_id: None,
        verified: true,
    };
    let a = Phone::new(now).unwrap();
    a.stay(&[a.owner()], &pho, t0, t0 + Duration::hours(1))
        .unwrap();
    let b = Phone::new(now).unwrap();
    b.stay(
        &[b.owner()],
        &pho,
        t0 + Duration::minutes(30),
        t0 + Duration::minutes(90),
    )
    .unwrap();
    let reg_a = client::register(&a.diary, &url, &options(&url))
        .await
        .unwrap();
    let reg_b = client::register(&b.diary, &url, &options(&url))
        .await
        .unwrap();
    for phone in [&a, &b] {
        client::sync(&phone.diary, &options(&url), &|_| {}, &CancelToken::new())
            .await
            .unwrap();
    }

    // The overview counts them (from the daily aggregates ingest keeps).
    let (status, overview) = console.get("/console").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id(&overview, "stat-checkins"), "2", "{overview}");
    assert_eq!(by_id(&overview, "stat-devices"), "2");
    assert_eq!(by_id(&overview, "stat-venues"), "2");
    assert_eq!(by_id(&overview, "stat-cases"), "0");
    let day = t0.date_naive().format("%Y-%m-%d").to_string();
    assert!(
        overview.contains(&format!("<title>{day}: 2</title>")),
        "both check-ins on their UTC day in the chart: {overview}"
    );

    // Compliance: the venue nobody scanned is listed, the scanned one is not.
    let (status, compliance) = console
        .get("/console/compliance?days=21&ward=Ph%C6%B0%E1%BB%9Dng+B%E1%BA%BFn+Ngh%C3%A9")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(compliance.contains("Quán Vắng"), "{compliance}");
    assert!(!compliance.contains("Phở Hòa"), "{compliance}");

    // A case: phone A's owner, marked in Vietnam time through the form.
    let vn = FixedOffset::east_opt(7 * 3600).unwrap();
    let local =
        |t: chrono::DateTime<Utc>| t.with_timezone(&vn).format("%Y-%m-%d %H:%M").to_string();
    let case_location = console
        .post(
            "/console/cases",
            "/console/cases",
            &[
                ("device_id", &reg_a.device_id.to_hex()),
                ("person", &a.owner().to_hex()),
                ("from", &local(t0 - Duration::hours(2))),
                ("until", &local(t0 + Duration::hours(2))),
            ],
        )
        .await;
    let (_, overview) = console.get("/console").await;
    assert_eq!(by_id(&overview, "stat-cases"), "1");

    // The trace is the API's tracing query: phone B's owner, 30 minutes of overlap.
    let (status, trace) = console.get(&case_location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(trace.contains(&reg_b.device_id.to_hex()), "{trace}");
    let (status, contacts) = console.get(&format!("{case_location}/contacts.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contacts.lines().count(), 2, "{contacts}");
    assert!(contacts.contains(&b.owner().to_hex()));
    assert!(contacts.contains(&reg_b.device_id.to_hex()));
    assert!(
        !contacts.contains(&reg_a.device_id.to_hex()),
        "the case is not its own contact"
    );

    // Publishing from the console is the API's publishing: phone B gets one alert.
    console
        .post(&case_location, &format!("{case_location}/publish"), &[])
        .await;
    let (_, overview) = console.get("/console").await;
    assert_eq!(by_id(&overview, "stat-cases"), "0");
    let report_b = client::sync(&b.diary, &options(&url), &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(report_b.windows_received, 1);
    assert_eq!(report_b.new_alerts.len(), 1);
    let case_id: Id128 = case_location.rsplit('/').next().unwrap().parse().unwrap();
    let again = server.authority().unwrap().publish(case_id).await.unwrap();
    assert_eq!(again.published, 0, "the API sees the console's windows");

    // Revoking hides the venue from the list and the overview.
    console
        .post(
            &format!("/console/venues/{}", quiet_id.to_hex()),
            &format!("/console/venues/{}/revoke", quiet_id.to_hex()),
            &[],
        )
        .await;
    let (_, overview) = console.get("/console").await;
    assert_eq!(by_id(&overview, "stat-venues"), "1");
    let (_, list) = console.get("/console/venues").await;
    assert!(!list.contains(&quiet_id.to_hex()));
    // ... and reaches phones in the signed key set.
    client::sync(&a.diary, &options(&url), &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    let keyset: vaora_protocol::wire::KeySet =
        serde_json::from_str(&a.lock().keyset_json().unwrap().unwrap()).unwrap();
    assert_eq!(keyset.revoked_venues, vec![quiet_id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_on_real_server_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_on_real_server_postgres() {
    story(Backend::Postgres).await;
}
