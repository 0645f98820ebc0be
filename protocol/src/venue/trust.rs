//! Which authority keys a device trusts, and the verification of venue codes against them.
//!
//! The store is a plain in-memory value so staff devices and the server can verify without
//! a diary; the phone keeps the same content in its diary (`trust_diary.rs`) and loads it.
//! Revocations only ever accumulate: applying an older or partial key set never un-revokes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};

use super::keyset::{KeySet, KeySetError, TrustedKey};
use super::payload::{KeyId, MalformedCode, VenueCode};
use crate::ids::Id128;

/// The outcome of verifying a venue code. Only `Valid` allows a verified check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Valid,
    UnknownKeyId,
    BadSignature,
    NotYetValid,
    Expired,
    KeyRevoked,
    VenueRevoked,
    Malformed(MalformedCode),
}

impl Verification {
    /// Stable name used by the CLI, the vectors and the platforms.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::UnknownKeyId => "unknown-key-id",
            Self::BadSignature => "bad-signature",
            Self::NotYetValid => "not-yet-valid",
            Self::Expired => "expired",
            Self::KeyRevoked => "key-revoked",
            Self::VenueRevoked => "venue-revoked",
            Self::Malformed(_) => "malformed",
        }
    }
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid)
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "malformed: {what}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// A verified (or refused) venue code: the result, and the parsed code when it parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedVenue {
    pub result: Verification,
    pub code: Option<VenueCode>,
}

/// How a key set's signer must be trusted before the set is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerPolicy {
    /// The signer must already be a trusted root (sync downloads).
    KnownRootOnly,
    /// An operator explicitly adds a self-signed set: its signer, listed in the set,
    /// becomes a trusted root (`vaora trust add`).
    PinSelfSigned,
}

/// What applying a key set changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySetApplied {
    pub keys: usize,
    pub revoked_keys: usize,
    pub revoked_venues: usize,
}

/// Trusted keys, roots and revocations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustStore {
    pub keys: BTreeMap<KeyId, TrustedKey>,
    pub revoked_keys: BTreeSet<KeyId>,
    pub revoked_venues: BTreeSet<Id128>,
    /// Key-set signers: public key -> highest sequence applied.
    pub roots: BTreeMap<[u8; 32], u64>,
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks a key set's signature and signer, then merges it in.
    pub fn apply_keyset(
        &mut self,
        set: &KeySet,
        policy: SignerPolicy,
    ) -> Result<KeySetApplied, KeySetError> {
        set.verify_signature()?;
        match self.roots.get(&set.signer_public_key) {
            Some(&have) if set.content.sequence < have => {
                return Err(KeySetError::Stale {
                    got: set.content.sequence,
                    have,
                });
            }
            Some(_) => {}
            None => {
                let self_listed = set
                    .content
                    .keys
                    .iter()
                    .any(|k| k.public_key == set.signer_public_key);
                if policy != SignerPolicy::PinSelfSigned || !self_listed {
                    return Err(KeySetError::UntrustedSigner(set.signer_key_id().to_hex()));
                }
            }
        }
        self.roots
            .insert(set.signer_public_key, set.content.sequence);
        for k in &set.content.keys {
            self.keys.insert(k.key_id, *k);
        }
        self.revoked_keys
            .extend(set.content.revoked_keys.iter().copied());
        self.revoked_venues
            .extend(set.content.revoked_venues.iter().copied());
        Ok(KeySetApplied {
            keys: set.content.keys.len(),
            revoked_keys: set.content.revoked_keys.len(),
            revoked_venues: set.content.revoked_venues.len(),
        })
    }

    /// Parses and verifies a scanned text at `now`.
    pub fn verify_text(&self, text: &str, now: DateTime<Utc>) -> VerifiedVenue {
        match VenueCode::parse(text) {
            Ok(code) => VerifiedVenue {
                result: self.verify_code(&code, now),
                code: Some(code),
            },
            Err(what) => VerifiedVenue {
                result: Verification::Malformed(what),
                code: None,
            },
        }
    }

    /// Checks in the order of the spec: key revoked, unknown key, signature, venue
    /// revoked, validity (of the key, then of the code).
    pub fn verify_code(&self, code: &VenueCode, now: DateTime<Utc>) -> Verification {
        let info = &code.info;
        if self.revoked_keys.contains(&info.key_id) {
            return Verification::KeyRevoked;
        }
        let Some(key) = self.keys.get(&info.key_id) else {
            return Verification::UnknownKeyId;
        };
        let Ok(vk) = VerifyingKey::from_bytes(&key.public_key) else {
            return Verification::BadSignature;
        };
        let message = VenueCode::signing_input(&code.body);
        if vk
            .verify_strict(&message, &Signature::from_bytes(&code.signature))
            .is_err()
        {
            return Verification::BadSignature;
        }
        if self.revoked_venues.contains(&info.venue_id) {
            return Verification::VenueRevoked;
        }
        let t = now.timestamp();
        if t < key.valid_from.max(info.valid_from_unix()) {
            return Verification::NotYetValid;
        }
        if t >= key.valid_until.min(info.valid_until_unix()) {
            return Verification::Expired;
        }
        Verification::Valid
    }
}
