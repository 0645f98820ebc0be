//! People without a phone, from the venue's door to the tracer's list (issue 17), on
//! SQLite and PostgreSQL: visits that venue staff record from a CCCD card or from a
//! proxy declaration's personal code are stays the server traces. They show in a phone
//! owner's case contacts (name, birth year, how they were identified, the staff device),
//! count as scans of the venue, and a proxy person's case finds the visits staff recorded
//! from that person's code, so the phone owner who overlapped them gets an alert. A staff
//! device's own case is not its visitors', and a staff check-in that does not read is
//! refused and stores nothing.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use vaora_core::desk::{DeskSettings, StaffDesk};
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_protocol::declare::{Answers, DeclarePolicy};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::RecordKind;
use vaora_protocol::venue::Authority;
use vaora_protocol::wire::{CaseRequest, CaseResponse, IdentifiedBy, RecordStatus};
use vaora_server::storage::{ScanWindow, day_of_ms};
use vaora_tests::adversary::RawDevice;
use vaora_tests::console_client::{self, Console};
use vaora_tests::sync_fixture::{Backend, Phone, ServerFixture, all_records, base_time};

/// Synthetic card: province 001 (Hà Nội), male born 1948.
const NEIGHBOUR_CCCD: &str = "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hai Bà Trưng, Hà Nội|20052021";

/// A registered phone that trusts the server's authority, with its clock at `now`.
async fn phone_at(server: &ServerFixture, now: DateTime<Utc>) -> Phone {
    server.trusting_phone(now).await.unwrap()
}

/// Marks a case for `device` (and `person`) over the hour before `t0` to three after.
async fn mark(
    authority: &AuthorityClient,
    device: Id128,
    person: Option<Id128>,
    t0: DateTime<Utc>,
) -> CaseResponse {
    authority
        .create_case(
            device,
            person,
            t0 - Duration::hours(1),
            t0 + Duration::hours(3),
        )
        .await
        .unwrap()
}

fn device_id(phone: &Phone) -> Id128 {
    phone.lock().registration().unwrap().unwrap().device_id
}

