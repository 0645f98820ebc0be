//! Venue codes end to end: issue, render (PNG, poster), decode the PNG with rqrr, verify;
//! size limits; strict parsing never panics; revocations; the diary's trust store.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use vaora_core::diary::{
    Diary, DiaryConfig, DiaryKey, ScannedVenue, Unverified, VenueCheckInError,
};
use vaora_protocol::clock::FixedClock;
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::render::poster::{Poster, poster_png, poster_svg};
use vaora_protocol::render::{CodeStyle, Ecc, QrMatrix, code_png};
use vaora_protocol::venue::{
    Authority, KeySet, KeySetContent, KeySetError, NewVenue, SignerPolicy, TrustStore,
    VenueCategory, VenueCode, VenueIssuer, Verification,
};
use vaora_tests::venue_vectors::{LONG_ADDRESS, LONG_NAME, now};

fn new_venue(name: &str, address: &str) -> NewVenue {
    NewVenue {
        venue_id: None,
        name: name.into(),
        address: address.into(),
        category: VenueCategory::Market,
        default_stay_min: 45,
        valid_from: now() - Duration::days(10),
        valid_until: now() + Duration::days(30),
    }
}

#[allow(clippy::unwrap_used)] // test helper
fn decode_all(png_bytes: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png_bytes).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[test]
fn sixty_and_eighty_character_vietnamese_texts_fit_version_10_at_m() {
    assert_eq!(LONG_NAME.chars().count(), 60);
    assert_eq!(LONG_ADDRESS.chars().count(), 80);
    let second_name = "Trường Trung học phổ thông chuyên Lê Hồng Phong - Cơ sở Đồng Nai";
    let second_address =
        "Đường Nguyễn Tất Thành, Khu phố Tân Tiến, Phường Quyết Thắng, Tỉnh Đồng Nai mới.";
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    for (name, address) in [(LONG_NAME, LONG_ADDRESS), (second_name, second_address)] {
        let name: String = name.chars().take(60).collect::<String>().trim().to_owned();
        let address: String = address
            .chars()
            .take(80)
            .collect::<String>()
            .trim()
            .to_owned();
        let code = issuer.issue(new_venue(&name, &address)).unwrap();
        let text = code.to_text();
        let m = QrMatrix::encode(&text, Ecc::M).unwrap();
        println!(
            "{} chars name, {} chars address: {} text chars, QR version {} at M",
            name.chars().count(),
            address.chars().count(),
            text.len(),
            m.version()
        );
        assert!(m.version() <= 10, "version {}", m.version());
        assert_eq!(VenueCode::parse(&text).unwrap().info.name, name);
    }
}

#[test]
fn issued_code_renders_decodes_and_verifies_with_exact_vietnamese() {
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let name = "Chợ Đồng Xuân – Cổng số 3 (Ngõ Hàng Khoai)";
    let address = "Phường Đồng Xuân, Quận Hoàn Kiếm, Thành phố Hà Nội";
    let code = issuer.issue(new_venue(name, address)).unwrap();
    let text = code.to_text();

    let png = code_png(
        &text,
        Ecc::M,
        CodeStyle {
            scale: 4,
            quiet_zone: 4,
        },
    )
    .unwrap();
    assert_eq!(decode_all(&png), vec![text.clone()]);

    let poster = Poster {
        title: name.into(),
        lines: vec![VenueCategory::Market.label_vi().into(), address.into()],
        footer: "Quét mã để khai báo vào / ra".into(),
        code_text: text.clone(),
    };
    let poster_bytes = poster_png(&poster).unwrap();
    let decoded = decode_all(&poster_bytes);
    assert_eq!(decoded, vec![text.clone()]);
    let svg = poster_svg(&poster).unwrap();
    // The SVG carries the exact text (wrapped on word boundaries).
    let words: Vec<String> = svg
        .split("<text ")
        .skip(1)
        .filter_map(|t| t.split('>').nth(1)?.split('<').next().map(str::to_owned))
        .collect();
    assert!(
        words
            .join(" ")
            .starts_with(&format!("{name} {}", VenueCategory::Market.label_vi()))
    );

    let store = vaora_protocol::testing::test_trust_store();
    let verified = store.verify_text(&decoded[0], now());
    assert_eq!(verified.result, Verification::Valid);
    let info = verified.code.unwrap().info;
    assert_eq!(info.name, name);
    assert_eq!(info.address, address);
    assert_eq!(info.category, VenueCategory::Market);
    assert_eq!(info.default_stay_min, 45);
    match classify(&text, &store, now()) {
        Classified::Venue(v) => assert!(v.result.is_valid()),
        other => panic!("classified as {}", other.kind()),
    }
    assert_eq!(classify("hello", &store, now()).kind(), "unknown");
}

