//! "My venues" (issue 19): a venue the owner registers on the server is kept in the
//! encrypted diary with its code and management secret, and survives reopening; a server
//! refusal or an answer whose code names another venue keeps nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey, SharedDiary};
use vaora_core::sync::client::SyncError;
use vaora_core::sync::own_venue::register_and_keep;
use vaora_core::sync::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use vaora_protocol::clock::SystemClock;
use vaora_protocol::ids::Id128;
use vaora_protocol::venue::{NewVenue, VenueCategory, VenueIssuer};
use vaora_protocol::wire::{OwnVenueRequest, OwnVenueResponse, VenueRequest, VenueResponse};

/// Answers every request with one status and body, and keeps what was asked.
struct OneAnswer {
    status: u16,
    body: Vec<u8>,
    asked: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl HttpTransport for OneAnswer {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.asked.lock().unwrap().push(request);
        Ok(HttpResponse {
            status: self.status,
            headers: Vec::new(),
            body: self.body.clone(),
        })
    }
    async fn sleep(&self, _: std::time::Duration) {}
}

fn answer(status: u16, body: Vec<u8>) -> OneAnswer {
    OneAnswer {
        status,
        body,
        asked: Mutex::new(Vec::new()),
    }
}

/// The server's answer for a venue registered under `id`, its code naming `code_id`.
fn registered(id: Id128, code_id: Id128) -> Vec<u8> {
    let now = Utc::now();
    let code = VenueIssuer::new(vaora_protocol::testing::test_authority())
        .issue(NewVenue {
            venue_id: Some(code_id),
            name: "Tiệm may Bà Hai".into(),
            address: "12 Hàng Gai".into(),
            category: VenueCategory::RestaurantOrShop,
            default_stay_min: 30,
            valid_from: now,
            valid_until: now + Duration::days(30),
        })
        .unwrap();
    serde_json::to_vec(&OwnVenueResponse {
        venue: VenueResponse {
            venue_id: id,
            code: code.to_text(),
            valid_from: now,
            valid_until: now + Duration::days(30),
            poster_svg: "<svg/>".into(),
            poster_png_base64: "cG5n".into(),
        },
        manage_secret: "00112233445566778899aabbccddeeff".into(),
    })
    .unwrap()
}

fn request() -> OwnVenueRequest {
    OwnVenueRequest {
        venue: VenueRequest {
            name: "Tiệm may Bà Hai".into(),
            address: "12 Hàng Gai".into(),
            ward: "Phường Hàng Gai".into(),
            category: Some("restaurant-shop".into()),
            stay_minutes: Some(30),
        },
        contact: " 0912 000 222 ".into(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_registered_venue_is_kept_with_its_secret_and_refusals_keep_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = DiaryKey::generate().unwrap();
    let path = dir.path().join("d.db");
    let open = || {
        Diary::open(
            &path,
            &key,
            Arc::new(SystemClock::default()),
            DiaryConfig::default(),
        )
        .unwrap()
    };
    let diary = SharedDiary::new(open());

    // Refused by the server: a typed error, nothing kept.
    let refused = answer(
        403,
        br#"{"error":"contact_limit","message":"this contact phone has registered 5 venues already"}"#.to_vec(),
    );
    match block_on(register_and_keep(&refused, &diary, "http://x", &request())) {
        Err(SyncError::Server {
            status: 403, code, ..
        }) => assert_eq!(code, "contact_limit"),
        other => panic!("{other:?}"),
    }
    // An answer whose code names another venue: refused, nothing kept.
    let id = Id128::random().unwrap();
    let mixed = answer(201, registered(id, Id128::random().unwrap()));
    assert!(matches!(
        block_on(register_and_keep(&mixed, &diary, "http://x", &request())),
        Err(SyncError::Protocol(_))
    ));
    assert!(diary.lock().my_venues().unwrap().is_empty());

    // Registered: kept with its code and secret; the request went to /v1/venues.
    let ok = answer(201, registered(id, id));
    let kept = block_on(register_and_keep(&ok, &diary, "http://x/", &request())).unwrap();
    assert_eq!(kept.venue_id, id);
    assert_eq!(kept.name, "Tiệm may Bà Hai");
    assert_eq!(kept.contact, "0912 000 222");
    assert_eq!(kept.server, "http://x");
    let asked = ok.asked.lock().unwrap();
    assert_eq!(asked[0].url, "http://x/v1/venues");
    let sent: OwnVenueRequest = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(sent, request());
    drop(asked);
    drop(diary);

    // Reopened: still there; removing forgets it.
    let mut d = open();
    let venues = d.my_venues().unwrap();
    assert_eq!(venues, vec![kept.clone()]);
    assert_eq!(venues[0].manage_secret, "00112233445566778899aabbccddeeff");
    assert!(d.remove_my_venue(&id).unwrap());
    assert!(!d.remove_my_venue(&id).unwrap());
    assert!(d.my_venues().unwrap().is_empty());
}
