//! Wire types shared by the phone's sync client and the reference server (`docs/sync-protocol.md`).
//!
//! They live in this crate (not in the server or the phone's core) so that both sides
//! compile against one definition, and they depend on nothing but serde, CBOR and Ed25519:
//! the server links them without the diary. Control messages are JSON; the record upload,
//! which carries the bulk of the bytes, is CBOR with raw byte strings (a check-in with a
//! 125-byte body takes 195 bytes in an upload: 6 bytes of framing and the signature).

use chrono::{DateTime, TimeZone, Utc};
use ciborium::Value;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::canonical::Writer;
use crate::ids::Id128;
use crate::records::{RecordKind, SignedRecord};

/// Domain separation for the proof of possession sent at registration.
pub const REGISTER_DOMAIN: &[u8] = b"vaora-register-v1\0";
/// Domain separation for request authentication (device and authority).
pub const REQUEST_DOMAIN: &[u8] = b"vaora-request-v1\0";
/// Domain separation for authority-signed exposure windows.
pub const EXPOSURE_DOMAIN: &[u8] = b"vaora-exposure-v1\0";
/// Domain separation for the authority-signed key set.
pub const KEYSET_DOMAIN: &[u8] = b"vaora-keyset-v1\0";

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

fn verify_with(
    public_key: &[u8; 32],
    message: &[u8],
    sig: &[u8; 64],
    what: &'static str,
) -> Result<(), WireError> {
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| WireError::BadSignature(what))?;
    key.verify(message, &Signature::from_bytes(sig))
        .map_err(|_| WireError::BadSignature(what))
}

fn millis(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds to a UTC instant (out-of-range values clamp to the epoch).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Registration

/// `POST /v1/devices`: the device's public key and a signature proving it holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Signature over `"vaora-register-v1" 0x00 public_key`, 128 hex digits.
    pub proof: String,
}

impl RegisterRequest {
    pub fn proof_input(public_key: &[u8; 32]) -> Vec<u8> {
        [REGISTER_DOMAIN, public_key.as_slice()].concat()
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

// ---------------------------------------------------------------------------------------
// Request authentication

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

// ---------------------------------------------------------------------------------------
// Record upload (CBOR)

/// What the server did with one uploaded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same content (an earlier upload got through).
    Duplicate,
    /// Refused for good; uploading it again gives the same answer.
    Rejected(String),
}

/// Encodes a batch: CBOR array of `[kind, body, signature]` (the device key is the
/// authenticated device's; every record must carry that key).
pub fn encode_upload(records: &[SignedRecord]) -> Vec<u8> {
    let items = records
        .iter()
        .map(|r| {
            Value::Array(vec![
                Value::Integer(r.kind.code().into()),
                Value::Bytes(r.body.clone()),
                Value::Bytes(r.signature.to_vec()),
            ])
        })
        .collect();
    to_cbor(&Value::Array(items))
}

/// One uploaded item as read by the server, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadItem {
    pub kind: u8,
    pub body: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Decodes a batch; fails on any shape error (the whole request is refused then).
pub fn decode_upload(bytes: &[u8], max_items: usize) -> Result<Vec<UploadItem>, WireError> {
    let value = from_cbor(bytes)?;
    let Value::Array(items) = value else {
        return Err(WireError::Shape("upload must be an array"));
    };
    if items.len() > max_items {
        return Err(WireError::Shape("too many records in one batch"));
    }
    items
        .into_iter()
        .map(|item| {
            let Value::Array(fields) = item else {
                return Err(WireError::Shape("record must be [kind, body, signature]"));
            };
            let mut it = fields.into_iter();
            match (it.next(), it.next(), it.next(), it.next()) {
                (
                    Some(Value::Integer(k)),
                    Some(Value::Bytes(body)),
                    Some(Value::Bytes(sig)),
                    None,
                ) => {
                    let kind = u8::try_from(i128::from(k))
                        .map_err(|_| WireError::Shape("record kind out of range"))?;
                    Ok(UploadItem {
                        kind,
                        body,
                        signature: sig,
                    })
                }
                _ => Err(WireError::Shape("record must be [kind, body, signature]")),
            }
        })
        .collect()
}

/// Encodes the answer: CBOR array in request order, `0` accepted, `1` duplicate,
/// `[2, reason]` rejected.
pub fn encode_upload_answer(statuses: &[RecordStatus]) -> Vec<u8> {
    let items = statuses
        .iter()
        .map(|s| match s {
            RecordStatus::Accepted => Value::Integer(0.into()),
            RecordStatus::Duplicate => Value::Integer(1.into()),
            RecordStatus::Rejected(reason) => {
                Value::Array(vec![Value::Integer(2.into()), Value::Text(reason.clone())])
            }
        })
        .collect();
    to_cbor(&Value::Array(items))
}

pub fn decode_upload_answer(bytes: &[u8]) -> Result<Vec<RecordStatus>, WireError> {
    let Value::Array(items) = from_cbor(bytes)? else {
        return Err(WireError::Shape("answer must be an array"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Integer(i) if i128::from(i) == 0 => Ok(RecordStatus::Accepted),
            Value::Integer(i) if i128::from(i) == 1 => Ok(RecordStatus::Duplicate),
            Value::Array(f) => match f.as_slice() {
                [Value::Integer(i), Value::Text(reason)] if i128::from(*i) == 2 => {
                    Ok(RecordStatus::Rejected(reason.clone()))
                }
                _ => Err(WireError::Shape("rejected entry must be [2, reason]")),
            },
            _ => Err(WireError::Shape("unknown record status")),
        })
        .collect()
}

fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for a plain Value tree.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

fn from_cbor(bytes: &[u8]) -> Result<Value, WireError> {
    ciborium::from_reader(bytes).map_err(|e| WireError::Cbor(e.to_string()))
}

/// Reassembles a [`SignedRecord`] from an uploaded item and the uploader's key.
pub fn item_to_record(item: &UploadItem, device_key: &[u8; 32]) -> Result<SignedRecord, String> {
    let kind = RecordKind::from_code(item.kind)
        .ok_or_else(|| format!("unknown record kind {}", item.kind))?;
    let signature: [u8; 64] = item
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| "signature is not 64 bytes".to_owned())?;
    Ok(SignedRecord {
        kind,
        device_key: *device_key,
        body: item.body.clone(),
        signature,
    })
}

// ---------------------------------------------------------------------------------------
// Downloads

/// `GET /v1/keys`: the authority keys and what is revoked, signed by the current key.
///
/// Not the venue module's key-set document ([`crate::venue::KeySet`]), though both sign
/// under [`KEYSET_DOMAIN`]: this one signs key ids and keys as their hex text
/// ([`KeySet::signing_input`]), that one as raw bytes behind the signer's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySet {
    pub keys: Vec<AuthorityPublicKey>,
    pub revoked_keys: Vec<String>,
    pub revoked_venues: Vec<Id128>,
    pub issued_at: DateTime<Utc>,
    pub signed_by: String,
    pub signature: String,
}

