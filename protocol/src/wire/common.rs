//! What every message of the protocol shares: domain strings, schemes, limits, the
//! wire error, hex and time helpers.

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Domain separation for the proof of possession sent at registration.
pub const REGISTER_DOMAIN: &[u8] = b"vaora-register-v1\0";
/// Domain separation for request authentication (device and authority).
pub const REQUEST_DOMAIN: &[u8] = b"vaora-request-v1\0";
/// Domain separation for authority-signed exposure windows.
pub const EXPOSURE_DOMAIN: &[u8] = b"vaora-exposure-v1\0";
/// Domain separation for the authority-signed key list of `GET /v1/keys` (its own: the
/// venue module's key-set documents sign under `vaora-keyset-v1`).
pub const KEYS_DOMAIN: &[u8] = b"vaora-keys-v1\0";

/// Authorization scheme of requests signed by a registered device.
pub const DEVICE_SCHEME: &str = "Vaora-Device";
/// Authorization scheme of requests signed by the health authority.
pub const AUTHORITY_SCHEME: &str = "Vaora-Authority";
/// Content type of the record upload (request and answer).
pub const CBOR_CONTENT_TYPE: &str = "application/cbor";
/// How far a request's timestamp may be from the server's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Why wire bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("malformed CBOR: {0}")]
    Cbor(String),
    #[error("unexpected shape: {0}")]
    Shape(&'static str),
    #[error("bad hex in {0}")]
    Hex(&'static str),
    #[error("bad signature on {0}")]
    BadSignature(&'static str),
    #[error("bad authorization header: {0}")]
    BadAuthorization(&'static str),
    #[error("at most {max} records per upload, got {got}")]
    TooManyRecords { max: usize, got: u64 },
}

/// Hex of a fixed-size byte array, checked.
pub fn hex_array<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], WireError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).map_err(|_| WireError::Hex(field))?;
    Ok(out)
}

/// The authority key id: the first 4 bytes of SHA-256 of the public key as 8 lowercase hex
/// digits, the venue trust store's [`crate::venue::KeyId`] (what the server publishes).
pub fn key_id_of(public_key: &[u8; 32]) -> String {
    crate::venue::KeyId::of_public_key(public_key).to_hex()
}

pub(super) fn verify_with(
    public_key: &[u8; 32],
    message: &[u8],
    sig: &[u8; 64],
    what: &'static str,
) -> Result<(), WireError> {
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| WireError::BadSignature(what))?;
    key.verify(message, &Signature::from_bytes(sig))
        .map_err(|_| WireError::BadSignature(what))
}

pub(super) fn millis(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds to a UTC instant (out-of-range values clamp to the epoch).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Every 4xx/5xx answer's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `unauthorized`, `batch_too_large`.
    pub error: String,
    pub message: String,
}

impl ErrorBody {
    /// The error body of a non-2xx answer; an answer that is not one (a proxy's HTML page,
    /// plain text) becomes `http_error` with the start of its text as the message.
    pub fn from_answer(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).unwrap_or_else(|_| Self {
            error: "http_error".into(),
            message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
        })
    }
}
