//! The staff desk: opened only at a venue whose code verifies; each scanned personal code
//! or ID card becomes a signed staff check-in in the queue, and every refusal stores
//! nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use vaora_core::desk::{DeskError, DeskSettings, IdentifiedBy, StaffDesk, Verdict, VisitState};
use vaora_core::diary::{DeclareError, Diary, DiaryConfig, DiaryKey, NewPerson, VenueCheckInError};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::declare::{Answers, DeclarePolicy, VisitorSource};
use vaora_protocol::records::{CheckInUpdateBody, RecordKind, UpdateReason};
use vaora_protocol::testing::{test_authority, test_keyset};
use vaora_protocol::venue::{NewVenue, SignerPolicy, VenueCategory, VenueIssuer};

const CCCD: &str = "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hai Bà Trưng, Hà Nội|20052021";

fn venue_code() -> String {
    VenueIssuer::new(test_authority())
        .issue(NewVenue {
            venue_id: None,
            name: "Chợ Đông Ba".into(),
            address: "Huế".into(),
            category: VenueCategory::Market,
            default_stay_min: 60,
            valid_from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            valid_until: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        })
        .unwrap()
        .to_text()
}

struct Setup {
    _dir: tempfile::TempDir,
    staff: Diary,
    family: Diary,
    clock: Arc<FixedClock>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
    ));
    let open = |name: &str| {
        Diary::open(
            &dir.path().join(name),
            &DiaryKey::generate().unwrap(),
            clock.clone(),
            DiaryConfig::default(),
        )
        .unwrap()
    };
    let staff = open("staff.db");
    staff
        .apply_keyset(&test_keyset(), SignerPolicy::PinSelfSigned)
        .unwrap();
    let family = open("family.db");
    Setup {
        _dir: dir,
        staff,
        family,
        clock,
    }
}

fn queued(d: &Diary) -> usize {
    d.pending_records(100).unwrap().len()
}

#[test]
fn a_desk_records_a_card_and_a_proxy_personal_code() {
    let mut s = setup();
    let desk = StaffDesk::open(&s.staff, &venue_code(), DeskSettings::default()).unwrap();
    assert_eq!(desk.venue().name, "Chợ Đông Ba");

    let visit = desk.record(&s.staff, CCCD).unwrap();
    assert_eq!(visit.body.checkin.person_name, "Nguyễn Văn Đường");
    assert!(matches!(visit.body.source, VisitorSource::IdCard { .. }));
    visit.record.verify().unwrap();

    let code = grandma_code(&mut s);
    let visit = desk.record(&s.staff, &code).unwrap();
    assert_eq!(visit.body.checkin.person_name, "Bà Tư");
    assert!(matches!(
        visit.body.source,
        VisitorSource::PersonalCode {
            certified: false,
            proxy: true,
            ..
        }
    ));
    assert_eq!(s.staff.staff_checkins().unwrap().len(), 2);
    assert_eq!(queued(&s.staff), 2);
}

#[test]
fn refusals_store_nothing() {
    let s = setup();
    // A desk needs a venue the trust store vouches for.
    let unknown = Diary::open(
        &s._dir.path().join("fresh.db"),
        &DiaryKey::generate().unwrap(),
        Arc::new(FixedClock::new(Utc::now())),
        DiaryConfig::default(),
    )
    .unwrap();
    assert!(matches!(
        StaffDesk::open(&unknown, &venue_code(), DeskSettings::default()),
        Err(DeskError::Venue(VenueCheckInError::Refused(_)))
    ));
    let desk = StaffDesk::open(&s.staff, &venue_code(), DeskSettings::default()).unwrap();
    // A venue code or other text is not a visitor.
    assert!(matches!(
        desk.record(&s.staff, &venue_code()),
        Err(DeskError::NotAVisitorCode { kind: "venue" })
    ));
    assert!(matches!(
        desk.record(&s.staff, "hello"),
        Err(DeskError::NotAVisitorCode { kind: "unknown" })
    ));
    // A card with a bad date, a forged personal code.
    let bad_card = CCCD.replace("09051948", "31021948");
    assert!(matches!(
        desk.record(&s.staff, &bad_card),
        Err(DeskError::Visitor(DeclareError::Cccd(_)))
    ));
    assert!(matches!(
        desk.record(&s.staff, "VAORA:P1:not-a-code"),
        Err(DeskError::Visitor(DeclareError::PersonalCode(_)))
    ));
    // Certified codes only: a self-signed one is refused.
    let strict = StaffDesk::open(
        &s.staff,
        &venue_code(),
        DeskSettings {
            require_certified: true,
            ..DeskSettings::default()
        },
    )
    .unwrap();
    s.family
        .declare_for_person(
            &s.family.owner_id(),
            Answers::all_clear(),
            &DeclarePolicy {
                validity: Duration::hours(24),
            },
        )
        .unwrap();
    let own = s
        .family
        .personal_code_for_person(&s.family.owner_id())
        .unwrap();
    assert!(matches!(
        strict.record(&s.staff, &own),
        Err(DeskError::Visitor(DeclareError::Staff(_)))
    ));
    assert!(s.staff.staff_checkins().unwrap().is_empty());
    assert_eq!(queued(&s.staff), 0);
}

