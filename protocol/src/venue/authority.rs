//! The health authority's Ed25519 key: it signs venue codes, key-set documents and (in the
//! server) device certificates and exposure windows. Where it is kept on disk:
//! `authority_dir.rs`.
//!
//! Small API on purpose: make, key id, public key, `sign(domain, message)`.

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroizing;

use super::payload::KeyId;

/// Why an authority key could not be made, loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum AuthorityError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("authority file {path}: {reason}")]
    BadFile { path: String, reason: String },
    #[error("authority key validity: valid_until must be after valid_from")]
    BadValidity,
    #[error("authority directory")]
    Io(#[from] std::io::Error),
}

/// An authority signing key with its id and validity window (Unix seconds).
pub struct Authority {
    signing: SigningKey,
    key_id: KeyId,
    valid_from: i64,
    valid_until: i64,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("key_id", &self.key_id.to_hex())
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// A new random key valid in `[valid_from, valid_until)`.
    pub fn generate(valid_from: i64, valid_until: i64) -> Result<Self, AuthorityError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut_slice())
            .map_err(|e| AuthorityError::Random(e.to_string()))?;
        Self::from_secret(&secret, valid_from, valid_until)
    }

    pub fn from_secret(
        secret: &[u8; 32],
        valid_from: i64,
        valid_until: i64,
    ) -> Result<Self, AuthorityError> {
        if valid_until <= valid_from {
            return Err(AuthorityError::BadValidity);
        }
        let signing = SigningKey::from_bytes(secret);
        let key_id = KeyId::of_public_key(&signing.verifying_key().to_bytes());
        Ok(Self {
            signing,
            key_id,
            valid_from,
            valid_until,
        })
    }

    /// A key from its secret with a window the caller knows to be valid (`from < until`):
    /// the fixed test authority of [`crate::testing`].
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn fixed(secret: &[u8; 32], valid_from: i64, valid_until: i64) -> Self {
        let signing = SigningKey::from_bytes(secret);
        let key_id = KeyId::of_public_key(&signing.verifying_key().to_bytes());
        Self {
            signing,
            key_id,
            valid_from,
            valid_until,
        }
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }
    pub fn valid_from(&self) -> i64 {
        self.valid_from
    }
    pub fn valid_until(&self) -> i64 {
        self.valid_until
    }

    /// Signs `domain || message`. Every signed format has its own domain string.
    pub fn sign(&self, domain: &[u8], message: &[u8]) -> [u8; 64] {
        let mut m = Vec::with_capacity(domain.len() + message.len());
        m.extend_from_slice(domain);
        m.extend_from_slice(message);
        self.signing.sign(&m).to_bytes()
    }

    /// The public half, to verify this authority's signatures and to seal ID-card
    /// numbers to it ([`crate::cards::seal`]).
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.signing.verifying_key()
    }

    /// Opens an ID-card number a staff phone sealed to this authority for the visit
    /// `visit_id` (the server at ingest, the console for a signed-in operator).
    pub fn open_card(
        &self,
        visit_id: &crate::ids::Id128,
        sealed: &[u8],
    ) -> Result<crate::cards::CardNumber, crate::cards::SealError> {
        crate::cards::CardNumber::open(&self.signing, visit_id, sealed)
    }

    /// The server's link of a card number: the same card links the same from every staff
    /// device, and only the holder of this authority's secret can compute it.
    pub fn card_link(&self, card: &crate::cards::CardNumber) -> [u8; 32] {
        crate::cards::card_link(&self.signing, card)
    }

    /// The 32 secret bytes, for writing the authority file only.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }
}
