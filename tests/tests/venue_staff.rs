//! Issue 19, enrolled staff, on SQLite and PostgreSQL: the owner of a self-registered
//! venue asks for a single-use enrolment code with the management secret; a registered
//! staff phone redeems it with its device credential and is the venue's staff; a visit it
//! records is marked as recorded by enrolled staff in a case's contacts; the owner lists
//! and removes staff, and revokes the venue's code. Refused: a wrong or another venue's secret, a venue the authority
//! registered, a used, unknown or replayed code, a request without a device credential.
//! At such a venue only enrolled staff's visits count as its own scanning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::Method;
use vaora_core::sync::own_venue::register_own_venue;
use vaora_core::sync::reqwest_transport::ReqwestTransport;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    EnrolRequest, Enrolled, EnrolmentCode, ErrorBody, ManageRequest, OwnVenueRequest,
    RemoveStaffRequest, RemovedStaff, StaffList, VenueRequest,
};
use vaora_server::storage::{
    CaseRow, CheckInRow, ContactRow, Derived, NewRecord, RecordedBy, ScanWindow, day_of_ms,
};
use vaora_server::{Database, PgStore, SqliteStore, Storage};
use vaora_tests::adversary::{RawDevice, http};
use vaora_tests::stored_records::stored_checkin;
use vaora_tests::sync_fixture::{Backend, ServerFixture};

const JSON: &str = "application/json";

/// POSTs `body` as JSON to `path` without a credential: status and error code ('' on
/// success) and the body.
async fn post<T: serde::Serialize>(url: &str, path: &str, body: &T) -> (u16, String, Vec<u8>) {
    let resp = http()
        .post(format!("{url}{path}"))
        .header(reqwest::header::CONTENT_TYPE, JSON)
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap().to_vec();
    (status, code_of(status, &bytes), bytes)
}

fn code_of(status: u16, body: &[u8]) -> String {
    if status < 300 {
        return String::new();
    }
    serde_json::from_slice::<ErrorBody>(body)
        .map(|e| e.error)
        .unwrap_or_default()
}

/// The staff device redeems `code`: status and error code, and the answer.
async fn redeem(staff: &RawDevice, code: &str) -> (u16, String, Option<Enrolled>) {
    let body = serde_json::to_vec(&EnrolRequest { code: code.into() }).unwrap();
    let (status, bytes) = staff
        .request(Method::POST, "/v1/staff/enrolments", JSON, body)
        .await
        .unwrap();
    let answer = (status == 200).then(|| serde_json::from_slice(&bytes).unwrap());
    (status, code_of(status, &bytes), answer)
}