impl KeySet {
    /// `"vaora-keyset-v1" 0x00`, then `u32(#keys) {str(key_id) str(public_key)}*
    /// u32(#revoked_keys) {str(key_id)}* u32(#revoked_venues) {id}* time(issued_at)
    /// str(signed_by)`: key ids and keys are signed as the hex text the JSON carries,
    /// venue ids as 16 raw bytes, `issued_at` as Unix milliseconds.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u32(u32::try_from(self.keys.len()).unwrap_or(u32::MAX));
        for k in &self.keys {
            w.str(&k.key_id).str(&k.public_key);
        }
        w.u32(u32::try_from(self.revoked_keys.len()).unwrap_or(u32::MAX));
        for k in &self.revoked_keys {
            w.str(k);
        }
        w.u32(u32::try_from(self.revoked_venues.len()).unwrap_or(u32::MAX));
        for v in &self.revoked_venues {
            w.id(v);
        }
        w.time(&self.issued_at).str(&self.signed_by);
        [KEYSET_DOMAIN, &w.finish()].concat()
    }

    /// Checks the signature with the key named in `signed_by`, which must be one of
    /// `trusted` (the pinned key from registration).
    pub fn verify(&self, trusted: &AuthorityPublicKey) -> Result<(), WireError> {
        if self.signed_by != trusted.key_id {
            return Err(WireError::BadSignature("key set (unknown signer)"));
        }
        let sig: [u8; 64] = hex_array(&self.signature, "key set signature")?;
        verify_with(&trusted.bytes()?, &self.signing_input(), &sig, "key set")
    }
}

/// A published exposure window: anyone at `venue_id` between `from` and `until` may have
/// been exposed. Signed by the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureWindow {
    pub id: Id128,
    pub venue_id: Id128,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// 1 = low, 2 = medium, 3 = high.
    pub level: u8,
    pub key_id: String,
    pub signature: String,
}

impl ExposureWindow {
    /// `"vaora-exposure-v1" 0x00 id venue_id from(i64 ms) until(i64 ms) level(u8) key_id(str)`.
    pub fn signing_input(
        id: &Id128,
        venue_id: &Id128,
        from: &DateTime<Utc>,
        until: &DateTime<Utc>,
        level: u8,
        key_id: &str,
    ) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(id)
            .id(venue_id)
            .time(from)
            .time(until)
            .u8(level)
            .str(key_id);
        [EXPOSURE_DOMAIN, &w.finish()].concat()
    }

    pub fn verify(&self, keys: &[AuthorityPublicKey]) -> Result<(), WireError> {
        let key = keys
            .iter()
            .find(|k| k.key_id == self.key_id)
            .ok_or(WireError::BadSignature("exposure window (unknown key)"))?;
        let sig: [u8; 64] = hex_array(&self.signature, "exposure signature")?;
        let input = Self::signing_input(
            &self.id,
            &self.venue_id,
            &self.from,
            &self.until,
            self.level,
            &self.key_id,
        );
        verify_with(&key.bytes()?, &input, &sig, "exposure window")
    }

    pub fn from_ms(&self) -> i64 {
        millis(&self.from)
    }
    pub fn until_ms(&self) -> i64 {
        millis(&self.until)
    }
}

