//! The diary's raw 32-byte SQLCipher key.
//!
//! The platform keystore (Android Keystore, iOS Keychain) seals these bytes
//! (`diary::sealed`); tools keep them as 64 hex characters in a 0600 key file
//! ([`DiaryKey::read_file`], [`DiaryKey::write_new_file`]). A raw key means no passphrase KDF at open
//! (≈ 109 ms saved, see `docs/adr/0001-sqlcipher-raw-key.md`) and a standard SQLCipher 4
//! client opens the file with `PRAGMA key = "x'<hex>'"`.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use super::error::DiaryError;

/// A 32-byte database key; zeroed on drop, never printed.
#[derive(Clone)]
pub struct DiaryKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DiaryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiaryKey(..)")
    }
}

impl DiaryKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, DiaryError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|e| DiaryError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses 64 hex digits (surrounding white space allowed, as in a key file).
    pub fn from_hex(text: &str) -> Result<Self, DiaryError> {
        let text = text.trim();
        let mut bytes = Zeroizing::new([0u8; 32]);
        if text.len() != 64 {
            return Err(DiaryError::BadKeyFormat(format!(
                "expected 64 hex digits, got {} characters",
                text.len()
            )));
        }
        hex::decode_to_slice(text, bytes.as_mut_slice())
            .map_err(|_| DiaryError::BadKeyFormat("the key is not hexadecimal".into()))?;
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits, zeroed on drop.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_slice()))
    }

    /// The SQLCipher raw-key literal `x'<hex>'`, zeroed on drop.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_slice())))
    }

    /// Reads a key file: 64 hex digits (surrounding white space allowed). A missing file
    /// is [`DiaryError::Io`] with kind `NotFound`.
    pub fn read_file(path: &Path) -> Result<Self, DiaryError> {
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        Self::from_hex(&text)
    }

    /// Writes a new key file (64 hex digits and a newline) readable by its owner only
    /// (mode 0600 on Unix) and flushed to disk; fails if the file exists.
    pub fn write_new_file(&self, path: &Path) -> Result<(), DiaryError> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
        let mut text = self.to_hex();
        text.push('\n');
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(())
    }
}