#[test]
fn issuer_refuses_invalid_venues() {
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    assert!(issuer.issue(new_venue("", "x")).is_err());
    assert!(issuer.issue(new_venue("Tab\tin name", "x")).is_err());
    let mut v = new_venue("Ok", "x");
    v.valid_until = v.valid_from;
    assert!(issuer.issue(v).is_err());
    let mut v = new_venue("Ok", "x");
    v.default_stay_min = 0;
    assert!(issuer.issue(v).is_err());
    let mut v = new_venue("Ok", "x");
    v.valid_until = Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0).unwrap();
    assert!(
        issuer.issue(v).is_err(),
        "beyond the authority key's validity"
    );
}

#[test]
fn key_set_revocations_apply_and_signers_must_be_trusted() {
    let root = vaora_protocol::testing::test_authority();
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let code = issuer.issue(new_venue("Siêu thị", "Quận 7")).unwrap();
    let text = code.to_text();
    let mut store = vaora_protocol::testing::test_trust_store();
    assert_eq!(store.verify_text(&text, now()).result, Verification::Valid);

    let revoke_venue = KeySet::sign(
        KeySetContent {
            sequence: 2,
            issued_at: now().timestamp(),
            keys: vec![root.trusted_key()],
            revoked_keys: vec![],
            revoked_venues: vec![code.info.venue_id],
        },
        &root,
    );
    store
        .apply_keyset(&revoke_venue, SignerPolicy::KnownRootOnly)
        .unwrap();
    assert_eq!(
        store.verify_text(&text, now()).result,
        Verification::VenueRevoked
    );
    // An older set cannot be replayed, and revocations never disappear.
    let old = KeySet::sign(
        KeySetContent {
            sequence: 1,
            ..Default::default()
        },
        &root,
    );
    assert_eq!(
        store.apply_keyset(&old, SignerPolicy::KnownRootOnly),
        Err(KeySetError::Stale { got: 1, have: 2 })
    );
    let revoke_key = KeySet::sign(
        KeySetContent {
            sequence: 3,
            revoked_keys: vec![root.key_id()],
            ..Default::default()
        },
        &root,
    );
    store
        .apply_keyset(&revoke_key, SignerPolicy::KnownRootOnly)
        .unwrap();
    assert_eq!(
        store.verify_text(&text, now()).result,
        Verification::KeyRevoked
    );

    // A stranger's self-signed set is only taken when an operator pins it.
    let stranger = Authority::generate(0, 4_102_444_800).unwrap();
    let set = stranger.self_signed_keyset(0);
    let mut fresh = TrustStore::new();
    assert!(matches!(
        fresh.apply_keyset(&set, SignerPolicy::KnownRootOnly),
        Err(KeySetError::UntrustedSigner(_))
    ));
    fresh
        .apply_keyset(&set, SignerPolicy::PinSelfSigned)
        .unwrap();
    assert!(fresh.keys.contains_key(&stranger.key_id()));
}

