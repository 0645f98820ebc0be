//! Trust no device, attack 4 (`docs/sync-protocol.md`, "Trust store updates"): once a
//! venue is revoked in the console and the phone has synced, every verification on the
//! phone refuses its code — the check-in by scan (even when the person would accept an
//! unverified venue), the staff desk, and what `vaora verify` runs (the diary's trust
//! store through `codes::classify`). A venue nobody revoked still verifies. On SQLite and
//! PostgreSQL.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::panic)]

use chrono::Utc;
use vaora_core::desk::{DeskError, DeskSettings, StaffDesk};
use vaora_core::diary::{Unverified, VenueCheckInError};
use vaora_core::sync::client::{self, CancelToken, SyncOptions};
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::venue::{SignerPolicy, Verification};
use vaora_protocol::wire::{VenueRequest, VenueResponse};
use vaora_tests::sync_fixture::{Backend, Phone, ServerFixture};

async fn register(server: &ServerFixture, name: &str) -> VenueResponse {
    server
        .authority()
        .unwrap()
        .register_venue(&VenueRequest {
            name: name.into(),
            address: "Lê Lợi, Quận 1".into(),
            ward: "Phường Bến Thành".into(),
            category: Some("market".into()),
            stay_minutes: Some(45),
        })
        .await
        .unwrap()
}

fn refused(result: Result<impl std::fmt::Debug, VenueCheckInError>) -> Verification {
    match result {
        Err(VenueCheckInError::Refused(v)) => v,
        other => panic!("not refused: {other:?}"),
    }
}

async fn revoked_venues_are_refused(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let now = Utc::now();
    let market = register(&server, "Chợ Bến Thành").await;
    let school = register(&server, "Trường Tiểu học Kim Đồng").await;

    // A phone that trusts the server's authority (its key set, pinned by the operator)
    // and is registered with the server.
    let phone = Phone::new(now).unwrap();
    let authority = server.authority_key().unwrap();
    phone
        .lock()
        .apply_keyset(
            &authority
                .authority()
                .self_signed_keyset(now.timestamp() - 60),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    let options = SyncOptions {
        server: Some(url.clone()),
        ..SyncOptions::default()
    };
    client::register(&phone.diary, &url, &options)
        .await
        .unwrap();
    client::sync(&phone.diary, &options, &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    for code in [&market.code, &school.code] {
        let scanned = phone.lock().scanned_venue(code, Unverified::Refuse);
        assert_eq!(scanned.unwrap().verification, Verification::Valid);
    }

    // The authority revokes the market's code (the console's revoke button); the phone syncs.
    assert!(server.revoke_venue(market.venue_id).await.unwrap());
    client::sync(&phone.diary, &options, &|_| {}, &CancelToken::new())
        .await
        .unwrap();

    // Check-in by scan: refused, and the person cannot override a revocation.
    let owner = phone.owner();
    for policy in [Unverified::Refuse, Unverified::Accept] {
        let r = phone
            .lock()
            .check_in_from_venue_code(&market.code, vec![owner], policy);
        assert_eq!(refused(r), Verification::VenueRevoked, "{policy:?}");
    }
    assert!(phone.lock().open_checkins().unwrap().is_empty());
    // The staff desk cannot be opened at the revoked venue.
    match StaffDesk::open(&phone.lock(), &market.code, DeskSettings::default()) {
        Err(DeskError::Venue(VenueCheckInError::Refused(v))) => {
            assert_eq!(v, Verification::VenueRevoked);
        }
        other => panic!("desk opened at a revoked venue: {other:?}"),
    }
    // `vaora verify` (the diary's trust store, classified now) and the camera screen.
    let trust = phone.lock().trust_store().unwrap();
    match classify(&market.code, &trust, Utc::now()) {
        Classified::Venue(v) => assert_eq!(v.result, Verification::VenueRevoked),
        other => panic!("{other:?}"),
    }
    match phone.lock().classify(&[&market.code]).unwrap().pop() {
        Some(Classified::Venue(v)) => assert_eq!(v.result, Verification::VenueRevoked),
        other => panic!("{other:?}"),
    }

    // The school was not revoked: it still verifies, and a desk opens there.
    let scanned = phone
        .lock()
        .scanned_venue(&school.code, Unverified::Refuse)
        .unwrap();
    assert_eq!(scanned.verification, Verification::Valid);
    assert!(StaffDesk::open(&phone.lock(), &school.code, DeskSettings::default()).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_venues_are_refused_after_sync_sqlite() {
    revoked_venues_are_refused(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_venues_are_refused_after_sync_postgres() {
    revoked_venues_are_refused(Backend::Postgres).await;
}
