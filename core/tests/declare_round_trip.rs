//! End to end, the way a family and a venue use it: a household member is created from a
//! synthetic CCCD, the device owner declares for them, the personal code is drawn as a
//! PNG, read back from the pixels with a QR decoder, verified offline, and a staff device
//! records the visit as a signed staff check-in.

// Test helpers outside #[test] functions unwrap too: this whole file is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_protocol::cards::CardProfile;
use vaora_protocol::cards::cccd::CccdCard;
use vaora_protocol::clock::FixedClock;
use vaora_protocol::declare::{
    Answers, AuthorityKey, CodeStatus, DeclarationBody, DeclarePolicy, DeclaredFor,
    DeviceCertificate, DeviceTrust, PersonalCode, StaffCheckInBody, StaffPolicy, Status, Symptom,
    VisitorSource, qr,
};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, RecordKind, VenueRef};
use vaora_protocol::venue::VenueCategory;

// Synthetic card: province 001 (Hà Nội), male born 1948 -> century digit 0, year 48.
const GRANDFATHER_CCCD: &str = "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hai Bà Trưng, Hà Nội|20052021";

fn open(dir: &tempfile::TempDir, name: &str, clock: Arc<FixedClock>) -> Diary {
    Diary::open(
        &dir.path().join(name),
        &DiaryKey::from_bytes([3; 32]),
        clock,
        DiaryConfig::default(),
    )
    .unwrap()
}

fn decode_png(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        img.get_pixel(x as u32, y as u32).0[0]
    });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[test]
fn proxy_round_trip_from_card_to_staff_check_in() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let mut family = open(&dir, "family.db", clock.clone());

    // Household member from a scanned card: only name, birth year and a keyed hash kept.
    let card = CccdCard::parse(GRANDFATHER_CCCD, now.date_naive()).unwrap();
    let profile = CardProfile::from_cccd(&card, &family.card_hash_key().unwrap(), false);
    assert_eq!(profile.display_name, "Nguyễn Văn Đường");
    assert_eq!(profile.birth_year, 1948);
    assert_eq!(profile.card_number, None);
    let member = family
        .add_person_from_card(&profile, Some("ông nội".into()))
        .unwrap();
    assert_eq!(member.display_name, "Nguyễn Văn Đường");
    assert_eq!(member.birth_year, Some(1948));
    assert_eq!(
        family.person_card_hash(&member.id).unwrap(),
        Some(profile.card_hash)
    );
    family
        .rename_person(&family.owner_id(), "Nguyễn Thị Thu Hằng")
        .unwrap();

    // The device is registered with the authority.
    let authority = SigningKey::from_bytes(&[42; 32]);
    let trusted = [AuthorityKey {
        key_id: "vn-byt-test".into(),
        public_key: authority.verifying_key().to_bytes(),
    }];
    let cert = DeviceCertificate::issue(
        "vn-byt-test",
        &authority,
        family.identity().public_key(),
        now - Duration::days(1),
        now + Duration::days(365),
    );
    family.set_device_certificate(&cert).unwrap();

    // Declare for him: a cough and a fully vaccinated history.
    let answers = Answers {
        symptoms: vec![Symptom::Cough],
        vaccine_doses: 3,
        last_dose_on: NaiveDate::from_ymd_opt(2022, 4, 1),
        ..Answers::default()
    };
    let stored = family
        .declare_for_person(&member.id, answers, &DeclarePolicy::default())
        .unwrap();
    assert_eq!(
        stored.body.declared_for,
        DeclaredFor::HouseholdMember {
            declarant: family.person_ref(&family.owner_id()).unwrap()
        }
    );
    // Queued for sync like a check-in.
    let pending = family.pending_records(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record, stored.record);
    assert_eq!(stored.record.kind, RecordKind::Declaration);
    stored.record.verify().unwrap();
    let from_diary = family.latest_declaration_for(&member.id).unwrap().unwrap();
    assert_eq!(from_diary.body, stored.body);
    assert_eq!(
        DeclarationBody::from_record(&from_diary.record).unwrap(),
        stored.body
    );

    // Personal code -> PNG -> pixels -> text.
    let text = family.personal_code_for(&stored.body).unwrap();
    let png = qr::code_png(&text, 6, 4).unwrap();
    let scanned = decode_png(&png);
    assert_eq!(scanned, text);

    // The staff device verifies offline, one hour later.
    clock.advance(Duration::hours(1));
    let verified = PersonalCode::verify(&scanned, clock_now(&clock), &trusted).unwrap();
    assert_eq!(verified.status, CodeStatus::Valid);
    assert_eq!(
        verified.device,
        DeviceTrust::Certified {
            authority_key_id: "vn-byt-test".into()
        }
    );
    assert_eq!(verified.code.display_name, "Nguyễn Văn Đường");
    assert_eq!(verified.code.birth_year, Some(1948));
    assert_eq!(
        verified.code.declared_by.as_deref(),
        Some("Nguyễn Thị Thu Hằng")
    );
    assert!(verified.is_proxy());
    let summary = verified.summary().unwrap();
    assert_eq!(summary.status, Status::NeedsAttention);
    assert_eq!(summary.describe(), "needs-attention: cough");
    assert_eq!(verified.code.declaration_id, stored.body.id);

    // The printable card draws too, and its PNG still scans.
    let card_png = qr::card_png(&text, &verified, 5).unwrap();
    assert_eq!(decode_png(&card_png), text);
    let card_svg = qr::card_svg(&text, &verified).unwrap();
    assert!(card_svg.contains("Nguyễn Văn Đường"));
    assert!(card_svg.contains("declared by Nguyễn Thị Thu Hằng"));

    // Staff check-in at the venue, signed by the staff device.
    let staff = open(&dir, "staff.db", clock.clone());
    let venue = VenueRef {
        id: Some(Id128::from_bytes([8; 16])),
        name: "Nhà văn hóa Phường Bến Nghé".into(),
        address: "12 Đinh Tiên Hoàng, Quận 1".into(),
        category: VenueCategory::CommunityHouse,
        issuer_key_id: Some("vn-venue-test".into()),
        verified: true,
    };
    let body = StaffCheckInBody::from_personal_code(
        (Id128::random().unwrap(), Id128::random().unwrap()),
        &verified,
        venue.clone(),
        clock_now(&clock),
        StaffPolicy {
            require_certified: true,
        },
    )
    .unwrap();
    let record = staff
        .save_staff_checkin(&body, chrono::Duration::hours(1))
        .unwrap();
    assert_eq!(record.kind, RecordKind::StaffCheckIn);
    assert_eq!(record.device_key, staff.identity().public_key());
    let back = StaffCheckInBody::from_record(&record).unwrap();
    assert_eq!(back.checkin.method, CheckInMethod::ScannedByStaff);
    assert_eq!(back.checkin.person_name, "Nguyễn Văn Đường");
    assert_eq!(back.checkin.venue, venue);
    match back.source {
        VisitorSource::PersonalCode {
            declaration_id,
            certified,
            proxy,
            device_key,
            ..
        } => {
            assert_eq!(declaration_id, stored.body.id);
            assert!(certified && proxy);
            assert_eq!(device_key, family.identity().public_key());
        }
        other => panic!("unexpected source {other:?}"),
    }
    let queued = staff.pending_records(10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].record, record);
    let listed = staff.staff_checkins().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1, record);

    // A tampered stored record is caught by verification.
    let mut forged = record.clone();
    forged.body[20] ^= 0x01;
    assert!(StaffCheckInBody::from_record(&forged).is_err());
}

