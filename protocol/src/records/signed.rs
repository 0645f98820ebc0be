//! The signed-record envelope: a kind, the canonical body bytes exactly as signed, the
//! device's public key and an Ed25519 signature over `"vaora-record-v1" 0x00 kind body`.

use ed25519_dalek::{Signature, VerifyingKey};

use crate::canonical::{CanonicalError, Reader};
use crate::ids::Id128;

/// Domain separation for record signatures.
pub const RECORD_DOMAIN: &[u8] = b"vaora-record-v1\0";

/// What a record body holds. The number is part of the signed bytes: never re-use one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A person checked in at a venue (by scanning or by manual entry).
    CheckIn = 1,
    /// New times for an earlier check-in (check-out, edit, auto check-out).
    CheckInUpdate = 2,
    /// A health declaration, for the device owner or for a household member.
    Declaration = 3,
    /// A visitor recorded by venue staff from a personal code or an ID card.
    StaffCheckIn = 4,
    /// What a certified inspector found at a venue's door (issue 19).
    Inspection = 5,
}

impl RecordKind {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::CheckIn),
            2 => Some(Self::CheckInUpdate),
            3 => Some(Self::Declaration),
            4 => Some(Self::StaffCheckIn),
            5 => Some(Self::Inspection),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckIn => "check-in",
            Self::CheckInUpdate => "check-in-update",
            Self::Declaration => "declaration",
            Self::StaffCheckIn => "staff-check-in",
            Self::Inspection => "inspection",
        }
    }
}

/// Why a record is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("the device public key is not a valid Ed25519 point")]
    BadPublicKey,
    #[error("the record signature does not match its content")]
    BadSignature,
    #[error("malformed record body: {0}")]
    Malformed(#[from] CanonicalError),
}

/// A record with its signature, exactly as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRecord {
    pub kind: RecordKind,
    pub device_key: [u8; 32],
    pub body: Vec<u8>,
    pub signature: [u8; 64],
}

impl SignedRecord {
    /// The exact bytes the signature covers.
    pub fn signing_input(kind: RecordKind, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(RECORD_DOMAIN.len() + 1 + body.len());
        m.extend_from_slice(RECORD_DOMAIN);
        m.push(kind.code());
        m.extend_from_slice(body);
        m
    }

    /// The record id: the first 16 bytes of every body.
    pub fn id(&self) -> Result<Id128, RecordError> {
        Ok(Reader::new(&self.body).id("id")?)
    }

    /// Checks the signature against the embedded device key (strict Ed25519 verification).
    pub fn verify(&self) -> Result<(), RecordError> {
        let key =
            VerifyingKey::from_bytes(&self.device_key).map_err(|_| RecordError::BadPublicKey)?;
        let sig = Signature::from_bytes(&self.signature);
        key.verify_strict(&Self::signing_input(self.kind, &self.body), &sig)
            .map_err(|_| RecordError::BadSignature)
    }
}
