//! The test vectors of `docs/vectors/{declarations,personal-codes,id-cards}.json`, checked
//! against the implementation (Kotlin and Swift tests read the same files).
//!
//! The vector files are made by `VAORA_WRITE_VECTORS=1 cargo test -p vaora-protocol --test
//! declare_vectors`, from the fixed inputs below, and then reviewed by hand against the
//! specs; without the variable the test only reads and checks them.

// Test helpers outside #[test] functions unwrap too: this whole file is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use vaora_protocol::cards::bhyt::BhytCard;
use vaora_protocol::cards::cccd::CccdCard;
use vaora_protocol::cards::{CardHashKey, CardKind, CardNumber, CardProfile};
use vaora_protocol::declare::{
    AnswerError, Answers, AuthorityKey, DeclarationBody, DeclaredFor, DeviceCertificate, PersonRef,
    PersonalCode, StaffCheckInBody, StaffPolicy, VisitorSource,
};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

const DEVICE_SECRET: [u8; 32] = [0x11; 32];
const AUTHORITY_SECRET: [u8; 32] = [0x22; 32];
const AUTHORITY_KEY_ID: &str = "vn-byt-test-1";

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors")
}

fn writing() -> bool {
    std::env::var_os("VAORA_WRITE_VECTORS").is_some()
}

fn load_or_write(name: &str, generated: Value) -> Value {
    let path = vectors_dir().join(name);
    if writing() {
        std::fs::create_dir_all(vectors_dir()).unwrap();
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ms(v: &Value) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v.as_i64().unwrap()).unwrap()
}

fn person(v: &Value) -> PersonRef {
    PersonRef {
        id: v["id"].as_str().unwrap().parse().unwrap(),
        name: v["name"].as_str().unwrap().to_owned(),
        birth_year: v["birth_year"].as_u64().map(|y| y as u16),
    }
}

fn declaration_from(case: &Value) -> DeclarationBody {
    let d = &case["declaration"];
    let declared_at = ms(&d["declared_at_ms"]);
    let answers = Answers::from_json(&d["answers"].to_string(), declared_at.date_naive()).unwrap();
    let declared_for = match d["declared_for"]["kind"].as_str().unwrap() {
        "self" => DeclaredFor::Myself,
        "household-member" => DeclaredFor::HouseholdMember {
            declarant: person(&d["declared_for"]["declarant"]),
        },
        other => panic!("unknown kind {other}"),
    };
    DeclarationBody {
        id: d["id"].as_str().unwrap().parse().unwrap(),
        subject: person(&d["subject"]),
        declared_for,
        declared_at,
        valid_until: ms(&d["valid_until_ms"]),
        answers,
    }
}

fn declaration_inputs() -> Vec<Value> {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 25, 1, 30, 0)
        .unwrap()
        .timestamp_millis();
    let until = at + 24 * 3600 * 1000;
    vec![
        json!({"name": "self, all clear", "declaration": {
            "id": "000102030405060708090a0b0c0d0e0f",
            "subject": {"id": "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", "name": "Trần Văn An", "birth_year": 1990},
            "declared_for": {"kind": "self"},
            "declared_at_ms": at, "valid_until_ms": until,
            "answers": {"travel": [], "symptoms": [], "contact_confirmed": false, "contact_suspected": false,
                        "contact_outbreak_area": false, "vaccine_doses": 0}}}),
        json!({"name": "proxy for a grandmother, symptoms, travel and contact", "declaration": {
            "id": "f0e0d0c0b0a090807060504030201000",
            "subject": {"id": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1", "name": "Lê Thị Bích Ngọc", "birth_year": 1942},
            "declared_for": {"kind": "household-member",
                             "declarant": {"id": "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", "name": "Phạm Quốc Huy", "birth_year": null}},
            "declared_at_ms": at, "valid_until_ms": until,
            "answers": {"travel": [{"place": "Chợ Đông Ba", "province": "046"}, {"place": "Bến xe Miền Đông", "province": "Hồ Chí Minh"}],
                        "symptoms": ["fever", "loss-of-taste-or-smell"], "other_symptom": "đau đầu, chóng mặt",
                        "contact_confirmed": false, "contact_suspected": true, "contact_outbreak_area": true,
                        "vaccine_doses": 3, "last_dose_on": "2022-06-30", "phone": "+84912345678"}}}),
    ]
}

