//! Single-use codes a phone redeems with its device credential: a venue owner's staff
//! enrolment code (`VE1:`) and the authority's inspector code (`VI1:`). Both are a prefix
//! and 128 random bits as 32 hex digits, shown once; the server keeps only
//! `SHA-256(domain 0x00 code)`, so a database reader cannot redeem one.

use sha2::{Digest, Sha256};

/// A fresh code: `prefix` and 32 hex digits.
pub(crate) fn fresh(prefix: &str) -> Result<String, getrandom::Error> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random)?;
    Ok(format!("{prefix}{}", hex::encode(random)))
}

/// What the server keeps of `code` (as typed: surrounding spaces are trimmed).
pub(crate) fn hash(domain: &[u8], code: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update([0]);
    h.update(code.trim().as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_fresh_and_hashed_per_domain() {
        let a = super::fresh("VI1:").unwrap();
        assert!(a.starts_with("VI1:") && a.len() == 36);
        assert_ne!(a, super::fresh("VI1:").unwrap());
        assert_eq!(super::hash(b"x", &a), super::hash(b"x", &format!(" {a} ")));
        assert_ne!(super::hash(b"x", &a), super::hash(b"y", &a));
    }
}
