//! Signature vectors: `docs/vectors/records.json` (the contract Kotlin and Swift tests
//! read too). Each vector's inputs must encode to exactly the expected body bytes, sign
//! to exactly the expected signature with the fixed test key, verify, and stop verifying
//! when any byte changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::records::{
    CheckInBody, CheckInUpdateBody, InspectionBody, RECORD_DOMAIN, RecordError, RecordKind,
    SignedRecord,
};
use vaora_tests::records_vectors::{Fields, VectorFile};

fn load() -> VectorFile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/vectors/records.json");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn vectors_encode_sign_and_verify_exactly() {
    let file = load();
    assert_eq!(hex::decode(&file.domain_hex).unwrap(), RECORD_DOMAIN);
    let identity =
        DeviceIdentity::from_secret_bytes(&hex::decode(&file.secret_key_hex).unwrap()).unwrap();
    assert_eq!(hex::encode(identity.public_key()), file.public_key_hex);
    assert!(file.records.len() >= 4);
    let mut kinds = std::collections::HashSet::new();
    for v in &file.records {
        let (kind, body) = v.fields.encode().unwrap();
        kinds.insert(kind);
        assert_eq!(kind.code(), v.kind, "{}", v.name);
        assert_eq!(hex::encode(&body), v.body_hex, "body of {}", v.name);
        assert_eq!(
            hex::encode(SignedRecord::signing_input(kind, &body)),
            v.signing_input_hex,
            "signing input of {}",
            v.name
        );
        let signed = identity.sign_record(kind, body.clone());
        assert_eq!(hex::encode(signed.signature), v.signature_hex, "{}", v.name);

        // Verification from the stored bytes alone, as a server or another phone does it.
        let record = SignedRecord {
            kind: RecordKind::from_code(v.kind).unwrap(),
            device_key: hex::decode(&file.public_key_hex)
                .unwrap()
                .try_into()
                .unwrap(),
            body: hex::decode(&v.body_hex).unwrap(),
            signature: hex::decode(&v.signature_hex).unwrap().try_into().unwrap(),
        };
        record.verify().unwrap();

        // Decoding gives back the same bytes (one reading per body).
        let re = match kind {
            RecordKind::CheckIn => CheckInBody::decode(&record.body).unwrap().encode(),
            RecordKind::CheckInUpdate => CheckInUpdateBody::decode(&record.body).unwrap().encode(),
            RecordKind::Inspection => {
                let body = InspectionBody::decode(&record.body).unwrap();
                let Fields::Inspection(f) = &v.fields else {
                    panic!("{}: kind 5 with other fields", v.name)
                };
                assert_eq!(body.verdict().as_str(), f.verdict, "verdict of {}", v.name);
                body.encode()
            }
            other => panic!("unexpected kind {other:?}"),
        };
        assert_eq!(re, record.body);

        // Any flipped byte of body or signature, or another kind, fails verification.
        for i in [0, record.body.len() / 2, record.body.len() - 1] {
            let mut bad = record.clone();
            bad.body[i] ^= 0x01;
            assert_eq!(
                bad.verify(),
                Err(RecordError::BadSignature),
                "body byte {i}"
            );
        }
        for i in [0, 31, 63] {
            let mut bad = record.clone();
            bad.signature[i] ^= 0x80;
            assert!(bad.verify().is_err(), "signature byte {i}");
        }
        let mut bad = record.clone();
        bad.kind = if kind == RecordKind::CheckIn {
            RecordKind::CheckInUpdate
        } else {
            RecordKind::CheckIn
        };
        assert_eq!(bad.verify(), Err(RecordError::BadSignature));
        let mut bad = record.clone();
        bad.device_key = DeviceIdentity::generate().unwrap().public_key();
        assert!(bad.verify().is_err());
    }
    assert!(kinds.contains(&RecordKind::CheckIn) && kinds.contains(&RecordKind::CheckInUpdate));
    assert!(kinds.contains(&RecordKind::Inspection));
}

/// The first two vectors assembled by hand from the layout in docs/records.md, without
/// the encoder: guards the spec, the vectors and the code against drifting together.
#[test]
fn first_vectors_match_the_spec_layout_by_hand() {
    let file = load();
    let mut b: Vec<u8> = Vec::new();
    b.extend((0u8..16).collect::<Vec<_>>()); // id
    b.extend((0x10u8..0x20).collect::<Vec<_>>()); // person_id
    let s = |b: &mut Vec<u8>, t: &str| {
        b.extend((t.len() as u32).to_be_bytes());
        b.extend(t.as_bytes());
    };
    s(&mut b, "Tôi"); // person_name
    b.push(0); // venue id absent
    s(&mut b, "Chợ Bến Thành");
    s(&mut b, "Lê Lợi, Quận 1");
    b.push(3); // market
    b.push(0); // issuer key id absent
    b.push(0); // not verified
    b.push(2); // manual entry
    b.extend(1_773_111_600_000i64.to_be_bytes());
    b.push(0); // open
    assert_eq!(hex::encode(&b), file.records[0].body_hex);

    let mut u: Vec<u8> = Vec::new();
    u.extend((0xd0u8..=0xdf).collect::<Vec<_>>());
    u.extend((0u8..16).collect::<Vec<_>>());
    u.extend(1u32.to_be_bytes());
    u.push(1); // check-out
    u.extend(1_773_111_600_000i64.to_be_bytes());
    u.push(1);
    u.extend(1_773_117_000_000i64.to_be_bytes());
    assert_eq!(hex::encode(&u), file.records[2].body_hex);

    // Signing input = domain "vaora-record-v1\0" || kind byte || body.
    let mut m = b"vaora-record-v1\0".to_vec();
    m.push(1);
    m.extend(&b);
    assert_eq!(hex::encode(m), file.records[0].signing_input_hex);
}