#[test]
fn validity_windows_are_enforced_at_the_edges() {
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let code = issuer.issue(new_venue("Ga Hà Nội", "Lê Duẩn")).unwrap();
    let text = code.to_text();
    let store = vaora_protocol::testing::test_trust_store();
    let from = Utc
        .timestamp_opt(code.info.valid_from_unix(), 0)
        .single()
        .unwrap();
    let until = Utc
        .timestamp_opt(code.info.valid_until_unix(), 0)
        .single()
        .unwrap();
    assert_eq!(
        store.verify_text(&text, from - Duration::seconds(1)).result,
        Verification::NotYetValid
    );
    assert_eq!(store.verify_text(&text, from).result, Verification::Valid);
    assert_eq!(
        store
            .verify_text(&text, until - Duration::seconds(1))
            .result,
        Verification::Valid
    );
    assert_eq!(
        store.verify_text(&text, until).result,
        Verification::Expired
    );
}

#[allow(clippy::unwrap_used)] // test helper
fn open(dir: &std::path::Path, key: &DiaryKey) -> Diary {
    Diary::open(
        &dir.join("diary.db"),
        key,
        Arc::new(FixedClock::new(now())),
        DiaryConfig::default(),
    )
    .unwrap()
}

#[test]
fn trust_store_persists_in_the_diary_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let key = DiaryKey::generate().unwrap();
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let good = issuer.issue(new_venue("Nhà thuốc Lan Anh", "Huế")).unwrap();
    let revoked = issuer.issue(new_venue("Quán nhậu", "Đà Nẵng")).unwrap();
    {
        let diary = open(dir.path(), &key);
        assert_eq!(
            diary.verify_venue_code(&good.to_text()).unwrap().result,
            Verification::UnknownKeyId
        );
        diary
            .apply_keyset(
                &vaora_protocol::testing::test_keyset(),
                SignerPolicy::PinSelfSigned,
            )
            .unwrap();
        let root = vaora_protocol::testing::test_authority();
        let set = KeySet::sign(
            KeySetContent {
                sequence: 5,
                revoked_venues: vec![revoked.info.venue_id],
                ..Default::default()
            },
            &root,
        );
        diary
            .apply_keyset(&set, SignerPolicy::KnownRootOnly)
            .unwrap();
    }
    let diary = open(dir.path(), &key);
    let store = diary.trust_store().unwrap();
    assert_eq!(store.roots.values().copied().collect::<Vec<_>>(), vec![5]);
    assert_eq!(
        diary.verify_venue_code(&good.to_text()).unwrap().result,
        Verification::Valid
    );
    assert_eq!(
        diary.verify_venue_code(&revoked.to_text()).unwrap().result,
        Verification::VenueRevoked
    );
    // The scanned venue is what the check-in records; refused codes give none.
    let scanned = diary
        .scanned_venue(&good.to_text(), Unverified::Refuse)
        .unwrap();
    assert!(scanned.venue.verified);
    assert_eq!(scanned.venue.id, Some(good.info.venue_id));
    assert_eq!(scanned.default_stay_min, 45);
    assert!(matches!(
        diary.scanned_venue(&revoked.to_text(), Unverified::Accept),
        Err(VenueCheckInError::Refused(Verification::VenueRevoked))
    ));
}

#[test]
fn unverified_codes_are_accepted_only_when_asked_and_only_if_honest_looking() {
    let stranger = Authority::generate(0, 4_102_444_800).unwrap();
    let code = VenueIssuer::new(stranger)
        .issue(new_venue("Tiệm vàng Kim Thành", "Chợ Lớn"))
        .unwrap();
    let store = vaora_protocol::testing::test_trust_store();
    let verified = store.verify_text(&code.to_text(), now());
    assert_eq!(verified.result, Verification::UnknownKeyId);
    assert!(matches!(
        ScannedVenue::from_verified(verified.clone(), Unverified::Refuse),
        Err(VenueCheckInError::Refused(Verification::UnknownKeyId))
    ));
    let accepted = ScannedVenue::from_verified(verified, Unverified::Accept).unwrap();
    assert!(!accepted.venue.verified);
    assert_eq!(accepted.venue.name, "Tiệm vàng Kim Thành");

    let mut forged = VenueIssuer::new(vaora_protocol::testing::test_authority())
        .issue(new_venue("Giả", "Giả"))
        .unwrap();
    forged.signature[0] ^= 0x80;
    let verified = store.verify_text(&forged.to_text(), now());
    assert_eq!(verified.result, Verification::BadSignature);
    assert!(ScannedVenue::from_verified(verified, Unverified::Accept).is_err());
}