#[test]
fn declaration_vectors() {
    let key = DeviceIdentity::from_secret_bytes(&DEVICE_SECRET).unwrap();
    let mut cases = declaration_inputs();
    for case in &mut cases {
        let body = declaration_from(case);
        let rec = body.sign(&key);
        case["body_hex"] = json!(hex::encode(&rec.body));
        case["signature_hex"] = json!(hex::encode(rec.signature));
        case["summary"] = json!(body.summary().describe());
    }
    // How a travel entry's province is read: a code of 1 to 3 digits that is assigned, or
    // a province name compared after Unicode lower-casing, byte for byte otherwise.
    let provinces = json!([
        {"input": "079", "code": 79}, {"input": "79", "code": 79}, {"input": "1", "code": 1},
        {"input": " 046 ", "code": 46}, {"input": "Hồ Chí Minh", "code": 79},
        {"input": "hồ chí minh", "code": 79}, {"input": "HỒ CHÍ MINH", "code": 79},
        {"input": "  Hà Nội ", "code": 1}, {"input": "Thừa Thiên Huế", "code": 46},
        {"input": "Hòa Bình", "code": 17}, {"input": "Bà Rịa - Vũng Tàu", "code": 77},
        {"input": "Hoà Bình", "code": null}, {"input": "Ha\u{300} No\u{323}\u{302}i", "code": null},
        {"input": "Ho Chi Minh", "code": null}, {"input": "TP. Hồ Chí Minh", "code": null},
        {"input": "Thành phố Hồ Chí Minh", "code": null}, {"input": "Huế", "code": null},
        {"input": "003", "code": null}, {"input": "0079", "code": null}, {"input": "", "code": null},
    ]);
    // "Today" for the last dose is the declaring device's local date.
    let local_today = json!([
        {"now": "2026-11-25T20:00:00Z", "utc_offset_seconds": 25200, "last_dose_on": "2026-11-26", "accepted": true},
        {"now": "2026-11-25T20:00:00Z", "utc_offset_seconds": 0, "last_dose_on": "2026-11-26", "accepted": false},
        {"now": "2026-11-25T20:00:00Z", "utc_offset_seconds": 0, "last_dose_on": "2026-11-25", "accepted": true},
        {"now": "2026-11-25T02:00:00Z", "utc_offset_seconds": -18000, "last_dose_on": "2026-11-25", "accepted": false},
    ]);
    let generated = json!({
        "spec": "docs/declarations.md",
        "record_kind": 3,
        "signing_input": "\"vaora-record-v1\" 0x00 || kind (0x03) || body",
        "device_secret_key_hex": hex::encode(DEVICE_SECRET),
        "device_public_key_hex": hex::encode(key.public_key()),
        "cases": cases,
        "provinces": provinces,
        "last_dose_local_today": local_today,
    });
    let v = load_or_write("declarations.json", generated);
    assert_eq!(
        v["device_public_key_hex"].as_str().unwrap(),
        hex::encode(key.public_key())
    );
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let body = declaration_from(case);
        let rec = body.sign(&key);
        let name = case["name"].as_str().unwrap();
        assert_eq!(
            hex::encode(&rec.body),
            case["body_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(rec.signature),
            case["signature_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            body.summary().describe(),
            case["summary"].as_str().unwrap(),
            "{name}"
        );
        let bytes = hex::decode(case["body_hex"].as_str().unwrap()).unwrap();
        assert_eq!(DeclarationBody::decode(&bytes).unwrap(), body, "{name}");
        rec.verify().unwrap();
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for case in v["provinces"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        let answers = json!({"travel": [{"place": "Chợ", "province": input}], "symptoms": [],
            "contact_confirmed": false, "contact_suspected": false, "contact_outbreak_area": false,
            "vaccine_doses": 0});
        let got = match Answers::from_json(&answers.to_string(), today) {
            Ok(a) => json!(a.travel[0].province),
            Err(AnswerError::UnknownProvince(_)) => Value::Null,
            Err(e) => panic!("{input:?}: {e}"),
        };
        assert_eq!(got, case["code"], "province {input:?}");
    }
    for case in v["last_dose_local_today"].as_array().unwrap() {
        let now = DateTime::parse_from_rfc3339(case["now"].as_str().unwrap())
            .unwrap()
            .to_utc();
        let offset =
            chrono::FixedOffset::east_opt(case["utc_offset_seconds"].as_i64().unwrap() as i32)
                .unwrap();
        let local_today = now.with_timezone(&offset).date_naive();
        let answers = json!({"travel": [], "symptoms": [], "contact_confirmed": false,
            "contact_suspected": false, "contact_outbreak_area": false, "vaccine_doses": 1,
            "last_dose_on": case["last_dose_on"]});
        let got = Answers::from_json(&answers.to_string(), local_today);
        assert_eq!(
            got.is_ok(),
            case["accepted"].as_bool().unwrap(),
            "{case}: {got:?}"
        );
        if let Err(e) = got {
            assert!(matches!(e, AnswerError::FutureDate(_)), "{e}");
        }
    }
    // The summary line: the status, then ": " and the trigger names joined by ", ".
    assert_eq!(
        v["cases"][1]["summary"],
        "needs-attention: fever, loss-of-taste-or-smell, other-symptom, contact-suspected, contact-outbreak-area"
    );
}

fn authority() -> (SigningKey, Vec<AuthorityKey>) {
    let sk = SigningKey::from_bytes(&AUTHORITY_SECRET);
    let trusted = vec![AuthorityKey {
        key_id: AUTHORITY_KEY_ID.into(),
        public_key: sk.verifying_key().to_bytes(),
    }];
    (sk, trusted)
}

const STAFF_SECRET: [u8; 32] = [0x44; 32];
/// The card-hash key of `id-cards.json` (`card_hash_key_hex`).
const CARD_HASH_KEY: [u8; 32] = [0x55; 32];
const GOOD_CCCD: &str = "079185001234|123456789|Nguyễn Thị Hoa|15031985|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh|01072021";

fn venue_ref(v: &Value) -> VenueRef {
    VenueRef {
        id: v["id"].as_str().map(|s| s.parse().unwrap()),
        name: v["name"].as_str().unwrap().into(),
        address: v["address"].as_str().unwrap().into(),
        category: VenueCategory::from_code(v["category"].as_u64().unwrap() as u8).unwrap(),
        issuer_key_id: v["issuer_key_id"].as_str().map(str::to_owned),
        verified: v["verified"].as_bool().unwrap(),
    }
}

fn staff_json(b: &StaffCheckInBody) -> Value {
    let c = &b.checkin;
    let v = &c.venue;
    let source = match &b.source {
        VisitorSource::PersonalCode {
            declaration_id,
            device_key,
            certified,
            proxy,
            trigger_mask,
            valid_until,
        } => json!({"kind": 1, "declaration_id": declaration_id.to_hex(),
            "device_key": hex::encode(device_key), "certified": certified, "proxy": proxy,
            "trigger_mask": trigger_mask, "valid_until_ms": valid_until.timestamp_millis()}),
        VisitorSource::IdCard {
            kind,
            card_hash,
            sealed: None,
        } => {
            json!({"kind": 2, "card_kind": kind.code(), "card_hash": hex::encode(card_hash)})
        }
        VisitorSource::IdCard {
            kind,
            card_hash,
            sealed: Some(sealed),
        } => json!({"kind": 3, "card_kind": kind.code(), "card_hash": hex::encode(card_hash),
                    "sealed_hex": hex::encode(sealed)}),
    };
    json!({
        "checkin": {"id": c.id.to_hex(), "person_id": c.person_id.to_hex(), "person_name": c.person_name,
            "venue": {"id": v.id.map(|i| i.to_hex()), "name": v.name, "address": v.address,
                      "category": v.category.code(), "issuer_key_id": v.issuer_key_id, "verified": v.verified},
            "method": c.method.code(), "checked_in_at_ms": c.checked_in_at.timestamp_millis(),
            "checked_out_at_ms": c.checked_out_at.map(|t| t.timestamp_millis())},
        "birth_year": b.birth_year,
        "source": source,
    })
}

fn staff_from_json(j: &Value) -> StaffCheckInBody {
    let c = &j["checkin"];
    let id = |v: &Value| -> Id128 { v.as_str().unwrap().parse().unwrap() };
    let key32 = |v: &Value| -> [u8; 32] {
        hex::decode(v.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    let s = &j["source"];
    StaffCheckInBody {
        checkin: CheckInBody {
            id: id(&c["id"]),
            person_id: id(&c["person_id"]),
            person_name: c["person_name"].as_str().unwrap().into(),
            venue: venue_ref(&c["venue"]),
            method: CheckInMethod::from_code(c["method"].as_u64().unwrap() as u8).unwrap(),
            checked_in_at: ms(&c["checked_in_at_ms"]),
            checked_out_at: c["checked_out_at_ms"]
                .as_i64()
                .map(|_| ms(&c["checked_out_at_ms"])),
        },
        birth_year: j["birth_year"].as_u64().map(|y| y as u16),
        source: match s["kind"].as_u64().unwrap() {
            1 => VisitorSource::PersonalCode {
                declaration_id: id(&s["declaration_id"]),
                device_key: key32(&s["device_key"]),
                certified: s["certified"].as_bool().unwrap(),
                proxy: s["proxy"].as_bool().unwrap(),
                trigger_mask: s["trigger_mask"].as_u64().unwrap() as u16,
                valid_until: ms(&s["valid_until_ms"]),
            },
            _ => VisitorSource::IdCard {
                kind: CardKind::from_code(s["card_kind"].as_u64().unwrap() as u8).unwrap(),
                card_hash: key32(&s["card_hash"]),
                sealed: s["sealed_hex"].as_str().map(|h| hex::decode(h).unwrap()),
            },
        },
    }
}

fn secs(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).unwrap()
}

fn code_from(
    fields: &Value,
    cert: Option<DeviceCertificate>,
    device_key: [u8; 32],
) -> PersonalCode {
    PersonalCode {
        display_name: fields["display_name"].as_str().unwrap().into(),
        birth_year: fields["birth_year"].as_u64().map(|y| y as u16),
        declaration_id: fields["declaration_id"].as_str().unwrap().parse().unwrap(),
        declared_at: secs(fields["declared_at"].as_i64().unwrap()),
        trigger_mask: fields["trigger_mask"].as_u64().unwrap() as u16,
        declared_by: fields["declared_by"].as_str().map(str::to_owned),
        valid_until: secs(fields["valid_until"].as_i64().unwrap()),
        device_key,
        certificate: if fields["certified"].as_bool().unwrap() {
            cert
        } else {
            None
        },
    }
}

/// Flips one bit inside the signed content of a personal code and re-encodes it, so
/// the result is well-formed but altered.
fn altered(text: &str) -> String {
    let raw = base45_decode(text.strip_prefix("VAORA:P1:").unwrap());
    let mut raw = raw;
    // The display name's bytes sit early in the content; byte 10 is inside it.
    raw[10] ^= 0x01;
    format!("VAORA:P1:{}", base45_encode(&raw))
}

// base45 is not a dependency of the tests crate: a few lines suffice for the vectors.
const B45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
fn base45_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(2) {
        let mut n = chunk[0] as u32;
        if chunk.len() == 2 {
            n = n * 256 + chunk[1] as u32;
        }
        let digits = if chunk.len() == 2 { 3 } else { 2 };
        for _ in 0..digits {
            out.push(B45[(n % 45) as usize] as char);
            n /= 45;
        }
    }
    out
}
fn base45_decode(text: &str) -> Vec<u8> {
    let v: Vec<u32> = text
        .bytes()
        .map(|c| B45.iter().position(|&b| b == c).unwrap() as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in v.chunks(3) {
        let n = chunk.iter().rev().fold(0u32, |acc, d| acc * 45 + d);
        if chunk.len() == 3 {
            out.push((n / 256) as u8);
            out.push((n % 256) as u8);
        } else {
            out.push(n as u8);
        }
    }
    out
}

#[test]
fn personal_code_vectors() {
    let device = DeviceIdentity::from_secret_bytes(&DEVICE_SECRET).unwrap();
    let (auth, trusted) = authority();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 1, 30, 0).unwrap();
    // A certificate of the device key valid from 1 January of one year to that of another.
    let cert_between = |from: i32, until: i32| {
        DeviceCertificate::issue(
            AUTHORITY_KEY_ID,
            &auth,
            device.public_key(),
            Utc.with_ymd_and_hms(from, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(until, 1, 1, 0, 0, 0).unwrap(),
        )
    };
    let cert = cert_between(2026, 2027);
    let mut codes = vec![
        json!({"name": "self, no risk, certified device", "fields": {
            "display_name": "Trần Văn An", "birth_year": 1990, "declaration_id": "000102030405060708090a0b0c0d0e0f",
            "declared_at": t0.timestamp(), "trigger_mask": 0, "declared_by": null,
            "valid_until": t0.timestamp() + 86400, "certified": true}}),
        json!({"name": "proxy, needs attention, self-signed", "fields": {
            "display_name": "Lê Thị Bích Ngọc", "birth_year": 1942, "declaration_id": "f0e0d0c0b0a090807060504030201000",
            "declared_at": t0.timestamp(), "trigger_mask": 1 | 1 << 4 | 1 << 9 | 1 << 11, "declared_by": "Phạm Quốc Huy",
            "valid_until": t0.timestamp() + 86400, "certified": false}}),
    ];
    for c in &mut codes {
        let code = code_from(&c["fields"], Some(cert.clone()), device.public_key());
        c["text"] = json!(code.sign(&device).unwrap());
    }
    let valid_text = codes[0]["text"].as_str().unwrap().to_owned();
    let proxy_text = codes[1]["text"].as_str().unwrap().to_owned();
    let in_window = t0.timestamp() + 3600;
    let after = t0.timestamp() + 86400;
    // The first code's fields with this certificate, signed by this device.
    let with_cert = |cert: DeviceCertificate, signer: &DeviceIdentity| {
        let code = code_from(&codes[0]["fields"], Some(cert), signer.public_key());
        code.sign(signer).unwrap()
    };
    // A code whose certificate is for another device key (a copied certificate).
    let other = DeviceIdentity::from_secret_bytes(&[0x33; 32]).unwrap();
    let stolen_cert = with_cert(cert.clone(), &other);
    // A code signed by one key that claims another device key.
    let wrong_signer = {
        let mut raw = base45_decode(valid_text.strip_prefix("VAORA:P1:").unwrap());
        let n = raw.len();
        raw[n - 1] ^= 0x80;
        format!("VAORA:P1:{}", base45_encode(&raw))
    };
    // A certificate that ended before the code was made: outside its validity.
    let ended_cert = cert_between(2025, 2026);
    let ended = with_cert(ended_cert.clone(), &device);
    let stolen_and_ended = with_cert(ended_cert, &other);
    let forged_cert = {
        let mut c = cert.clone();
        c.not_after = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        with_cert(c, &device)
    };
    // Non-canonical CBOR that verifiers accept: the outer array with an indefinite length
    // (the signature covers only the content), and content whose birth year has a 4-byte
    // head, signed as carried.
    let indefinite_outer = {
        let mut raw = base45_decode(valid_text.strip_prefix("VAORA:P1:").unwrap());
        assert_eq!(raw[0], 0x82);
        raw[0] = 0x9f;
        raw.push(0xff);
        format!("VAORA:P1:{}", base45_encode(&raw))
    };
    let long_head_content = {
        let code = code_from(&codes[0]["fields"], Some(cert.clone()), device.public_key());
        let content = code.content_bytes().unwrap();
        let at = content
            .windows(3)
            .position(|w| w == [0x19, 0x07, 0xc6])
            .unwrap();
        let mut odd = content[..at].to_vec();
        odd.extend([0x1a, 0x00, 0x00, 0x07, 0xc6]);
        odd.extend(&content[at + 3..]);
        let mut message = b"vaora-personal-code-v1\0".to_vec();
        message.extend(&odd);
        let sig = device.sign_bytes(&message);
        let mut outer = vec![0x82, 0x59];
        outer.extend((odd.len() as u16).to_be_bytes());
        outer.extend(&odd);
        outer.extend([0x58, 0x40]);
        outer.extend(sig);
        format!("VAORA:P1:{}", base45_encode(&outer))
    };
    let verifications = json!([
        {"name": "certified and in time", "text": valid_text, "now": in_window, "trusted": true, "expected": "valid"},
        {"name": "certificate authority not trusted here", "text": valid_text, "now": in_window, "trusted": false, "expected": "valid-self-signed"},
        {"name": "no certificate (proxy code)", "text": proxy_text, "now": in_window, "trusted": true, "expected": "valid-self-signed"},
        {"name": "expired at valid_until", "text": valid_text, "now": after, "trusted": true, "expected": "expired"},
        {"name": "altered content", "text": altered(&valid_text), "now": in_window, "trusted": true, "expected": "bad-signature"},
        {"name": "wrong signature", "text": wrong_signer, "now": in_window, "trusted": true, "expected": "bad-signature"},
        {"name": "certificate of another device", "text": stolen_cert, "now": in_window, "trusted": true, "expected": "bad-certificate"},
        {"name": "certificate of another device from an authority not trusted here", "text": stolen_cert, "now": in_window, "trusted": false, "expected": "valid-self-signed"},
        {"name": "certificate outside its validity", "text": ended, "now": in_window, "trusted": true, "expected": "valid-self-signed"},
        {"name": "certificate of another device and outside its validity", "text": stolen_and_ended, "now": in_window, "trusted": true, "expected": "bad-certificate"},
        {"name": "certificate with a forged signature", "text": forged_cert, "now": in_window, "trusted": true, "expected": "bad-certificate"},
        {"name": "certificate with a forged signature from an authority not trusted here", "text": forged_cert, "now": in_window, "trusted": false, "expected": "valid-self-signed"},
        {"name": "outer array of indefinite length (accepted: not canonical, but the signature covers the content only)", "text": indefinite_outer, "now": in_window, "trusted": true, "expected": "valid"},
        {"name": "content with a 4-byte integer head, signed as carried (accepted)", "text": long_head_content, "now": in_window, "trusted": true, "expected": "valid"},
        {"name": "truncated", "text": &valid_text[..valid_text.len() - 9], "now": in_window, "trusted": true, "expected": "malformed"},
        {"name": "not base45", "text": "VAORA:P1:abc~", "now": in_window, "trusted": true, "expected": "malformed"},
        {"name": "another kind of code", "text": "VAORA:V1:0000", "now": in_window, "trusted": true, "expected": "not-personal-code"},
    ]);
    let staff = DeviceIdentity::from_secret_bytes(&STAFF_SECRET).unwrap();
    let venue = json!({"id": "5be0c0d8f7a34c1e9d2b6a4f0e8c7d31", "name": "Chợ Bến Thành – Cổng Nam",
        "address": "Lê Lợi, Quận 1", "category": 3, "issuer_key_id": "3fa2c1d0", "verified": true});
    let visit_at = t0 + chrono::Duration::minutes(20);
    let verified = PersonalCode::verify(&valid_text, visit_at, &trusted).unwrap();
    let by_code = StaffCheckInBody::from_personal_code(
        (Id128::from_bytes([0x61; 16]), Id128::from_bytes([0x62; 16])),
        &verified,
        venue_ref(&venue),
        visit_at,
        StaffPolicy::default(),
    )
    .unwrap();
    let card = CccdCard::parse(GOOD_CCCD, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()).unwrap();
    let profile = CardProfile::from_cccd(&card, &CardHashKey::from_bytes(CARD_HASH_KEY), false);
    let by_card = StaffCheckInBody::from_card(
        (Id128::from_bytes([0x63; 16]), Id128::from_bytes([0x64; 16])),
        &profile,
        venue_ref(&venue),
        visit_at,
        None,
    );
    // The same card, its number sealed (seed 0x65…) to the authority of this file
    // (docs/vectors/card-seal.json has the seal's own vectors).
    let sealed_ids = (Id128::from_bytes([0x66; 16]), Id128::from_bytes([0x67; 16]));
    let sealed = CardNumber::parse(&card.id_number)
        .unwrap()
        .seal_with_seed(&auth.verifying_key(), &sealed_ids.0, &[0x65; 32])
        .unwrap();
    let by_sealed_card = StaffCheckInBody::from_card(
        sealed_ids,
        &profile,
        venue_ref(&venue),
        visit_at,
        Some(sealed),
    );
    let staff_checkins: Vec<Value> = [
        (
            "visitor with a certified personal code (the first code above)",
            by_code,
        ),
        (
            "visitor with a CCCD card (the card hash of id-cards.json)",
            by_card,
        ),
        (
            "visitor with a CCCD card, its number sealed to the authority above (source 3)",
            by_sealed_card,
        ),
    ]
    .into_iter()
    .map(|(name, body)| {
        let rec = body.sign(&staff);
        json!({"name": name, "input": staff_json(&body), "body_hex": hex::encode(&rec.body),
               "signature_hex": hex::encode(rec.signature)})
    })
    .collect();
    let generated = json!({
        "spec": "docs/personal-code.md",
        "device_secret_key_hex": hex::encode(DEVICE_SECRET),
        "device_public_key_hex": hex::encode(device.public_key()),
        "authority_secret_key_hex": hex::encode(AUTHORITY_SECRET),
        "authority_key_id": AUTHORITY_KEY_ID,
        "authority_public_key_hex": hex::encode(auth.verifying_key().to_bytes()),
        "certificate_hex": hex::encode(cert.to_bytes()),
        "codes": codes,
        "verifications": verifications,
        "staff_record_kind": 4,
        "staff_device_secret_key_hex": hex::encode(STAFF_SECRET),
        "staff_device_public_key_hex": hex::encode(staff.public_key()),
        "staff_checkins": staff_checkins,
    });
    let v = load_or_write("personal-codes.json", generated);
    for case in v["staff_checkins"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let body = staff_from_json(&case["input"]);
        let rec = body.sign(&staff);
        assert_eq!(
            hex::encode(&rec.body),
            case["body_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(rec.signature),
            case["signature_hex"].as_str().unwrap(),
            "{name}"
        );
        let bytes = hex::decode(case["body_hex"].as_str().unwrap()).unwrap();
        assert_eq!(StaffCheckInBody::decode(&bytes).unwrap(), body, "{name}");
        assert_eq!(StaffCheckInBody::from_record(&rec).unwrap(), body, "{name}");
        // Field 3 is the check-in body, length-prefixed, with the same id.
        let inner_len = u32::from_be_bytes(bytes[17..21].try_into().unwrap()) as usize;
        assert_eq!(&bytes[21..21 + inner_len], body.checkin.encode().as_slice());
        assert_eq!(&bytes[..16], &bytes[21..37]);
    }

    let cert_bytes = hex::decode(v["certificate_hex"].as_str().unwrap()).unwrap();
    let cert = DeviceCertificate::from_bytes(&cert_bytes).unwrap();
    assert_eq!(cert.to_bytes(), cert_bytes);
    for c in v["codes"].as_array().unwrap() {
        let code = code_from(&c["fields"], Some(cert.clone()), device.public_key());
        assert_eq!(code.sign(&device).unwrap(), c["text"].as_str().unwrap());
        let checked = PersonalCode::verify(c["text"].as_str().unwrap(), t0, &trusted).unwrap();
        assert_eq!(checked.code, code);
    }
    for case in v["verifications"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let keys: &[AuthorityKey] = if case["trusted"].as_bool().unwrap() {
            &trusted
        } else {
            &[]
        };
        let got = match PersonalCode::verify(
            case["text"].as_str().unwrap(),
            secs(case["now"].as_i64().unwrap()),
            keys,
        ) {
            Ok(v) => v.status.as_str().to_owned(),
            Err(e) => e.code().to_owned(),
        };
        assert_eq!(got, case["expected"].as_str().unwrap(), "{name}");
    }
}

fn classified_as(text: &str) -> &'static str {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 5, 0, 0).unwrap();
    vaora_protocol::codes::classify(text, &vaora_protocol::venue::TrustStore::new(), now).kind()
}

fn bhyt(name_hex_of: &str, tail: &str) -> String {
    format!(
        "HC4010120000123|{}|02/09/1945|1|{}|01-001|01/01/2026|31/12/2026|20/12/2025|{tail}",
        hex::encode(name_hex_of.as_bytes()),
        hex::encode("Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội".as_bytes())
    )
}

#[test]
fn id_card_vectors() {
    let today = "2026-11-25";
    let good7 = "079185001234|123456789|Nguyễn Thị Hoa|15031985|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh|01072021";
    let good6 = "001200004321|Trần Văn An|02022000|Nam|Số 5, Ngõ 10, Hà Nội|10102022";
    let cccd = json!([
        {"name": "7 fields, address with commas", "text": good7, "expected": {"id_number": "079185001234", "old_id_number": "123456789", "full_name": "Nguyễn Thị Hoa", "date_of_birth": "1985-03-15", "gender": "female", "province_code": 79, "address": "12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh", "issue_date": "2021-07-01"}},
        {"name": "6 fields, born 2000", "text": good6, "expected": {"id_number": "001200004321", "old_id_number": null, "full_name": "Trần Văn An", "date_of_birth": "2000-02-02", "gender": "male", "province_code": 1, "address": "Số 5, Ngõ 10, Hà Nội", "issue_date": "2022-10-10"}},
        {"name": "7 fields, empty old id, trailing newline", "text": "001048009876||Nguyễn Văn Đường|09051948|Nam|Phố Huế, Hà Nội|20052021\n", "expected": {"id_number": "001048009876", "old_id_number": null, "full_name": "Nguyễn Văn Đường", "date_of_birth": "1948-05-09", "gender": "male", "province_code": 1, "address": "Phố Huế, Hà Nội", "issue_date": "2021-05-20"}},
        {"name": "wrong field count", "text": "079185001234|Nguyễn Thị Hoa|15031985|Nữ", "expected": {"error": "wrong-field-count", "field": null}},
        {"name": "11 digits", "text": good6.replacen("001200004321", "00120000432", 1), "expected": {"error": "bad-id-number", "field": "id_number"}},
        {"name": "letter in id", "text": good6.replacen("001200004321", "00120000432X", 1), "expected": {"error": "bad-id-number", "field": "id_number"}},
        {"name": "unassigned province 003", "text": good6.replacen("001200", "003200", 1), "expected": {"error": "unknown-province", "field": "id_number"}},
        {"name": "century digit says male 1900s", "text": good6.replacen("001200", "001000", 1), "expected": {"error": "gender-century-mismatch", "field": "gender"}},
        {"name": "year digits disagree", "text": good6.replacen("001200", "001201", 1), "expected": {"error": "birth-year-mismatch", "field": "date_of_birth"}},
        {"name": "31 February", "text": good6.replacen("02022000", "31022000", 1), "expected": {"error": "bad-date", "field": "date_of_birth"}},
        {"name": "date with slashes", "text": good6.replacen("02022000", "02/02/00", 1), "expected": {"error": "bad-date", "field": "date_of_birth"}},
        {"name": "gender word unknown", "text": good6.replacen("|Nam|", "|M|", 1), "expected": {"error": "bad-gender", "field": "gender"}},
        {"name": "old id 8 digits", "text": good7.replacen("123456789", "12345678", 1), "expected": {"error": "bad-old-id-number", "field": "old_id_number"}},
        {"name": "issued in the future", "text": good6.replacen("10102022", "10102027", 1), "expected": {"error": "future-date", "field": "issue_date"}},
        {"name": "issued before birth", "text": good6.replacen("10102022", "01012000", 1), "expected": {"error": "issued-before-birth", "field": "issue_date"}},
        {"name": "empty name", "text": good6.replacen("Trần Văn An", "", 1), "expected": {"error": "empty-field", "field": "full_name"}},
        {"name": "empty date of birth (empty, not a bad date)", "text": good6.replacen("02022000", "", 1), "expected": {"error": "empty-field", "field": "date_of_birth"}},
        {"name": "old id with white space around it", "text": good7.replacen("|123456789|", "| 123456789 |", 1), "expected": {"id_number": "079185001234", "old_id_number": "123456789", "full_name": "Nguyễn Thị Hoa", "date_of_birth": "1985-03-15", "gender": "female", "province_code": 79, "address": "12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh", "issue_date": "2021-07-01"}},
        {"name": "name of 201 characters", "text": good6.replacen("Trần Văn An", &"a".repeat(201), 1), "expected": {"error": "too-long", "field": "full_name"}},
        {"name": "several faults: 8 fields and a bad id", "text": format!("0012|{good6}|x"), "expected": {"error": "wrong-field-count", "field": null}},
        {"name": "several faults: bad id and bad old id", "text": good7.replacen("079185001234", "07918500123", 1).replacen("123456789", "1234", 1), "expected": {"error": "bad-id-number", "field": "id_number"}},
        {"name": "several faults: unknown province and bad date", "text": good6.replacen("001200", "003200", 1).replacen("02022000", "31022000", 1), "expected": {"error": "unknown-province", "field": "id_number"}},
        {"name": "several faults: bad old id and empty name", "text": good7.replacen("123456789", "12345678", 1).replacen("Nguyễn Thị Hoa", "", 1), "expected": {"error": "bad-old-id-number", "field": "old_id_number"}},
        {"name": "several faults: empty name and bad date", "text": good6.replacen("Trần Văn An", "", 1).replacen("02022000", "31022000", 1), "expected": {"error": "empty-field", "field": "full_name"}},
        {"name": "several faults: bad birth date and bad gender", "text": good6.replacen("02022000", "31022000", 1).replacen("|Nam|", "|M|", 1), "expected": {"error": "bad-date", "field": "date_of_birth"}},
        {"name": "several faults: bad gender and empty address", "text": good6.replacen("|Nam|", "|M|", 1).replacen("Số 5, Ngõ 10, Hà Nội", "", 1), "expected": {"error": "bad-gender", "field": "gender"}},
        {"name": "several faults: empty address and bad issue date", "text": good6.replacen("Số 5, Ngõ 10, Hà Nội", "", 1).replacen("10102022", "99999999", 1), "expected": {"error": "empty-field", "field": "address"}},
        {"name": "several faults: future birth and future issue", "text": good6.replacen("02022000", "02022027", 1).replacen("10102022", "10102027", 1), "expected": {"error": "future-date", "field": "date_of_birth"}},
        {"name": "several faults: issued before birth and year digits disagree", "text": good6.replacen("10102022", "01012000", 1).replacen("001200", "001201", 1), "expected": {"error": "issued-before-birth", "field": "issue_date"}},
        {"name": "several faults: future issue date and gender digit disagrees", "text": good6.replacen("10102022", "10102027", 1).replacen("001200", "001300", 1), "expected": {"error": "future-date", "field": "issue_date"}},
        {"name": "several faults: gender digit and year digits disagree", "text": good6.replacen("001200", "001001", 1), "expected": {"error": "gender-century-mismatch", "field": "gender"}},
    ]);
    let good_b = bhyt("Hồ Văn Minh", "4d32|-|9f3a|$");
    let bhyt_cases = json!([
        {"name": "full card with opaque tail", "text": good_b, "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": ["4d32", "-", "9f3a"]}},
        {"name": "no end date, no tail", "text": bhyt("Hồ Văn Minh", "$").replacen("31/12/2026", "-", 1), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": null, "issue_date": "2025-12-20", "extra_fields": []}},
        {"name": "no terminator", "text": good_b.trim_end_matches('$'), "expected": {"error": "missing-terminator", "field": null}},
        {"name": "too few fields", "text": "HC4010120000123|486f|02/09/1945|$", "expected": {"error": "wrong-field-count", "field": null}},
        {"name": "card number 14 chars", "text": good_b.replacen("HC4010120000123", "HC401012000012", 1), "expected": {"error": "bad-card-number", "field": "card_number"}},
        {"name": "name not hex", "text": good_b.replacen("|48e1", "|48zz", 1), "expected": {"error": "bad-hex", "field": "full_name"}},
        {"name": "name odd hex length", "text": good_b.replacen("|48e1", "|4e1", 1), "expected": {"error": "bad-hex", "field": "full_name"}},
        {"name": "name hex not UTF-8", "text": good_b.replacen("|48e1", "|48ff", 1), "expected": {"error": "not-utf8", "field": "full_name"}},
        {"name": "gender 3", "text": good_b.replacen("/1945|1|", "/1945|3|", 1), "expected": {"error": "bad-gender", "field": "gender"}},
        {"name": "32/01", "text": good_b.replacen("01/01/2026", "32/01/2026", 1), "expected": {"error": "bad-date", "field": "valid_from"}},
        {"name": "validity reversed", "text": good_b.replacen("31/12/2026", "31/12/2025", 1), "expected": {"error": "validity-reversed", "field": "valid_to"}},
        {"name": "born in the future", "text": good_b.replacen("02/09/1945", "02/09/2027", 1), "expected": {"error": "future-date", "field": "date_of_birth"}},
        {"name": "no final pipe before $", "text": bhyt("Hồ Văn Minh", "4d32|-|9f3a$"), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": ["4d32", "-", "9f3a"]}},
        {"name": "empty field before the final pipe (kept as an empty further field)", "text": bhyt("Hồ Văn Minh", "|$"), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": [""]}},
        {"name": "empty further fields in the tail are kept", "text": bhyt("Hồ Văn Minh", "4d32||9f3a|$"), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": ["4d32", "", "9f3a"]}},
        {"name": "empty issue date right before |$", "text": bhyt("Hồ Văn Minh", "$").replacen("|20/12/2025|$", "||$", 1), "expected": {"error": "empty-field", "field": "issue_date"}},
        {"name": "16 further fields", "text": bhyt("Hồ Văn Minh", &format!("{}$", "x|".repeat(16))), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": vec!["x"; 16]}},
        {"name": "17 further fields", "text": bhyt("Hồ Văn Minh", &format!("{}$", "x|".repeat(17))), "expected": {"error": "too-many-fields", "field": null}},
        {"name": "decoded name of 201 characters", "text": bhyt(&"a".repeat(201), "$"), "expected": {"error": "too-long", "field": "full_name"}},
        {"name": "name of 1601 hex digits (too long before it is read as hex)", "text": good_b.replacen("|48e1", &format!("|{}48e1", "0".repeat(1601 - 22)), 1), "expected": {"error": "too-long", "field": "full_name"}},
        {"name": "clinic code of 33 characters", "text": good_b.replacen("|01-001|", &format!("|{}|", "9".repeat(33)), 1), "expected": {"error": "too-long", "field": "clinic_code"}},
        {"name": "several faults: no terminator and too few fields", "text": "HC4010120000123|486f|02/09/1945", "expected": {"error": "missing-terminator", "field": null}},
        {"name": "several faults: too few fields and a bad card number", "text": "HC40|486f|02/09/1945|$", "expected": {"error": "wrong-field-count", "field": null}},
        {"name": "several faults: too many fields and a bad card number", "text": bhyt("Hồ Văn Minh", &format!("{}$", "x|".repeat(17))).replacen("HC4010120000123", "HC40", 1), "expected": {"error": "too-many-fields", "field": null}},
        {"name": "several faults: bad card number and bad hex", "text": good_b.replacen("HC4010120000123", "hc4010120000123", 1).replacen("|48e1", "|48zz", 1), "expected": {"error": "bad-card-number", "field": "card_number"}},
        {"name": "several faults: bad name hex and bad birth date", "text": good_b.replacen("|48e1", "|48zz", 1).replacen("02/09/1945", "2/9/1945", 1), "expected": {"error": "bad-hex", "field": "full_name"}},
        {"name": "several faults: bad birth date and bad gender", "text": good_b.replacen("02/09/1945", "2/9/1945", 1).replacen("/1945|1|", "/1945|3|", 1), "expected": {"error": "bad-date", "field": "date_of_birth"}},
        {"name": "several faults: bad gender and empty address", "text": good_b.replacen(&format!("|1|{}|", hex::encode("Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội".as_bytes())), "|3||", 1), "expected": {"error": "bad-gender", "field": "gender"}},
        {"name": "several faults: empty clinic code and bad valid-from", "text": good_b.replacen("|01-001|01/01/2026|", "||1/1/2026|", 1), "expected": {"error": "empty-field", "field": "clinic_code"}},
        {"name": "several faults: future birth, future issue, validity reversed", "text": good_b.replacen("02/09/1945", "02/09/2027", 1).replacen("20/12/2025", "20/12/2027", 1).replacen("31/12/2026", "31/12/2025", 1), "expected": {"error": "future-date", "field": "date_of_birth"}},
        {"name": "several faults: future issue and validity reversed", "text": good_b.replacen("20/12/2025", "20/12/2027", 1).replacen("31/12/2026", "31/12/2025", 1), "expected": {"error": "future-date", "field": "issue_date"}},
    ]);
    // What the scanner's classification makes of each text (the shape test only).
    let mut cccd = cccd;
    let mut bhyt_cases = bhyt_cases;
    for case in cccd
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .chain(bhyt_cases.as_array_mut().unwrap())
    {
        case["classified_as"] = json!(classified_as(case["text"].as_str().unwrap()));
    }
    let hash_key = CardHashKey::from_bytes(CARD_HASH_KEY);
    let card_hashes: Vec<Value> = [(CardKind::Cccd, "079185001234"), (CardKind::Bhyt, "HC4010120000123")]
        .into_iter()
        .map(|(kind, number)| {
            json!({"card_kind": kind.code(), "card_number": number,
                   "hmac_input_hex": hex::encode([b"vaora-card-v1\0".as_slice(), &[kind.code()], number.as_bytes()].concat()),
                   "card_hash_hex": hex::encode(hash_key.hash(kind, number))})
        })
        .collect();
    let generated = json!({"spec": "docs/id-cards.md", "today": today, "note": "synthetic people only", "cccd": cccd, "bhyt": bhyt_cases,
        "card_hash_key_hex": hex::encode(CARD_HASH_KEY), "card_hashes": card_hashes});
    let v = load_or_write("id-cards.json", generated);
    let key = CardHashKey::from_bytes(
        hex::decode(v["card_hash_key_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
    );
    for h in v["card_hashes"].as_array().unwrap() {
        let kind = CardKind::from_code(h["card_kind"].as_u64().unwrap() as u8).unwrap();
        let number = h["card_number"].as_str().unwrap();
        assert_eq!(
            hex::encode(key.hash(kind, number)),
            h["card_hash_hex"].as_str().unwrap()
        );
        let input = hex::decode(h["hmac_input_hex"].as_str().unwrap()).unwrap();
        assert_eq!(
            input,
            [
                b"vaora-card-v1\0".as_slice(),
                &[kind.code()],
                number.as_bytes()
            ]
            .concat()
        );
    }
    let today = NaiveDate::parse_from_str(v["today"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let d = |x: NaiveDate| json!(x.format("%Y-%m-%d").to_string());
    for case in v["cccd"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["bhyt"].as_array().unwrap())
    {
        let kind = classified_as(case["text"].as_str().unwrap());
        assert_eq!(kind, case["classified_as"], "{}", case["name"]);
    }
    for case in v["cccd"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = match CccdCard::parse(case["text"].as_str().unwrap(), today) {
            Ok(c) => {
                json!({"id_number": c.id_number, "old_id_number": c.old_id_number, "full_name": c.full_name,
                "date_of_birth": d(c.date_of_birth), "gender": c.gender.as_str(), "province_code": c.province_code(),
                "address": c.address, "issue_date": d(c.issue_date)})
            }
            Err(e) => json!({"error": e.code(), "field": e.field()}),
        };
        assert_eq!(got, case["expected"], "{name}");
    }
    for case in v["bhyt"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = match BhytCard::parse(case["text"].as_str().unwrap(), today) {
            Ok(c) => {
                json!({"card_number": c.card_number, "full_name": c.full_name, "date_of_birth": d(c.date_of_birth),
                "gender": c.gender.as_str(), "address": c.address, "clinic_code": c.clinic_code,
                "valid_from": d(c.valid_from), "valid_to": c.valid_to.map(d), "issue_date": d(c.issue_date),
                "extra_fields": c.extra_fields})
            }
            Err(e) => json!({"error": e.code(), "field": e.field()}),
        };
        assert_eq!(got, case["expected"], "{name}");
    }
}
