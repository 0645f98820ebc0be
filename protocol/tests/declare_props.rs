//! Property tests: the card parsers and the personal-code verifier never panic on any
//! input, generated valid cards round trip exactly (Vietnamese diacritics included), and
//! no single-character change of a personal code ever verifies.

// Test helpers outside #[test] functions unwrap too: this whole file is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use vaora_protocol::cards::bhyt::{self, BhytCard};
use vaora_protocol::cards::cccd::{self, CccdCard, Gender, PROVINCES};
use vaora_protocol::declare::{Answers, PersonalCode};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

const SYLLABLES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Thị", "Văn",
    "Ngọc", "Hương", "Thủy", "Đức", "Quốc", "Bảo", "Ánh", "Tuyết", "Khoa", "Ưng", "Ỷ", "An",
];

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SYLLABLES), 2..5).prop_map(|v| v.join(" "))
}

fn address() -> impl Strategy<Value = String> {
    (
        1u32..999,
        prop::collection::vec(prop::sample::select(SYLLABLES), 1..4),
        prop::sample::select(&PROVINCES[..]),
    )
        .prop_map(|(n, street, (_, province))| {
            format!("Số {n}, Đường {}, {province}", street.join(" "))
        })
}

fn date_between(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    let span = (to - from).num_days().max(0);
    (0..=span).prop_map(move |d| from + Duration::days(d))
}

prop_compose! {
    fn cccd_card()(
        (province, _) in prop::sample::select(&PROVINCES[..]),
        female in any::<bool>(),
        dob in date_between(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(), today()),
        serial in 0u32..1_000_000,
        old in prop::option::of(0u32..1_000_000_000),
        seven in any::<bool>(),
        full_name in name(),
        address in address(),
        issue_offset in 0i64..40_000,
    ) -> CccdCard {
        let gender = if female { Gender::Female } else { Gender::Male };
        let digit = cccd::gender_century_digit(gender, dob.year()).unwrap();
        let issue_date = (dob + Duration::days(issue_offset)).min(today());
        CccdCard {
            id_number: format!("{province:03}{digit}{:02}{serial:06}", dob.year() % 100),
            old_id_number: if seven { old.map(|o| format!("{o:09}")) } else { None },
            full_name,
            date_of_birth: dob,
            gender,
            address,
            issue_date,
            has_old_id_slot: seven,
        }
    }
}

prop_compose! {
    fn bhyt_card()(
        letters in "[A-Z]{2}",
        digits in "[0-9]{13}",
        full_name in name(),
        dob in date_between(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(), today()),
        female in any::<bool>(),
        address in address(),
        clinic in "[0-9]{2}-[0-9]{3}",
        from in date_between(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(), today()),
        length in prop::option::of(0i64..2000),
        issue in date_between(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(), today()),
        extra in prop::collection::vec("[0-9a-f-]{1,8}", 0..4),
    ) -> BhytCard {
        BhytCard {
            card_number: format!("{letters}{digits}"),
            full_name,
            date_of_birth: dob,
            gender: if female { Gender::Female } else { Gender::Male },
            address,
            clinic_code: clinic,
            valid_from: from,
            valid_to: length.map(|l| from + Duration::days(l)),
            issue_date: issue,
            extra_fields: extra,
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let _ = CccdCard::parse(&s, today());
        let _ = BhytCard::parse(&s, today());
        let _ = cccd::looks_like_cccd(&s);
        let _ = bhyt::looks_like_bhyt(&s);
        let _ = Answers::from_json(&s, today());
        let _ = PersonalCode::verify(&s, Utc::now(), &[]);
        let _ = PersonalCode::verify(&format!("VAORA:P1:{s}"), Utc::now(), &[]);
    }

    #[test]
    fn pipe_shaped_text_never_panics(fields in prop::collection::vec("[0-9A-Za-zữ/ ,$-]{0,16}", 0..14)) {
        let s = fields.join("|");
        let _ = CccdCard::parse(&s, today());
        let _ = BhytCard::parse(&s, today());
        let _ = BhytCard::parse(&format!("{s}|$"), today());
    }

    #[test]
    fn generated_cccd_round_trips(card in cccd_card()) {
        let text = card.to_text();
        prop_assert!(cccd::looks_like_cccd(&text));
        let parsed = CccdCard::parse(&text, today()).unwrap();
        prop_assert_eq!(&parsed, &card);
        prop_assert_eq!(parsed.to_text(), text);
    }

    #[test]
    fn generated_bhyt_round_trips(card in bhyt_card()) {
        let text = card.to_text();
        prop_assert!(bhyt::looks_like_bhyt(&text));
        let parsed = BhytCard::parse(&text, today()).unwrap();
        prop_assert_eq!(&parsed, &card);
    }

    #[test]
    fn no_single_character_change_verifies(pos in any::<prop::sample::Index>(), replacement in prop::sample::select(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".to_vec())) {
        let text = sample_code();
        let mut bytes = text.clone().into_bytes();
        let i = "VAORA:P1:".len() + pos.index(bytes.len() - "VAORA:P1:".len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
        prop_assert!(PersonalCode::verify(&changed, now, &[]).is_err());
    }
}

fn sample_code() -> String {
    let device = DeviceIdentity::from_secret_bytes(&[9; 32]).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap();
    PersonalCode {
        display_name: "Đặng Thị Ưng".into(),
        birth_year: Some(1961),
        declaration_id: Id128::from_bytes([4; 16]),
        declared_at: at,
        trigger_mask: 0,
        declared_by: Some("Đặng Văn Khoa".into()),
        valid_until: at + Duration::hours(24),
        device_key: device.public_key(),
        certificate: None,
    }
    .sign(&device)
    .unwrap()
}