fn store() -> &'static TrustStore {
    static STORE: std::sync::OnceLock<TrustStore> = std::sync::OnceLock::new();
    STORE.get_or_init(vaora_protocol::testing::test_trust_store)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings_never_panic(s in ".{0,400}") {
        let store = store();
        let _ = store.verify_text(&s, now());
        let _ = classify(&format!("VV1:{s}"), store, now());
    }

    #[test]
    fn arbitrary_bytes_behind_the_prefix_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let store = store();
        let text = format!("VV1:{}", base45::encode(&bytes));
        let r = store.verify_text(&text, now());
        prop_assert!(matches!(r.result, Verification::Malformed(_)));
    }

    #[test]
    fn mutated_valid_codes_never_verify(pos in 4usize..200, c in "[0-9A-Z $%*+./:-]") {
        static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let text = TEXT.get_or_init(|| {
            VenueIssuer::new(vaora_protocol::testing::test_authority())
                .issue(new_venue("Quán Bà Ba", "Cần Thơ"))
                .unwrap()
                .to_text()
        }).clone();
        let pos = pos.min(text.len() - 1);
        let mut mutated = text.clone();
        mutated.replace_range(pos..pos + 1, &c);
        let r = store().verify_text(&mutated, now());
        if mutated != text {
            prop_assert!(!r.result.is_valid());
        }
    }
}

#[test]
fn scanning_a_venue_code_checks_in_the_chosen_people_or_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = DiaryKey::generate().unwrap();
    let mut diary = open(dir.path(), &key);
    diary
        .apply_keyset(
            &vaora_protocol::testing::test_keyset(),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    let owner = diary.owner_id();
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let good = issuer
        .issue(new_venue("Phở Gia Truyền Bát Đàn", "49 Bát Đàn, Hoàn Kiếm"))
        .unwrap();

    // Refused codes write nothing.
    let mut forged = good.clone();
    forged.signature[5] ^= 1;
    assert!(matches!(
        diary.check_in_from_venue_code(&forged.to_text(), vec![owner], Unverified::Accept),
        Err(VenueCheckInError::Refused(Verification::BadSignature))
    ));
    assert!(matches!(
        diary.check_in_from_venue_code("garbage", vec![owner], Unverified::Accept),
        Err(VenueCheckInError::Refused(Verification::Malformed(_)))
    ));
    assert!(matches!(
        diary.check_in_from_venue_code(&good.to_text(), vec![], Unverified::Refuse),
        Err(VenueCheckInError::NobodyChosen)
    ));
    assert!(
        diary
            .list_checkins(vaora_core::diary::Page::default())
            .unwrap()
            .is_empty()
    );

    // A valid code checks in, marked verified, with the code's venue and stay.
    let (scanned, done) = diary
        .check_in_from_venue_code(&good.to_text(), vec![owner], Unverified::Refuse)
        .unwrap();
    assert_eq!(scanned.verification, Verification::Valid);
    assert_eq!(done.len(), 1);
    let c = &done[0];
    assert!(c.venue.verified);
    assert_eq!(c.venue.id, Some(good.info.venue_id));
    assert_eq!(c.venue.name, "Phở Gia Truyền Bát Đàn");
    assert_eq!(
        c.venue.issuer_key_id.as_deref(),
        Some(
            vaora_protocol::testing::test_authority()
                .key_id()
                .to_hex()
                .as_str()
        )
    );
    assert_eq!(c.auto_out_at - c.checked_in_at, Duration::minutes(45));

    // An unknown authority's code is stored only when accepted, then marked unverified.
    let stranger = VenueIssuer::new(Authority::generate(0, 4_102_444_800).unwrap())
        .issue(new_venue("Quán lạ", "Không rõ"))
        .unwrap();
    assert!(
        diary
            .check_in_from_venue_code(&stranger.to_text(), vec![owner], Unverified::Refuse)
            .is_err()
    );
    assert_eq!(
        diary
            .list_checkins(vaora_core::diary::Page::default())
            .unwrap()
            .len(),
        1
    );
    let child = diary
        .add_person(vaora_core::diary::NewPerson {
            display_name: "Bé Na".into(),
            relation: Some("con".into()),
            birth_year: Some(2019),
        })
        .unwrap();
    let (scanned, done) = diary
        .check_in_from_venue_code(&stranger.to_text(), vec![child.id], Unverified::Accept)
        .unwrap();
    assert_eq!(scanned.verification, Verification::UnknownKeyId);
    assert!(!done[0].venue.verified);
    assert_eq!(done[0].person_id, child.id);
}