async fn door_to_tracer(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = server.authority().unwrap();
    let t0 = base_time();
    let (market, code) = server
        .register_venue_with_code("Chợ Bến Thành")
        .await
        .unwrap();

    // A phone owner at the market for an hour.
    let citizen = phone_at(&server, t0).await;
    let citizen_owner = citizen.owner();
    citizen
        .stay(&[citizen_owner], &market, t0, t0 + Duration::hours(1))
        .unwrap();
    assert!(citizen.sync_to(&url).await.unwrap().rejected.is_empty());

    // A family phone declares for the grandmother, who has no phone: her personal code.
    let family = phone_at(&server, t0).await;
    let grandmother = family.add_person("Bà Tư").unwrap();
    let grandmother_code = {
        let d = family.lock();
        let declared = d
            .declare_for_person(
                &grandmother,
                Answers::all_clear(),
                &DeclarePolicy::default(),
            )
            .unwrap();
        d.personal_code_for(&declared.body).unwrap()
    };
    assert!(family.sync_to(&url).await.unwrap().rejected.is_empty());

    // The market's staff phone records the neighbour from his CCCD card and the
    // grandmother from her code, ten minutes into the citizen's stay.
    let staff = phone_at(&server, t0 + Duration::minutes(10)).await;
    {
        let d = staff.lock();
        let desk = StaffDesk::open(&d, &code, DeskSettings::default()).unwrap();
        desk.record(&d, NEIGHBOUR_CCCD).unwrap();
        desk.record(&d, &grandmother_code).unwrap();
    }
    let report = staff.sync_to(&url).await.unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.uploaded, 2);

    // The citizen falls ill: both visitors are among the contacts, marked as recorded by
    // staff (the staff device, the name and birth year a tracer needs to find them).
    let case = mark(&authority, device_id(&citizen), None, t0).await;
    assert_eq!(case.checkins, 1);
    let contacts = authority.trace(case.case_id).await.unwrap().contacts;
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    let neighbour = contacts
        .iter()
        .find(|c| c.identified_by == IdentifiedBy::StaffCccd)
        .unwrap();
    assert_eq!(neighbour.person_name, "Nguyễn Văn Đường");
    assert_eq!(neighbour.birth_year, Some(1948));
    assert_eq!(neighbour.device_id, device_id(&staff));
    assert_eq!(Some(neighbour.venue_id), market.id);
    assert_eq!(
        neighbour.overlap_from.timestamp_millis(),
        (t0 + Duration::minutes(10)).timestamp_millis()
    );
    assert_eq!(
        neighbour.overlap_until.timestamp_millis(),
        (t0 + Duration::hours(1)).timestamp_millis()
    );
    let by_code = contacts
        .iter()
        .find(|c| c.identified_by == IdentifiedBy::StaffPersonalCode)
        .unwrap();
    assert_eq!(by_code.person_name, "Bà Tư");
    assert!(by_code.identified_by.by_staff());

    // The staff visits count as scans of the market, like the citizen's own.
    let day = day_of_ms(t0.timestamp_millis());
    let counts = server
        .venue_scan_counts(ScanWindow {
            from_day: day,
            to_day: day,
            ..ScanWindow::default()
        })
        .await
        .unwrap();
    let scans = counts
        .iter()
        .find(|(v, _)| Some(v.id) == market.id)
        .map(|(_, n)| *n);
    assert_eq!(scans, Some(3));

    // The staff device's own case is not its visitors': it has no stays of its own.
    let staff_case = mark(&authority, device_id(&staff), None, t0).await;
    assert_eq!(staff_case.checkins, 0);

    // The grandmother falls ill: a case for her on the family phone finds the visit staff
    // recorded from her code; the citizen is her contact, and gets the alert.
    let her_case = mark(&authority, device_id(&family), Some(grandmother), t0).await;
    assert_eq!(her_case.checkins, 1);
    let contacts = authority.trace(her_case.case_id).await.unwrap().contacts;
    assert!(
        contacts
            .iter()
            .any(|c| c.identified_by == IdentifiedBy::Phone && c.device_id == device_id(&citizen)),
        "{contacts:?}"
    );
    assert!(
        contacts.iter().all(|c| c.person_name != "Bà Tư"),
        "the case's own visit is not its contact: {contacts:?}"
    );
    let published = authority.publish(her_case.case_id).await.unwrap();
    assert_eq!(published.windows.len(), 1);
    let alerts = citizen.sync_to(&url).await.unwrap().new_alerts;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].person_id, citizen_owner);

    // The neighbour falls ill. A second market's staff scanned his card too, later: a
    // case opened by his card number (as an operator types it) finds both visits, on
    // two staff devices, and the citizen who overlapped him at the first gets an alert.
    let (second, second_code) = server
        .register_venue_with_code("Chợ Tân Định")
        .await
        .unwrap();
    let other_staff = phone_at(&server, t0 + Duration::hours(2)).await;
    {
        let d = other_staff.lock();
        let desk = StaffDesk::open(&d, &second_code, DeskSettings::default()).unwrap();
        desk.record(&d, NEIGHBOUR_CCCD).unwrap();
    }
    // What the staff phone uploads carries the number sealed, never in plaintext.
    for record in all_records(&other_staff).unwrap() {
        assert!(!record.body.windows(12).any(|w| w == b"001048009876"));
    }
    assert!(other_staff.sync_to(&url).await.unwrap().rejected.is_empty());
    let card_case = authority
        .create_card_case(
            "001 048 009 876",
            t0 - Duration::hours(1),
            t0 + Duration::hours(3),
        )
        .await
        .unwrap();
    assert_eq!(card_case.checkins, 2);
    let contacts = authority.trace(card_case.case_id).await.unwrap().contacts;
    assert!(
        contacts
            .iter()
            .any(|c| c.device_id == device_id(&citizen) && Some(c.venue_id) == market.id),
        "{contacts:?}"
    );
    assert!(contacts.iter().all(|c| c.person_name != "Nguyễn Văn Đường"));
    let published = authority.publish(card_case.case_id).await.unwrap();
    assert_eq!(published.windows.len(), 2);
    assert!(
        published
            .windows
            .iter()
            .any(|w| Some(w.venue_id) == second.id)
    );
    let alerts = citizen.sync_to(&url).await.unwrap().new_alerts;
    assert_eq!(
        alerts.len(),
        1,
        "the card case's window at the market: {alerts:?}"
    );
    // The grandmother overlapped the neighbour at the market too: the alert for her
    // reaches the family phone that declared for her, though her visit was recorded by
    // staff and is not in that phone's own check-ins.
    let family_alerts = family.sync_to(&url).await.unwrap().new_alerts;
    assert!(
        family_alerts.iter().any(|a| a.person_id == grandmother
            && a.person_name == "Bà Tư"
            && Some(a.venue_id) == market.id),
        "{family_alerts:?}"
    );
    // Only the device whose key made the codes gets their visits: any other gets none.
    let stranger = RawDevice::register(&url).await.unwrap();
    let (status, body) = stranger.get("/v1/visits").await.unwrap();
    assert_eq!(status, 200);
    let visits: vaora_protocol::wire::CodeVisits = serde_json::from_slice(&body).unwrap();
    assert!(visits.visits.is_empty());

    // The console shows the tracer the number of the card a contact showed, to a
    // signed-in operator only: the grandmother's case lists the neighbour by his card.
    let key = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&key, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await.unwrap();
    let (status, page) = console
        .get(&format!("/console/cases/{}", her_case.case_id.to_hex()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("001048009876"),
        "the number is shown to the operator"
    );
    // The console's mark-a-case form takes a card number instead of a device: the case it
    // opens is the card holder's, and traces the citizen.
    let (from, until) = (
        (t0 - Duration::hours(1)).to_rfc3339(),
        (t0 + Duration::hours(3)).to_rfc3339(),
    );
    let location = console
        .post(
            "/console/cases",
            "/console/cases",
            &[
                ("card", "001-048-009-876"),
                ("from", from.as_str()),
                ("until", until.as_str()),
            ],
        )
        .await;
    let (status, page) = console.get(&location).await;
    assert_eq!(status, StatusCode::OK, "{location}");
    assert!(page.contains("(CCCD)"), "a card holder's case: {location}");
    assert!(
        page.contains(&device_id(&citizen).to_hex()),
        "the card holder's case traces the citizen"
    );
    let anonymous = console_client::http()
        .get(format!("{url}/console/cases/{}", her_case.case_id.to_hex()))
        .send()
        .await
        .unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK);

    // Another person on the family phone is not the grandmother: her visit is not theirs.
    let other = family.owner();
    let other_case = mark(&authority, device_id(&family), Some(other), t0).await;
    assert_eq!(other_case.checkins, 0);
}

