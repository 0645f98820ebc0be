//! Round trips and refusals of the wire encodings.

use super::*;
use crate::identity::DeviceIdentity;
use crate::records::RecordKind;

#[test]
fn upload_round_trip_and_answer() {
    let id = DeviceIdentity::generate().unwrap();
    let rec = id.sign_record(RecordKind::CheckIn, vec![7u8; 120]);
    let bytes = encode_upload(std::slice::from_ref(&rec));
    let items = decode_upload(&bytes, 10).unwrap();
    assert_eq!(item_to_record(&items[0], &id.public_key()).unwrap(), rec);
    assert!(decode_upload(&bytes, 0).is_err());
    assert!(decode_upload(&bytes[..bytes.len() - 3], 10).is_err());
    let answer = vec![
        RecordStatus::Accepted,
        RecordStatus::Duplicate,
        RecordStatus::Rejected("x".into()),
    ];
    assert_eq!(
        decode_upload_answer(&encode_upload_answer(&answer)).unwrap(),
        answer
    );
}

#[test]
fn request_auth_parse_and_verify() {
    let id = DeviceIdentity::generate().unwrap();
    let sig = id.sign_bytes(&request_signing_input("POST", "/v1/records", 42, b"body"));
    let header = RequestAuth::header_value(DEVICE_SCHEME, "abc", 42, &sig);
    let auth = RequestAuth::parse(&header).unwrap();
    assert_eq!(auth.principal, "abc");
    auth.verify(&id.public_key(), "POST", "/v1/records", b"body")
        .unwrap();
    assert!(
        auth.verify(&id.public_key(), "POST", "/v1/records", b"other")
            .is_err()
    );
    assert!(RequestAuth::parse("Vaora-Device abc:1").is_err());
}

#[test]
fn published_key_ids_are_the_trust_store_key_ids() {
    let a = crate::testing::test_authority();
    let published = AuthorityPublicKey::from_bytes(&a.public_key());
    assert_eq!(published.key_id, a.key_id().to_hex());
    assert_eq!(published.key_id.len(), 8);
}

#[test]
fn registration_proof() {
    let id = DeviceIdentity::generate().unwrap();
    let pk = id.public_key();
    let req = RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(id.sign_bytes(&RegisterRequest::proof_input(&pk))),
    };
    assert_eq!(req.verify().unwrap(), pk);
    let other = DeviceIdentity::generate().unwrap();
    let forged = RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(other.sign_bytes(&RegisterRequest::proof_input(&pk))),
    };
    assert!(forged.verify().is_err());
}
