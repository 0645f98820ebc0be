//! Trust no device, attacks 1 and 2 (`docs/sync-protocol.md`, threat model): another
//! device's upload can neither block, replace nor shadow a device's records (check-ins,
//! updates, declarations, staff check-ins), and only the device that made a check-in can
//! move its stay, also when the forged update arrives first. On SQLite and PostgreSQL.
//!
//! The attacker is an ordinary registered device (registration is open) that has learnt
//! the honest phone's record ids (a personal code carries its declaration id; the test
//! hands it every id) and uploads records with those ids before and after the phone.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use vaora_core::desk::{DeskSettings, StaffDesk};
use vaora_core::sync::client;
use vaora_protocol::cards::profile::CardKind;
use vaora_protocol::declare::{
    Answers, DeclarationBody, DeclarePolicy, DeclaredFor, PersonRef, StaffCheckInBody,
    VisitorSource,
};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInMethod, CodeFinding, InspectionBody, PlaceFinding, RecordKind, SignedRecord,
};
use vaora_protocol::venue::SignerPolicy;
use vaora_protocol::wire::RecordStatus;
use vaora_tests::adversary::{RawDevice, checkin_body, update_body};
use vaora_tests::sync_fixture::{
    Backend, Phone, ServerFixture, all_records, base_time, options_for, venue,
};

fn record_of(phone: &Phone, kind: RecordKind) -> SignedRecord {
    all_records(phone)
        .unwrap()
        .into_iter()
        .find(|r| r.kind == kind)
        .unwrap()
}

/// The attacker's own, well-formed record of `kind` under `id` (other content).
fn forged(attacker: &RawDevice, kind: RecordKind, id: Id128, at: DateTime<Utc>) -> SignedRecord {
    let elsewhere = venue("Nhà nghỉ Hoa Hồng").unwrap();
    let body = match kind {
        RecordKind::CheckIn => checkin_body(
            id,
            Id128::random().unwrap(),
            "Kẻ Mạo Danh",
            &elsewhere,
            at + Duration::hours(2),
            Some(at + Duration::hours(3)),
        )
        .encode(),
        RecordKind::CheckInUpdate => {
            let mut u =
                update_body(Id128::random().unwrap(), 1, at, at + Duration::minutes(1)).unwrap();
            u.id = id;
            u.encode()
        }
        RecordKind::Declaration => DeclarationBody::new(
            id,
            PersonRef {
                id: Id128::random().unwrap(),
                name: "Kẻ Mạo Danh".into(),
                birth_year: None,
            },
            DeclaredFor::Myself,
            Answers::all_clear(),
            at,
            at.date_naive(),
            &DeclarePolicy::default(),
        )
        .unwrap()
        .encode(),
        RecordKind::StaffCheckIn => {
            let mut checkin = checkin_body(
                id,
                Id128::random().unwrap(),
                "Khách lạ",
                &elsewhere,
                at,
                None,
            );
            checkin.method = CheckInMethod::ScannedByStaff;
            StaffCheckInBody {
                checkin,
                birth_year: Some(1960),
                source: VisitorSource::IdCard {
                    kind: CardKind::Cccd,
                    card_hash: [7; 32],
                    sealed: None,
                },
            }
            .encode()
        }
        RecordKind::Inspection => InspectionBody {
            id,
            venue_id: elsewhere.id.unwrap(),
            venue_name: "Nhà nghỉ Hoa Hồng".into(),
            issuer_key_id: None,
            code: CodeFinding::Genuine,
            place: PlaceFinding::NotChecked,
            poster_displayed: false,
            visitors_scanning: false,
            staff_desk_in_use: None,
            note: String::new(),
            inspected_at: at,
        }
        .encode(),
    };
    attacker.sign(kind, body)
}

