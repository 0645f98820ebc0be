//! The test vectors of `docs/vectors/card-seal.json` (`docs/id-cards.md`, "Card numbers:
//! sealed at the door, linked by the server"), checked against the implementation.
//!
//! Made by `VAORA_WRITE_VECTORS=1 cargo test -p vaora-protocol --test card_seal_vectors`
//! from the fixed inputs below (the published test authority, fixed seeds), then reviewed
//! by hand; without the variable the test only reads and checks them. Each seal's
//! randomness comes from its seed as the spec says, so another implementation can
//! reproduce the bytes, and must open them with the authority's secret.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use vaora_protocol::cards::seal::SEAL_INFO;
use vaora_protocol::cards::{CardNumber, SealError, card_link};
use vaora_protocol::ids::Id128;
use vaora_protocol::testing::TEST_AUTHORITY_SECRET_HEX;

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/card-seal.json")
}

fn authority() -> SigningKey {
    let mut secret = [0u8; 32];
    hex::decode_to_slice(TEST_AUTHORITY_SECRET_HEX, &mut secret).unwrap();
    SigningKey::from_bytes(&secret)
}

fn generated() -> Value {
    let a = authority();
    let inputs = [
        ("a CCCD number", "001048009876", [0x31u8; 16], [0x41u8; 32]),
        ("a BHYT number", "DN4010123456789", [0x32; 16], [0x42; 32]),
        (
            "the same CCCD, another visit",
            "001048009876",
            [0x33; 16],
            [0x43; 32],
        ),
    ];
    let seals: Vec<Value> = inputs
        .iter()
        .map(|(name, number, visit, seed)| {
            let card = CardNumber::parse(number).unwrap();
            let visit = Id128::from_bytes(*visit);
            let sealed = card
                .seal_with_seed(&a.verifying_key(), &visit, seed)
                .unwrap();
            json!({
                "name": name,
                "card_kind": card.kind.code(),
                "number": card.number(),
                "visit_id": visit.to_hex(),
                "seed_hex": hex::encode(seed),
                "sealed_hex": hex::encode(&sealed),
                "link_hex": hex::encode(card_link(&a, &card)),
            })
        })
        .collect();
    let typed = [
        " 001 048-009.876 ",
        "dn4010123456789",
        "00104800987",
        "DN401012345678X",
        "",
    ];
    let parsing: Vec<Value> = typed
        .iter()
        .map(|t| match CardNumber::parse(t) {
            Ok(c) => json!({"typed": t, "kind": c.kind.code(), "number": c.number()}),
            Err(_) => json!({"typed": t, "error": "malformed"}),
        })
        .collect();
    json!({
        "spec": "docs/id-cards.md",
        "suite": "HPKE base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305",
        "info": String::from_utf8(SEAL_INFO.to_vec()).unwrap(),
        "aad": "the visit's check-in id (16 bytes)",
        "seed_stream": "byte i of the sender's randomness = SHA-256(seed || u64 big-endian (i / 32))[i % 32]",
        "authority_secret_key_hex": TEST_AUTHORITY_SECRET_HEX,
        "authority_public_key_hex": hex::encode(a.verifying_key().to_bytes()),
        "authority_x25519_public_key_hex": hex::encode(a.verifying_key().to_montgomery().0),
        "seals": seals,
        "typed_numbers": parsing,
    })
}

#[test]
fn card_seal_vectors() {
    if std::env::var_os("VAORA_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&generated()).unwrap() + "\n";
        std::fs::write(path(), text).unwrap();
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    let a = authority();
    assert_eq!(
        v["authority_public_key_hex"],
        hex::encode(a.verifying_key().to_bytes())
    );
    for case in v["seals"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let card = CardNumber::parse(case["number"].as_str().unwrap()).unwrap();
        assert_eq!(
            u64::from(card.kind.code()),
            case["card_kind"].as_u64().unwrap()
        );
        let visit: Id128 = case["visit_id"].as_str().unwrap().parse().unwrap();
        let mut seed = [0u8; 32];
        hex::decode_to_slice(case["seed_hex"].as_str().unwrap(), &mut seed).unwrap();
        let sealed = hex::decode(case["sealed_hex"].as_str().unwrap()).unwrap();
        // Sealing from the seed gives the bytes; the authority opens them for this visit
        // only; the link is the one the vector says.
        assert_eq!(
            card.seal_with_seed(&a.verifying_key(), &visit, &seed)
                .unwrap(),
            sealed,
            "{name}"
        );
        assert_eq!(
            CardNumber::open(&a, &visit, &sealed).unwrap(),
            card,
            "{name}"
        );
        assert_eq!(
            CardNumber::open(&a, &Id128::from_bytes([0; 16]), &sealed),
            Err(SealError::DoesNotOpen),
            "{name}"
        );
        assert_eq!(
            hex::encode(card_link(&a, &card)),
            case["link_hex"].as_str().unwrap(),
            "{name}"
        );
    }
    // One card, two visits: two unlinkable seals, one link.
    let seals = v["seals"].as_array().unwrap();
    assert_ne!(seals[0]["sealed_hex"], seals[2]["sealed_hex"]);
    assert_eq!(seals[0]["link_hex"], seals[2]["link_hex"]);
    for case in v["typed_numbers"].as_array().unwrap() {
        let typed = case["typed"].as_str().unwrap();
        match CardNumber::parse(typed) {
            Ok(c) => {
                assert_eq!(c.number(), case["number"].as_str().unwrap(), "{typed:?}");
                assert_eq!(u64::from(c.kind.code()), case["kind"].as_u64().unwrap());
            }
            Err(_) => assert_eq!(case["error"], "malformed", "{typed:?}"),
        }
    }
}
