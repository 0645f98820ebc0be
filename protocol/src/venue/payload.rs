//! The venue-code text: `VV1:` followed by base45 of a CBOR array `[body, signature]`,
//! where `body` is a CBOR byte string holding the signed CBOR array of venue fields.
//!
//! Why this shape: base45 keeps the QR in alphanumeric mode (denser than bytes and free of
//! charset guessing by scanners); the signature covers the body bytes exactly as carried,
//! so nobody re-encodes before verifying; parsing is strict (canonical CBOR, exact field
//! count and types, no trailing bytes) so one venue has one code text. Spec:
//! `docs/venue-code.md`.

use ciborium::value::Value;

use super::VenueCategory;
use super::text_pack::{self, TextPackError};
use crate::ids::Id128;

/// Every venue code starts with this (all characters in QR alphanumeric mode).
pub const PREFIX: &str = "VV1:";
/// Domain separation for the authority's signature over a venue-code body.
pub const SIGNING_DOMAIN: &[u8] = b"vaora-venue-code-v1\0";
/// Longest text this parser looks at (a version-40 QR holds 4296 alphanumeric characters).
pub const MAX_TEXT_LEN: usize = 4296;
/// Field limits (in characters).
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Validity is carried in whole UTC days (3 CBOR bytes instead of 5 per date).
pub const SECONDS_PER_DAY: i64 = 86_400;

/// A short id of an authority key: the first 4 bytes of SHA-256 of its public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 4]);

impl KeyId {
    pub fn of_public_key(public_key: &[u8; 32]) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(public_key);
        let mut id = [0u8; 4];
        id.copy_from_slice(&digest[..4]);
        Self(id)
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::str::FromStr for KeyId {
    type Err = MalformedCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut id = [0u8; 4];
        hex::decode_to_slice(s, &mut id).map_err(|_| MalformedCode::Field {
            field: "key_id",
            reason: "a key id is 8 hex digits".into(),
        })?;
        Ok(Self(id))
    }
}

/// The venue fields an authority signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueInfo {
    pub key_id: KeyId,
    pub venue_id: Id128,
    pub name: String,
    pub address: String,
    pub category: VenueCategory,
    /// Default stay, used for automatic check-out (1..=1440).
    pub default_stay_min: u16,
    /// First day the code is valid (days since 1970-01-01, UTC; from 00:00 UTC).
    pub valid_from_day: u32,
    /// First day the code is no longer valid (exclusive, same count).
    pub valid_until_day: u32,
}

/// A parsed venue code: its fields, the body bytes exactly as signed, and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueCode {
    pub info: VenueInfo,
    pub body: Vec<u8>,
    pub signature: [u8; 64],
}

/// What is wrong with a text that claims to be a venue code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedCode {
    #[error("not a venue code (no {PREFIX} prefix)")]
    NoPrefix,
    #[error("venue code longer than {MAX_TEXT_LEN} characters")]
    TooLong,
    #[error("venue code is not valid base45")]
    Base45,
    #[error("venue code is not valid CBOR: {0}")]
    Cbor(String),
    #[error("venue code CBOR is not in canonical form")]
    NonCanonical,
    #[error("venue code has the wrong structure: {0}")]
    Shape(&'static str),
    #[error("venue code field {field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("venue code name/address: {0}")]
    Text(TextPackError),
}

impl From<TextPackError> for MalformedCode {
    fn from(e: TextPackError) -> Self {
        Self::Text(e)
    }
}

impl MalformedCode {
    /// Stable name of what is wrong (used by the vectors and the platforms).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoPrefix => "no-prefix",
            Self::TooLong => "too-long",
            Self::Base45 => "base45",
            Self::Cbor(_) => "cbor",
            Self::NonCanonical => "non-canonical",
            Self::Shape(_) => "shape",
            Self::Field { .. } => "field",
            Self::Text(_) => "text",
        }
    }
}

impl VenueInfo {
    /// Checks the field rules that both issuing and parsing enforce.
    pub fn check(&self) -> Result<(), MalformedCode> {
        check_text("name", &self.name, 1, MAX_NAME_CHARS)?;
        check_text("address", &self.address, 0, MAX_ADDRESS_CHARS)?;
        if !(1..=1440).contains(&self.default_stay_min) {
            return Err(field("default_stay_min", "must be 1..=1440 minutes"));
        }
        if self.valid_until_day <= self.valid_from_day {
            return Err(field("valid_until", "must be after valid_from"));
        }
        Ok(())
    }

    /// Start of validity in Unix seconds (inclusive).
    pub fn valid_from_unix(&self) -> i64 {
        i64::from(self.valid_from_day) * SECONDS_PER_DAY
    }

    /// End of validity in Unix seconds (exclusive).
    pub fn valid_until_unix(&self) -> i64 {
        i64::from(self.valid_until_day) * SECONDS_PER_DAY
    }

    /// The canonical CBOR body the authority signs.
    pub fn encode_body(&self) -> Vec<u8> {
        let value = Value::Array(vec![
            Value::Bytes(self.key_id.0.to_vec()),
            Value::Bytes(self.venue_id.0.to_vec()),
            Value::Bytes(text_pack::pack(&[&self.name, &self.address])),
            Value::Integer(self.category.code().into()),
            Value::Integer(self.default_stay_min.into()),
            Value::Integer(self.valid_from_day.into()),
            Value::Integer(self.valid_until_day.into()),
        ]);
        cbor(&value)
    }