/// Attack 1: record-id squatting.
async fn squatting(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let now = Utc::now();
    let t0 = base_time();
    let (pho, code) = server.register_venue_with_code("Phở Hòa").await.unwrap();

    // The honest phone: a check-in and its check-out (an update), a declaration, and (as
    // venue staff) a visitor recorded from that declaration's personal code. All offline.
    let phone = Phone::new(now).unwrap();
    client::register(&phone.diary, &url, &options_for(&url))
        .await
        .unwrap();
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
    let owner = phone.owner();
    phone
        .stay(&[owner], &pho, t0, t0 + Duration::minutes(30))
        .unwrap();
    let personal_code = {
        let d = phone.lock();
        let declared = d
            .declare_for_person(&owner, Answers::all_clear(), &DeclarePolicy::default())
            .unwrap();
        d.personal_code_for(&declared.body).unwrap()
    };
    {
        let d = phone.lock();
        let desk = StaffDesk::open(&d, &code, DeskSettings::default()).unwrap();
        desk.record(&d, &personal_code).unwrap();
    }
    let kinds = [
        RecordKind::CheckIn,
        RecordKind::CheckInUpdate,
        RecordKind::Declaration,
        RecordKind::StaffCheckIn,
    ];
    let honest: Vec<SignedRecord> = kinds.iter().map(|k| record_of(&phone, *k)).collect();
    let ids: Vec<Id128> = honest.iter().map(|r| r.id().unwrap()).collect();

    // The attacker uploads first, under every one of those ids: the same kind with other
    // content, and another kind under each id too.
    let attacker = RawDevice::register(&url).await.unwrap();
    let mut first: Vec<SignedRecord> = kinds
        .iter()
        .zip(&ids)
        .map(|(k, id)| forged(&attacker, *k, *id, t0))
        .collect();
    first.push(forged(&attacker, RecordKind::Declaration, ids[0], t0));
    let answers = attacker.upload(&first).await.unwrap();
    assert_eq!(answers.len(), first.len());

    // The phone's records are all stored: none is refused, none left behind.
    let report = phone.sync_to(&url).await.unwrap();
    assert!(
        report.rejected.is_empty(),
        "the squatted ids blocked the phone's records: {:?}",
        report.rejected
    );
    assert_eq!(report.uploaded, 4);
    assert_eq!(phone.lock().pending_count().unwrap(), 0);

    // The attacker uploads again afterwards, other content under the same ids: nothing of
    // the phone's is replaced. Its own records stay its own (a repeat is a duplicate).
    let later: Vec<SignedRecord> = kinds
        .iter()
        .zip(&ids)
        .map(|(k, id)| forged(&attacker, *k, *id, t0 + Duration::minutes(5)))
        .collect();
    let answers = attacker.upload(&later).await.unwrap();
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, RecordStatus::Rejected(_))),
        "the attacker's second content under its own ids: {answers:?}"
    );

    // Nothing is shadowed: the phone's case is its own check-in, at its venue and times.
    let client = server.authority().unwrap();
    let phone_id = phone.lock().registration().unwrap().unwrap().device_id;
    let case = client
        .create_case(
            phone_id,
            None,
            t0 - Duration::hours(1),
            // Before the visit its desk recorded (at the phone's clock, 4 hours or more
            // after t0): that visit would be a stay of this case too (issue 17).
            t0 + Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(case.checkins, 1);
    let published = client.publish(case.case_id).await.unwrap();
    assert_eq!(published.windows.len(), 1);
    let w = &published.windows[0];
    assert_eq!(Some(w.venue_id), pho.id);
    assert_eq!(w.from_ms(), t0.timestamp_millis());
    assert_eq!(
        w.until_ms(),
        (t0 + Duration::minutes(30)).timestamp_millis()
    );
    // And the phone's records are answered as its own when it sends them again.
    let same_key = vaora_protocol::identity::DeviceIdentity::from_secret_bytes(
        phone.lock().identity().secret_bytes().as_slice(),
    )
    .unwrap();
    let again = RawDevice::register_key(&url, same_key).await.unwrap();
    assert_eq!(again.id, phone_id);
    let answers = again.upload(&honest).await.unwrap();
    assert_eq!(answers, vec![RecordStatus::Duplicate; 4]);
}

