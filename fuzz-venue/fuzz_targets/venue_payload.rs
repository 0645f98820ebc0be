//! Venue-code parser and verifier on arbitrary input: no panic, and whatever parses has
//! exactly one text (parse then re-encode gives the input back), so a code cannot be
//! altered without the signature check seeing different bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vaora_protocol::venue::{TrustStore, VenueCode, text_pack};

fn store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(vaora_protocol::testing::test_trust_store)
}

fn check(text: &str) {
    let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let _ = store().verify_text(text, now);
    let _ = vaora_protocol::codes::classify(text, store(), now);
    if let Ok(code) = VenueCode::parse(text) {
        assert_eq!(code.to_text(), text, "a parsed code must re-encode to its text");
    }
}

fuzz_target!(|data: &[u8]| {
    // As text, as CBOR bytes behind the prefix, and as packed name/address bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    check(&format!("VV1:{}", base45::encode(data)));
    if let Ok(texts) = text_pack::unpack(data, 2) {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert_eq!(text_pack::pack(&refs), data, "packed text has one encoding");
    }
});
