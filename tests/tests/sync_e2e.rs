//! End to end on loopback, against SQLite and PostgreSQL: phones check in offline, register
//! and sync; the authority marks a case, the tracing query finds exactly the overlapping
//! people, windows are published, and the second phone gets exactly one alert, once.

// The story helper is shared by the #[test]s below; failing loudly is its job.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use chrono::Duration;
use vaora_core::sync::client::{self, CancelToken, SyncError, SyncOptions};
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
    let t0 = base_time();
    let now = t0 + Duration::hours(3);
    let pho = server.register_venue("Phở Hòa").await.unwrap();
    let market = server.register_venue("Chợ Bến Thành").await.unwrap();

    // Phone A: the future case (owner) and a grandmother, at the phở shop 12:00–13:00.
    let a = Phone::new(now).unwrap();
    let grandma = a.add_person("Bà Lan").unwrap();
    a.stay(&[a.owner()], &pho, t0, t0 + Duration::hours(1))
        .unwrap();
    a.stay(&[grandma], &market, t0, t0 + Duration::hours(1))
        .unwrap();
    // Phone B: Minh overlaps at the phở shop 12:30–13:30; Hoa was there before (11:00–11:59).
    let b = Phone::new(now).unwrap();
    let hoa = b.add_person("Hoa").unwrap();
    b.stay(
        &[b.owner()],
        &pho,
        t0 + Duration::minutes(30),
        t0 + Duration::minutes(90),
    )
    .unwrap();
    b.stay(
        &[hoa],
        &pho,
        t0 - Duration::hours(1),
        t0 - Duration::minutes(1),
    )
    .unwrap();
    let b_owner = b.owner();

    // Offline first: everything above happened without a server.
    let unreachable = SyncOptions {
        server: Some("http://127.0.0.1:9".into()),
        ..options(&url)
    };
    let nobody = Mutex::new(Phone::new(now).unwrap());
    drop(nobody);
    let err = client::register(&a.diary, "http://127.0.0.1:9", &unreachable)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err}");
    assert!(matches!(
        client::sync(&a.diary, &options(&url), &|_| {}, &CancelToken::new()).await,
        Err(SyncError::NotRegistered)
    ));

    let reg_a = client::register(&a.diary, &url, &options(&url))
        .await
        .unwrap();
    let reg_b = client::register(&b.diary, &url, &options(&url))
        .await
        .unwrap();
    assert_ne!(reg_a.device_id, reg_b.device_id);
    // Registering again keeps the device id.
    assert_eq!(
        client::register(&a.diary, &url, &options(&url))
            .await
            .unwrap()
            .device_id,
        reg_a.device_id
    );

    let pending_a = a.lock().outbox_counts().unwrap().pending;
    assert!(
        pending_a >= 4,
        "check-ins and check-outs are queued: {pending_a}"
    );
    let progress = Mutex::new(Vec::new());
    let report_a = client::sync(
        &a.diary,
        &options(&url),
        &|p| progress.lock().unwrap().push(p),
        &CancelToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(report_a.uploaded, pending_a);
    assert!(report_a.rejected.is_empty());
    assert!(!progress.lock().unwrap().is_empty());
    assert_eq!(a.lock().outbox_counts().unwrap().pending, 0);
    let report_b = client::sync(&b.diary, &options(&url), &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    assert!(report_b.new_alerts.is_empty());
    assert_eq!(
        server.record_count().await.unwrap(),
        pending_a + report_b.uploaded
    );

    // The authority: case = phone A's owner, the tracing query, publishing.
    let authority = server.authority().unwrap();
    let case = authority
        .create_case(
            reg_a.device_id,
            Some(a.owner()),
            t0 - Duration::hours(2),
            t0 + Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(case.checkins, 1);
    let trace = authority.trace(case.case_id).await.unwrap();
    assert_eq!(trace.contacts.len(), 1, "{:?}", trace.contacts);
    let c = &trace.contacts[0];
    assert_eq!(c.device_id, reg_b.device_id);
    assert_eq!(c.person_id, b_owner);
    assert_eq!(c.venue_name, "Phở Hòa");
    assert_eq!(c.overlap_from, t0 + Duration::minutes(30));
    assert_eq!(c.overlap_until, t0 + Duration::hours(1));

    let published = authority.publish(case.case_id).await.unwrap();
    assert_eq!(published.published, 1);
    assert_eq!(
        authority.publish(case.case_id).await.unwrap().published,
        0,
        "publishing twice adds nothing"
    );

    // Phone B: exactly one alert (Minh, not Hoa), and only once.
    let report_b = client::sync(&b.diary, &options(&url), &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(report_b.windows_received, 1);
    assert_eq!(report_b.new_alerts.len(), 1);
    assert_eq!(report_b.new_alerts[0].person_id, b_owner);
    assert_eq!(report_b.new_alerts[0].venue_name, "Phở Hòa");
    let again = client::sync(&b.diary, &options(&url), &|_| {}, &CancelToken::new())
        .await
        .unwrap();
    assert!(again.new_alerts.is_empty());
    assert_eq!(b.lock().alerts().unwrap().len(), 1);

    // A cancelled sync stops before doing anything.
    let cancel = CancelToken::new();
    cancel.cancel();
    assert!(matches!(
        client::sync(&b.diary, &options(&url), &|_| {}, &cancel).await,
        Err(SyncError::Cancelled)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_story_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_story_postgres() {
    story(Backend::Postgres).await;
}

/// Registration gives the phone the authority's device certificate in the personal-code
/// format: a personal code made before registering is only self-signed, one made after
/// verifies as certified on a staff device that trusts the server's authority key, and
/// stays self-signed on a staff device that does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_certifies_personal_codes() {
    use vaora_protocol::declare::{
        Answers, AuthorityKey, CodeStatus, DeclarePolicy, DeviceTrust, PersonalCode,
    };
    use vaora_protocol::venue::{SignerPolicy, TrustStore};

    let server = ServerFixture::start(Backend::Sqlite).await.unwrap();
    let url = server.url();
    let now = chrono::Utc::now();
    let phone = Phone::new(now).unwrap();
    let owner = phone.owner();

    // The staff device trusts the server's authority through its venue trust store.
    let authority = server.authority_key().unwrap();
    let mut store = TrustStore::new();
    store
        .apply_keyset(
            &authority
                .authority()
                .self_signed_keyset(now.timestamp() - 60),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    let trusted = AuthorityKey::from_trust_store(&store);
    assert_eq!(trusted.len(), 1);

    let make_code = || {
        let d = phone.lock();
        let stored = d
            .declare_for_person(&owner, Answers::default(), &DeclarePolicy::default())
            .unwrap();
        d.personal_code_for(&stored.body).unwrap()
    };
    let check_at = now + Duration::minutes(1);

    let before = PersonalCode::verify(&make_code(), check_at, &trusted).unwrap();
    assert_eq!(before.status, CodeStatus::ValidSelfSigned);
    assert_eq!(phone.lock().device_certificate().unwrap(), None);

    let reg = client::register(&phone.diary, &url, &options(&url))
        .await
        .unwrap();
    assert_eq!(reg.authority_key.key_id, authority.key_id());
    assert_eq!(reg.certificate.authority_key_id, authority.key_id());
    assert_eq!(
        phone.lock().device_certificate().unwrap(),
        Some(reg.certificate.clone())
    );
    assert_eq!(phone.lock().registration().unwrap(), Some(reg.clone()));

    let after = PersonalCode::verify(&make_code(), check_at, &trusted).unwrap();
    assert_eq!(after.status, CodeStatus::Valid);
    assert_eq!(
        after.device,
        DeviceTrust::Certified {
            authority_key_id: authority.key_id()
        }
    );
    // Another authority's staff device sees the same code as self-signed only.
    let elsewhere = PersonalCode::verify(&make_code(), check_at, &[]).unwrap();
    assert_eq!(elsewhere.status, CodeStatus::ValidSelfSigned);

    // Registering again (same key) keeps the device id and a certificate that still verifies.
    let again = client::register(&phone.diary, &url, &options(&url))
        .await
        .unwrap();
    assert_eq!(again.device_id, reg.device_id);
    let third = PersonalCode::verify(&make_code(), check_at, &trusted).unwrap();
    assert_eq!(third.status, CodeStatus::Valid);
}
