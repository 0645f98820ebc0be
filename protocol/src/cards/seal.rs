//! An ID card's number, sealed to the health authority (issue 17, `docs/id-cards.md`,
//! "Card numbers: sealed at the door, linked by the server").
//!
//! A card holder who falls ill must be traceable by their card number, across every
//! staff phone that scanned the card; yet no number may rest in plaintext on a phone or
//! on the server, and a lost staff phone must yield nothing that reverses card hashes
//! offline (a hash key shared by every staff phone would). So the staff phone keeps no
//! number and no linkable hash: it seals the number to the authority that signed its
//! desk's venue code, and only the holder of that authority's secret (the server) opens
//! it, at ingest, to compute the link ([`card_link`]) under a key of its own.
//!
//! Seal: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//! ChaCha20-Poly1305, to the authority's Ed25519 key in its X25519 form (RFC 7748's map;
//! using one key pair for Ed25519 and an X25519 KEM is analysed in ePrint 2021/509).
//! `info` = [`SEAL_INFO`]; `aad` = the visit's check-in id (16 bytes), so a sealed number
//! cannot be moved to another visit; plaintext = the card kind's code (1 CCCD, 2 BHYT)
//! then the number in ASCII. Sealed bytes: the encapsulated key (32) then the ciphertext
//! (plaintext + 16-byte tag). Vectors: `docs/vectors/card-seal.json`.

use ed25519_dalek::{SigningKey, VerifyingKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::profile::{CardHashKey, CardKind};
use crate::ids::Id128;

/// HPKE `info`: binds a seal to its purpose.
pub const SEAL_INFO: &[u8] = b"vaora-card-seal-v1";
/// Bytes a seal adds to the plaintext: the encapsulated key and the AEAD tag.
pub const SEAL_OVERHEAD: usize = 32 + 16;
/// Longest card number (BHYT: 15 characters).
const MAX_NUMBER: usize = 15;
/// The label of the server's link key, derived from the authority's secret.
const LINK_KEY_LABEL: &[u8] = b"vaora-card-link-key-v1";

/// Why a card number could not be sealed, opened or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error("the authority key cannot receive a sealed number")]
    BadRecipient,
    #[error("the sealed number is shorter than a seal")]
    TooShort,
    #[error("the sealed number does not open with this key for this visit")]
    DoesNotOpen,
    #[error("the sealed plaintext is not a card kind and number")]
    BadPlaintext,
}

/// Why a typed or scanned card number is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardNumberError {
    #[error("a card number is 12 digits (CCCD) or 2 letters and 13 digits (BHYT)")]
    Malformed,
}

/// A card number in its one stored form: the kind and the number as the card's QR code
/// has it (CCCD: 12 digits; BHYT: 2 upper-case letters and 13 digits).
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber {
    pub kind: CardKind,
    number: Zeroizing<String>,
}

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber({}, ..)", self.kind.as_str())
    }
}

impl CardNumber {
    /// A number as an operator types it or a scanner reads it: spaces, dots and dashes
    /// are ignored, letters may be lower-case; the kind follows from the shape.
    pub fn parse(text: &str) -> Result<Self, CardNumberError> {
        let n: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '\t'))
            .collect::<String>()
            .to_ascii_uppercase();
        let b = n.as_bytes();
        let kind = if b.len() == 12 && b.iter().all(u8::is_ascii_digit) {
            CardKind::Cccd
        } else if b.len() == 15
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..].iter().all(u8::is_ascii_digit)
        {
            CardKind::Bhyt
        } else {
            return Err(CardNumberError::Malformed);
        };
        Ok(Self {
            kind,
            number: Zeroizing::new(n),
        })
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    /// Seals the number to `authority` for the visit `visit_id`, with fresh randomness.
    pub fn seal(&self, authority: &VerifyingKey, visit_id: &Id128) -> Result<Vec<u8>, SealError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| SealError::Random(e.to_string()))?;
        self.seal_with_seed(authority, visit_id, &seed)
    }

    /// [`CardNumber::seal`] with the sender's randomness from `seed` (test vectors only:
    /// a seed used twice makes two seals linkable).
    pub fn seal_with_seed(
        &self,
        authority: &VerifyingKey,
        visit_id: &Id128,
        seed: &[u8; 32],
    ) -> Result<Vec<u8>, SealError> {
        let recipient =
            <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&authority.to_montgomery().0)
                .map_err(|_| SealError::BadRecipient)?;
        let mut plaintext = Zeroizing::new(Vec::with_capacity(1 + MAX_NUMBER));
        plaintext.push(self.kind.code());
        plaintext.extend_from_slice(self.number.as_bytes());
        let (enc, ct) =
            hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
                &OpModeS::Base,
                &recipient,
                SEAL_INFO,
                &plaintext,
                visit_id.as_bytes(),
                &mut SeedStream::new(seed),
            )
            .map_err(|_| SealError::BadRecipient)?;
        let mut sealed = enc.to_bytes().to_vec();
        sealed.extend_from_slice(&ct);
        Ok(sealed)
    }

    /// Opens a number sealed for the visit `visit_id` with the authority's secret.
    pub fn open(
        authority: &SigningKey,
        visit_id: &Id128,
        sealed: &[u8],
    ) -> Result<Self, SealError> {
        if sealed.len() < SEAL_OVERHEAD {
            return Err(SealError::TooShort);
        }
        let (enc, ct) = sealed.split_at(32);
        let secret = Zeroizing::new(authority.to_scalar_bytes());
        let secret = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(secret.as_slice())
            .map_err(|_| SealError::DoesNotOpen)?;
        let enc = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(enc)
            .map_err(|_| SealError::DoesNotOpen)?;
        let plaintext = Zeroizing::new(
            hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
                &OpModeR::Base,
                &secret,
                &enc,
                SEAL_INFO,
                ct,
                visit_id.as_bytes(),
            )
            .map_err(|_| SealError::DoesNotOpen)?,
        );
        let (kind, number) = plaintext.split_first().ok_or(SealError::BadPlaintext)?;
        let kind = CardKind::from_code(*kind).ok_or(SealError::BadPlaintext)?;
        let number = std::str::from_utf8(number).map_err(|_| SealError::BadPlaintext)?;
        let card = Self::parse(number).map_err(|_| SealError::BadPlaintext)?;
        if card.kind != kind || card.number() != number {
            return Err(SealError::BadPlaintext);
        }
        Ok(card)
    }
}

