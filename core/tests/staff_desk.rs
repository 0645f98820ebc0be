//! The staff desk: opened only at a venue whose code verifies; each scanned personal code
//! or ID card becomes a signed staff check-in in the queue, and every refusal stores
//! nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use vaora_core::desk::{DeskError, StaffDesk};
use vaora_core::diary::{DeclareError, Diary, DiaryConfig, DiaryKey, NewPerson, VenueCheckInError};
use vaora_protocol::clock::FixedClock;
use vaora_protocol::declare::{Answers, DeclarePolicy, StaffPolicy, VisitorSource};
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
    }
}

fn queued(d: &Diary) -> usize {
    d.pending_records(100).unwrap().len()
}

#[test]
fn a_desk_records_a_card_and_a_proxy_personal_code() {
    let mut s = setup();
    let desk = StaffDesk::open(&s.staff, &venue_code(), StaffPolicy::default()).unwrap();
    assert_eq!(desk.venue().name, "Chợ Đông Ba");

    let visit = desk.record(&s.staff, CCCD).unwrap();
    assert_eq!(visit.body.checkin.person_name, "Nguyễn Văn Đường");
    assert!(matches!(visit.body.source, VisitorSource::IdCard { .. }));
    visit.record.verify().unwrap();

    let grandma = s
        .family
        .add_person(NewPerson {
            display_name: "Bà Tư".into(),
            relation: None,
            birth_year: Some(1945),
        })
        .unwrap();
    s.family
        .declare_for_person(&grandma.id, Answers::all_clear(), &DeclarePolicy::default())
        .unwrap();
    let code = s.family.personal_code_for_person(&grandma.id).unwrap();
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
        StaffDesk::open(&unknown, &venue_code(), StaffPolicy::default()),
        Err(DeskError::Venue(VenueCheckInError::Refused(_)))
    ));
    let desk = StaffDesk::open(&s.staff, &venue_code(), StaffPolicy::default()).unwrap();
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
        StaffPolicy {
            require_certified: true,
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