#[test]
fn staff_check_in_from_id_card_keeps_only_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let staff = open(&dir, "staff.db", clock);
    let key = staff.card_hash_key().unwrap();
    // The key is stable across calls (stored in the diary).
    assert_eq!(staff.card_hash_key().unwrap().as_bytes(), key.as_bytes());
    let card = CccdCard::parse(GRANDFATHER_CCCD, now.date_naive()).unwrap();
    let profile = CardProfile::from_cccd(&card, &key, false);
    let venue = VenueRef {
        id: None,
        name: "Chợ Bến Thành".into(),
        address: "Lê Lợi, Quận 1".into(),
        category: VenueCategory::Market,
        issuer_key_id: None,
        verified: false,
    };
    let body = StaffCheckInBody::from_card(
        (Id128::random().unwrap(), Id128::random().unwrap()),
        &profile,
        venue,
        now,
        None,
    );
    let record = staff
        .save_staff_checkin(&body, chrono::Duration::hours(1))
        .unwrap();
    let back = StaffCheckInBody::from_record(&record).unwrap();
    assert_eq!(back.birth_year, Some(1948));
    // The card number appears nowhere in the signed record.
    let hay = String::from_utf8_lossy(&record.body);
    assert!(!hay.contains("001048009876"));
    assert!(
        matches!(back.source, VisitorSource::IdCard { card_hash, .. } if card_hash == profile.card_hash)
    );
}

fn clock_now(clock: &FixedClock) -> chrono::DateTime<Utc> {
    use vaora_protocol::clock::Clock;
    clock.now()
}

#[test]
fn retention_purges_declarations_with_check_ins() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 2, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let mut diary = open(&dir, "d.db", clock.clone());
    let owner = diary.owner_id();
    diary
        .declare_for_person(&owner, Answers::all_clear(), &DeclarePolicy::default())
        .unwrap();
    clock.advance(Duration::days(20));
    let recent = diary
        .declare_for_person(&owner, Answers::all_clear(), &DeclarePolicy::default())
        .unwrap();
    clock.advance(Duration::days(2));
    let purged = diary.purge_expired().unwrap();
    assert_eq!(purged.declarations, 1);
    assert_eq!(purged.records, 1);
    let left = diary.declarations().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].body.id, recent.body.id);
    assert_eq!(diary.pending_records(10).unwrap().len(), 1);
}

/// "Today", which bounds the date of the last dose, is the declaring diary's local date
/// (its clock's UTC offset): `last_dose_local_today` in `docs/vectors/declarations.json`.
#[test]
fn the_last_dose_is_bounded_by_the_declaring_diarys_local_today() {
    use vaora_core::diary::DeclareError;
    use vaora_protocol::declare::{AnswerError, DeclarationError};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/vectors/declarations.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in v["last_dose_local_today"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let now = chrono::DateTime::parse_from_rfc3339(case["now"].as_str().unwrap())
            .unwrap()
            .to_utc();
        let offset =
            chrono::FixedOffset::east_opt(case["utc_offset_seconds"].as_i64().unwrap() as i32)
                .unwrap();
        let clock = Arc::new(FixedClock::with_offset(now, offset));
        let diary = open(&dir, &format!("today-{i}.db"), clock);
        let answers = Answers {
            vaccine_doses: 1,
            last_dose_on: Some(
                NaiveDate::parse_from_str(case["last_dose_on"].as_str().unwrap(), "%Y-%m-%d")
                    .unwrap(),
            ),
            ..Answers::all_clear()
        };
        let got = diary.declare_for_person(&diary.owner_id(), answers, &DeclarePolicy::default());
        match (case["accepted"].as_bool().unwrap(), got) {
            (true, Ok(_)) => {}
            (
                false,
                Err(DeclareError::Declaration(DeclarationError::Answers(AnswerError::FutureDate(
                    _,
                )))),
            ) => {}
            (want, got) => panic!("{case}: want accepted={want}, got {got:?}"),
        }
    }
}
