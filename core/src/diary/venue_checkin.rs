//! From a scanned venue-code text to the venue a check-in records: verify first, and
//! write nothing unless the code is valid or the caller explicitly accepts an unverified
//! code. An accepted unverified code is recorded with `VenueRef::verified = false`.
//!
//! Which refusals may be overridden: only those an honest code can hit on an
//! out-of-date phone (unknown key id: the key set has not arrived yet; not yet valid or
//! expired: a wrong clock or an old poster). A bad signature, a revoked key or venue, or
//! a malformed code is evidence of forgery or withdrawal and is never accepted.

use vaora_protocol::venue::{VenueCode, Verification, VerifiedVenue};

use super::checkin_rows::{CheckIn, CheckInRequest};
use super::error::DiaryError;
use super::handle::Diary;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, VenueRef};

/// Whether the caller accepts a code that could not be verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverified {
    Refuse,
    /// The person confirmed checking in at an unverified venue.
    Accept,
}

/// Why a scanned venue code gives no venue to check in at.
#[derive(Debug, thiserror::Error)]
pub enum VenueCheckInError {
    #[error("venue code refused: {0}")]
    Refused(Verification),
    #[error("no people chosen to check in")]
    NobodyChosen,
    #[error(transparent)]
    Diary(#[from] DiaryError),
}

/// A venue ready for check-in: what to record, the default stay for automatic
/// check-out, and the verification result it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedVenue {
    pub venue: VenueRef,
    pub default_stay_min: u16,
    pub verification: Verification,
}

impl ScannedVenue {
    /// Applies the override policy to a verification outcome (no diary needed).
    pub fn from_verified(
        verified: VerifiedVenue,
        policy: Unverified,
    ) -> Result<Self, VenueCheckInError> {
        let overridable = matches!(
            verified.result,
            Verification::UnknownKeyId | Verification::NotYetValid | Verification::Expired
        );
        let code: VenueCode = match verified.code {
            Some(code) if verified.result.is_valid() => code,
            Some(code) if overridable && policy == Unverified::Accept => code,
            _ => return Err(VenueCheckInError::Refused(verified.result)),
        };
        let info = code.info;
        Ok(Self {
            venue: VenueRef {
                id: Some(info.venue_id),
                name: info.name,
                address: info.address,
                category: info.category,
                issuer_key_id: Some(info.key_id.to_hex()),
                verified: verified.result.is_valid(),
            },
            default_stay_min: info.default_stay_min,
            verification: verified.result,
        })
    }
}

impl Diary {
    /// Verifies a scanned text against the diary's trust store and returns the venue to
    /// record. Writes nothing. The diary's check-in call takes `ScannedVenue::venue`.
    pub fn scanned_venue(
        &self,
        text: &str,
        policy: Unverified,
    ) -> Result<ScannedVenue, VenueCheckInError> {
        let verified = self.verify_venue_code(text)?;
        ScannedVenue::from_verified(verified, policy)
    }

    /// Checks in the chosen people from a scanned venue-code text, in one call: verifies
    /// against the diary's trust store, then records the check-ins (all or nothing) with
    /// the code's venue and default stay. Writes nothing when the code is refused.
    pub fn check_in_from_venue_code(
        &mut self,
        text: &str,
        people: Vec<Id128>,
        policy: Unverified,
    ) -> Result<(ScannedVenue, Vec<CheckIn>), VenueCheckInError> {
        if people.is_empty() {
            return Err(VenueCheckInError::NobodyChosen);
        }
        let scanned = self.scanned_venue(text, policy)?;
        let done = self.check_in(CheckInRequest {
            people,
            venue: scanned.venue.clone(),
            method: CheckInMethod::ScannedVenueCode,
            at: None,
            venue_default_stay: Some(chrono::Duration::minutes(i64::from(
                scanned.default_stay_min,
            ))),
        })?;
        Ok((scanned, done))
    }
}
