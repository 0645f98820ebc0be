//! Personal codes: one person's health status as a compact, signed QR payload that staff
//! verify offline.
//!
//! Text form: `VAORA:P1:` followed by base45 (the QR alphanumeric alphabet, so the code
//! stays small) of a CBOR array `[content, signature]`. `content` is a CBOR byte string
//! holding the CBOR array of fields; the Ed25519 signature covers
//! `"vaora-personal-code-v1" 0x00 content`, so verifiers check the exact bytes before
//! decoding anything inside them and nobody ever re-encodes. Spec: `docs/personal-code.md`.
//!
//! Only what a door check needs is inside: display name, birth year, the declaration it
//! rests on (id, time, trigger mask), the declarant's name when a proxy declared, the
//! validity, the device key and, when the device is registered, the authority's device
//! certificate.

use chrono::{DateTime, TimeZone, Utc};
use ciborium::value::Value;
use ed25519_dalek::{Signature, VerifyingKey};

use super::certificate::{AuthorityKey, CertificateError, DeviceCertificate};
use super::record::{DeclarationBody, DeclaredFor};
use super::summary::Summary;
use crate::identity::DeviceIdentity;
use crate::ids::Id128;

/// The text prefix: scheme, kind `P`, format version 1.
pub const PREFIX: &str = "VAORA:P1:";
/// Domain separation for personal-code signatures.
pub const CODE_DOMAIN: &[u8] = b"vaora-personal-code-v1\0";
/// Longest payload text accepted (a version-40 QR holds 4296 alphanumerics).
pub const MAX_TEXT_LEN: usize = 4296;
/// Longest display or declarant name (characters).
pub const MAX_NAME_CHARS: usize = 100;

/// What a personal code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalCode {
    pub display_name: String,
    pub birth_year: Option<u16>,
    pub declaration_id: Id128,
    /// Second precision (the payload carries Unix seconds).
    pub declared_at: DateTime<Utc>,
    /// The summary's trigger mask (0 = no risk declared), see [`super::Trigger`].
    pub trigger_mask: u16,
    /// The declarant's display name when the declaration was made by proxy.
    pub declared_by: Option<String>,
    pub valid_until: DateTime<Utc>,
    pub device_key: [u8; 32],
    pub certificate: Option<DeviceCertificate>,
}

/// How far the verifier trusts the signing device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceTrust {
    /// A trusted authority certified the device key.
    Certified { authority_key_id: String },
    /// Only the device's own signature: no certificate, or one that cannot be checked
    /// here (unknown authority, outside its validity).
    SelfSigned { reason: Option<CertificateError> },
}

/// The outcome of a successful signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStatus {
    /// Signed by an authority-certified device and within its validity.
    Valid,
    /// Signed correctly, within its validity, by a device no trusted authority certified.
    ValidSelfSigned,
    /// Signed correctly but past its validity.
    Expired,
}

impl CodeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::ValidSelfSigned => "valid-self-signed",
            Self::Expired => "expired",
        }
    }
}

/// A personal code whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPersonalCode {
    pub code: PersonalCode,
    pub status: CodeStatus,
    pub device: DeviceTrust,
}

impl VerifiedPersonalCode {
    pub fn summary(&self) -> Option<Summary> {
        Summary::from_mask(self.code.trigger_mask, self.code.valid_until)
    }
    pub fn is_proxy(&self) -> bool {
        self.code.declared_by.is_some()
    }
}

/// Why a text is not an acceptable personal code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalCodeError {
    #[error("not a personal code (expected the prefix {PREFIX})")]
    NotPersonalCode,
    #[error("malformed personal code: {0}")]
    Malformed(String),
    #[error("the personal code was altered or its signature is wrong")]
    BadSignature,
    #[error("the personal code carries a forged or mismatched device certificate: {0}")]
    BadCertificate(CertificateError),
    #[error("the personal code is too large for a QR code")]
    TooLarge,
}

impl PersonalCodeError {
    /// A stable code for tests in other languages and for the FFI (`docs/personal-code.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPersonalCode => "not-personal-code",
            Self::Malformed(_) => "malformed",
            Self::BadSignature => "bad-signature",
            Self::BadCertificate(_) => "bad-certificate",
            Self::TooLarge => "too-large",
        }
    }
}

fn malformed(what: &str) -> PersonalCodeError {
    PersonalCodeError::Malformed(what.to_owned())
}