/// The update records queued for a visit, in queue order.
fn updates_of(d: &Diary, id: &vaora_protocol::ids::Id128) -> Vec<CheckInUpdateBody> {
    d.pending_records(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.record.kind == RecordKind::CheckInUpdate && e.subject_id == *id)
        .map(|e| {
            e.record.verify().unwrap();
            CheckInUpdateBody::decode(&e.record.body).unwrap()
        })
        .collect()
}

fn grandma_code(s: &mut Setup) -> String {
    let grandma = s
        .family
        .add_person(NewPerson {
            display_name: "Bà Tư".into(),
            relation: None,
            birth_year: Some(1945),
        })
        .unwrap();
    s.family
        .declare_for_person(
            &grandma.id,
            Answers::all_clear(),
            &DeclarePolicy {
                validity: Duration::hours(2),
            },
        )
        .unwrap();
    s.family.personal_code_for_person(&grandma.id).unwrap()
}

#[test]
fn a_camera_loop_answers_each_visitor_once() {
    let s = setup();
    let mut desk = StaffDesk::open(&s.staff, &venue_code(), DeskSettings::default()).unwrap();
    let first = desk
        .scan(&s.staff, CCCD)
        .unwrap()
        .expect("a new text is answered");
    let Verdict::Accepted { checkin_id } = first.verdict else {
        panic!("{first:?}");
    };
    let who = first.visitor.unwrap();
    assert_eq!(who.display_name, "Nguyễn Văn Đường");
    assert_eq!(who.birth_year, Some(1948));
    assert_eq!(who.identified_by, IdentifiedBy::Cccd);
    // The card stays in view for ten seconds at 30 frames a second: nothing more.
    for _ in 0..300 {
        s.clock.advance(Duration::milliseconds(33));
        assert_eq!(desk.scan(&s.staff, CCCD).unwrap(), None);
    }
    assert_eq!(queued(&s.staff), 1);
    // Shown again a minute later: already inside, not a second visit.
    s.clock.advance(Duration::minutes(1));
    let again = desk.scan(&s.staff, CCCD).unwrap().unwrap();
    assert_eq!(again.verdict, Verdict::AlreadyInside { checkin_id });
    assert_eq!(queued(&s.staff), 1);
    assert!(matches!(
        desk.record(&s.staff, CCCD),
        Err(DeskError::AlreadyInside)
    ));
    assert_eq!(s.staff.staff_checkins().unwrap().len(), 1);
}