/// A card holder's case for a number that is no card number is refused (400) and
/// creates nothing; so is a case that names both a device and a card.
async fn malformed_card_cases_create_nothing(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let authority = server.authority().unwrap();
    let t0 = base_time();
    for bad in [
        "",
        "12345",
        "00104800987X",
        "DN40101234567890",
        "' OR 1=1 --",
    ] {
        let err = authority
            .create_card_case(bad, t0, t0 + Duration::hours(1))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("400") || err.to_string().contains("bad_card"),
            "{bad}: {err}"
        );
    }
    let phone = phone_at(&server, t0).await;
    let err = authority
        .mark_case(CaseRequest {
            device_id: Some(device_id(&phone)),
            person_id: None,
            card: Some("001048009876".into()),
            from: t0,
            until: t0 + Duration::hours(1),
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bad_subject"), "{err}");
    assert!(server.cases().await.unwrap().is_empty());
}

/// A staff check-in whose body does not read, or whose check-in id is not the record's,
/// is refused and adds no contact.
async fn unreadable_staff_checkins_store_nothing(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let t0 = base_time();
    let (market, _) = server
        .register_venue_with_code("Chợ Bà Chiểu")
        .await
        .unwrap();
    let citizen = phone_at(&server, t0).await;
    citizen
        .stay(&[citizen.owner()], &market, t0, t0 + Duration::hours(1))
        .unwrap();
    citizen.sync_to(&url).await.unwrap();
    let before = server.record_count().await.unwrap();

    let staff = RawDevice::register(&url).await.unwrap();
    let id = Id128::random().unwrap();
    let garbage = staff.sign(
        RecordKind::StaffCheckIn,
        [id.as_bytes().as_slice(), &[1, 9, 9, 9]].concat(),
    );
    // A well-formed body under a record id that is not its check-in's.
    let mut other_id = vaora_tests::adversary::checkin_body(
        Id128::random().unwrap(),
        Id128::random().unwrap(),
        "Khách",
        &market,
        t0 + Duration::minutes(5),
        None,
    );
    other_id.method = vaora_protocol::records::CheckInMethod::ScannedByStaff;
    let mismatched = vaora_protocol::declare::StaffCheckInBody {
        checkin: other_id,
        birth_year: Some(1950),
        source: vaora_protocol::declare::VisitorSource::IdCard {
            kind: vaora_protocol::cards::profile::CardKind::Cccd,
            card_hash: [3; 32],
            sealed: None,
        },
    }
    .encode();
    let mut wrong_id = mismatched.clone();
    wrong_id[..16].copy_from_slice(id.as_bytes());
    let answers = staff
        .upload(&[garbage, staff.sign(RecordKind::StaffCheckIn, wrong_id)])
        .await
        .unwrap();
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, RecordStatus::Rejected(_))),
        "{answers:?}"
    );
    assert_eq!(server.record_count().await.unwrap(), before);
    let authority = server.authority().unwrap();
    let case = mark(&authority, device_id(&citizen), None, t0).await;
    assert!(
        authority
            .trace(case.case_id)
            .await
            .unwrap()
            .contacts
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_visits_reach_the_tracer_sqlite() {
    door_to_tracer(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_visits_reach_the_tracer_postgres() {
    door_to_tracer(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_card_cases_create_nothing_sqlite() {
    malformed_card_cases_create_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_card_cases_create_nothing_postgres() {
    malformed_card_cases_create_nothing(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_staff_checkins_store_nothing_sqlite() {
    unreadable_staff_checkins_store_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_staff_checkins_store_nothing_postgres() {
    unreadable_staff_checkins_store_nothing(Backend::Postgres).await;
}
