//! What a decoded QR text is. One call ([`classify`]) sorts every decoded text into a
//! venue code (with its verification result), a personal code, a citizen ID card (CCCD),
//! a health insurance card (BHYT), or unknown text, so the camera screen and staff
//! scanner share one rule.
//!
//! Extension points (filled by the declarations work): [`PersonalCode`], [`CccdCard`]
//! and [`BhytCard`] are placeholders for their parsed contents, and [`classify`] has one
//! marked step for each before the "unknown" fallback.

use chrono::{DateTime, Utc};

use crate::venue::{TrustStore, VerifiedVenue, payload};

/// A Vaora personal health code. EXTENSION POINT: the declarations work replaces this
/// with the parsed, verified personal-code content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalCode {
    pub text: String,
}

/// A citizen ID card (CCCD) QR. EXTENSION POINT: filled by the card parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdCard {
    pub text: String,
}

/// A health insurance card (BHYT) QR. EXTENSION POINT: filled by the card parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BhytCard {
    pub text: String,
}

/// What one decoded text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// Starts with the venue-code prefix; verified (or refused, incl. malformed).
    Venue(VerifiedVenue),
    Personal(PersonalCode),
    Cccd(CccdCard),
    Bhyt(BhytCard),
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
    // EXTENSION POINT (declarations): personal code prefix -> Classified::Personal.
    // EXTENSION POINT (declarations): CCCD card layout -> Classified::Cccd.
    // EXTENSION POINT (declarations): BHYT card layout -> Classified::Bhyt.
    Classified::Unknown(text.to_owned())
}

/// Classifies every text decoded from one frame, in order.
pub fn classify_all(texts: &[String], trust: &TrustStore, now: DateTime<Utc>) -> Vec<Classified> {
    texts.iter().map(|t| classify(t, trust, now)).collect()
}