#[test]
fn each_refusal_says_why_and_stores_nothing() {
    let mut s = setup();
    let code = grandma_code(&mut s);
    let mut desk = StaffDesk::open(&s.staff, &venue_code(), DeskSettings::default()).unwrap();
    let answer = |desk: &mut StaffDesk, text: &str| desk.scan(&s.staff, text).unwrap().unwrap();

    let bad_date = answer(&mut desk, &CCCD.replace("09051948", "31021948"));
    assert_eq!(
        bad_date.verdict,
        Verdict::InvalidCard {
            field: Some("date_of_birth".into()),
            code: "bad-date".into(),
            reason: "the CCCD field date_of_birth is not a real date in DDMMYYYY form".into(),
        }
    );
    assert_eq!(bad_date.visitor, None, "an invalid card names nobody");
    let no_name = answer(&mut desk, &CCCD.replace("Nguyễn Văn Đường", ""));
    assert!(matches!(
        no_name.verdict,
        Verdict::InvalidCard { field: Some(ref f), .. } if f == "full_name"
    ));
    let short = answer(&mut desk, "001048009876|Nguyễn Văn Đường|09051948");
    assert!(matches!(
        short.verdict,
        Verdict::InvalidCard { field: None, ref code, .. } if code == "wrong-field-count"
    ));
    assert_eq!(
        answer(&mut desk, &venue_code()).verdict,
        Verdict::NotADoorCode {
            kind: "venue".into()
        }
    );
    assert_eq!(
        answer(&mut desk, "https://example.com").verdict,
        Verdict::NotADoorCode {
            kind: "unknown".into()
        }
    );
    assert!(matches!(
        answer(&mut desk, "VAORA:P1:not-a-code").verdict,
        Verdict::Unreadable { .. }
    ));

    // A genuine code that is self-signed, under a desk that requires certified codes: the
    // staff see whose it is and why it is refused.
    desk.set_settings(DeskSettings {
        require_certified: true,
        ..DeskSettings::default()
    });
    let strict = answer(&mut desk, &code);
    assert_eq!(strict.verdict, Verdict::NotCertified);
    let who = strict.visitor.unwrap();
    assert_eq!(who.display_name, "Bà Tư");
    assert!(matches!(
        who.identified_by,
        IdentifiedBy::PersonalCode {
            certified: false,
            declared_by: Some(_),
            ..
        }
    ));
    // The same code once it expired.
    desk.set_settings(DeskSettings::default());
    s.clock.advance(Duration::hours(3));
    let expired = answer(&mut desk, &code);
    assert_eq!(expired.verdict, Verdict::Expired);
    assert_eq!(expired.visitor.unwrap().display_name, "Bà Tư");

    assert!(s.staff.staff_checkins().unwrap().is_empty());
    assert_eq!(queued(&s.staff), 0);
}

#[test]
fn visitors_leave_by_check_out_or_when_the_stay_ends() {
    let mut s = setup();
    let mut desk = StaffDesk::open(&s.staff, &venue_code(), DeskSettings::default()).unwrap();
    let card = desk.scan(&s.staff, CCCD).unwrap().unwrap();
    let Verdict::Accepted {
        checkin_id: card_visit,
    } = card.verdict
    else {
        panic!("{card:?}");
    };
    s.clock.advance(Duration::minutes(5));
    let code = grandma_code(&mut s);
    let proxy = desk.scan(&s.staff, &code).unwrap().unwrap();
    let Verdict::Accepted {
        checkin_id: code_visit,
    } = proxy.verdict
    else {
        panic!("{proxy:?}");
    };
    let today = desk.visitors_today(&s.staff).unwrap();
    assert_eq!(today.len(), 2);
    assert_eq!(today[0].checkin_id, code_visit, "newest first");
    assert!(today.iter().all(|v| v.state == VisitState::Inside));

    // Staff check the card holder out: one signed update, sequence 1, with the end time.
    s.clock.advance(Duration::minutes(10));
    let out = desk.check_out(&s.staff, &card_visit).unwrap();
    assert_eq!(out, s.clock.now());
    let updates = updates_of(&s.staff, &card_visit);
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].checkin_id, card_visit);
    assert_eq!(updates[0].sequence, 1);
    assert_eq!(updates[0].reason, UpdateReason::CheckOut);
    assert_eq!(updates[0].checked_out_at, Some(out));
    // A visit ends once.
    assert!(desk.check_out(&s.staff, &card_visit).is_err());
    assert_eq!(updates_of(&s.staff, &card_visit).len(), 1);

    // The venue's default stay (60 minutes) ends the other visit at its end.
    s.clock.advance(Duration::minutes(60));
    let today = desk.visitors_today(&s.staff).unwrap();
    let state = |id| today.iter().find(|v| v.checkin_id == id).unwrap();
    assert_eq!(state(card_visit).state, VisitState::CheckedOut);
    assert_eq!(state(code_visit).state, VisitState::StayEnded);
    let ended = updates_of(&s.staff, &code_visit);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].reason, UpdateReason::AutoCheckOut);
    assert_eq!(
        ended[0].checked_out_at,
        Some(ended[0].checked_in_at + Duration::minutes(60))
    );
    assert!(desk.check_out(&s.staff, &code_visit).is_err());

    // Once out, the card holder coming back is a new visit.
    let back = desk.scan(&s.staff, CCCD).unwrap().unwrap();
    assert!(back.is_accepted());
    assert_eq!(desk.visitors_today(&s.staff).unwrap().len(), 3);
}
