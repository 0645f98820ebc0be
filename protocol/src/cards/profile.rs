//! What Vaora keeps from a scanned ID card: only what contact tracing needs.
//!
//! A CCCD or BHYT code carries a national id number, full address and more. Tracing needs
//! a name to call the person by, a birth year to tell namesakes apart, and a way to
//! recognise the same card again. So a profile keeps the name, the birth year, the
//! gender, and a keyed HMAC-SHA256 of the card number instead of the number (the number
//! itself only if the user explicitly opts in). The key never leaves the device (or, in a
//! deployment that wants hashes comparable across staff devices, is provisioned by the
//! authority), so the hash cannot be reversed by trying all 10^12 card numbers.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::cards::bhyt::BhytCard;
use crate::cards::cccd::{CccdCard, Gender};

/// Domain separation inside the card-number HMAC.
pub const CARD_HASH_DOMAIN: &[u8] = b"vaora-card-v1\0";

/// Which card a profile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    Cccd = 1,
    Bhyt = 2,
}

impl CardKind {
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Self::Cccd),
            2 => Some(Self::Bhyt),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cccd => "cccd",
            Self::Bhyt => "bhyt",
        }
    }
}

/// The 32-byte key of the card-number HMAC. Zeroed on drop, never printed.
#[derive(Clone)]
pub struct CardHashKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for CardHashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardHashKey(..)")
    }
}

impl CardHashKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `HMAC-SHA256(key, "vaora-card-v1" 0x00 kind number)`.
    pub fn hash(&self, kind: CardKind, number: &str) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.as_slice()) else {
            return [0; 32];
        };
        mac.update(CARD_HASH_DOMAIN);
        mac.update(&[kind.code()]);
        mac.update(number.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// The minimal profile kept from a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProfile {
    pub kind: CardKind,
    pub display_name: String,
    pub birth_year: u16,
    pub gender: Gender,
    pub card_hash: [u8; 32],
    /// The card number itself, only when the user opted in to keep it.
    pub card_number: Option<String>,
}

impl CardProfile {
    pub fn from_cccd(card: &CccdCard, key: &CardHashKey, keep_number: bool) -> Self {
        Self {
            kind: CardKind::Cccd,
            display_name: card.full_name.clone(),
            birth_year: card.birth_year(),
            gender: card.gender,
            card_hash: key.hash(CardKind::Cccd, &card.id_number),
            card_number: keep_number.then(|| card.id_number.clone()),
        }
    }

    pub fn from_bhyt(card: &BhytCard, key: &CardHashKey, keep_number: bool) -> Self {
        Self {
            kind: CardKind::Bhyt,
            display_name: card.full_name.clone(),
            birth_year: card.birth_year(),
            gender: card.gender,
            card_hash: key.hash(CardKind::Bhyt, &card.card_number),
            card_number: keep_number.then(|| card.card_number.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_keyed_and_kind_separated() {
        let k1 = CardHashKey::from_bytes([1; 32]);
        let k2 = CardHashKey::from_bytes([2; 32]);
        let n = "079185001234";
        assert_eq!(k1.hash(CardKind::Cccd, n), k1.hash(CardKind::Cccd, n));
        assert_ne!(k1.hash(CardKind::Cccd, n), k2.hash(CardKind::Cccd, n));
        assert_ne!(k1.hash(CardKind::Cccd, n), k1.hash(CardKind::Bhyt, n));
        assert_eq!(format!("{k1:?}"), "CardHashKey(..)");
    }
}
