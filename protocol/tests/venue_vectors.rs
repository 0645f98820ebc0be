//! Reads `docs/vectors/venue-codes.json` (the spec's vectors) and checks every case.

use chrono::DateTime;
use vaora_protocol::venue::{KeySet, SignerPolicy, TrustStore, VenueCode, Verification};

#[allow(clippy::unwrap_used)] // test helper
fn vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/vectors/venue-codes.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_vector_gives_its_expected_result() {
    let v = vectors();
    let now = DateTime::parse_from_rfc3339(v["now"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let keyset = KeySet::from_json(&v["trust_keyset"].to_string()).unwrap();
    let mut store = TrustStore::new();
    store
        .apply_keyset(&keyset, SignerPolicy::PinSelfSigned)
        .unwrap();
    let cases = v["cases"].as_array().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let text = case["text"].as_str().unwrap();
        let result = store.verify_text(text, now).result;
        assert_eq!(
            result.as_str(),
            case["expected"].as_str().unwrap(),
            "case {name}: {result}"
        );
        if let Verification::Malformed(what) = &result {
            assert_eq!(
                what.kind(),
                case["malformed"].as_str().unwrap(),
                "case {name}"
            );
        }
        if let Some(fields) = case.get("fields") {
            let info = VenueCode::parse(text).unwrap().info;
            assert_eq!(info.name, fields["name"].as_str().unwrap(), "case {name}");
            assert_eq!(info.address, fields["address"].as_str().unwrap());
            assert_eq!(info.venue_id.to_hex(), fields["venue_id"].as_str().unwrap());
            assert_eq!(info.key_id.to_hex(), fields["key_id"].as_str().unwrap());
            assert_eq!(info.category.as_str(), fields["category"].as_str().unwrap());
            assert_eq!(
                u64::from(info.default_stay_min),
                fields["default_stay_min"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(info.valid_from_day),
                fields["valid_from_day"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(info.valid_until_day),
                fields["valid_until_day"].as_u64().unwrap()
            );
        }
        seen.insert(result.as_str());
    }
    for needed in [
        "valid",
        "unknown-key-id",
        "bad-signature",
        "not-yet-valid",
        "expired",
        "key-revoked",
        "venue-revoked",
        "malformed",
    ] {
        assert!(seen.contains(needed), "no vector for {needed}");
    }
}

#[test]
fn vector_test_authority_matches_its_secret() {
    let v = vectors();
    let a = vaora_protocol::testing::test_authority();
    assert_eq!(
        v["test_authority"]["public_key"].as_str().unwrap(),
        hex::encode(a.public_key())
    );
    assert_eq!(
        v["test_authority"]["key_id"].as_str().unwrap(),
        a.key_id().to_hex()
    );
}

#[test]
fn signatures_in_valid_vectors_are_reproducible_from_the_secret() {
    // Ed25519 is deterministic: re-signing the carried body with the published test
    // secret must give the carried signature.
    let v = vectors();
    let a = vaora_protocol::testing::test_authority();
    let case = &v["cases"][0];
    let code = VenueCode::parse(case["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        a.sign(vaora_protocol::venue::payload::SIGNING_DOMAIN, &code.body),
        code.signature
    );
}

#[test]
fn text_packing_matches_the_published_code_and_examples() {
    use vaora_protocol::venue::text_pack;
    let v = vectors();
    let published: Vec<(String, u8)> = v["text_code_lengths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_owned(),
                u8::try_from(e[1].as_u64().unwrap()).unwrap(),
            )
        })
        .collect();
    assert_eq!(text_pack::code_lengths(), published);
    // Kraft equality: the published lengths form a complete prefix code.
    let max = published.iter().map(|(_, l)| *l).max().unwrap();
    let kraft: u64 = published.iter().map(|(_, l)| 1u64 << (max - l)).sum();
    assert_eq!(kraft, 1u64 << max);
    for case in v["text_packing"].as_array().unwrap() {
        let texts: Vec<&str> = case["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let packed = hex::decode(case["packed_hex"].as_str().unwrap()).unwrap();
        assert_eq!(text_pack::pack(&texts), packed);
        assert_eq!(text_pack::unpack(&packed, texts.len()).unwrap(), texts);
    }
}