impl PersonalCode {
    fn content_value(&self) -> Value {
        let opt_text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        Value::Array(vec![
            Value::Text(self.display_name.clone()),
            self.birth_year
                .map_or(Value::Null, |y| Value::Integer(y.into())),
            Value::Bytes(self.declaration_id.as_bytes().to_vec()),
            Value::Integer(self.declared_at.timestamp().into()),
            Value::Integer(self.trigger_mask.into()),
            opt_text(&self.declared_by),
            Value::Integer(self.valid_until.timestamp().into()),
            Value::Bytes(self.device_key.to_vec()),
            self.certificate
                .as_ref()
                .map_or(Value::Null, |c| Value::Bytes(c.to_bytes())),
        ])
    }

    /// The exact content bytes the signature covers.
    pub fn content_bytes(&self) -> Result<Vec<u8>, PersonalCodeError> {
        cbor(&self.content_value())
    }

    /// Signs the code with the device identity and returns its text form. The device key
    /// inside must be the identity's.
    pub fn sign(&self, identity: &DeviceIdentity) -> Result<String, PersonalCodeError> {
        if self.device_key != identity.public_key() {
            return Err(PersonalCodeError::BadSignature);
        }
        check_name(&self.display_name)?;
        if let Some(d) = &self.declared_by {
            check_name(d)?;
        }
        let content = self.content_bytes()?;
        let mut message = CODE_DOMAIN.to_vec();
        message.extend_from_slice(&content);
        let signature = identity.sign_bytes(&message);
        let outer = cbor(&Value::Array(vec![
            Value::Bytes(content),
            Value::Bytes(signature.to_vec()),
        ]))?;
        let text = format!("{PREFIX}{}", base45::encode(&outer));
        if text.len() > MAX_TEXT_LEN {
            return Err(PersonalCodeError::TooLarge);
        }
        Ok(text)
    }

    /// Verifies a personal code text offline: signature first, then the device
    /// certificate against `authorities`, then the validity at `now`.
    pub fn verify(
        text: &str,
        now: DateTime<Utc>,
        authorities: &[AuthorityKey],
    ) -> Result<VerifiedPersonalCode, PersonalCodeError> {
        let text = text.trim();
        let body = text
            .strip_prefix(PREFIX)
            .ok_or(PersonalCodeError::NotPersonalCode)?;
        if text.len() > MAX_TEXT_LEN {
            return Err(PersonalCodeError::TooLarge);
        }
        let outer_bytes = base45::decode(body).map_err(|_| malformed("not base45"))?;
        let mut outer = match uncbor(&outer_bytes)? {
            Value::Array(items) if items.len() == 2 => items,
            _ => return Err(malformed("expected [content, signature]")),
        };
        let signature = take_bytes::<64>(outer.pop(), "signature")?;
        let content = match outer.pop() {
            Some(Value::Bytes(b)) => b,
            _ => return Err(malformed("content is not a byte string")),
        };
        let code = Self::decode_content(&content)?;
        let key = VerifyingKey::from_bytes(&code.device_key)
            .map_err(|_| PersonalCodeError::BadSignature)?;
        let mut message = CODE_DOMAIN.to_vec();
        message.extend_from_slice(&content);
        key.verify_strict(&message, &Signature::from_bytes(&signature))
            .map_err(|_| PersonalCodeError::BadSignature)?;
        let device = match &code.certificate {
            None => DeviceTrust::SelfSigned { reason: None },
            Some(cert) => match cert.verify(&code.device_key, now, authorities) {
                Ok(()) => DeviceTrust::Certified {
                    authority_key_id: cert.authority_key_id.clone(),
                },
                Err(
                    e @ (CertificateError::UnknownAuthority(_) | CertificateError::OutsideValidity),
                ) => DeviceTrust::SelfSigned { reason: Some(e) },
                Err(e) => return Err(PersonalCodeError::BadCertificate(e)),
            },
        };
        let status = if now >= code.valid_until {
            CodeStatus::Expired
        } else if matches!(device, DeviceTrust::Certified { .. }) {
            CodeStatus::Valid
        } else {
            CodeStatus::ValidSelfSigned
        };
        Ok(VerifiedPersonalCode {
            code,
            status,
            device,
        })
    }

