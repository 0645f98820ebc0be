//! The staff desk: venue staff record visitors who have no phone of their own, from the
//! personal code a family member made for them or from the QR on their ID card.
//!
//! A desk is bound to one venue, opened from that venue's poster code, which must verify
//! against the diary's trust store (an unknown, expired or revoked venue is refused: a
//! desk never records visits at a venue it cannot vouch for). Each scanned text is then
//! classified (`vaora_protocol::codes`), checked (personal-code signature and validity,
//! card fields) and, when accepted, becomes a signed staff check-in in the diary's sync
//! queue at once, offline. [`StaffDesk::scan`] answers every text with one typed
//! [`DeskResult`] and is made for a camera loop (a text held in view is answered once);
//! [`StaffDesk::record`] is the one-shot form the CLI uses (refusals as errors). Visits
//! stay open until staff check the visitor out or the venue's default stay ends them
//! (`diary::staff_checkins`). The CLI (`vaora staff-checkin`) and the platforms call
//! this; none of them decides anything on its own.

mod repeats;
mod verdict;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::VerifyingKey;
use vaora_protocol::cards::{BhytError, CardNumber, CardProfile, CccdError};
use vaora_protocol::codes::Classified;
use vaora_protocol::declare::{PersonalCodeError, StaffCheckInBody, StaffError, StaffPolicy};
use vaora_protocol::ids::{Id128, IdError};
use vaora_protocol::records::{SignedRecord, VenueRef};
use vaora_protocol::venue::KeyId;

use crate::diary::{DeclareError, Diary, DiaryError, StaffVisit, Unverified, VenueCheckInError};
use repeats::RecentScans;
pub use verdict::{DeskResult, IdentifiedBy, Verdict, Visitor};

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
    /// The visitor is already inside: no second visit was recorded.
    #[error("the visitor is already checked in here")]
    AlreadyInside,
    /// The card's number could not be sealed to the authority (the random source failed).
    #[error("cannot seal the card number: {0}")]
    Seal(String),
}

/// The public key of the authority that signed a venue code the trust store verified
/// (the key its `issuer_key_id` names).
fn venue_authority(diary: &Diary, venue: &VenueRef) -> Result<Option<VerifyingKey>, DeskError> {
    let Some(key_id) = venue
        .issuer_key_id
        .as_deref()
        .and_then(|k| k.parse::<KeyId>().ok())
    else {
        return Ok(None);
    };
    Ok(diary
        .trust_store()?
        .keys
        .get(&key_id)
        .and_then(|k| VerifyingKey::from_bytes(&k.public_key).ok()))
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

/// What staff accept at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskSettings {
    /// Refuse self-signed personal codes: only codes from devices a trusted authority
    /// certified are accepted (ID cards are not affected).
    pub require_certified: bool,
    /// The same text seen again within this window of its last sighting is not answered
    /// again (a camera reads a held-up code on every frame).
    pub repeat_window: Duration,
}

impl Default for DeskSettings {
    fn default() -> Self {
        Self {
            require_certified: false,
            repeat_window: Duration::seconds(3),
        }
    }
}

/// A desk at one venue, with the settings staff chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDesk {
    venue: VenueRef,
    /// The authority that signed the venue code: ID-card numbers are sealed to it
    /// (`vaora_protocol::cards::seal`), so only it can link or read them.
    authority: Option<VerifyingKey>,
    default_stay: Duration,
    settings: DeskSettings,
    recent: RecentScans,
}

/// What a scanned text stands for.
enum Read {
    Visit(StaffCheckInBody, Visitor),
    Refused(DeskResult, DeskError),
}

/// A visitor the desk recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVisit {
    pub body: StaffCheckInBody,
    pub record: SignedRecord,
}

/// Where a visitor stands, as the desk lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitState {
    /// Still inside.
    Inside,
    /// Staff checked the visitor out.
    CheckedOut,
    /// The venue's default stay ended the visit.
    StayEnded,
}

