//! The signed key-set document: which authority keys to trust (with their validity), which
//! keys and venues are revoked. Sync downloads it; `vaora trust add` reads it from a file.
//!
//! JSON for people and tools, but the signature covers a canonical positional encoding of
//! the parsed fields (`records::canonical`), so JSON whitespace or key order never matter.

use ed25519_dalek::{Signature, VerifyingKey};

use super::authority::Authority;
use super::payload::KeyId;
use crate::canonical::Writer;
use crate::ids::Id128;

pub const KEYSET_FORMAT: &str = "vaora-keyset-v1";
/// The signature's domain. The sync server's `/v1/keys` list ([`crate::wire::KeySet`])
/// signs under the same string over another layout (key ids as hex text, no signer key
/// first); `docs/sync-protocol.md` says how the two differ.
pub const KEYSET_DOMAIN: &[u8] = b"vaora-keyset-v1\0";

/// An authority public key and the window its codes may be accepted in (Unix seconds,
/// `[valid_from, valid_until)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedKey {
    pub key_id: KeyId,
    pub public_key: [u8; 32],
    pub valid_from: i64,
    pub valid_until: i64,
}

/// What a key set says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySetContent {
    /// Increases with every set a signer publishes; older sets are refused.
    pub sequence: u64,
    pub issued_at: i64,
    pub keys: Vec<TrustedKey>,
    pub revoked_keys: Vec<KeyId>,
    pub revoked_venues: Vec<Id128>,
}

/// A key set with its signer and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    pub content: KeySetContent,
    pub signer_public_key: [u8; 32],
    pub signature: [u8; 64],
}

/// Why a key-set document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("key set is not valid JSON of format {KEYSET_FORMAT}: {0}")]
    Json(String),
    #[error("key set field {field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("key set signature does not match its content")]
    BadSignature,
    #[error("key set is signed by key {0}, which is not a trusted root")]
    UntrustedSigner(String),
    #[error("key set sequence {got} is older than the one already applied ({have})")]
    Stale { got: u64, have: u64 },
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    key_id: String,
    public_key: String,
    valid_from: i64,
    valid_until: i64,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySetJson {
    format: String,
    sequence: u64,
    issued_at: i64,
    signer_public_key: String,
    keys: Vec<KeyJson>,
    revoked_keys: Vec<String>,
    revoked_venues: Vec<String>,
    signature: String,
}

fn bad(field: &'static str, reason: impl Into<String>) -> KeySetError {
    KeySetError::Field {
        field,
        reason: reason.into(),
    }
}

fn hex32(field: &'static str, s: &str) -> Result<[u8; 32], KeySetError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| bad(field, "must be 64 hex digits"))?;
    Ok(out)
}

impl KeySetContent {
    /// The exact bytes (after [`KEYSET_DOMAIN`]) the signature covers.
    pub fn signing_bytes(&self, signer_public_key: &[u8; 32]) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(signer_public_key)
            .i64(i64::try_from(self.sequence).unwrap_or(i64::MAX))
            .i64(self.issued_at)
            .u32(u32::try_from(self.keys.len()).unwrap_or(u32::MAX));
        for k in &self.keys {
            w.bytes(&k.key_id.0)
                .bytes(&k.public_key)
                .i64(k.valid_from)
                .i64(k.valid_until);
        }
        w.u32(u32::try_from(self.revoked_keys.len()).unwrap_or(u32::MAX));
        for k in &self.revoked_keys {
            w.bytes(&k.0);
        }
        w.u32(u32::try_from(self.revoked_venues.len()).unwrap_or(u32::MAX));
        for v in &self.revoked_venues {
            w.id(v);
        }
        w.finish()
    }
}

impl KeySet {
    pub fn sign(content: KeySetContent, signer: &Authority) -> Self {
        let signer_public_key = signer.public_key();
        let signature = signer.sign(KEYSET_DOMAIN, &content.signing_bytes(&signer_public_key));
        Self {
            content,
            signer_public_key,
            signature,
        }
    }

    pub fn signer_key_id(&self) -> KeyId {
        KeyId::of_public_key(&self.signer_public_key)
    }