#[test]
fn the_phone_scanner_reads_a_rendered_venue_code() {
    let code = VenueIssuer::new(vaora_protocol::testing::test_authority())
        .issue(new_venue("Bún bò Huế Đông Ba", "110A Nguyễn Du, Quận 1"))
        .unwrap();
    let text = code.to_text();
    let poster = Poster {
        title: "Bún bò Huế Đông Ba".into(),
        lines: vec!["110A Nguyễn Du, Quận 1".into()],
        footer: "Quét mã để khai báo vào / ra".into(),
        code_text: text.clone(),
    };
    let png = poster_png(&poster).unwrap();
    let texts = vaora_tests::posters::codes_in_png(&png);
    assert_eq!(texts, vec![text.clone()]);
    match classify(
        &texts[0],
        &vaora_protocol::testing::test_trust_store(),
        now(),
    ) {
        Classified::Venue(v) => assert_eq!(v.result, Verification::Valid),
        other => panic!("classified as {}", other.kind()),
    }
}

/// `docs/vectors/venue-codes.json` is exactly what `gen-venue-vectors` writes today, so a
/// change of the format or of the generator cannot leave the published vectors behind.
#[test]
#[allow(clippy::unwrap_used)]
fn published_vectors_are_what_the_generator_writes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/vectors/venue-codes.json"
    );
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(stored, vaora_tests::venue_vectors::generate());
}

/// Validity is kept in whole UTC days. A poster printed just after UTC midnight (07:05 in
/// Vietnam) still verifies on a phone whose clock is ten minutes slow: issuers start a
/// code a day back (`VenueIssuer::valid_from_at`), never before their key's own validity.
#[test]
#[allow(clippy::unwrap_used)]
fn a_fresh_code_verifies_on_a_phone_whose_clock_runs_behind_across_utc_midnight() {
    let printed = Utc.with_ymd_and_hms(2026, 12, 8, 0, 5, 0).single().unwrap();
    let authority = Authority::generate(0, 4_102_444_800).unwrap();
    let keyset = authority.self_signed_keyset(0);
    let issuer = VenueIssuer::new(authority);
    let code = issuer
        .issue(NewVenue {
            valid_from: issuer.valid_from_at(printed),
            valid_until: printed + Duration::days(365),
            ..new_venue("Phở Hòa Pasteur", "260C Pasteur")
        })
        .unwrap();
    let mut store = TrustStore::new();
    store
        .apply_keyset(&keyset, SignerPolicy::PinSelfSigned)
        .unwrap();
    let slow_phone = printed - Duration::minutes(10);
    assert_eq!(
        store.verify_text(&code.to_text(), slow_phone).result,
        Verification::Valid
    );
    // Before: a code valid from its printing day was not yet valid on that phone.
    let strict = issuer
        .issue(NewVenue {
            valid_from: printed,
            valid_until: printed + Duration::days(365),
            ..new_venue("Phở Hòa Pasteur", "260C Pasteur")
        })
        .unwrap();
    assert_eq!(
        store.verify_text(&strict.to_text(), slow_phone).result,
        Verification::NotYetValid
    );
    // Never before the key's own start.
    let young = Authority::generate(printed.timestamp() - 3600, 4_102_444_800).unwrap();
    assert_eq!(
        VenueIssuer::new(young).valid_from_at(printed).timestamp(),
        printed.timestamp() - 3600
    );
}
