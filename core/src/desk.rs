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

use vaora_protocol::cards::CardProfile;
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::declare::{StaffCheckInBody, StaffPolicy};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{SignedRecord, VenueRef};

use crate::diary::{DeclareError, Diary, Unverified, VenueCheckInError};

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
        let ids = (
            Id128::random().map_err(DeclareError::from)?,
            Id128::random().map_err(DeclareError::from)?,
        );
        let venue = self.venue.clone();
        let body = match classify(
            scanned,
            &diary.trust_store().map_err(DeclareError::from)?,
            now,
        ) {
            Classified::Personal(code) => {
                let code = code.map_err(DeclareError::from)?;
                StaffCheckInBody::from_personal_code(ids, &code, venue, now, self.policy)
                    .map_err(DeclareError::from)?
            }
            Classified::Cccd(card) => {
                let card = card.map_err(DeclareError::from)?;
                let key = diary.card_hash_key().map_err(DeclareError::from)?;
                StaffCheckInBody::from_card(
                    ids,
                    &CardProfile::from_cccd(&card, &key, false),
                    venue,
                    now,
                )
            }
            Classified::Bhyt(card) => {
                let card = card.map_err(DeclareError::from)?;
                let key = diary.card_hash_key().map_err(DeclareError::from)?;
                StaffCheckInBody::from_card(
                    ids,
                    &CardProfile::from_bhyt(&card, &key, false),
                    venue,
                    now,
                )
            }
            other => return Err(DeskError::NotAVisitorCode { kind: other.kind() }),
        };
        let record = diary
            .save_staff_checkin(&body)
            .map_err(DeclareError::from)?;
        Ok(RecordedVisit { body, record })
    }
}
