//! Random 128-bit identifiers for people, records and venues.
//!
//! A record id is also the sync idempotency key, so ids are drawn from the OS random
//! source and never derived from content or time. Text form: 32 lowercase hex digits.

use std::fmt;
use std::str::FromStr;

/// A random 128-bit identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id128(pub [u8; 16]);

/// A text or byte form that is not an [`Id128`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id is 32 hex digits, got {len} characters")]
    WrongLength { len: usize },
    #[error("an id is 32 hex digits: {0}")]
    NotHex(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

impl Id128 {
    /// A fresh id from the operating system's random source.
    pub fn random() -> Result<Self, IdError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| IdError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses a byte slice that must be exactly 16 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, IdError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| IdError::WrongLength {
            len: bytes.len() * 2,
        })?;
        Ok(Self(arr))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl FromStr for Id128 {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 32 {
            return Err(IdError::WrongLength { len: s.len() });
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).map_err(|e| IdError::NotHex(e.to_string()))?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for Id128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Id128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id128({})", self.to_hex())
    }
}

impl serde::Serialize for Id128 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Id128 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let id = Id128::random().unwrap();
        assert_eq!(id.to_hex().parse::<Id128>().unwrap(), id);
        assert_ne!(Id128::random().unwrap(), id);
        assert_eq!("abc".parse::<Id128>(), Err(IdError::WrongLength { len: 3 }));
        assert!(matches!(
            "zz".repeat(16).parse::<Id128>(),
            Err(IdError::NotHex(_))
        ));
    }
}