    /// Checks the signature against the embedded signer key (who that signer is, and
    /// whether to trust it, is the trust store's decision).
    pub fn verify_signature(&self) -> Result<(), KeySetError> {
        let key = VerifyingKey::from_bytes(&self.signer_public_key)
            .map_err(|_| bad("signer_public_key", "not an Ed25519 public key"))?;
        let mut m = KEYSET_DOMAIN.to_vec();
        m.extend_from_slice(&self.content.signing_bytes(&self.signer_public_key));
        key.verify_strict(&m, &Signature::from_bytes(&self.signature))
            .map_err(|_| KeySetError::BadSignature)
    }

    pub fn to_json(&self) -> String {
        let c = &self.content;
        let j = KeySetJson {
            format: KEYSET_FORMAT.into(),
            sequence: c.sequence,
            issued_at: c.issued_at,
            signer_public_key: hex::encode(self.signer_public_key),
            keys: c
                .keys
                .iter()
                .map(|k| KeyJson {
                    key_id: k.key_id.to_hex(),
                    public_key: hex::encode(k.public_key),
                    valid_from: k.valid_from,
                    valid_until: k.valid_until,
                })
                .collect(),
            revoked_keys: c.revoked_keys.iter().map(KeyId::to_hex).collect(),
            revoked_venues: c.revoked_venues.iter().map(Id128::to_hex).collect(),
            signature: hex::encode(self.signature),
        };
        serde_json::to_string_pretty(&j).unwrap_or_default()
    }

    /// Parses a key-set document and checks its own signature and key ids.
    pub fn from_json(text: &str) -> Result<Self, KeySetError> {
        let j: KeySetJson =
            serde_json::from_str(text).map_err(|e| KeySetError::Json(e.to_string()))?;
        if j.format != KEYSET_FORMAT {
            return Err(bad("format", format!("must be {KEYSET_FORMAT:?}")));
        }
        let mut keys = Vec::with_capacity(j.keys.len());
        for k in &j.keys {
            let public_key = hex32("public_key", &k.public_key)?;
            let key_id: KeyId = k
                .key_id
                .parse()
                .map_err(|_| bad("key_id", "must be 8 hex digits"))?;
            if key_id != KeyId::of_public_key(&public_key) {
                return Err(bad("key_id", "does not match the public key"));
            }
            if k.valid_until <= k.valid_from {
                return Err(bad("valid_until", "must be after valid_from"));
            }
            keys.push(TrustedKey {
                key_id,
                public_key,
                valid_from: k.valid_from,
                valid_until: k.valid_until,
            });
        }
        let revoked_keys = j
            .revoked_keys
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|_| bad("revoked_keys", "8 hex digits each"))
            })
            .collect::<Result<Vec<KeyId>, _>>()?;
        let revoked_venues = j
            .revoked_venues
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|_| bad("revoked_venues", "32 hex digits each"))
            })
            .collect::<Result<Vec<Id128>, _>>()?;
        let mut signature = [0u8; 64];
        hex::decode_to_slice(&j.signature, &mut signature)
            .map_err(|_| bad("signature", "must be 128 hex digits"))?;
        let set = Self {
            content: KeySetContent {
                sequence: j.sequence,
                issued_at: j.issued_at,
                keys,
                revoked_keys,
                revoked_venues,
            },
            signer_public_key: hex32("signer_public_key", &j.signer_public_key)?,
            signature,
        };
        set.verify_signature()?;
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_tamper_is_refused() {
        let a = crate::testing::test_authority();
        let mut content = KeySetContent {
            sequence: 7,
            issued_at: 1_700_000_000,
            keys: vec![a.trusted_key()],
            revoked_keys: vec![KeyId([1, 2, 3, 4])],
            revoked_venues: vec![Id128([9; 16])],
        };
        let set = KeySet::sign(content.clone(), &a);
        let json = set.to_json();
        assert_eq!(KeySet::from_json(&json).unwrap(), set);
        content.revoked_venues.clear();
        let forged = KeySet {
            content,
            ..set.clone()
        };
        assert_eq!(
            KeySet::from_json(&forged.to_json()),
            Err(KeySetError::BadSignature)
        );
        assert!(matches!(KeySet::from_json("{}"), Err(KeySetError::Json(_))));
    }
}