/// One of the day's visitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskVisit {
    pub checkin_id: Id128,
    pub visitor: Visitor,
    pub checked_in_at: DateTime<Utc>,
    /// When the visit ended or will end (the default stay); `None` for visits recorded
    /// before the diary kept stays.
    pub until: Option<DateTime<Utc>>,
    pub state: VisitState,
}

fn desk_visit(v: StaffVisit, now: DateTime<Utc>) -> DeskVisit {
    let state = match (v.checked_out_at, v.out_reason) {
        (Some(_), Some(vaora_protocol::records::UpdateReason::CheckOut)) => VisitState::CheckedOut,
        (Some(_), _) => VisitState::StayEnded,
        (None, _) if v.is_open_at(now) => VisitState::Inside,
        (None, _) => VisitState::StayEnded,
    };
    DeskVisit {
        checkin_id: v.body.checkin.id,
        visitor: verdict::body_visitor(&v.body),
        checked_in_at: v.body.checkin.checked_in_at,
        until: v.checked_out_at.or(v.auto_out_at),
        state,
    }
}

impl StaffDesk {
    /// Opens a desk at the venue of `venue_code`, which must verify now against the
    /// diary's trust store. Visits last the venue's default stay unless checked out.
    pub fn open(
        diary: &Diary,
        venue_code: &str,
        settings: DeskSettings,
    ) -> Result<Self, DeskError> {
        let scanned = diary.scanned_venue(venue_code, Unverified::Refuse)?;
        let authority = venue_authority(diary, &scanned.venue)?;
        Ok(Self {
            venue: scanned.venue,
            authority,
            default_stay: Duration::minutes(i64::from(scanned.default_stay_min)),
            settings,
            recent: RecentScans::default(),
        })
    }

    /// The venue this desk records visits at.
    pub fn venue(&self) -> &VenueRef {
        &self.venue
    }

    pub fn settings(&self) -> DeskSettings {
        self.settings
    }

    /// Changes the settings; the next sighting of any text is answered afresh.
    pub fn set_settings(&mut self, settings: DeskSettings) {
        self.settings = settings;
        self.recent.forget_all();
    }

    /// Answers a text the camera read: `None` while the same text keeps coming back within
    /// the repeat window, else one [`DeskResult`]. An accepted visitor is a signed staff
    /// check-in in the sync queue when this returns; every other verdict stores nothing.
    /// Errors are failures of the diary (storage, random source) only.
    pub fn scan(&mut self, diary: &Diary, text: &str) -> Result<Option<DeskResult>, DeskError> {
        let now = diary.clock().now();
        if self.recent.repeated(text, now, self.settings.repeat_window) {
            return Ok(None);
        }
        self.answer(diary, text).map(Some)
    }

    fn answer(&self, diary: &Diary, text: &str) -> Result<DeskResult, DeskError> {
        let (body, visitor) = match self.read(diary, text)? {
            Read::Visit(body, visitor) => (body, visitor),
            Read::Refused(result, _) => return Ok(result),
        };
        if let Some(open) = diary.open_staff_visit(self.venue.id.as_ref(), &body.source)? {
            return Ok(DeskResult {
                verdict: Verdict::AlreadyInside {
                    checkin_id: open.body.checkin.id,
                },
                visitor: Some(visitor),
            });
        }
        diary.save_staff_checkin(&body, self.default_stay)?;
        Ok(DeskResult {
            verdict: Verdict::Accepted {
                checkin_id: body.checkin.id,
            },
            visitor: Some(visitor),
        })
    }

    /// Records the visitor whose code or card the camera read, now: verifies it, signs a
    /// staff check-in and queues it for sync, in one transaction. Refusals store nothing
    /// and come back as errors (the CLI's one-shot form; a camera loop calls [`Self::scan`]).
    pub fn record(&self, diary: &Diary, scanned: &str) -> Result<RecordedVisit, DeskError> {
        let body = match self.read(diary, scanned)? {
            Read::Visit(body, _) => body,
            Read::Refused(_, e) => return Err(e),
        };
        if diary
            .open_staff_visit(self.venue.id.as_ref(), &body.source)?
            .is_some()
        {
            return Err(DeskError::AlreadyInside);
        }
        let record = diary.save_staff_checkin(&body, self.default_stay)?;
        Ok(RecordedVisit { body, record })
    }

