//! The sync protocol's test vectors (`docs/vectors/sync-protocol.json`): fixed keys and
//! inputs, the exact bytes and signatures both sides must produce. Kotlin and Swift read
//! the same file. `VAORA_WRITE_VECTORS=1` rewrites it from this code (then review the diff).

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
use vaora_protocol::wire::{self, ExposureWindow, RecordStatus, RegisterRequest};

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
    let window_input = ExposureWindow::signing_input(
        &Id128::from_bytes([5; 16]),
        &Id128::from_bytes([3; 16]),
        &at,
        &(at + chrono::Duration::hours(1)),
        2,
        "0a0b0c0d",
    );
    json!({
        "device_secret": DEVICE_SECRET,
        "device_public_key": hex::encode(pk),
        "authority_secret": AUTHORITY_SECRET,
        "authority_public_key": hex::encode(authority.public_key()),
        "register_proof_input": hex::encode(&proof_input),
        "register_proof": hex::encode(device.sign_bytes(&proof_input)),
        "checkin_body": hex::encode(&record.body),
        "checkin_signature": hex::encode(record.signature),
        "upload_cbor": hex::encode(&upload),
        "upload_bytes_per_record": upload.len(),
        "answer_cbor_accepted_duplicate_rejected_bad": hex::encode(&answer),
        "request_signing_input": hex::encode(&request_input),
        "request_signature": hex::encode(device.sign_bytes(&request_input)),
        "authority_key_id": venue_authority.key_id().to_string(),
        "certificate_signing_input": hex::encode(cert.signing_input()),
        "certificate_signature": hex::encode(cert.signature),
        "certificate": hex::encode(cert.to_bytes()),
        "exposure_signing_input": hex::encode(&window_input),
        "exposure_signature": hex::encode(authority.sign_bytes(&window_input)),
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
