//! Where an authority key lives on disk, and the key set it signs for itself. A directory
//! written by `vaora authority init --out DIR` holds `authority.json` (the secret, mode
//! 0600; layout in `docs/sync-protocol.md`) and `keyset.json` (the public key set,
//! self-signed, for `vaora trust add`).

use std::path::Path;

use zeroize::Zeroizing;

use super::authority::{Authority, AuthorityError};
use super::keyset::{KeySet, KeySetContent, TrustedKey};

/// File names inside an authority directory.
pub const AUTHORITY_FILE: &str = "authority.json";
pub const KEYSET_FILE: &str = "keyset.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct AuthorityFile {
    format: String,
    key_id: String,
    public_key: String,
    secret_key: String,
    valid_from: i64,
    valid_until: i64,
}

const AUTHORITY_FORMAT: &str = "vaora-authority-v1";

impl Authority {
    /// This key as a trust-store entry.
    pub fn trusted_key(&self) -> TrustedKey {
        TrustedKey {
            key_id: self.key_id(),
            public_key: self.public_key(),
            valid_from: self.valid_from(),
            valid_until: self.valid_until(),
        }
    }

    /// A key set listing only this key, signed by it (what `authority init` writes).
    pub fn self_signed_keyset(&self, issued_at: i64) -> KeySet {
        KeySet::sign(
            KeySetContent {
                sequence: 1,
                issued_at,
                keys: vec![self.trusted_key()],
                revoked_keys: Vec::new(),
                revoked_venues: Vec::new(),
            },
            self,
        )
    }

    /// Writes `authority.json` (mode 0600) and `keyset.json` into `dir`, refusing to
    /// overwrite an existing authority.
    pub fn write_dir(&self, dir: &Path, issued_at: i64) -> Result<(), AuthorityError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(AUTHORITY_FILE);
        let file = AuthorityFile {
            format: AUTHORITY_FORMAT.into(),
            key_id: self.key_id().to_hex(),
            public_key: hex::encode(self.public_key()),
            secret_key: hex::encode(self.secret_bytes().as_slice()),
            valid_from: self.valid_from(),
            valid_until: self.valid_until(),
        };
        let json = Zeroizing::new(serde_json::to_string_pretty(&file).map_err(|e| {
            AuthorityError::BadFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })?);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        use std::io::Write;
        let mut f = opts.open(&path)?;
        f.write_all(json.as_bytes())?;
        f.sync_all()?;
        std::fs::write(
            dir.join(KEYSET_FILE),
            self.self_signed_keyset(issued_at).to_json(),
        )?;
        Ok(())
    }

    /// Loads `authority.json` from `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self, AuthorityError> {
        let path = dir.join(AUTHORITY_FILE);
        let bad = |reason: String| AuthorityError::BadFile {
            path: path.display().to_string(),
            reason,
        };
        let text = Zeroizing::new(std::fs::read_to_string(&path)?);
        let file: AuthorityFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if file.format != AUTHORITY_FORMAT {
            return Err(bad(format!("unknown format {:?}", file.format)));
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(&file.secret_key, secret.as_mut_slice())
            .map_err(|_| bad("secret_key must be 64 hex digits".into()))?;
        let authority = Self::from_secret(&secret, file.valid_from, file.valid_until)?;
        if authority.key_id().to_hex() != file.key_id
            || hex::encode(authority.public_key()) != file.public_key
        {
            return Err(bad("key_id or public_key does not match secret_key".into()));
        }
        Ok(authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::KeyId;

    #[test]
    fn write_then_load_gives_the_same_key_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let a = Authority::generate(0, 100).unwrap();
        a.write_dir(dir.path(), 10).unwrap();
        let b = Authority::load_dir(dir.path()).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(b.key_id(), KeyId::of_public_key(&b.public_key()));
        assert!(a.write_dir(dir.path(), 10).is_err());
        let ks = KeySet::from_json(&std::fs::read_to_string(dir.path().join(KEYSET_FILE)).unwrap())
            .unwrap();
        assert_eq!(ks.signer_public_key, a.public_key());
    }
}