    /// The visit a text stands for, or the desk's refusal of it (as a result and as an
    /// error). `Err` only when the diary failed.
    fn read(&self, diary: &Diary, text: &str) -> Result<Read, DeskError> {
        let now = diary.clock().now();
        let ids = (Id128::random()?, Id128::random()?);
        let venue = self.venue.clone();
        let policy = StaffPolicy {
            require_certified: self.settings.require_certified,
        };
        let refused = |verdict, visitor, error: DeskError| {
            Read::Refused(DeskResult { verdict, visitor }, error)
        };
        Ok(match diary.classify(&[text])?.pop() {
            Some(Classified::Personal(Ok(code))) => {
                let visitor = verdict::code_visitor(&code);
                match StaffCheckInBody::from_personal_code(ids, &code, venue, now, policy) {
                    Ok(body) => Read::Visit(body, visitor),
                    Err(e) => refused(verdict::staff_refused(&e), Some(visitor), e.into()),
                }
            }
            Some(Classified::Personal(Err(e))) => {
                refused(verdict::code_refused(&e), None, e.into())
            }
            Some(Classified::Cccd(Ok(card))) => {
                let profile = CardProfile::from_cccd(&card, &diary.card_hash_key()?, false);
                let visitor = verdict::card_visitor(&profile, IdentifiedBy::Cccd);
                let sealed = self.seal(&card.id_number, &ids.0)?;
                Read::Visit(
                    StaffCheckInBody::from_card(ids, &profile, venue, now, sealed),
                    visitor,
                )
            }
            Some(Classified::Cccd(Err(e))) => refused(verdict::cccd_refused(&e), None, e.into()),
            Some(Classified::Bhyt(Ok(card))) => {
                let profile = CardProfile::from_bhyt(&card, &diary.card_hash_key()?, false);
                let visitor = verdict::card_visitor(&profile, IdentifiedBy::Bhyt);
                let sealed = self.seal(&card.card_number, &ids.0)?;
                Read::Visit(
                    StaffCheckInBody::from_card(ids, &profile, venue, now, sealed),
                    visitor,
                )
            }
            Some(Classified::Bhyt(Err(e))) => refused(verdict::bhyt_refused(&e), None, e.into()),
            other => {
                let kind = other.as_ref().map_or("unknown", Classified::kind);
                refused(
                    Verdict::NotADoorCode {
                        kind: kind.to_owned(),
                    },
                    None,
                    DeskError::NotAVisitorCode { kind },
                )
            }
        })
    }

    /// A card's number sealed to the venue's authority for the visit `visit_id`; `None`
    /// when the desk does not know that authority's key (the visit is then recorded,
    /// but the authority cannot link the card).
    fn seal(&self, number: &str, visit_id: &Id128) -> Result<Option<Vec<u8>>, DeskError> {
        let Some(authority) = &self.authority else {
            return Ok(None);
        };
        let card = CardNumber::parse(number).map_err(|e| DeskError::Seal(e.to_string()))?;
        card.seal(authority, visit_id)
            .map(Some)
            .map_err(|e| DeskError::Seal(e.to_string()))
    }

    /// Staff check a visitor out now (a signed update in the sync queue); returns when the
    /// visit ended. A visit that already ended is refused and not changed.
    pub fn check_out(&self, diary: &Diary, checkin_id: &Id128) -> Result<DateTime<Utc>, DeskError> {
        Ok(diary.check_out_staff_visit(checkin_id)?)
    }

    /// Today's visitors at this desk's venue (the local day of the diary's clock), newest
    /// first, with their state now. Visits whose default stay is over are ended first.
    pub fn visitors_today(&self, diary: &Diary) -> Result<Vec<DeskVisit>, DeskError> {
        diary.close_due_staff_visits()?;
        let now = diary.clock().now();
        let visits = diary.staff_visits_today(self.venue.id.as_ref())?;
        Ok(visits.into_iter().map(|v| desk_visit(v, now)).collect())
    }
}
