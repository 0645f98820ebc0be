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
        attestation: None,
    };
    assert_eq!(req.verify().unwrap(), pk);
    let other = DeviceIdentity::generate().unwrap();
    let forged = RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(other.sign_bytes(&RegisterRequest::proof_input(&pk))),
        attestation: None,
    };
    assert!(forged.verify().is_err());
}

#[test]
fn the_upload_head_is_read_before_any_record() {
    // An array announcing 2^32 - 1 records, and nothing after it: refused from the head.
    assert_eq!(
        decode_upload(&[0x9a, 0xff, 0xff, 0xff, 0xff], 1000),
        Err(WireError::TooManyRecords {
            max: 1000,
            got: u64::from(u32::MAX)
        })
    );
    assert!(matches!(
        decode_upload(
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            1000
        ),
        Err(WireError::TooManyRecords { .. })
    ));
    // Within the limit but cut short: malformed, not a huge allocation.
    assert!(matches!(
        decode_upload(&[0x99, 0x03, 0xe8], 1000),
        Err(WireError::Cbor(_))
    ));
}

#[test]
fn only_the_specified_shape_is_read() {
    let id = DeviceIdentity::generate().unwrap();
    let rec = id.sign_record(RecordKind::CheckIn, vec![7u8; 30]);
    let good = encode_upload(std::slice::from_ref(&rec));
    // Heads in a longer form than needed are still that shape.
    let mut long = vec![0x98, 0x01, 0x98, 0x03, 0x18, 0x01, 0x59, 0x00, 0x1e];
    long.extend(&rec.body);
    long.extend([0x5a, 0, 0, 0, 0x40]);
    long.extend(rec.signature);
    assert_eq!(decode_upload(&long, 10), decode_upload(&good, 10));
    let refused = |bytes: Vec<u8>| decode_upload(&bytes, 10).is_err();
    // Trailing bytes, an indefinite-length array, a tag, a map, a negative kind, a kind
    // over 255, a text body, a fourth field.
    assert!(refused([good.clone(), vec![0]].concat()));
    assert!(refused(
        [vec![0x9f], good[1..].to_vec(), vec![0xff]].concat()
    ));
    assert!(refused([vec![0xc0], good.clone()].concat()));
    assert!(refused(vec![0xa0]));
    assert!(refused(
        [vec![0x81, 0x83, 0x20], good[3..].to_vec()].concat()
    ));
    assert!(refused(
        [vec![0x81, 0x83, 0x19, 0x01, 0x00], good[3..].to_vec()].concat()
    ));
    let mut text = good.clone();
    text[3] = 0x78;
    assert!(refused(text));
    let mut four = good.clone();
    four[1] = 0x84;
    four.push(0);
    assert!(refused(four));
    assert_eq!(decode_upload(&[0x80], 10), Ok(Vec::new()));
}
