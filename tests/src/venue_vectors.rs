//! Generator of `docs/vectors/venue-codes.json`: fixed test keys, a signed trust key set,
//! venue-code texts and the verification result each must give at a fixed "now".
//! Run `cargo run -p vaora-tests --bin gen-venue-vectors > docs/vectors/venue-codes.json`.
//! Ed25519 signatures are deterministic, so the output is the same on every run.

use chrono::{DateTime, TimeZone, Utc};
use ciborium::value::Value;
use serde_json::{Value as Json, json};
use vaora_protocol::ids::Id128;
use vaora_protocol::render::{Ecc, QrMatrix};
use vaora_protocol::venue::keyset::KEYSET_DOMAIN;
use vaora_protocol::venue::payload::{PREFIX, SIGNING_DOMAIN};
use vaora_protocol::venue::text_pack;
use vaora_protocol::venue::{
    Authority, KeySet, KeySetContent, NewVenue, VenueCategory, VenueCode, VenueIssuer,
};

/// RFC 8032 test secrets 2 and 3: an authority nobody trusts, and one that gets revoked.
pub const UNKNOWN_SECRET_HEX: &str =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
pub const REVOKED_SECRET_HEX: &str =
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7";

/// A 60-character Vietnamese name and an 80-character address (the size requirement).
pub const LONG_NAME: &str = "Nhà hàng Bún chả Hương Liên - Chi nhánh Quận Hai Bà Trưng 28";
pub const LONG_ADDRESS: &str =
    "Số 246 Lê Văn Hưu, Phường Phạm Đình Hổ, Quận Hai Bà Trưng, Thành phố Hà Nội, VN.";

pub const REVOKED_VENUE: Id128 = Id128([0xee; 16]);

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn authority_from_hex(secret_hex: &str) -> Authority {
    let mut secret = [0u8; 32];
    let _ = hex::decode_to_slice(secret_hex, &mut secret);
    Authority::from_secret(&secret, 1_577_836_800, 4_102_444_800)
        .unwrap_or_else(|_| vaora_protocol::testing::test_authority())
}

/// The trust key set of the vectors: test and revoked authorities trusted, the revoked
/// one listed as revoked, one venue revoked; signed by the test authority.
pub fn trust_keyset() -> KeySet {
    let test = vaora_protocol::testing::test_authority();
    let revoked = authority_from_hex(REVOKED_SECRET_HEX);
    KeySet::sign(
        KeySetContent {
            sequence: 1,
            issued_at: 1_767_225_600,
            keys: vec![test.trusted_key(), revoked.trusted_key()],
            revoked_keys: vec![revoked.key_id()],
            revoked_venues: vec![REVOKED_VENUE],
        },
        &test,
    )
}

fn venue(id: u8, name: &str, address: &str, cat: VenueCategory) -> NewVenue {
    NewVenue {
        venue_id: Some(Id128([id; 16])),
        name: name.into(),
        address: address.into(),
        category: cat,
        default_stay_min: 60,
        valid_from: at(2026, 1, 1),
        // As long as the test authority: the Kotlin and Swift tests verify the valid
        // cases on the real clock.
        valid_until: at(2100, 1, 1),
    }
}

fn issue(a: &Authority, v: NewVenue) -> VenueCode {
    match VenueIssuer::new(authority_clone(a)).issue(v) {
        Ok(c) => c,
        Err(e) => unreachable_code(&e.to_string()),
    }
}

fn authority_clone(a: &Authority) -> Authority {
    // Authorities are not Clone on purpose (secret keys); the generator only uses
    // the fixed test keys, so it rebuilds them from their known secrets.
    for hex in [
        vaora_protocol::testing::TEST_AUTHORITY_SECRET_HEX,
        UNKNOWN_SECRET_HEX,
        REVOKED_SECRET_HEX,
    ] {
        let b = authority_from_hex(hex);
        if b.key_id() == a.key_id() {
            return b;
        }
    }
    vaora_protocol::testing::test_authority()
}

#[allow(clippy::panic)]
fn unreachable_code(why: &str) -> ! {
    panic!("vector generation failed: {why}")
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = ciborium::ser::into_writer(v, &mut out);
    out
}

/// A code with hand-built body fields, signed by the test authority (for field refusals).
fn hand_built(fields: Vec<Value>) -> String {
    let a = vaora_protocol::testing::test_authority();
    let body = cbor(&Value::Array(fields));
    let sig = a.sign(SIGNING_DOMAIN, &body);
    let outer = Value::Array(vec![Value::Bytes(body), Value::Bytes(sig.to_vec())]);
    format!("{PREFIX}{}", base45::encode(cbor(&outer)))
}

