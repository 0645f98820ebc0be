//! The sync protocol's test vectors (`docs/vectors/sync-protocol.json`): fixed keys and
//! inputs, the exact bytes and signatures both sides must produce. Kotlin and Swift read
//! the same file where the FFI reaches the wire (it does not today: only Rust reads it).
//! `VAORA_WRITE_VECTORS=1` rewrites it from this code (then review the diff).

// The vector builder is shared by the #[test] below; failing loudly is its job.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use vaora_protocol::declare::{AuthorityKey, DeviceCertificate};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, CheckInMethod, RecordKind, VenueRef};
use vaora_protocol::venue::Authority;
use vaora_protocol::venue::VenueCategory;
use vaora_protocol::wire::{self, ExposureWindow, KeySet, RecordStatus, RegisterRequest};

const DEVICE_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const AUTHORITY_SECRET: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

fn vectors() -> Value {
    let device = DeviceIdentity::from_secret_bytes(&hex::decode(DEVICE_SECRET).unwrap()).unwrap();
    let authority =
        DeviceIdentity::from_secret_bytes(&hex::decode(AUTHORITY_SECRET).unwrap()).unwrap();
    let pk = device.public_key();
    let proof_input = RegisterRequest::proof_input(&pk);
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 5, 0, 0).unwrap();
    let body = CheckInBody {
        id: Id128::from_bytes([1; 16]),
        person_id: Id128::from_bytes([2; 16]),
        person_name: "Nguyễn Văn An".into(),
        venue: VenueRef {
            id: Some(Id128::from_bytes([3; 16])),
            name: "Phở Hòa".into(),
            address: "12 Nguyễn Huệ".into(),
            category: VenueCategory::RestaurantOrShop,
            issuer_key_id: None,
            verified: true,
        },
        method: CheckInMethod::ScannedVenueCode,
        checked_in_at: at,
        checked_out_at: Some(at + chrono::Duration::minutes(45)),
    };
    let record = device.sign_record(RecordKind::CheckIn, body.encode());
    let upload = wire::encode_upload(std::slice::from_ref(&record));
    let answer = wire::encode_upload_answer(&[
        RecordStatus::Accepted,
        RecordStatus::Duplicate,
        RecordStatus::Rejected("bad".into()),
    ]);
    let request_input =
        wire::request_signing_input("POST", "/v1/records", 1_773_118_800_000, &upload);
    // The registration certificate is the declare-format device certificate
    // (`docs/personal-code.md`), issued with the server's venue authority key.
    let venue_authority = Authority::from_secret(
        &hex::decode(AUTHORITY_SECRET).unwrap().try_into().unwrap(),
        1_577_836_800,
        4_102_444_800,
    )
    .unwrap();
    let cert = DeviceCertificate::issue_by(
        &venue_authority,
        pk,
        at - chrono::Duration::milliseconds(wire::MAX_CLOCK_SKEW_MS),
        at + chrono::Duration::days(365),
    );
    // The whole one-record upload is the outer array's 1-byte head, then per record
    // 6 bytes of framing (array(3), kind, two 2-byte byte-string heads), body, signature.
    let two = wire::encode_upload(&[record.clone(), record.clone()]);
    let per_record = two.len() - upload.len();
    let framing = per_record - record.body.len() - 64;
    // GET /v1/keys as the server answers it: JSON, signed under its own domain over the
    // sequence, the hex text of the key ids and keys, the raw venue ids and issued_at in
    // milliseconds.
    let mut keys = KeySet {
        sequence: 2,
        keys: vec![wire::AuthorityPublicKey {
            key_id: venue_authority.key_id().to_string(),
            public_key: hex::encode(venue_authority.public_key()),
        }],
        revoked_keys: vec!["0a0b0c0d".into()],
        revoked_venues: vec![Id128::from_bytes([0xee; 16])],
        issued_at: at + chrono::Duration::milliseconds(1234),
        signed_by: venue_authority.key_id().to_string(),
        signature: String::new(),
    };
    let keys_input = keys.signing_input();
    keys.signature = hex::encode(authority.sign_bytes(&keys_input));
    let window_input = ExposureWindow::signing_input(
        &Id128::from_bytes([5; 16]),
        &Id128::from_bytes([3; 16]),
        &at,
        &(at + chrono::Duration::hours(1)),
        2,
        "0a0b0c0d",
    );
    let window = ExposureWindow {
        id: Id128::from_bytes([5; 16]),
        venue_id: Id128::from_bytes([3; 16]),
        from: at,
        until: at + chrono::Duration::hours(1),
        level: 2,
        key_id: "0a0b0c0d".into(),
        signature: hex::encode(authority.sign_bytes(&window_input)),
    };
    // Registration requests the server refuses, and why (`docs/sync-protocol.md`).
    let small_order_key = {
        let mut k = [0u8; 32];
        k[0] = 1; // the neutral point: [S]B = R + [k]A holds for R = neutral, S = 0
        k
    };
    let trivial_proof = {
        let mut p = [0u8; 64];
        p[0] = 1;
        p
    };
    let register_cases = json!([
        {"name": "valid", "request": {"public_key": hex::encode(pk), "proof": hex::encode(device.sign_bytes(&proof_input))},
         "status": 201, "error": null},
        {"name": "proof made by another key", "request": {"public_key": hex::encode(pk), "proof": hex::encode(authority.sign_bytes(&proof_input))},
         "status": 400, "error": "bad_proof"},
        {"name": "proof over the key without the domain", "request": {"public_key": hex::encode(pk), "proof": hex::encode(device.sign_bytes(&pk))},
         "status": 400, "error": "bad_proof"},
        {"name": "public key of 62 hex digits", "request": {"public_key": hex::encode(&pk[..31]), "proof": hex::encode(device.sign_bytes(&proof_input))},
         "status": 400, "error": "bad_proof"},
        {"name": "small-order key, a proof that verifies", "request": {"public_key": hex::encode(small_order_key), "proof": hex::encode(trivial_proof)},
         "status": 400, "error": "bad_key"},
        {"name": "small-order key, a proof that does not verify", "request": {"public_key": hex::encode(small_order_key), "proof": hex::encode(device.sign_bytes(&proof_input))},
         "status": 400, "error": "bad_proof"},
        {"name": "no proof", "request": {"public_key": hex::encode(pk)},
         "status": 400, "error": "malformed_body"},
    ]);
    json!({
        "device_secret": DEVICE_SECRET,
        "device_public_key": hex::encode(pk),
        "authority_secret": AUTHORITY_SECRET,
        "authority_public_key": hex::encode(authority.public_key()),
        "register_proof_input": hex::encode(&proof_input),
        "register_proof": hex::encode(device.sign_bytes(&proof_input)),
        "checkin_body": hex::encode(&record.body),
        "checkin_signature": hex::encode(record.signature),
        "checkin_body_bytes": record.body.len(),
        "upload_cbor": hex::encode(&upload),
        "upload_bytes_one_record": upload.len(),
        "upload_framing": {"outer_array_head": upload.len() - per_record, "per_record": framing},
        "answer_cbor_accepted": hex::encode(wire::encode_upload_answer(&[RecordStatus::Accepted])),
        "answer_cbor_accepted_duplicate_rejected_bad": hex::encode(&answer),
        "request_signing_input": hex::encode(&request_input),
        "request_signature": hex::encode(device.sign_bytes(&request_input)),
        "authority_key_id": venue_authority.key_id().to_string(),
        "certificate_signing_input": hex::encode(cert.signing_input()),
        "certificate_signature": hex::encode(cert.signature),
        "certificate": hex::encode(cert.to_bytes()),
        "exposure_signing_input": hex::encode(&window_input),
        "exposure_signature": hex::encode(authority.sign_bytes(&window_input)),
        "exposure_window": serde_json::to_value(&window).unwrap(),
        "keys_response": serde_json::to_value(&keys).unwrap(),
        "keys_signing_input": hex::encode(&keys_input),
        "register_requests": register_cases,
    })
}