async fn staff_story(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let transport = ReqwestTransport::new().unwrap();
    let own = register_own_venue(
        &transport,
        &url,
        &OwnVenueRequest {
            venue: VenueRequest {
                name: "Chợ Hôm".into(),
                address: "Phố Huế".into(),
                ward: "Phường Phố Huế".into(),
                category: Some("market".into()),
                stay_minutes: Some(60),
            },
            contact: "0904 555 666".into(),
        },
    )
    .await
    .unwrap();
    let venue = own.venue.venue_id;
    let secret = own.manage_secret.clone();
    let manage = |secret: &str| ManageRequest {
        manage_secret: secret.into(),
    };
    let enrolments = format!("/v1/venues/{}/enrolments", venue.to_hex());

    // Refused: a wrong secret, a venue the authority registered, a malformed id.
    let (status, code, _) = post(&url, &enrolments, &manage(&"0".repeat(32))).await;
    assert_eq!((status, code.as_str()), (403, "wrong_secret"));
    let theirs = server
        .authority()
        .unwrap()
        .register_venue(&VenueRequest::named("Chợ của phường"))
        .await
        .unwrap();
    let path = format!("/v1/venues/{}/enrolments", theirs.venue_id.to_hex());
    let (status, code, _) = post(&url, &path, &manage(&secret)).await;
    assert_eq!((status, code.as_str()), (403, "wrong_secret"));
    let (status, _, _) = post(&url, "/v1/venues/not-an-id/enrolments", &manage(&secret)).await;
    assert_eq!(status, 403);

    // A code, redeemed once by a registered staff phone.
    let (status, _, body) = post(&url, &enrolments, &manage(&secret)).await;
    assert_eq!(status, 201);
    let code: EnrolmentCode = serde_json::from_slice(&body).unwrap();
    assert!(
        code.code.starts_with("VE1:") && code.code.len() == 36,
        "{}",
        code.code
    );
    let minutes = (code.expires_at - chrono::Utc::now()).num_minutes();
    assert!((8..=10).contains(&minutes), "expires in {minutes} minutes");
    let staff = RawDevice::register(&url).await.unwrap();
    let other = RawDevice::register(&url).await.unwrap();
    let (status, _, enrolled) = redeem(&staff, &code.code).await;
    assert_eq!(status, 200);
    let enrolled = enrolled.unwrap();
    assert_eq!(
        (enrolled.venue_id, enrolled.venue_name.as_str()),
        (venue, "Chợ Hôm")
    );
    // Single use: neither the same phone again nor another phone; nor a made-up code.
    for (device, text) in [(&staff, code.code.as_str()), (&other, code.code.as_str())] {
        let (status, err, _) = redeem(device, text).await;
        assert_eq!((status, err.as_str()), (410, "enrolment_invalid"));
    }
    let (status, err, _) = redeem(&other, "VE1:00000000000000000000000000000000").await;
    assert_eq!((status, err.as_str()), (410, "enrolment_invalid"));
    // Without a device credential: refused before anything is read.
    let (status, _, _) = post(
        &url,
        "/v1/staff/enrolments",
        &EnrolRequest {
            code: code.code.clone(),
        },
    )
    .await;
    assert_eq!(status, 401);

    // The owner's list.
    let staff_path = format!("/v1/venues/{}/staff", venue.to_hex());
    let (status, _, body) = post(&url, &staff_path, &manage(&secret)).await;
    assert_eq!(status, 200);
    let list: StaffList = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        list.staff.iter().map(|s| s.device_id).collect::<Vec<_>>(),
        vec![staff.id]
    );
    let (status, code, _) = post(&url, &staff_path, &manage("wrong")).await;
    assert_eq!((status, code.as_str()), (403, "wrong_secret"));

    // A visit the enrolled phone recorded is marked so in a case's contacts; one recorded
    // by a device that is not the venue's staff is not.
    let phone = stored_checkin(Some(venue), 1_765_000_000_000).unwrap();
    let visit = |device: Id128| {
        let mut c = stored_checkin(Some(venue), 1_765_000_000_000 + 600_000).unwrap();
        c.device_id = device;
        if let Derived::CheckIn(row) = &mut c.derived {
            *row = CheckInRow {
                device_id: device,
                recorded_by: RecordedBy::StaffFromCccd,
                birth_year: Some(1950),
                ..row.clone()
            };
        }
        c.kind = 4;
        c
    };
    let records: Vec<NewRecord> = vec![phone.clone(), visit(staff.id), visit(other.id)];
    let case = CaseRow {
        id: Id128::random().unwrap(),
        device_id: phone.device_id,
        person_id: None,
        from_ms: 1_765_000_000_000 - 3_600_000,
        until_ms: 1_765_000_000_000 + 3_600_000,
        created_ms: 1_765_000_000_000,
        card: None,
    };
    let enrolled_of = |contacts: &[ContactRow], d: Id128| {
        contacts
            .iter()
            .find(|c| c.device_id == d)
            .unwrap()
            .enrolled_staff
    };
    let (contacts, scans) = trace_in(&server.database, records, &case, venue).await;
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    assert!(enrolled_of(&contacts, staff.id));
    assert!(!enrolled_of(&contacts, other.id));
    // The venue's own scanning: the phone's check-in and the enrolled phone's visit; the
    // visit recorded by a device that is not its staff is stored and traced, not counted.
    assert_eq!(scans, Some(2));

    // Removed: the list is empty and the contact is no longer enrolled staff's.
    let remove = format!("/v1/venues/{}/staff/remove", venue.to_hex());
    let request = RemoveStaffRequest {
        manage_secret: secret.clone(),
        device_id: staff.id,
    };
    let (status, _, body) = post(&url, &remove, &request).await;
    assert_eq!(status, 200);
    assert!(
        serde_json::from_slice::<RemovedStaff>(&body)
            .unwrap()
            .removed
    );
    let (_, _, body) = post(&url, &remove, &request).await;
    assert!(
        !serde_json::from_slice::<RemovedStaff>(&body)
            .unwrap()
            .removed
    );
    let (_, _, body) = post(&url, &staff_path, &manage(&secret)).await;
    assert!(
        serde_json::from_slice::<StaffList>(&body)
            .unwrap()
            .staff
            .is_empty()
    );
    let (contacts, _) = trace_in(&server.database, Vec::new(), &case, venue).await;
    assert!(!enrolled_of(&contacts, staff.id));

    // The owner revokes the venue's code: a wrong secret cannot; then no more codes, and
    // the key set phones download names it revoked.
    let revoke = format!("/v1/venues/{}/revoke", venue.to_hex());
    let (status, code, _) = post(&url, &revoke, &manage("wrong")).await;
    assert_eq!((status, code.as_str()), (403, "wrong_secret"));
    for _ in 0..2 {
        let (status, _, _) = post(&url, &revoke, &manage(&secret)).await;
        assert_eq!(status, 200, "revoking (again) is fine");
    }
    let (status, code, _) = post(&url, &enrolments, &manage(&secret)).await;
    assert_eq!((status, code.as_str()), (410, "venue_revoked"));
    let (status, keys) = other.get("/v1/keys").await.unwrap();
    assert_eq!(status, 200);
    let keys: vaora_protocol::wire::KeySet = serde_json::from_slice(&keys).unwrap();
    assert!(
        serde_json::to_string(&keys)
            .unwrap()
            .contains(&venue.to_hex()),
        "the revoked venue is in /v1/keys"
    );
}

