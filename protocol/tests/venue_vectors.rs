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

/// The code lengths, re-derived from the published sample exactly as `docs/venue-code.md`
/// says (table order, weights, Huffman merge with its tie rule), with no use of the
/// implementation: the doc and the vectors alone rebuild the published table.
#[test]
fn code_lengths_are_rederived_from_the_published_sample() {
    let v = vectors();
    // The table: printable ASCII, the 67 lower-case and 67 upper-case Vietnamese letters,
    // the five combining tone marks; then ESC and END.
    let lower = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";
    let mut table: Vec<char> = (0x20u8..=0x7e).map(char::from).collect();
    table.extend(lower.chars());
    table.extend(lower.chars().flat_map(char::to_uppercase));
    table.extend(['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}']);
    assert_eq!(table.len(), 234);
    let leaves = table.len() + 2;
    let mut weight = vec![1u64; leaves];
    for c in v["text_weight_sample"].as_str().unwrap().chars() {
        let i = table.iter().position(|t| *t == c).unwrap();
        weight[i] += 1;
    }
    weight[leaves - 1] += 24;
    // Merge the two lightest nodes, ties by lower node number; new nodes number on.
    let mut live: Vec<(u64, usize)> = weight.iter().copied().zip(0..).collect();
    let mut parent = vec![usize::MAX; leaves];
    while live.len() > 1 {
        live.sort();
        let (wa, a) = live.remove(0);
        let (wb, b) = live.remove(0);
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        live.push((wa + wb, node));
    }
    let depth = |mut n: usize| {
        let mut d = 0u64;
        while parent[n] != usize::MAX {
            n = parent[n];
            d += 1;
        }
        d
    };
    let published = v["text_code_lengths"].as_array().unwrap();
    assert_eq!(published.len(), leaves);
    for (i, entry) in published.iter().enumerate() {
        let name = match i {
            i if i < table.len() => table[i].to_string(),
            i if i == table.len() => "ESC".to_owned(),
            _ => "END".to_owned(),
        };
        assert_eq!(entry[0].as_str().unwrap(), name, "symbol {i}");
        assert_eq!(entry[1].as_u64().unwrap(), depth(i), "length of {name:?}");
    }
    assert_eq!(
        vaora_protocol::venue::text_pack::SAMPLE,
        v["text_weight_sample"].as_str().unwrap()
    );
}

/// The key set's signed bytes: the domain, then the canonical encoding with raw key ids
/// (u32 length 4, then 4 bytes) and raw keys (u32 length 32, then 32 bytes).
#[test]
fn trust_keyset_signing_input_is_the_documented_layout() {
    let v = vectors();
    let keyset = KeySet::from_json(&v["trust_keyset"].to_string()).unwrap();
    let stored = hex::decode(v["trust_keyset_signing_input"].as_str().unwrap()).unwrap();
    let mut expected = b"vaora-keyset-v1\0".to_vec();
    expected.extend(keyset.content.signing_bytes(&keyset.signer_public_key));
    assert_eq!(stored, expected);
    // Rebuilt by hand from the JSON, field by field.
    let j = &v["trust_keyset"];
    let hex_field = |x: &serde_json::Value| hex::decode(x.as_str().unwrap()).unwrap();
    let bytes = |out: &mut Vec<u8>, b: &[u8]| {
        out.extend((b.len() as u32).to_be_bytes());
        out.extend(b);
    };
    let mut by_hand = b"vaora-keyset-v1\0".to_vec();
    bytes(&mut by_hand, &hex_field(&j["signer_public_key"]));
    by_hand.extend(j["sequence"].as_i64().unwrap().to_be_bytes());
    by_hand.extend(j["issued_at"].as_i64().unwrap().to_be_bytes());
    let keys = j["keys"].as_array().unwrap();
    by_hand.extend((keys.len() as u32).to_be_bytes());
    for k in keys {
        let key_id = hex_field(&k["key_id"]);
        assert_eq!(key_id.len(), 4);
        bytes(&mut by_hand, &key_id);
        bytes(&mut by_hand, &hex_field(&k["public_key"]));
        by_hand.extend(k["valid_from"].as_i64().unwrap().to_be_bytes());
        by_hand.extend(k["valid_until"].as_i64().unwrap().to_be_bytes());
    }
    let revoked = j["revoked_keys"].as_array().unwrap();
    by_hand.extend((revoked.len() as u32).to_be_bytes());
    for k in revoked {
        bytes(&mut by_hand, &hex_field(k));
    }
    let venues = j["revoked_venues"].as_array().unwrap();
    by_hand.extend((venues.len() as u32).to_be_bytes());
    for id in venues {
        by_hand.extend(hex_field(id));
    }
    assert_eq!(by_hand, stored);
    let signer = ed25519_dalek::VerifyingKey::from_bytes(&keyset.signer_public_key).unwrap();
    signer
        .verify_strict(
            &stored,
            &ed25519_dalek::Signature::from_bytes(&keyset.signature),
        )
        .unwrap();
}

/// Nesting: 8 levels parse (and fail on shape), 9 do not parse, in the outer item and in
/// the body alike.
#[test]
fn nesting_limit_vectors_are_present() {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap();
    for (name, kind) in [
        ("malformed-nesting-at-limit", "shape"),
        ("malformed-nesting-too-deep", "cbor"),
        ("malformed-body-nesting-too-deep", "cbor"),
    ] {
        let case = cases.iter().find(|c| c["name"] == name).unwrap();
        let err = VenueCode::parse(case["text"].as_str().unwrap()).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}");
    }
}
