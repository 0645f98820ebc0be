//! What a decoded text is, as Kotlin and Swift see it: a mirror of
//! `vaora_protocol::codes::Classified` and of the venue-code verification result.

use vaora_protocol::codes::Classified;
use vaora_protocol::venue::{Verification, VerifiedVenue};

use crate::convert::VenueInfo;

/// The outcome of verifying a venue code (docs/venue-code.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VenueVerification {
    Valid,
    UnknownKeyId,
    BadSignature,
    NotYetValid,
    Expired,
    KeyRevoked,
    VenueRevoked,
    Malformed,
}

impl From<&Verification> for VenueVerification {
    fn from(v: &Verification) -> Self {
        match v {
            Verification::Valid => Self::Valid,
            Verification::UnknownKeyId => Self::UnknownKeyId,
            Verification::BadSignature => Self::BadSignature,
            Verification::NotYetValid => Self::NotYetValid,
            Verification::Expired => Self::Expired,
            Verification::KeyRevoked => Self::KeyRevoked,
            Verification::VenueRevoked => Self::VenueRevoked,
            Verification::Malformed(_) => Self::Malformed,
        }
    }
}

/// A verified (or refused) venue code.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScannedVenueCode {
    pub text: String,
    pub verification: VenueVerification,
    /// Why a refused code was refused, fit to log.
    pub detail: String,
    /// The venue, when the code could be parsed (even if refused).
    pub venue: Option<VenueInfo>,
    /// How long a visit usually lasts here, in minutes (the automatic check-out).
    pub default_stay_min: Option<i32>,
}

pub(crate) fn scanned_venue(text: &str, v: VerifiedVenue) -> ScannedVenueCode {
    let verification = VenueVerification::from(&v.result);
    let detail = match &v.result {
        Verification::Malformed(m) => format!("malformed: {m}"),
        other => other.as_str().to_owned(),
    };
    let valid = v.result.is_valid();
    let (venue, stay) = match v.code {
        Some(code) => {
            let i = code.info;
            (
                Some(VenueInfo {
                    id: Some(i.venue_id.to_hex()),
                    name: i.name,
                    address: i.address,
                    category: i.category.into(),
                    issuer_key_id: Some(i.key_id.to_hex()),
                    verified: valid,
                }),
                Some(i32::from(i.default_stay_min)),
            )
        }
        None => (None, None),
    };
    ScannedVenueCode {
        text: text.to_owned(),
        verification,
        detail,
        venue,
        default_stay_min: stay,
    }
}

/// What one decoded text is.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum ClassifiedCode {
    /// A Vaora venue code, with its verification.
    Venue { code: ScannedVenueCode },
    /// A Vaora personal health code, verified (or refused).
    Personal {
        check: crate::declare::PersonalCodeCheck,
    },
    /// The QR code of a citizen ID card (CCCD).
    CitizenId { text: String },
    /// The QR code of a health insurance card (BHYT).
    HealthInsurance { text: String },
    /// Any other text.
    Unknown { text: String },
}

pub(crate) fn classified(text: &str, c: Classified) -> ClassifiedCode {
    match c {
        Classified::Venue(v) => ClassifiedCode::Venue {
            code: scanned_venue(text, v),
        },
        Classified::Personal(r) => ClassifiedCode::Personal {
            check: crate::declare::personal_check(text, r),
        },
        Classified::Cccd(_) => ClassifiedCode::CitizenId {
            text: text.to_owned(),
        },
        Classified::Bhyt(_) => ClassifiedCode::HealthInsurance {
            text: text.to_owned(),
        },
        Classified::Unknown(t) => ClassifiedCode::Unknown { text: t },
    }
}
