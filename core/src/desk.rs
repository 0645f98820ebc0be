//! The staff desk: venue staff record visitors who have no phone of their own, from the
//! personal code a family member made for them or from the QR on their ID card.
//!
//! A desk is bound to one venue, opened from that venue's poster code, which must verify
//! against the diary's trust store (an unknown, expired or revoked venue is refused: a
//! desk never records visits at a venue it cannot vouch for). Each scanned text is then
//! classified (`vaora_protocol::codes`), checked (personal-code signature and validity,
//! card fields) and, when accepted, becomes a signed staff check-in in the diary's sync
//! queue at once, offline. The CLI (`vaora staff-checkin`) and the platforms call this;
//! none of them decides anything on its own.

use vaora_protocol::cards::{BhytError, CardProfile, CccdError};
use vaora_protocol::codes::Classified;
use vaora_protocol::declare::{PersonalCodeError, StaffCheckInBody, StaffError, StaffPolicy};
use vaora_protocol::ids::{Id128, IdError};
use vaora_protocol::records::{SignedRecord, VenueRef};

use crate::diary::{DeclareError, Diary, DiaryError, Unverified, VenueCheckInError};

/// Why a desk could not be opened or a visitor not recorded.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The venue code does not verify: the desk cannot be opened.
    #[error(transparent)]
    Venue(#[from] VenueCheckInError),
    /// The scanned text is a personal code or card that failed its checks, or the diary
    /// could not store the visit.
    #[error(transparent)]
    Visitor(#[from] DeclareError),
    /// The scanned text is neither a personal code nor an ID card (a venue code, other text).
    #[error("the scanned text is not a personal code or ID card: {kind}")]
    NotAVisitorCode { kind: &'static str },
}

/// Every failure of a visitor's code or card, or of the diary, is a refusal of the visitor.
macro_rules! visitor_errors {
    ($($from:ty),*) => {$(
        impl From<$from> for DeskError {
            fn from(e: $from) -> Self {
                Self::Visitor(DeclareError::from(e))
            }
        }
    )*};
}
visitor_errors!(
    DiaryError,
    IdError,
    PersonalCodeError,
    StaffError,
    CccdError,
    BhytError
);

/// A desk at one venue, with the settings staff chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDesk {
    venue: VenueRef,
    policy: StaffPolicy,
}

/// A visitor the desk recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVisit {
    pub body: StaffCheckInBody,
    pub record: SignedRecord,
}

impl StaffDesk {
    /// Opens a desk at the venue of `venue_code`, which must verify now against the
    /// diary's trust store.
    pub fn open(diary: &Diary, venue_code: &str, policy: StaffPolicy) -> Result<Self, DeskError> {
        let venue = diary.scanned_venue(venue_code, Unverified::Refuse)?.venue;
        Ok(Self { venue, policy })
    }

    /// The venue this desk records visits at.
    pub fn venue(&self) -> &VenueRef {
        &self.venue
    }

    /// Records the visitor whose code or card the camera read, now: verifies it, signs a
    /// staff check-in and queues it for sync, in one transaction. Refusals store nothing.
    pub fn record(&self, diary: &Diary, scanned: &str) -> Result<RecordedVisit, DeskError> {
        let now = diary.clock().now();
        let ids = (Id128::random()?, Id128::random()?);
        let venue = self.venue.clone();
        let body = match diary.classify(&[scanned])?.pop() {
            Some(Classified::Personal(code)) => {
                StaffCheckInBody::from_personal_code(ids, &code?, venue, now, self.policy)?
            }
            Some(Classified::Cccd(card)) => {
                let profile = CardProfile::from_cccd(&card?, &diary.card_hash_key()?, false);
                StaffCheckInBody::from_card(ids, &profile, venue, now)
            }
            Some(Classified::Bhyt(card)) => {
                let profile = CardProfile::from_bhyt(&card?, &diary.card_hash_key()?, false);
                StaffCheckInBody::from_card(ids, &profile, venue, now)
            }
            other => {
                return Err(DeskError::NotAVisitorCode {
                    kind: other.as_ref().map_or("unknown", Classified::kind),
                });
            }
        };
        let record = diary.save_staff_checkin(&body)?;
        Ok(RecordedVisit { body, record })
    }
}