fn base_fields(category: u64, stay: u64) -> Vec<Value> {
    let a = vaora_protocol::testing::test_authority();
    vec![
        Value::Bytes(a.key_id().0.to_vec()),
        Value::Bytes(vec![7; 16]),
        Value::Bytes(text_pack::pack(&["Chợ Đồng Xuân", "Hàng Khoai, Hoàn Kiếm"])),
        Value::Integer(category.into()),
        Value::Integer(stay.into()),
        Value::Integer((at(2026, 1, 1).timestamp() / 86_400).into()),
        Value::Integer((at(2027, 1, 1).timestamp() / 86_400).into()),
    ]
}

fn case(name: &str, text: &str, expected: &str, malformed: Option<&str>, note: &str) -> Json {
    let mut c = json!({"name": name, "text": text, "expected": expected, "note": note});
    if let Some(kind) = malformed {
        c["malformed"] = json!(kind);
    }
    c
}

fn fields(code: &VenueCode) -> Json {
    let i = &code.info;
    json!({
        "key_id": i.key_id.to_hex(),
        "venue_id": i.venue_id.to_hex(),
        "name": i.name,
        "address": i.address,
        "category": i.category.as_str(),
        "category_code": i.category.code(),
        "default_stay_min": i.default_stay_min,
        "valid_from_day": i.valid_from_day,
        "valid_until_day": i.valid_until_day,
    })
}