    fn decode_body(body: &[u8]) -> Result<Self, MalformedCode> {
        let items = match strict_cbor(body)? {
            Value::Array(items) if items.len() == 7 => items,
            _ => return Err(MalformedCode::Shape("body must be an array of 7 fields")),
        };
        let mut it = items.into_iter();
        let mut next = || it.next().unwrap_or(Value::Null);
        let key_id: [u8; 4] = fixed_bytes("key_id", next())?;
        let venue_id: [u8; 16] = fixed_bytes("venue_id", next())?;
        let texts = match next() {
            Value::Bytes(b) => text_pack::unpack(&b, 2)?,
            _ => return Err(field("texts", "must be a byte string")),
        };
        let category_code = uint("category", next(), 255)?;
        let category = u8::try_from(category_code)
            .ok()
            .and_then(VenueCategory::from_code)
            .ok_or_else(|| field("category", "must be a category code 1..=12"))?;
        let default_stay_min = uint("default_stay_min", next(), 1440)?;
        let valid_from = uint("valid_from", next(), u64::from(u32::MAX))?;
        let valid_until = uint("valid_until", next(), u64::from(u32::MAX))?;
        let [name, address]: [String; 2] = texts
            .try_into()
            .map_err(|_| field("texts", "must hold a name and an address"))?;
        let info = Self {
            key_id: KeyId(key_id),
            venue_id: Id128(venue_id),
            name,
            address,
            category,
            default_stay_min: u16::try_from(default_stay_min)
                .map_err(|_| field("default_stay_min", "too large"))?,
            valid_from_day: u32::try_from(valid_from)
                .map_err(|_| field("valid_from", "too large"))?,
            valid_until_day: u32::try_from(valid_until)
                .map_err(|_| field("valid_until", "too large"))?,
        };
        info.check()?;
        Ok(info)
    }
}

impl VenueCode {
    /// The exact bytes the authority signature covers.
    pub fn signing_input(body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(SIGNING_DOMAIN.len() + body.len());
        m.extend_from_slice(SIGNING_DOMAIN);
        m.extend_from_slice(body);
        m
    }

    /// The text printed in the QR code.
    pub fn to_text(&self) -> String {
        let outer = Value::Array(vec![
            Value::Bytes(self.body.clone()),
            Value::Bytes(self.signature.to_vec()),
        ]);
        format!("{PREFIX}{}", base45::encode(cbor(&outer)))
    }

    /// Strict parse. Checks form only: the signature is checked by verification.
    pub fn parse(text: &str) -> Result<Self, MalformedCode> {
        if text.len() > MAX_TEXT_LEN {
            return Err(MalformedCode::TooLong);
        }
        let rest = text.strip_prefix(PREFIX).ok_or(MalformedCode::NoPrefix)?;
        let bytes = base45::decode(rest).map_err(|_| MalformedCode::Base45)?;
        let items = match strict_cbor(&bytes)? {
            Value::Array(items) if items.len() == 2 => items,
            _ => {
                return Err(MalformedCode::Shape(
                    "code must be an array [body, signature]",
                ));
            }
        };
        let mut it = items.into_iter();
        let body = match it.next() {
            Some(Value::Bytes(b)) => b,
            _ => return Err(field("body", "must be a byte string")),
        };
        let signature: [u8; 64] = fixed_bytes("signature", it.next().unwrap_or(Value::Null))?;
        let info = VenueInfo::decode_body(&body)?;
        Ok(Self {
            info,
            body,
            signature,
        })
    }
}

/// Does this text look like a venue code (by prefix)? Used by classification.
pub fn has_prefix(text: &str) -> bool {
    text.starts_with(PREFIX)
}

fn field(field: &'static str, reason: &str) -> MalformedCode {
    MalformedCode::Field {
        field,
        reason: reason.to_owned(),
    }
}

fn check_text(name: &'static str, text: &str, min: usize, max: usize) -> Result<(), MalformedCode> {
    let n = text.chars().count();
    if n < min || n > max {
        return Err(MalformedCode::Field {
            field: name,
            reason: format!("must have {min}..={max} characters, has {n}"),
        });
    }
    if text.chars().any(char::is_control) {
        return Err(field(name, "must not contain control characters"));
    }
    if text.trim() != text {
        return Err(field(name, "must not start or end with white space"));
    }
    Ok(())
}

fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for these plain values.
    if ciborium::ser::into_writer(value, &mut out).is_err() {
        log::error!("CBOR encoding into memory failed");
    }
    out
}

/// Decodes one CBOR item that must use all bytes and be in canonical (re-encodable) form.
fn strict_cbor(bytes: &[u8]) -> Result<Value, MalformedCode> {
    let mut slice = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut slice, 8)
        .map_err(|e| MalformedCode::Cbor(e.to_string()))?;
    if !slice.is_empty() {
        return Err(MalformedCode::Cbor(format!(
            "{} bytes after the item",
            slice.len()
        )));
    }
    if cbor(&value) != bytes {
        return Err(MalformedCode::NonCanonical);
    }
    Ok(value)
}

fn fixed_bytes<const N: usize>(name: &'static str, v: Value) -> Result<[u8; N], MalformedCode> {
    match v {
        Value::Bytes(b) => b.try_into().map_err(|_| MalformedCode::Field {
            field: name,
            reason: format!("must be {N} bytes"),
        }),
        _ => Err(field(name, "must be a byte string")),
    }
}

fn uint(name: &'static str, v: Value, max: u64) -> Result<u64, MalformedCode> {
    match v {
        Value::Integer(i) => {
            u64::try_from(i)
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| MalformedCode::Field {
                    field: name,
                    reason: format!("must be an integer 0..={max}"),
                })
        }
        _ => Err(field(name, "must be an integer")),
    }
}
