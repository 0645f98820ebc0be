//! The device's Ed25519 key: made on first open, kept only inside the encrypted diary,
//! and used to sign every record the device produces (check-ins, updates, declarations,
//! staff check-ins). Verification of stored or received records lives in [`crate::records`].

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::records::{RecordKind, SignedRecord};

/// Why a device key could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("a device secret key is 32 bytes, got {0}")]
    WrongLength(usize),
}

/// The device's signing key. Debug output never shows the secret.
pub struct DeviceIdentity {
    signing: SigningKey,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceIdentity")
            .field("public_key", &hex::encode(self.public_key()))
            .finish_non_exhaustive()
    }
}

impl DeviceIdentity {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, IdentityError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut_slice()).map_err(|e| IdentityError::Random(e.to_string()))?;
        Ok(Self {
            signing: SigningKey::from_bytes(&secret),
        })
    }

    /// Loads a key from its 32 secret bytes (as stored in the diary).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, IdentityError> {
        let secret: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .try_into()
                .map_err(|_| IdentityError::WrongLength(bytes.len()))?,
        );
        Ok(Self {
            signing: SigningKey::from_bytes(&secret),
        })
    }

    /// The 32 secret bytes, for storing inside the encrypted diary only.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Signs raw bytes (used for proofs of possession and personal codes).
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Signs a record body of the given kind; see `docs/records.md`.
    pub fn sign_record(&self, kind: RecordKind, body: Vec<u8>) -> SignedRecord {
        let message = SignedRecord::signing_input(kind, &body);
        let signature = self.signing.sign(&message).to_bytes();
        SignedRecord {
            kind,
            device_key: self.public_key(),
            body,
            signature,
        }
    }
}