#[test]
fn sync_vectors_match() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/sync-protocol.json");
    let computed = vectors();
    if std::env::var("VAORA_WRITE_VECTORS").is_ok() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&computed).unwrap() + "\n",
        )
        .unwrap();
    }
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(stored, computed);
    // The stored upload decodes back to the record and its answer to the three statuses.
    let upload = hex::decode(stored["upload_cbor"].as_str().unwrap()).unwrap();
    let items = wire::decode_upload(&upload, 10).unwrap();
    let pk: [u8; 32] = hex::decode(stored["device_public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    wire::item_to_record(&items[0], &pk)
        .unwrap()
        .verify()
        .unwrap();
    let answer = hex::decode(
        stored["answer_cbor_accepted_duplicate_rejected_bad"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(wire::decode_upload_answer(&answer).unwrap().len(), 3);
    // The stored certificate (as a registration answer carries it) decodes and verifies
    // for the device key against the authority key, and the signature is plain Ed25519
    // by the authority key over the stored signing input.
    let answer = wire::RegisterResponse {
        device_id: Id128::from_bytes([4; 16]),
        certificate: stored["certificate"].as_str().unwrap().to_owned(),
        authority_key: wire::AuthorityPublicKey {
            key_id: stored["authority_key_id"].as_str().unwrap().to_owned(),
            public_key: stored["authority_public_key"].as_str().unwrap().to_owned(),
        },
    };
    let cert = answer.device_certificate().unwrap();
    let trusted = [AuthorityKey {
        key_id: answer.authority_key.key_id.clone(),
        public_key: answer.authority_key.bytes().unwrap(),
    }];
    let mid = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    cert.verify(&pk, mid, &trusted).unwrap();
    assert_eq!(
        hex::encode(cert.signing_input()),
        stored["certificate_signing_input"].as_str().unwrap()
    );
    let authority_pk = ed25519_dalek::VerifyingKey::from_bytes(&trusted[0].public_key).unwrap();
    let sig = ed25519_dalek::Signature::from_bytes(&cert.signature);
    authority_pk
        .verify_strict(&cert.signing_input(), &sig)
        .unwrap();
}

fn hex_of(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn stored() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/sync-protocol.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sizes `docs/sync-protocol.md` quotes, counted from the stored bytes: a 125-byte
/// check-in body, a 196-byte one-record upload, 6 bytes of framing per record.
#[test]
fn upload_sizes_are_the_documented_ones() {
    let v = stored();
    let body = hex_of(&v["checkin_body"]);
    let upload = hex_of(&v["upload_cbor"]);
    assert_eq!(body.len(), 125);
    assert_eq!(v["checkin_body_bytes"], 125);
    assert_eq!(upload.len(), 196);
    assert_eq!(v["upload_bytes_one_record"], 196);
    assert_eq!(v["upload_framing"]["outer_array_head"], 1);
    assert_eq!(v["upload_framing"]["per_record"], 6);
    // 81 | 83 01 58 7d <body> 58 40 <signature>
    let mut by_hand = vec![0x81, 0x83, 0x01, 0x58, 0x7d];
    by_hand.extend(&body);
    by_hand.extend([0x58, 0x40]);
    by_hand.extend(hex_of(&v["checkin_signature"]));
    assert_eq!(by_hand, upload);
    assert_eq!(1 + 6 + 125 + 64, upload.len());
    assert_eq!(hex_of(&v["answer_cbor_accepted"]), [0x81, 0x00]);
    // The check-in says verified with no issuer key id: the format ties neither to the other.
    let checkin = vaora_protocol::records::CheckInBody::decode(&body).unwrap();
    assert!(checkin.venue.verified && checkin.venue.issuer_key_id.is_none());
}

/// `/v1/keys`: the stored JSON verifies against the registration's authority key, its
/// signing input is the documented layout (its own domain, the sequence, hex text for
/// keys, raw venue ids, issued_at in milliseconds), and no venue key-set document's
/// signature can be taken for it, nor the reverse (different domains).
#[test]
fn keys_response_signs_the_documented_bytes() {
    let v = stored();
    let keys: KeySet = serde_json::from_value(v["keys_response"].clone()).unwrap();
    let input = hex_of(&v["keys_signing_input"]);
    assert_eq!(keys.signing_input(), input);
    let pinned = wire::AuthorityPublicKey {
        key_id: v["authority_key_id"].as_str().unwrap().to_owned(),
        public_key: v["authority_public_key"].as_str().unwrap().to_owned(),
    };
    keys.verify(&pinned).unwrap();
    assert_eq!(
        v["keys_response"]["issued_at"].as_str().unwrap(),
        "2026-03-10T05:00:01.234Z"
    );
    assert_eq!(v["keys_response"]["sequence"], 2);
    let mut by_hand = b"vaora-keys-v1\0".to_vec();
    let str_field = |out: &mut Vec<u8>, s: &str| {
        out.extend((s.len() as u32).to_be_bytes());
        out.extend(s.as_bytes());
    };
    let j = &v["keys_response"];
    by_hand.extend(2i64.to_be_bytes());
    by_hand.extend((j["keys"].as_array().unwrap().len() as u32).to_be_bytes());
    for k in j["keys"].as_array().unwrap() {
        str_field(&mut by_hand, k["key_id"].as_str().unwrap());
        str_field(&mut by_hand, k["public_key"].as_str().unwrap());
    }
    by_hand.extend((j["revoked_keys"].as_array().unwrap().len() as u32).to_be_bytes());
    for k in j["revoked_keys"].as_array().unwrap() {
        str_field(&mut by_hand, k.as_str().unwrap());
    }
    by_hand.extend((j["revoked_venues"].as_array().unwrap().len() as u32).to_be_bytes());
    for id in j["revoked_venues"].as_array().unwrap() {
        by_hand.extend(hex_of(id));
    }
    by_hand.extend(1_773_118_801_234i64.to_be_bytes());
    str_field(&mut by_hand, j["signed_by"].as_str().unwrap());
    assert_eq!(by_hand, input);
    // The venue module's key-set documents sign under another domain.
    assert_ne!(
        wire::KEYS_DOMAIN,
        vaora_protocol::venue::keyset::KEYSET_DOMAIN
    );
    assert!(!input.starts_with(vaora_protocol::venue::keyset::KEYSET_DOMAIN));
    // A sequence changed after signing breaks the signature.
    let mut older = keys.clone();
    older.sequence = 1;
    assert!(older.verify(&pinned).is_err());
}

/// The exposure window as JSON verifies with the key its `key_id` names.
#[test]
fn exposure_window_json_verifies() {
    let v = stored();
    let window: ExposureWindow = serde_json::from_value(v["exposure_window"].clone()).unwrap();
    let key = wire::AuthorityPublicKey {
        key_id: "0a0b0c0d".into(),
        public_key: v["authority_public_key"].as_str().unwrap().to_owned(),
    };
    window.verify(std::slice::from_ref(&key)).unwrap();
    assert_eq!(
        ExposureWindow::signing_input(
            &window.id,
            &window.venue_id,
            &window.from,
            &window.until,
            window.level,
            &window.key_id
        ),
        hex_of(&v["exposure_signing_input"])
    );
}

/// Registration: the server's order of refusals, as the protocol crate decides them (the
/// server itself answers the same requests in `tests/tests/sync_protocol_rules.rs`):
/// unreadable JSON is `malformed_body`; a key or proof that is not hex, not a point, or a
/// proof that does not verify is `bad_proof`; only a verified proof for a small-order key
/// is `bad_key`.
#[test]
fn register_requests_are_refused_in_the_documented_order() {
    let v = stored();
    for case in v["register_requests"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let got = match serde_json::from_value::<RegisterRequest>(case["request"].clone()) {
            Err(_) => "malformed_body",
            Ok(req) => match req.verify() {
                Err(_) => "bad_proof",
                Ok(key)
                    if ed25519_dalek::VerifyingKey::from_bytes(&key)
                        .unwrap()
                        .is_weak() =>
                {
                    "bad_key"
                }
                Ok(_) => "accepted",
            },
        };
        let want = case["error"].as_str().unwrap_or("accepted");
        assert_eq!(got, want, "{name}");
    }
}
