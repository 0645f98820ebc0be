//! Writes `docs/vectors/records.json` from fixed inputs (run once when the format gains a
//! record kind; the file is then the contract other languages test against).
//!
//! Usage: cargo run -p vaora-tests --bin gen-record-vectors > docs/vectors/records.json

use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::records::{RECORD_DOMAIN, RecordKind, SignedRecord};
use vaora_tests::records_vectors::{
    self, CheckInFields, Fields, InspectionFields, UpdateFields, Vector, VectorFile, VenueFields,
};

const SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

/// An inspection vector with its derived verdict filled in.
fn inspection(
    name: &'static str,
    mut f: InspectionFields,
) -> Result<(&'static str, Fields), String> {
    f.verdict = records_vectors::inspection(&f)?
        .verdict()
        .as_str()
        .to_owned();
    Ok((name, Fields::Inspection(f)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let identity = DeviceIdentity::from_secret_bytes(&hex::decode(SECRET)?)?;
    let inputs: Vec<(&str, Fields)> = vec![
        (
            "check-in, manual entry, open, Vietnamese names, no venue id",
            Fields::CheckIn(CheckInFields {
                id: "000102030405060708090a0b0c0d0e0f".into(),
                person_id: "101112131415161718191a1b1c1d1e1f".into(),
                person_name: "Tôi".into(),
                venue: VenueFields {
                    id: None,
                    name: "Chợ Bến Thành".into(),
                    address: "Lê Lợi, Quận 1".into(),
                    category: 3,
                    issuer_key_id: None,
                    verified: false,
                },
                method: 2,
                checked_in_at_ms: 1_773_111_600_000,
                checked_out_at_ms: None,
            }),
        ),
        (
            "check-in, scanned verified venue code, closed, empty address",
            Fields::CheckIn(CheckInFields {
                id: "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf".into(),
                person_id: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf".into(),
                person_name: "Nguyễn Thị Mai".into(),
                venue: VenueFields {
                    id: Some("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf".into()),
                    name: "Nhà thuốc Long Châu".into(),
                    address: String::new(),
                    category: 6,
                    issuer_key_id: Some("hcm-2026-01".into()),
                    verified: true,
                },
                method: 1,
                checked_in_at_ms: 1_773_115_200_123,
                checked_out_at_ms: Some(1_773_117_000_456),
            }),
        ),
        (
            "check-in update: check-out",
            Fields::Update(UpdateFields {
                id: "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf".into(),
                checkin_id: "000102030405060708090a0b0c0d0e0f".into(),
                sequence: 1,
                reason: 1,
                checked_in_at_ms: 1_773_111_600_000,
                checked_out_at_ms: Some(1_773_117_000_000),
            }),
        ),
        (
            "check-in update: edit of an open check-in (no check-out)",
            Fields::Update(UpdateFields {
                id: "e0e1e2e3e4e5e6e7e8e9eaebecedeeef".into(),
                checkin_id: "000102030405060708090a0b0c0d0e0f".into(),
                sequence: 258,
                reason: 3,
                checked_in_at_ms: 1_773_111_300_000,
                checked_out_at_ms: None,
            }),
        ),
        inspection(
            "inspection: genuine code on the ward list, poster up, visitors not scanning, desk in use, a note",
            InspectionFields {
                id: "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff".into(),
                venue_id: "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf".into(),
                venue_name: "Phở Bà Lan".into(),
                issuer_key_id: Some("0a1b2c3d".into()),
                code: 1,
                place: 1,
                poster_displayed: true,
                visitors_scanning: false,
                staff_desk_in_use: Some(true),
                note: "Áp phích sau quầy".into(),
                inspected_at_ms: 1_773_120_000_000,
                verdict: String::new(),
            },
        )?,
        inspection(
            "inspection: forged code, place not checked, desk not observed, no note",
            InspectionFields {
                id: "10203040506070809000a0b0c0d0e0f0".into(),
                venue_id: "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf".into(),
                venue_name: "Phở Bà Lan".into(),
                issuer_key_id: None,
                code: 4,
                place: 0,
                poster_displayed: true,
                visitors_scanning: true,
                staff_desk_in_use: None,
                note: String::new(),
                inspected_at_ms: 1_773_120_600_000,
                verdict: String::new(),
            },
        )?,
    ];
    let mut records = Vec::new();
    for (name, fields) in inputs {
        let (kind, body) = fields.encode()?;
        let signed = identity.sign_record(kind, body.clone());
        records.push(Vector {
            name: name.into(),
            kind: kind.code(),
            fields,
            body_hex: hex::encode(&body),
            signing_input_hex: hex::encode(SignedRecord::signing_input(kind, &body)),
            signature_hex: hex::encode(signed.signature),
        });
    }
    let _ = RecordKind::CheckIn;
    let file = VectorFile {
        spec: "docs/records.md".into(),
        domain_hex: hex::encode(RECORD_DOMAIN),
        secret_key_hex: SECRET.into(),
        public_key_hex: hex::encode(identity.public_key()),
        records,
    };
    println!("{}", serde_json::to_string_pretty(&file)?);
    Ok(())
}