/// `GET /v1/exposures?since=CURSOR[&limit=N]`: windows published after the cursor, oldest
/// first (the first cursor is 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposurePage {
    pub windows: Vec<ExposureWindow>,
    /// Pass as `since` next time.
    pub next_cursor: i64,
    /// True when more windows wait after this page.
    pub more: bool,
}

// ---------------------------------------------------------------------------------------
// Authority side

/// `POST /v1/authority/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    pub device_id: Id128,
    /// Only this person's check-ins (a household member); all of the device's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Id128>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResponse {
    pub case_id: Id128,
    /// How many of the case's stays at a known venue (a venue id) overlap the period, as
    /// stored when the case was marked (updates applied, an open stay counting 4 h).
    pub checkins: u64,
}

/// One person whose stay overlapped a case's at the same venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub device_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue_id: Id128,
    pub venue_name: String,
    pub overlap_from: DateTime<Utc>,
    pub overlap_until: DateTime<Utc>,
}

/// `GET /v1/authority/cases/{id}/contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceResponse {
    pub case_id: Id128,
    pub contacts: Vec<Contact>,
}

/// `POST /v1/authority/cases/{id}/publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishResponse {
    pub case_id: Id128,
    /// Windows newly published by this call (publishing again adds none).
    pub published: u64,
    pub windows: Vec<ExposureWindow>,
}

/// `POST /v1/authority/venues`: register a venue in the server's registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRequest {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// Ward / commune for the console's statistics; may be empty.
    #[serde(default)]
    pub ward: String,
    /// A category name as `vaora venue create --category` takes it (`office`, `market`, …);
    /// `other` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Stay assumed when nobody checks out, printed into the code (minutes); 60 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stay_minutes: Option<u16>,
}

/// Answer to `POST /v1/authority/venues` (201): the signed code and its poster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueResponse {
    pub venue_id: Id128,
    /// The signed venue code as printed in the QR (`docs/venue-code.md`).
    pub code: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    /// The poster as an SVG document.
    pub poster_svg: String,
    /// The same poster as a PNG, standard base64 with padding.
    pub poster_png_base64: String,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceIdentity;

    #[test]
    fn upload_round_trip_and_answer() {
        let id = DeviceIdentity::generate().unwrap();
        let rec = id.sign_record(RecordKind::CheckIn, vec![7u8; 120]);
        let bytes = encode_upload(std::slice::from_ref(&rec));
        let items = decode_upload(&bytes, 10).unwrap();
        assert_eq!(item_to_record(&items[0], &id.public_key()).unwrap(), rec);
        assert!(decode_upload(&bytes, 0).is_err());
        assert!(decode_upload(&bytes[..bytes.len() - 3], 10).is_err());
        let answer = vec![
            RecordStatus::Accepted,
            RecordStatus::Duplicate,
            RecordStatus::Rejected("x".into()),
        ];
        assert_eq!(
            decode_upload_answer(&encode_upload_answer(&answer)).unwrap(),
            answer
        );
    }

    #[test]
    fn request_auth_parse_and_verify() {
        let id = DeviceIdentity::generate().unwrap();
        let sig = id.sign_bytes(&request_signing_input("POST", "/v1/records", 42, b"body"));
        let header = RequestAuth::header_value(DEVICE_SCHEME, "abc", 42, &sig);
        let auth = RequestAuth::parse(&header).unwrap();
        assert_eq!(auth.principal, "abc");
        auth.verify(&id.public_key(), "POST", "/v1/records", b"body")
            .unwrap();
        assert!(
            auth.verify(&id.public_key(), "POST", "/v1/records", b"other")
                .is_err()
        );
        assert!(RequestAuth::parse("Vaora-Device abc:1").is_err());
    }

    #[test]
    fn published_key_ids_are_the_trust_store_key_ids() {
        let a = crate::testing::test_authority();
        let published = AuthorityPublicKey::from_bytes(&a.public_key());
        assert_eq!(published.key_id, a.key_id().to_hex());
        assert_eq!(published.key_id.len(), 8);
    }

    #[test]
    fn registration_proof() {
        let id = DeviceIdentity::generate().unwrap();
        let pk = id.public_key();
        let req = RegisterRequest {
            public_key: hex::encode(pk),
            proof: hex::encode(id.sign_bytes(&RegisterRequest::proof_input(&pk))),
        };
        assert_eq!(req.verify().unwrap(), pk);
        let other = DeviceIdentity::generate().unwrap();
        let forged = RegisterRequest {
            public_key: hex::encode(pk),
            proof: hex::encode(other.sign_bytes(&RegisterRequest::proof_input(&pk))),
        };
        assert!(forged.verify().is_err());
    }
}
