//! The authority-signed device certificate: "the authority registered this device key".
//!
//! Personal codes are signed by the phone that made them, so anyone can make one. When a
//! device registers with the health authority (the sync server), the authority signs a
//! short certificate binding the device's public key to a validity window; personal codes
//! carry it so staff can tell an authority-certified device from a self-signed one,
//! offline. Format and vectors: `docs/personal-code.md`.
//!
//! Encoding (canonical positional, [`crate::canonical`]): `u8 version (1) |
//! str authority_key_id | bytes device_key (32) | time not_before | time not_after |
//! bytes signature (64)`; the signature covers `"vaora-device-cert-v1" 0x00` followed by
//! every field before the signature.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::canonical::{CanonicalError, Reader, Writer};

/// Domain separation for certificate signatures.
pub const CERT_DOMAIN: &[u8] = b"vaora-device-cert-v1\0";
/// The certificate format version.
pub const CERT_VERSION: u8 = 1;

/// A public key the verifier trusts to certify devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityKey {
    pub key_id: String,
    pub public_key: [u8; 32],
}

/// Why a certificate is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("malformed device certificate: {0}")]
    Malformed(#[from] CanonicalError),
    #[error("unsupported device certificate version {0}")]
    UnsupportedVersion(u8),
    #[error("the device certificate is signed by authority key {0:?}, which is not trusted")]
    UnknownAuthority(String),
    #[error("the device certificate's signature does not match")]
    BadSignature,
    #[error("the device certificate is for another device key")]
    WrongDevice,
    #[error("the device certificate is not valid at this time")]
    OutsideValidity,
    #[error("an authority or device public key is not a valid Ed25519 point")]
    BadKey,
}

impl AuthorityKey {
    /// The authority keys of a venue trust store (the same authority certifies devices),
    /// revoked keys left out; key ids are the trust store's hex key ids.
    pub fn from_trust_store(store: &crate::venue::TrustStore) -> Vec<AuthorityKey> {
        store
            .keys
            .values()
            .filter(|k| !store.revoked_keys.contains(&k.key_id))
            .map(|k| AuthorityKey {
                key_id: k.key_id.to_string(),
                public_key: k.public_key,
            })
            .collect()
    }
}

/// An authority's statement that a device key is registered, for a time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCertificate {
    pub authority_key_id: String,
    pub device_key: [u8; 32],
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub signature: [u8; 64],
}

impl DeviceCertificate {
    /// Issues a certificate (the sync server does this at device registration).
    pub fn issue(
        authority_key_id: &str,
        authority: &SigningKey,
        device_key: [u8; 32],
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Self {
        let mut cert = Self {
            authority_key_id: authority_key_id.to_owned(),
            device_key,
            not_before: to_millis(not_before),
            not_after: to_millis(not_after),
            signature: [0; 64],
        };
        cert.signature = authority.sign(&cert.signing_input()).to_bytes();
        cert
    }

    /// Issues a certificate with the venue authority's key (`venue::Authority`), whose
    /// `sign(domain, message)` signs `domain || message`: the sync server's call at
    /// device registration. The key id is the authority's hex key id.
    pub fn issue_by(
        authority: &crate::venue::Authority,
        device_key: [u8; 32],
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Self {
        let mut cert = Self {
            authority_key_id: authority.key_id().to_string(),
            device_key,
            not_before: to_millis(not_before),
            not_after: to_millis(not_after),
            signature: [0; 64],
        };
        let mut w = Writer::new();
        cert.write_unsigned(&mut w);
        cert.signature = authority.sign(CERT_DOMAIN, &w.finish());
        cert
    }

    fn write_unsigned(&self, w: &mut Writer) {
        w.u8(CERT_VERSION)
            .str(&self.authority_key_id)
            .bytes(&self.device_key)
            .time(&self.not_before)
            .time(&self.not_after);
    }

    /// The exact bytes the authority signs.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write_unsigned(&mut w);
        let mut m = CERT_DOMAIN.to_vec();
        m.extend_from_slice(&w.finish());
        m
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write_unsigned(&mut w);
        w.bytes(&self.signature);
        w.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CertificateError> {
        let mut r = Reader::new(bytes);
        let version = r.u8("cert_version")?;
        if version != CERT_VERSION {
            return Err(CertificateError::UnsupportedVersion(version));
        }
        let authority_key_id = r.str("authority_key_id")?;
        let device_key = fixed::<32>(r.bytes("device_key")?, "device_key")?;
        let not_before = r.time("not_before")?;
        let not_after = r.time("not_after")?;
        let signature = fixed::<64>(r.bytes("cert_signature")?, "cert_signature")?;
        r.finish()?;
        Ok(Self {
            authority_key_id,
            device_key,
            not_before,
            not_after,
            signature,
        })
    }

    /// Checks the certificate for `device_key` at `now` against the trusted authorities.
    pub fn verify(
        &self,
        device_key: &[u8; 32],
        now: DateTime<Utc>,
        authorities: &[AuthorityKey],
    ) -> Result<(), CertificateError> {
        let authority = authorities
            .iter()
            .find(|a| a.key_id == self.authority_key_id)
            .ok_or_else(|| CertificateError::UnknownAuthority(self.authority_key_id.clone()))?;
        let key = VerifyingKey::from_bytes(&authority.public_key)
            .map_err(|_| CertificateError::BadKey)?;
        key.verify_strict(
            &self.signing_input(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| CertificateError::BadSignature)?;
        if &self.device_key != device_key {
            return Err(CertificateError::WrongDevice);
        }
        if now < self.not_before || now > self.not_after {
            return Err(CertificateError::OutsideValidity);
        }
        Ok(())
    }
}

/// The encoding keeps milliseconds; an issued certificate holds exactly what it signed,
/// so it equals its own decoded bytes.
fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

fn fixed<const N: usize>(b: &[u8], field: &'static str) -> Result<[u8; N], CanonicalError> {
    b.try_into().map_err(|_| CanonicalError::BadValue {
        field,
        value: b.len() as i64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn issue_verify_and_refuse() {
        let auth = SigningKey::from_bytes(&[1; 32]);
        let trusted = [AuthorityKey {
            key_id: "vn-moh-2026".into(),
            public_key: auth.verifying_key().to_bytes(),
        }];
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t1 = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let dev = [5u8; 32];
        let cert = DeviceCertificate::issue("vn-moh-2026", &auth, dev, t0, t1);
        let back = DeviceCertificate::from_bytes(&cert.to_bytes()).unwrap();
        assert_eq!(back, cert);
        let mid = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(cert.verify(&dev, mid, &trusted), Ok(()));
        assert_eq!(
            cert.verify(&[6; 32], mid, &trusted),
            Err(CertificateError::WrongDevice)
        );
        assert_eq!(
            cert.verify(&dev, t1 + chrono::Duration::seconds(1), &trusted),
            Err(CertificateError::OutsideValidity)
        );
        assert!(matches!(
            cert.verify(&dev, mid, &[]),
            Err(CertificateError::UnknownAuthority(_))
        ));
        let mut forged = cert.clone();
        forged.not_after = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            forged.verify(&dev, mid, &trusted),
            Err(CertificateError::BadSignature)
        );
        let mut bytes = cert.to_bytes();
        bytes.push(0);
        assert!(matches!(
            DeviceCertificate::from_bytes(&bytes),
            Err(CertificateError::Malformed(_))
        ));
    }
}
