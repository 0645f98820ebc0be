//! The test vectors of `docs/vectors/{declarations,personal-codes,id-cards}.json`, checked
//! against the implementation (Kotlin and Swift tests read the same files).
//!
//! The vector files are made by `VAORA_WRITE_VECTORS=1 cargo test -p vaora-tests --test
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
use vaora_protocol::declare::{
    Answers, AuthorityKey, DeclarationBody, DeclaredFor, DeviceCertificate, PersonRef, PersonalCode,
};
use vaora_protocol::identity::DeviceIdentity;

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
    let generated = json!({
        "spec": "docs/declarations.md",
        "record_kind": 3,
        "signing_input": "\"vaora-record-v1\" 0x00 || kind (0x03) || body",
        "device_secret_key_hex": hex::encode(DEVICE_SECRET),
        "device_public_key_hex": hex::encode(key.public_key()),
        "cases": cases,
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
}

fn authority() -> (SigningKey, Vec<AuthorityKey>) {
    let sk = SigningKey::from_bytes(&AUTHORITY_SECRET);
    let trusted = vec![AuthorityKey {
        key_id: AUTHORITY_KEY_ID.into(),
        public_key: sk.verifying_key().to_bytes(),
    }];
    (sk, trusted)
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
    let cert = DeviceCertificate::issue(
        AUTHORITY_KEY_ID,
        &auth,
        device.public_key(),
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
    );
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
    // A code whose certificate is for another device key (a copied certificate).
    let stolen_cert = {
        let other = DeviceIdentity::from_secret_bytes(&[0x33; 32]).unwrap();
        let code = code_from(&codes[0]["fields"], Some(cert.clone()), other.public_key());
        code.sign(&other).unwrap()
    };
    // A code signed by one key that claims another device key.
    let wrong_signer = {
        let mut raw = base45_decode(valid_text.strip_prefix("VAORA:P1:").unwrap());
        let n = raw.len();
        raw[n - 1] ^= 0x80;
        format!("VAORA:P1:{}", base45_encode(&raw))
    };
    let verifications = json!([
        {"name": "certified and in time", "text": valid_text, "now": in_window, "trusted": true, "expected": "valid"},
        {"name": "certificate authority not trusted here", "text": valid_text, "now": in_window, "trusted": false, "expected": "valid-self-signed"},
        {"name": "no certificate (proxy code)", "text": proxy_text, "now": in_window, "trusted": true, "expected": "valid-self-signed"},
        {"name": "expired at valid_until", "text": valid_text, "now": after, "trusted": true, "expected": "expired"},
        {"name": "altered content", "text": altered(&valid_text), "now": in_window, "trusted": true, "expected": "bad-signature"},
        {"name": "wrong signature", "text": wrong_signer, "now": in_window, "trusted": true, "expected": "bad-signature"},
        {"name": "certificate of another device", "text": stolen_cert, "now": in_window, "trusted": true, "expected": "bad-certificate"},
        {"name": "truncated", "text": &valid_text[..valid_text.len() - 9], "now": in_window, "trusted": true, "expected": "malformed"},
        {"name": "not base45", "text": "VAORA:P1:abc~", "now": in_window, "trusted": true, "expected": "malformed"},
        {"name": "another kind of code", "text": "VAORA:V1:0000", "now": in_window, "trusted": true, "expected": "not-personal-code"},
    ]);
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
    });
    let v = load_or_write("personal-codes.json", generated);

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
        {"name": "wrong field count", "text": "079185001234|Nguyễn Thị Hoa|15031985|Nữ", "expected": {"error": "wrong-field-count"}},
        {"name": "11 digits", "text": good6.replacen("001200004321", "00120000432", 1), "expected": {"error": "bad-id-number"}},
        {"name": "letter in id", "text": good6.replacen("001200004321", "00120000432X", 1), "expected": {"error": "bad-id-number"}},
        {"name": "unassigned province 003", "text": good6.replacen("001200", "003200", 1), "expected": {"error": "unknown-province"}},
        {"name": "century digit says male 1900s", "text": good6.replacen("001200", "001000", 1), "expected": {"error": "gender-century-mismatch"}},
        {"name": "year digits disagree", "text": good6.replacen("001200", "001201", 1), "expected": {"error": "birth-year-mismatch"}},
        {"name": "31 February", "text": good6.replacen("02022000", "31022000", 1), "expected": {"error": "bad-date"}},
        {"name": "date with slashes", "text": good6.replacen("02022000", "02/02/00", 1), "expected": {"error": "bad-date"}},
        {"name": "gender word unknown", "text": good6.replacen("|Nam|", "|M|", 1), "expected": {"error": "bad-gender"}},
        {"name": "old id 8 digits", "text": good7.replacen("123456789", "12345678", 1), "expected": {"error": "bad-old-id-number"}},
        {"name": "issued in the future", "text": good6.replacen("10102022", "10102027", 1), "expected": {"error": "future-date"}},
        {"name": "issued before birth", "text": good6.replacen("10102022", "01012000", 1), "expected": {"error": "issued-before-birth"}},
        {"name": "empty name", "text": good6.replacen("Trần Văn An", "", 1), "expected": {"error": "empty-field"}},
    ]);
    let good_b = bhyt("Hồ Văn Minh", "4d32|-|9f3a|$");
    let bhyt_cases = json!([
        {"name": "full card with opaque tail", "text": good_b, "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "issue_date": "2025-12-20", "extra_fields": ["4d32", "-", "9f3a"]}},
        {"name": "no end date, no tail", "text": bhyt("Hồ Văn Minh", "$").replacen("31/12/2026", "-", 1), "expected": {"card_number": "HC4010120000123", "full_name": "Hồ Văn Minh", "date_of_birth": "1945-09-02", "gender": "male", "address": "Số 1 Phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "clinic_code": "01-001", "valid_from": "2026-01-01", "valid_to": null, "issue_date": "2025-12-20", "extra_fields": []}},
        {"name": "no terminator", "text": good_b.trim_end_matches('$'), "expected": {"error": "missing-terminator"}},
        {"name": "too few fields", "text": "HC4010120000123|486f|02/09/1945|$", "expected": {"error": "wrong-field-count"}},
        {"name": "card number 14 chars", "text": good_b.replacen("HC4010120000123", "HC401012000012", 1), "expected": {"error": "bad-card-number"}},
        {"name": "name not hex", "text": good_b.replacen("|48e1", "|48zz", 1), "expected": {"error": "bad-hex"}},
        {"name": "name odd hex length", "text": good_b.replacen("|48e1", "|4e1", 1), "expected": {"error": "bad-hex"}},
        {"name": "name hex not UTF-8", "text": good_b.replacen("|48e1", "|48ff", 1), "expected": {"error": "not-utf8"}},
        {"name": "gender 3", "text": good_b.replacen("/1945|1|", "/1945|3|", 1), "expected": {"error": "bad-gender"}},
        {"name": "32/01", "text": good_b.replacen("01/01/2026", "32/01/2026", 1), "expected": {"error": "bad-date"}},
        {"name": "validity reversed", "text": good_b.replacen("31/12/2026", "31/12/2025", 1), "expected": {"error": "validity-reversed"}},
        {"name": "born in the future", "text": good_b.replacen("02/09/1945", "02/09/2027", 1), "expected": {"error": "future-date"}},
    ]);
    let generated = json!({"spec": "docs/id-cards.md", "today": today, "note": "synthetic people only", "cccd": cccd, "bhyt": bhyt_cases});
    let v = load_or_write("id-cards.json", generated);
    let today = NaiveDate::parse_from_str(v["today"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let d = |x: NaiveDate| json!(x.format("%Y-%m-%d").to_string());
    for case in v["cccd"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = match CccdCard::parse(case["text"].as_str().unwrap(), today) {
            Ok(c) => {
                json!({"id_number": c.id_number, "old_id_number": c.old_id_number, "full_name": c.full_name,
                "date_of_birth": d(c.date_of_birth), "gender": c.gender.as_str(), "province_code": c.province_code(),
                "address": c.address, "issue_date": d(c.issue_date)})
            }
            Err(e) => json!({"error": e.code()}),
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
            Err(e) => json!({"error": e.code()}),
        };
        assert_eq!(got, case["expected"], "{name}");
    }
}