/// Stores `insert` (when any) and traces `case`, through a second connection to the
/// server's database; and the venue's scans on the case's day.
async fn trace_in(
    db: &Database,
    insert: Vec<NewRecord>,
    case: &CaseRow,
    venue: Id128,
) -> (Vec<ContactRow>, Option<u64>) {
    async fn on<S: Storage>(
        store: S,
        insert: Vec<NewRecord>,
        case: &CaseRow,
        venue: Id128,
    ) -> (Vec<ContactRow>, Option<u64>) {
        if !insert.is_empty() {
            store.insert_records(insert).await.unwrap();
        }
        let day = day_of_ms(case.created_ms);
        let window = ScanWindow {
            from_day: day,
            to_day: day,
            ..ScanWindow::default()
        };
        let counts = store.venue_scan_counts(&window).await.unwrap();
        let scans = counts.iter().find(|(v, _)| v.id == venue).map(|(_, n)| *n);
        (store.trace(case).await.unwrap(), scans)
    }
    match db {
        Database::Sqlite(p) => on(SqliteStore::open(p).unwrap(), insert, case, venue).await,
        Database::Postgres(u) => on(PgStore::connect(u).await.unwrap(), insert, case, venue).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_enrol_and_remove_staff_phones_sqlite() {
    staff_story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_enrol_and_remove_staff_phones_postgres() {
    staff_story(Backend::Postgres).await;
}

/// The same through core's client, as phones do it: the owner's diary keeps the venue and
/// asks for a code with the kept secret; a registered staff phone redeems it once; a phone
/// that never registered is told so; a venue not kept is refused locally.
async fn phones(backend: Backend) {
    use vaora_core::sync::client::{self, SyncError, SyncOptions};
    use vaora_core::sync::own_venue::{enrol_as_staff, register_and_keep, staff_enrolment_code};

    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let transport = ReqwestTransport::new().unwrap();
    let now = chrono::Utc::now();
    let owner = vaora_tests::sync_fixture::Phone::new(now).unwrap();
    let request = OwnVenueRequest {
        venue: VenueRequest::named("Nhà thuốc Minh Châu"),
        contact: "0904 777 888".into(),
    };
    let kept = register_and_keep(&transport, &owner.diary, &url, &request)
        .await
        .unwrap();
    let code = staff_enrolment_code(&transport, &owner.diary, kept.venue_id)
        .await
        .unwrap();
    assert!(matches!(
        staff_enrolment_code(&transport, &owner.diary, Id128::random().unwrap()).await,
        Err(SyncError::Diary(_))
    ));

    let unregistered = vaora_tests::sync_fixture::Phone::new(now).unwrap();
    assert!(matches!(
        enrol_as_staff(&transport, &unregistered.diary, &code.code).await,
        Err(SyncError::NotRegistered)
    ));
    let staff = vaora_tests::sync_fixture::Phone::new(now).unwrap();
    client::register(&staff.diary, &url, &SyncOptions::default())
        .await
        .unwrap();
    let enrolled = enrol_as_staff(&transport, &staff.diary, &code.code)
        .await
        .unwrap();
    assert_eq!(
        (enrolled.venue_id, enrolled.venue_name.as_str()),
        (kept.venue_id, "Nhà thuốc Minh Châu")
    );
    match enrol_as_staff(&transport, &staff.diary, &code.code).await {
        Err(SyncError::Server {
            status: 410, code, ..
        }) => assert_eq!(code, "enrolment_invalid"),
        other => panic!("a used code: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_enrol_staff_through_the_client_sqlite() {
    phones(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_enrol_staff_through_the_client_postgres() {
    phones(Backend::Postgres).await;
}

/// Field inspectors (issue 19): the authority certifies a registered device and withdraws
/// it; an unknown device is refused; a device cannot certify itself.
async fn inspectors(backend: Backend) {
    use vaora_core::sync::client::SyncError;
    use vaora_protocol::wire::InspectorRequest;

    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = server.authority().unwrap();
    let device = RawDevice::register(&url).await.unwrap();
    let yes = authority.certify_inspector(device.id, false).await.unwrap();
    assert!(yes.inspector);
    assert!(
        authority
            .certify_inspector(device.id, false)
            .await
            .unwrap()
            .inspector
    );
    assert!(
        !authority
            .certify_inspector(device.id, true)
            .await
            .unwrap()
            .inspector
    );
    match authority
        .certify_inspector(Id128::random().unwrap(), false)
        .await
    {
        Err(SyncError::Server {
            status: 404, code, ..
        }) => assert_eq!(code, "unknown_device"),
        other => panic!("an unknown device: {other:?}"),
    }
    let body = serde_json::to_vec(&InspectorRequest {
        device_id: device.id,
        revoke: false,
    })
    .unwrap();
    let (status, _) = device
        .request(Method::POST, "/v1/authority/inspectors", JSON, body)
        .await
        .unwrap();
    assert!(
        status == 401 || status == 403,
        "a device credential: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authority_certifies_inspectors_sqlite() {
    inspectors(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authority_certifies_inspectors_postgres() {
    inspectors(Backend::Postgres).await;
}
