//! Registration (`POST /v1/devices`) and the signed `Authorization` header every
//! device and authority request carries.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::common::{
    REGISTER_DOMAIN, REQUEST_DOMAIN, WireError, hex_array, key_id_of, verify_with,
};
use crate::ids::Id128;

/// `POST /v1/devices`: the device's public key and a signature proving it holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Signature over `"vaora-register-v1" 0x00 public_key`, 128 hex digits.
    pub proof: String,
    /// The platform's verdict on the app, when the server asks for one (off by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
}

/// A platform attestation of the registering app (Play Integrity on Android, App Attest
/// on iOS), requested with [`RegisterRequest::attestation_challenge`] as its nonce so the
/// verdict is bound to the key being registered. The server hands it to its verifier as
/// is; the reference server has none unless configured (`docs/sync-protocol.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// `play-integrity` or `app-attest`.
    pub platform: String,
    /// The platform's token (Play Integrity) or attestation object (App Attest), as the
    /// platform hands it over (base64 text).
    pub token: String,
}

/// Domain separation for the attestation challenge.
pub const ATTEST_DOMAIN: &[u8] = b"vaora-attest-v1\0";

impl RegisterRequest {
    pub fn proof_input(public_key: &[u8; 32]) -> Vec<u8> {
        [REGISTER_DOMAIN, public_key.as_slice()].concat()
    }

    /// The nonce a platform attestation for this key must carry:
    /// SHA-256 of `"vaora-attest-v1" 0x00 public_key`.
    pub fn attestation_challenge(public_key: &[u8; 32]) -> [u8; 32] {
        Sha256::digest([ATTEST_DOMAIN, public_key.as_slice()].concat()).into()
    }

    /// Checks the proof of possession and returns the public key.
    pub fn verify(&self) -> Result<[u8; 32], WireError> {
        let key: [u8; 32] = hex_array(&self.public_key, "public_key")?;
        let sig: [u8; 64] = hex_array(&self.proof, "proof")?;
        verify_with(&key, &Self::proof_input(&key), &sig, "proof of possession")?;
        Ok(key)
    }
}

/// An authority public key as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityPublicKey {
    pub key_id: String,
    /// 64 hex digits.
    pub public_key: String,
}

impl AuthorityPublicKey {
    pub fn from_bytes(public_key: &[u8; 32]) -> Self {
        Self {
            key_id: key_id_of(public_key),
            public_key: hex::encode(public_key),
        }
    }
    pub fn bytes(&self) -> Result<[u8; 32], WireError> {
        hex_array(&self.public_key, "authority public_key")
    }
}

/// The answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub device_id: Id128,
    /// The authority's device certificate in its binary form
    /// ([`crate::declare::DeviceCertificate::to_bytes`], `docs/personal-code.md`), hex:
    /// the same bytes the phone embeds in its personal codes.
    pub certificate: String,
    /// The key that signed the certificate (the app pins it in production builds).
    pub authority_key: AuthorityPublicKey,
}

impl RegisterResponse {
    /// The certificate, decoded (not yet verified: see
    /// [`crate::declare::DeviceCertificate::verify`]).
    pub fn device_certificate(&self) -> Result<crate::declare::DeviceCertificate, WireError> {
        let bytes = hex::decode(&self.certificate).map_err(|_| WireError::Hex("certificate"))?;
        crate::declare::DeviceCertificate::from_bytes(&bytes)
            .map_err(|_| WireError::Shape("device certificate"))
    }
}

/// The bytes a request signature covers:
/// `"vaora-request-v1" 0x00 METHOD "\n" path-and-query "\n" ts_ms "\n" hex(sha256(body))`.
pub fn request_signing_input(
    method: &str,
    path_and_query: &str,
    ts_ms: i64,
    body: &[u8],
) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(body));
    let text = format!("{method}\n{path_and_query}\n{ts_ms}\n{digest}");
    [REQUEST_DOMAIN, text.as_bytes()].concat()
}

/// A parsed `Authorization` header: `SCHEME ID:TS_MS:SIG_HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAuth {
    pub scheme: String,
    /// Device id (hex) for devices, key id for the authority.
    pub principal: String,
    pub ts_ms: i64,
    pub signature: [u8; 64],
}

impl RequestAuth {
    pub fn header_value(scheme: &str, principal: &str, ts_ms: i64, signature: &[u8; 64]) -> String {
        format!("{scheme} {principal}:{ts_ms}:{}", hex::encode(signature))
    }

    pub fn parse(value: &str) -> Result<Self, WireError> {
        let (scheme, rest) = value
            .split_once(' ')
            .ok_or(WireError::BadAuthorization("expected `SCHEME ID:TS:SIG`"))?;
        let mut parts = rest.split(':');
        let (Some(principal), Some(ts), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(WireError::BadAuthorization("expected `SCHEME ID:TS:SIG`"));
        };
        let ts_ms = ts
            .parse::<i64>()
            .map_err(|_| WireError::BadAuthorization("timestamp is not an integer"))?;
        let signature = hex_array(sig, "authorization signature")
            .map_err(|_| WireError::BadAuthorization("signature is not 128 hex digits"))?;
        Ok(Self {
            scheme: scheme.to_owned(),
            principal: principal.to_owned(),
            ts_ms,
            signature,
        })
    }

    pub fn verify(
        &self,
        public_key: &[u8; 32],
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<(), WireError> {
        let input = request_signing_input(method, path_and_query, self.ts_ms, body);
        verify_with(public_key, &input, &self.signature, "request")
    }
}
