//! What a decoded QR text is. One call ([`classify`]) sorts every decoded text into a
//! venue code (with its verification result), a personal code, a citizen ID card (CCCD),
//! a health insurance card (BHYT), or unknown text, so the camera screen and staff
//! scanner share one rule.
//!
//! Personal codes are verified offline (device certificates against the trust store's
//! authority keys); CCCD and BHYT texts are parsed and validated (`docs/id-cards.md`).
//! A text that has the shape of one kind but fails its checks is still that kind, with
//! the typed error, so a scanner can say "this ID card is damaged" rather than "unknown".

use chrono::{DateTime, Utc};

use crate::cards::{BhytCard, BhytError, CccdCard, CccdError, bhyt, cccd};
use crate::declare::{AuthorityKey, PersonalCodeError, VerifiedPersonalCode};
use crate::venue::{TrustStore, VerifiedVenue, payload};

/// What one decoded text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// Starts with the venue-code prefix; verified (or refused, incl. malformed).
    Venue(VerifiedVenue),
    /// Starts with the personal-code prefix; verified (or refused).
    Personal(Result<VerifiedPersonalCode, PersonalCodeError>),
    /// Has the CCCD shape (12 digits then `|`); parsed and validated (or refused).
    Cccd(Result<CccdCard, CccdError>),
    /// Has the BHYT shape (card number then `|`, ends with `$`); parsed (or refused).
    Bhyt(Result<BhytCard, BhytError>),
    Unknown(String),
}

impl Classified {
    /// Stable kind name for the CLI and platforms.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Venue(_) => "venue",
            Self::Personal(_) => "personal",
            Self::Cccd(_) => "cccd",
            Self::Bhyt(_) => "bhyt",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// Classifies a decoded text; venue codes are verified against `trust` at `now`.
pub fn classify(text: &str, trust: &TrustStore, now: DateTime<Utc>) -> Classified {
    if payload::has_prefix(text) {
        return Classified::Venue(trust.verify_text(text, now));
    }
    let trimmed = text.trim();
    if trimmed.starts_with(crate::declare::personal_code::PREFIX) {
        let authorities = AuthorityKey::from_trust_store(trust);
        return Classified::Personal(crate::declare::PersonalCode::verify(
            trimmed,
            now,
            &authorities,
        ));
    }
    // ID cards are dated in the staff device's local calendar (Vietnam).
    let today = now
        .with_timezone(&crate::clock::vietnam_offset())
        .date_naive();
    if cccd::looks_like_cccd(trimmed) {
        return Classified::Cccd(CccdCard::parse(trimmed, today));
    }
    if bhyt::looks_like_bhyt(trimmed) {
        return Classified::Bhyt(BhytCard::parse(trimmed, today));
    }
    Classified::Unknown(text.to_owned())
}

/// Classifies every text decoded from one frame, in order.
pub fn classify_all(texts: &[String], trust: &TrustStore, now: DateTime<Utc>) -> Vec<Classified> {
    texts.iter().map(|t| classify(t, trust, now)).collect()
}