/// Attack 2: updates of another device's check-in.
async fn cross_device_updates(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let now = Utc::now();
    let t0 = base_time();
    let (pho, _) = server.register_venue_with_code("Phở Hòa").await.unwrap();
    let (market, _) = server
        .register_venue_with_code("Chợ Bến Thành")
        .await
        .unwrap();
    let m = Duration::minutes;

    // A (the future case) at the phở shop 12:00–12:30; B, a contact, 12:10–12:20.
    let a = Phone::new(now).unwrap();
    let b = Phone::new(now).unwrap();
    for p in [&a, &b] {
        client::register(&p.diary, &url, &options_for(&url))
            .await
            .unwrap();
    }
    let first = a.stay(&[a.owner()], &pho, t0, t0 + m(30)).unwrap()[0];
    b.stay(&[b.owner()], &pho, t0 + m(10), t0 + m(20)).unwrap();
    // C, another contact of A's later stay at the market (below).
    let c = Phone::new(now).unwrap();
    client::register(&c.diary, &url, &options_for(&url))
        .await
        .unwrap();
    c.stay(&[c.owner()], &market, t0 + m(70), t0 + m(80))
        .unwrap();
    for p in [&a, &b, &c] {
        assert!(p.sync_to(&url).await.unwrap().rejected.is_empty());
    }

    let attacker = RawDevice::register(&url).await.unwrap();
    // Move A's stay away with a sequence far above A's own (hides B).
    let moved = update_body(first, 1_000_000, t0 + m(300), t0 + m(301)).unwrap();
    attacker
        .upload(&[attacker.sign(RecordKind::CheckInUpdate, moved.encode())])
        .await
        .unwrap();

    // A's next check-in, made offline: the attacker learns its id before A uploads it and
    // sends an update first, shrinking the stay to a minute before C arrives.
    let second = a
        .stay(&[a.owner()], &market, t0 + m(60), t0 + m(90))
        .unwrap()[0];
    let early = update_body(second, 1_000_000, t0 + m(60), t0 + m(61)).unwrap();
    attacker
        .upload(&[attacker.sign(RecordKind::CheckInUpdate, early.encode())])
        .await
        .unwrap();
    assert!(a.sync_to(&url).await.unwrap().rejected.is_empty());

    // A's stays are A's own: both contacts are found and the windows have A's times.
    let client = server.authority().unwrap();
    let a_id = a.lock().registration().unwrap().unwrap().device_id;
    let case = client
        .create_case(a_id, None, t0 - Duration::hours(1), t0 + Duration::hours(8))
        .await
        .unwrap();
    assert_eq!(case.checkins, 2);
    let traced = client.trace(case.case_id).await.unwrap();
    let b_id = b.lock().registration().unwrap().unwrap().device_id;
    let c_id = c.lock().registration().unwrap().unwrap().device_id;
    let mut contacts: Vec<Id128> = traced.contacts.iter().map(|x| x.device_id).collect();
    contacts.sort_unstable();
    let mut want = vec![b_id, c_id];
    want.sort_unstable();
    assert_eq!(contacts, want, "a forged update hid a contact");
    let published = client.publish(case.case_id).await.unwrap();
    let mut got: Vec<(i64, i64)> = published
        .windows
        .iter()
        .map(|w| (w.from_ms(), w.until_ms()))
        .collect();
    got.sort_unstable();
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    assert_eq!(
        got,
        vec![(ms(t0), ms(t0 + m(30))), (ms(t0 + m(60)), ms(t0 + m(90)))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_ids_are_scoped_per_device_sqlite() {
    squatting(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_ids_are_scoped_per_device_postgres() {
    squatting(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_checkins_device_moves_its_stay_sqlite() {
    cross_device_updates(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_checkins_device_moves_its_stay_postgres() {
    cross_device_updates(Backend::Postgres).await;
}