    fn decode_content(content: &[u8]) -> Result<Self, PersonalCodeError> {
        let items = match uncbor(content)? {
            Value::Array(items) if items.len() == 9 => items,
            _ => return Err(malformed("content is not an array of 9 fields")),
        };
        let mut it = items.into_iter();
        let mut next = || it.next().unwrap_or(Value::Null);
        let display_name = text(next(), "display_name")?;
        check_name(&display_name)?;
        let birth_year = match next() {
            Value::Null => None,
            v => Some(
                u16::try_from(int(v, "birth_year")?)
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))
                    .ok_or_else(|| malformed("birth_year out of range"))?,
            ),
        };
        let declaration_id = Id128::from_bytes(take_bytes::<16>(Some(next()), "declaration_id")?);
        let declared_at = time(next(), "declared_at")?;
        let trigger_mask = u16::try_from(int(next(), "trigger_mask")?)
            .map_err(|_| malformed("trigger_mask out of range"))?;
        if Summary::from_mask(trigger_mask, declared_at).is_none() {
            return Err(malformed("trigger_mask has unknown bits"));
        }
        let declared_by = match next() {
            Value::Null => None,
            v => {
                let t = text(v, "declared_by")?;
                check_name(&t)?;
                Some(t)
            }
        };
        let valid_until = time(next(), "valid_until")?;
        if valid_until <= declared_at {
            return Err(malformed("valid_until is not after declared_at"));
        }
        let device_key = take_bytes::<32>(Some(next()), "device_key")?;
        let certificate = match next() {
            Value::Null => None,
            Value::Bytes(b) => Some(
                DeviceCertificate::from_bytes(&b)
                    .map_err(|e| PersonalCodeError::Malformed(e.to_string()))?,
            ),
            _ => return Err(malformed("certificate is not a byte string")),
        };
        Ok(Self {
            display_name,
            birth_year,
            declaration_id,
            declared_at,
            trigger_mask,
            declared_by,
            valid_until,
            device_key,
            certificate,
        })
    }
}

/// `t` without its fraction of a second: a personal code carries whole seconds.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t)
}

impl PersonalCode {
    /// The personal code content for a declaration: display name and birth year of the
    /// subject, the declaration's id, time and trigger mask, the declarant's name when it
    /// is a proxy declaration, and its validity (times rounded down to the second).
    pub fn for_declaration(
        declaration: &DeclarationBody,
        device_key: [u8; 32],
        certificate: Option<DeviceCertificate>,
    ) -> Self {
        Self {
            display_name: declaration.subject.name.clone(),
            birth_year: declaration.subject.birth_year,
            declaration_id: declaration.id,
            declared_at: whole_seconds(declaration.declared_at),
            trigger_mask: declaration.summary().mask(),
            declared_by: match &declaration.declared_for {
                DeclaredFor::Myself => None,
                DeclaredFor::HouseholdMember { declarant } => Some(declarant.name.clone()),
            },
            valid_until: whole_seconds(declaration.valid_until),
            device_key,
            certificate,
        }
    }
}

fn check_name(n: &str) -> Result<(), PersonalCodeError> {
    if n.trim().is_empty() || n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control)
    {
        return Err(malformed(
            "a name is empty, too long or has control characters",
        ));
    }
    Ok(())
}

fn cbor(v: &Value) -> Result<Vec<u8>, PersonalCodeError> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).map_err(|e| PersonalCodeError::Malformed(e.to_string()))?;
    Ok(out)
}

fn uncbor(bytes: &[u8]) -> Result<Value, PersonalCodeError> {
    let mut rest = bytes;
    let v: Value = ciborium::from_reader(&mut rest).map_err(|_| malformed("not CBOR"))?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the CBOR item"));
    }
    Ok(v)
}

fn text(v: Value, field: &str) -> Result<String, PersonalCodeError> {
    match v {
        Value::Text(t) => Ok(t),
        _ => Err(malformed(&format!("{field} is not text"))),
    }
}

fn int(v: Value, field: &str) -> Result<i64, PersonalCodeError> {
    match v {
        Value::Integer(i) => {
            i64::try_from(i).map_err(|_| malformed(&format!("{field} out of range")))
        }
        _ => Err(malformed(&format!("{field} is not an integer"))),
    }
}

fn time(v: Value, field: &str) -> Result<DateTime<Utc>, PersonalCodeError> {
    let secs = int(v, field)?;
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| malformed(&format!("{field} is not a valid time")))
}

fn take_bytes<const N: usize>(v: Option<Value>, field: &str) -> Result<[u8; N], PersonalCodeError> {
    match v {
        Some(Value::Bytes(b)) => b
            .as_slice()
            .try_into()
            .map_err(|_| malformed(&format!("{field} must be {N} bytes"))),
        _ => Err(malformed(&format!("{field} is not a byte string"))),
    }
}