pub fn generate() -> Json {
    let test = vaora_protocol::testing::test_authority();
    let unknown = authority_from_hex(UNKNOWN_SECRET_HEX);
    let revoked = authority_from_hex(REVOKED_SECRET_HEX);
    let mut cases = Vec::new();

    let valid = issue(
        &test,
        venue(
            1,
            "Quán Phở Thìn",
            "13 Lò Đúc, Hai Bà Trưng, Hà Nội",
            VenueCategory::RestaurantOrShop,
        ),
    );
    let mut c = case(
        "valid",
        &valid.to_text(),
        "valid",
        None,
        "a plain valid code",
    );
    c["fields"] = fields(&valid);
    cases.push(c);

    let long = issue(
        &test,
        venue(2, LONG_NAME, LONG_ADDRESS, VenueCategory::RestaurantOrShop),
    );
    let version = QrMatrix::encode(&long.to_text(), Ecc::M)
        .map(|m| m.version())
        .unwrap_or(0);
    let mut c = case(
        "valid-long-vietnamese",
        &long.to_text(),
        "valid",
        None,
        "60-character name, 80-character address",
    );
    c["fields"] = fields(&long);
    c["qr_version_at_m"] = json!(version);
    cases.push(c);

    let c = issue(
        &unknown,
        venue(
            3,
            "Siêu thị Mini Ánh Dương",
            "Ấp 3, Xã Phước Kiển, Nhà Bè",
            VenueCategory::Supermarket,
        ),
    );
    cases.push(case(
        "unknown-key-id",
        &c.to_text(),
        "unknown-key-id",
        None,
        "signed by a key that is not in the trust set",
    ));

    let mut forged = issue(
        &test,
        venue(
            4,
            "Trường Tiểu học Kim Đồng",
            "Ba Đình, Hà Nội",
            VenueCategory::School,
        ),
    );
    forged.signature[63] ^= 0x01;
    cases.push(case(
        "bad-signature",
        &forged.to_text(),
        "bad-signature",
        None,
        "last signature byte flipped",
    ));

    let mut v = venue(
        5,
        "Nhà thuốc An Khang",
        "Quận 3, TP. Hồ Chí Minh",
        VenueCategory::Pharmacy,
    );
    v.valid_from = at(2026, 7, 1);
    cases.push(case(
        "not-yet-valid",
        &issue(&test, v).to_text(),
        "not-yet-valid",
        None,
        "valid from 2026-07-01",
    ));

    let mut v = venue(
        6,
        "Bến xe Giáp Bát",
        "Giải Phóng, Hoàng Mai, Hà Nội",
        VenueCategory::TransportStation,
    );
    v.valid_from = at(2025, 1, 1);
    v.valid_until = at(2026, 1, 1);
    cases.push(case(
        "expired",
        &issue(&test, v).to_text(),
        "expired",
        None,
        "valid until 2026-01-01",
    ));

    let c = issue(
        &revoked,
        venue(8, "Chợ Bến Thành", "Lê Lợi, Quận 1", VenueCategory::Market),
    );
    cases.push(case(
        "key-revoked",
        &c.to_text(),
        "key-revoked",
        None,
        "signed by a trusted key that the key set revokes",
    ));

    let mut v = venue(
        0xee,
        "Nhà văn hoá thôn Đông",
        "Xã Tiên Dược, Sóc Sơn",
        VenueCategory::CommunityHouse,
    );
    v.venue_id = Some(REVOKED_VENUE);
    cases.push(case(
        "venue-revoked",
        &issue(&test, v).to_text(),
        "venue-revoked",
        None,
        "venue id in the key set's revoked list",
    ));

    // Malformed codes.
    cases.push(case(
        "malformed-no-prefix",
        "HELLO WORLD",
        "malformed",
        Some("no-prefix"),
        "no VV1: prefix",
    ));
    cases.push(case(
        "malformed-base45",
        "VV1:abc!",
        "malformed",
        Some("base45"),
        "characters outside base45",
    ));
    let t = valid.to_text();
    cases.push(case(
        "malformed-truncated",
        &t[..t.len() - 3],
        "malformed",
        Some("cbor"),
        "last three characters cut off",
    ));
    let mut outer = vec![0x9f];
    outer.extend(cbor(&Value::Bytes(valid.body.clone())));
    outer.extend(cbor(&Value::Bytes(valid.signature.to_vec())));
    outer.push(0xff);
    cases.push(case(
        "malformed-non-canonical",
        &format!("{PREFIX}{}", base45::encode(&outer)),
        "malformed",
        Some("non-canonical"),
        "indefinite-length outer array",
    ));
    let three = cbor(&Value::Array(vec![
        Value::Bytes(valid.body.clone()),
        Value::Bytes(valid.signature.to_vec()),
        Value::Null,
    ]));
    cases.push(case(
        "malformed-shape",
        &format!("{PREFIX}{}", base45::encode(&three)),
        "malformed",
        Some("shape"),
        "outer array has three items",
    ));
    cases.push(case(
        "malformed-category",
        &hand_built(base_fields(13, 60)),
        "malformed",
        Some("field"),
        "category 13 (signed)",
    ));
    cases.push(case(
        "malformed-stay",
        &hand_built(base_fields(3, 0)),
        "malformed",
        Some("field"),
        "default stay 0 minutes (signed)",
    ));
    // The nesting limit: 8 levels of arrays, maps or tags; each CBOR item counts its own.
    let nested = |levels: usize| {
        let mut v = Value::Array(Vec::new());
        for _ in 1..levels {
            v = Value::Array(vec![v]);
        }
        cbor(&v)
    };
    cases.push(case(
        "malformed-nesting-at-limit",
        &format!("{PREFIX}{}", base45::encode(nested(8))),
        "malformed",
        Some("shape"),
        "8 nested arrays: within the nesting limit, refused for its shape",
    ));
    cases.push(case(
        "malformed-nesting-too-deep",
        &format!("{PREFIX}{}", base45::encode(nested(9))),
        "malformed",
        Some("cbor"),
        "9 nested arrays: over the nesting limit",
    ));
    let deep_body = nested(9);
    let sig = test.sign(SIGNING_DOMAIN, &deep_body);
    let outer = Value::Array(vec![Value::Bytes(deep_body), Value::Bytes(sig.to_vec())]);
    cases.push(case(
        "malformed-body-nesting-too-deep",
        &format!("{PREFIX}{}", base45::encode(cbor(&outer))),
        "malformed",
        Some("cbor"),
        "signed body of 9 nested arrays: the body is an item of its own with the same limit",
    ));
    let mut f = base_fields(3, 60);
    f[2] = Value::Bytes(vec![0xff, 0xff]);
    cases.push(case(
        "malformed-text",
        &hand_built(f),
        "malformed",
        Some("text"),
        "packed text without end marks (signed)",
    ));

    let packing: Vec<Json> = [
        vec!["Chợ Bến Thành", "Quận 1"],
        vec!["A", ""],
        vec!["Tiệm 東京 😷", "NFD: Tie\u{302}\u{301}n"],
    ]
    .into_iter()
    .map(|texts| json!({"texts": texts, "packed_hex": hex::encode(text_pack::pack(&texts))}))
    .collect();
    let lengths: Vec<Json> = text_pack::code_lengths()
        .into_iter()
        .map(|(symbol, length)| json!([symbol, length]))
        .collect();

    let keyset = trust_keyset();
    let mut keyset_input = KEYSET_DOMAIN.to_vec();
    keyset_input.extend(keyset.content.signing_bytes(&keyset.signer_public_key));
    json!({
        "format": "vaora-venue-code-v1",
        "text_weight_sample": text_pack::SAMPLE,
        "text_code_lengths": lengths,
        "text_packing": packing,
        "spec": "docs/venue-code.md",
        "now": now().to_rfc3339(),
        "now_unix": now().timestamp(),
        "test_authority": {
            "secret_key": vaora_protocol::testing::TEST_AUTHORITY_SECRET_HEX,
            "public_key": hex::encode(test.public_key()),
            "key_id": test.key_id().to_hex(),
        },
        "unknown_authority": {
            "secret_key": UNKNOWN_SECRET_HEX,
            "public_key": hex::encode(unknown.public_key()),
            "key_id": unknown.key_id().to_hex(),
        },
        "revoked_authority": {
            "secret_key": REVOKED_SECRET_HEX,
            "public_key": hex::encode(revoked.public_key()),
            "key_id": revoked.key_id().to_hex(),
        },
        "trust_keyset": serde_json::from_str::<Json>(&keyset.to_json()).unwrap_or(Json::Null),
        "trust_keyset_signing_input": hex::encode(keyset_input),
        "cases": cases,
    })
}
