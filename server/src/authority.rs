//! The health authority's signing key as the server and the `vaora authority` commands
//! use it: the venue module's [`Authority`] (`DIR/authority.json`, written by
//! `vaora authority init --out DIR`). Here it signs device certificates, the key set and
//! exposure windows, and authenticates the authority's requests; every message carries
//! its own domain string, so one key never signs two formats alike.

use std::path::{Path, PathBuf};

use vaora_protocol::venue::AUTHORITY_FILE;
use vaora_protocol::venue::Authority;
use vaora_protocol::wire::AuthorityPublicKey;

/// Why the authority key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum AuthorityKeyError {
    #[error("cannot load the authority key from {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("cannot create an authority key in {path}: {reason}")]
    Create { path: PathBuf, reason: String },
}

/// The authority's signing key.
pub struct AuthorityKey {
    inner: Authority,
}

impl std::fmt::Debug for AuthorityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityKey")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl AuthorityKey {
    pub fn new(inner: Authority) -> Self {
        Self { inner }
    }

    /// The server's link of a card number ([`Authority::card_link`]).
    pub fn card_link(&self, card: &vaora_protocol::cards::CardNumber) -> [u8; 32] {
        self.inner.card_link(card)
    }

    /// Opens a card number a staff phone sealed to this authority for a visit.
    pub fn open_card(
        &self,
        visit_id: &vaora_protocol::ids::Id128,
        sealed: &[u8],
    ) -> Result<vaora_protocol::cards::CardNumber, vaora_protocol::cards::SealError> {
        self.inner.open_card(visit_id, sealed)
    }

    /// Loads `DIR/authority.json`.
    pub fn load(dir: &Path) -> Result<Self, AuthorityKeyError> {
        Authority::load_dir(dir)
            .map(Self::new)
            .map_err(|e| AuthorityKeyError::Load {
                path: dir.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Loads the key in `dir`, or makes one there (valid five years from today) when the
    /// directory has none, as `vaora authority init` would.
    pub fn load_or_create(dir: &Path) -> Result<Self, AuthorityKeyError> {
        if dir.join(AUTHORITY_FILE).exists() {
            return Self::load(dir);
        }
        let create = |reason: String| AuthorityKeyError::Create {
            path: dir.to_owned(),
            reason,
        };
        let now = chrono::Utc::now().timestamp();
        // From the start of yesterday (UTC): codes it issues start a day back
        // (`VenueIssuer::valid_from_at`), for phones whose clocks run behind.
        let from = now - now.rem_euclid(86_400) - 86_400;
        let inner = Authority::generate(from, from + 5 * 365 * 86_400)
            .map_err(|e| create(e.to_string()))?;
        inner
            .write_dir(dir, now)
            .map_err(|e| create(e.to_string()))?;
        Ok(Self { inner })
    }

    /// The venue module's key, for `VenueIssuer`.
    pub fn into_inner(self) -> Authority {
        self.inner
    }

    pub fn authority(&self) -> &Authority {
        &self.inner
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.inner.public_key()
    }

    pub fn key_id(&self) -> String {
        self.inner.key_id().to_string()
    }

    pub fn published(&self) -> AuthorityPublicKey {
        AuthorityPublicKey {
            key_id: self.key_id(),
            public_key: hex::encode(self.public_key()),
        }
    }

    /// Signs a message that already starts with its domain string.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(b"", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vaora serve --authority DIR` uses the key `vaora authority init --out DIR` wrote
    /// (`authority.json`), and a key the server made is the one `vaora venue create
    /// --authority DIR` loads.
    #[test]
    fn server_and_authority_commands_share_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let made = Authority::generate(1_767_225_600, 1_924_992_000).unwrap();
        made.write_dir(dir.path(), 1_767_225_600).unwrap();
        let served = AuthorityKey::load_or_create(dir.path()).unwrap();
        assert_eq!(served.public_key(), made.public_key());
        assert_eq!(served.key_id(), made.key_id().to_string());

        let empty = tempfile::tempdir().unwrap();
        let fresh = AuthorityKey::load_or_create(empty.path()).unwrap();
        assert!(empty.path().join(AUTHORITY_FILE).exists());
        let loaded = Authority::load_dir(empty.path()).unwrap();
        assert_eq!(loaded.public_key(), fresh.public_key());
        // A second start keeps the key rather than making a new one.
        let again = AuthorityKey::load_or_create(empty.path()).unwrap();
        assert_eq!(again.public_key(), fresh.public_key());
    }
}
