//! Fixtures for tests, benches, vectors and demos: the fixed test authority, whose secret
//! key is published (it is RFC 8032's first test key, and `docs/vectors/venue-codes.json`
//! prints it), and the key set and trust store it makes.
//!
//! Behind the `testing` feature, which phones never enable: a phone library that carried
//! a published authority key could be fooled by anyone who read the docs.

use crate::venue::{Authority, KeySet, SignerPolicy, TrustStore};

/// The fixed test authority's secret key (RFC 8032 test 1).
pub const TEST_AUTHORITY_SECRET_HEX: &str =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

/// 2020-01-01T00:00:00Z and 2100-01-01T00:00:00Z: the test authority's validity.
const VALID_FROM: i64 = 1_577_836_800;
const VALID_UNTIL: i64 = 4_102_444_800;

/// The fixed, public test authority (valid 2020-01-01 to 2100-01-01).
pub fn test_authority() -> Authority {
    let mut secret = [0u8; 32];
    // The constant is valid hex of the right length (checked by a test below).
    let _ = hex::decode_to_slice(TEST_AUTHORITY_SECRET_HEX, &mut secret);
    Authority::fixed(&secret, VALID_FROM, VALID_UNTIL)
}

/// The test authority's key set, self-signed.
pub fn test_keyset() -> KeySet {
    test_authority().self_signed_keyset(VALID_FROM)
}

/// A trust store that trusts the test authority (its self-signed key set pinned).
pub fn test_trust_store() -> TrustStore {
    let mut store = TrustStore::new();
    // The set is self-signed and valid (checked by a test below).
    let _ = store.apply_keyset(&test_keyset(), SignerPolicy::PinSelfSigned);
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_32_bytes_of_hex() {
        assert_eq!(hex::decode(TEST_AUTHORITY_SECRET_HEX).unwrap().len(), 32);
    }

    #[test]
    fn the_test_authority_is_the_rfc8032_key() {
        assert_eq!(
            hex::encode(test_authority().public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
    }

    #[test]
    fn the_trust_store_trusts_the_test_key() {
        let store = test_trust_store();
        assert!(store.keys.contains_key(&test_authority().key_id()));
    }
}