/// The server's card link: `HMAC-SHA256(link key, "vaora-card-v1" 0x00 kind number)`
/// ([`CardHashKey::hash`]) under a key derived from the authority's secret, so only the
/// server computes it, and the same card links across every staff device.
pub fn card_link(authority: &SigningKey, card: &CardNumber) -> [u8; 32] {
    link_key(authority).hash(card.kind, card.number())
}

/// `SHA-256(label 0x00 authority secret)`: the link key never leaves the server.
fn link_key(authority: &SigningKey) -> CardHashKey {
    let mut h = Sha256::new();
    h.update(LINK_KEY_LABEL);
    h.update([0]);
    h.update(authority.to_bytes());
    CardHashKey::from_bytes(h.finalize().into())
}

/// A deterministic byte stream from a 32-byte seed (SHA-256 of the seed and a counter),
/// so sealing takes its randomness from a fallible source up front and never panics.
struct SeedStream {
    seed: Zeroizing<[u8; 32]>,
    counter: u64,
    block: Zeroizing<[u8; 32]>,
    used: usize,
}

impl SeedStream {
    fn new(seed: &[u8; 32]) -> Self {
        Self {
            seed: Zeroizing::new(*seed),
            counter: 0,
            block: Zeroizing::new([0; 32]),
            used: 32,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == self.block.len() {
            let mut h = Sha256::new();
            h.update(self.seed.as_slice());
            h.update(self.counter.to_be_bytes());
            *self.block = h.finalize().into();
            self.counter += 1;
            self.used = 0;
        }
        let b = self.block[self.used];
        self.used += 1;
        b
    }
}

impl TryRng for SeedStream {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.next_byte();
        }
        Ok(())
    }
}

impl TryCryptoRng for SeedStream {}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn visit() -> Id128 {
        Id128::from_bytes([9; 16])
    }

    #[test]
    fn numbers_are_read_as_typed_or_scanned() {
        let c = CardNumber::parse(" 001 048-009.876 ").unwrap();
        assert_eq!((c.kind, c.number()), (CardKind::Cccd, "001048009876"));
        let b = CardNumber::parse("dn4010123456789").unwrap();
        assert_eq!((b.kind, b.number()), (CardKind::Bhyt, "DN4010123456789"));
        for bad in [
            "",
            "00104800987",
            "0010480098765",
            "D14010123456789",
            "DN401012345678x",
        ] {
            assert_eq!(
                CardNumber::parse(bad),
                Err(CardNumberError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_sealed_number_opens_only_with_the_authority_for_its_visit() {
        let card = CardNumber::parse("001048009876").unwrap();
        let a = authority();
        let sealed = card.seal(&a.verifying_key(), &visit()).unwrap();
        assert_eq!(sealed.len(), SEAL_OVERHEAD + 13);
        assert!(!sealed.windows(12).any(|w| w == b"001048009876"));
        assert_eq!(CardNumber::open(&a, &visit(), &sealed).unwrap(), card);
        // Another authority, another visit, a flipped bit, a truncated seal: refused.
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            CardNumber::open(&other, &visit(), &sealed),
            Err(SealError::DoesNotOpen)
        );
        assert_eq!(
            CardNumber::open(&a, &Id128::from_bytes([1; 16]), &sealed),
            Err(SealError::DoesNotOpen)
        );
        let mut flipped = sealed.clone();
        flipped[40] ^= 1;
        assert_eq!(
            CardNumber::open(&a, &visit(), &flipped),
            Err(SealError::DoesNotOpen)
        );
        assert_eq!(
            CardNumber::open(&a, &visit(), &sealed[..20]),
            Err(SealError::TooShort)
        );
    }

    #[test]
    fn two_seals_of_one_card_differ_but_link_the_same() {
        let card = CardNumber::parse("DN4010123456789").unwrap();
        let a = authority();
        let one = card.seal(&a.verifying_key(), &visit()).unwrap();
        let two = card.seal(&a.verifying_key(), &visit()).unwrap();
        assert_ne!(one, two);
        let opened = CardNumber::open(&a, &visit(), &two).unwrap();
        assert_eq!(card_link(&a, &card), card_link(&a, &opened));
        // The link is keyed by the authority's secret: another server cannot compute it.
        assert_ne!(
            card_link(&a, &card),
            card_link(&SigningKey::from_bytes(&[8; 32]), &card)
        );
    }
}
