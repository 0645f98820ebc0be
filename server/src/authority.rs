//! The health authority's signing key as the server and the `vaora authority` commands
//! load it from a directory: `authority.key` holds the 32-byte Ed25519 secret as 64 hex
//! digits (mode 0600), `authority.pub` the public key. The key id is the first 8 bytes of
//! SHA-256 of the public key. It signs device certificates, the key set and exposure
//! windows, and authenticates the authority's requests.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use vaora_core::sync::wire::{AuthorityPublicKey, key_id_of};
use zeroize::Zeroizing;

/// Why the authority key could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum AuthorityKeyError {
    #[error("cannot read the authority key {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the authority key in {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the authority key file {0} must hold 64 hex digits")]
    Format(PathBuf),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

/// The authority's signing key.
pub struct AuthorityKey {
    signing: SigningKey,
}

impl std::fmt::Debug for AuthorityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

pub const SECRET_FILE: &str = "authority.key";
pub const PUBLIC_FILE: &str = "authority.pub";

impl AuthorityKey {
    pub fn generate() -> Result<Self, AuthorityKeyError> {
        let mut s = Zeroizing::new([0u8; 32]);
        getrandom::fill(s.as_mut_slice()).map_err(|e| AuthorityKeyError::Random(e.to_string()))?;
        Ok(Self {
            signing: SigningKey::from_bytes(&s),
        })
    }

    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// Loads `DIR/authority.key`.
    pub fn load(dir: &Path) -> Result<Self, AuthorityKeyError> {
        let path = dir.join(SECRET_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| AuthorityKeyError::Read {
            path: path.clone(),
            source,
        })?;
        let mut s = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), s.as_mut_slice())
            .map_err(|_| AuthorityKeyError::Format(path))?;
        Ok(Self::from_secret(&s))
    }

    /// Loads the key in `dir`, or creates one there when the directory has none.
    pub fn load_or_create(dir: &Path) -> Result<Self, AuthorityKeyError> {
        if dir.join(SECRET_FILE).exists() {
            return Self::load(dir);
        }
        let key = Self::generate()?;
        key.save(dir)?;
        Ok(key)
    }

    /// Writes `authority.key` (0600) and `authority.pub` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), AuthorityKeyError> {
        let werr = |source| AuthorityKeyError::Write {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(werr)?;
        let secret = dir.join(SECRET_FILE);
        std::fs::write(
            &secret,
            Zeroizing::new(hex::encode(self.signing.to_bytes())).as_bytes(),
        )
        .map_err(werr)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
                .map_err(werr)?;
        }
        std::fs::write(dir.join(PUBLIC_FILE), hex::encode(self.public_key())).map_err(werr)?;
        Ok(())
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    pub fn key_id(&self) -> String {
        key_id_of(&self.public_key())
    }

    pub fn published(&self) -> AuthorityPublicKey {
        AuthorityPublicKey::from_bytes(&self.public_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}
