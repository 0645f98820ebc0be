//! The staff desk on phones: a thin exported object over `vaora_core::desk::StaffDesk`.
//! Venue staff open it from their venue's poster code and feed it every text the camera
//! read (the `scanFrame` / `FrameScanner` path); it answers with one typed result per new
//! text and stays quiet while a held-up code keeps coming back. Every rule (what is
//! accepted, when a visit ends) is core's; this file only converts types.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use vaora_core::desk::{self, DeskError, IdentifiedBy, Verdict, VisitState, Visitor};
use vaora_protocol::declare::Trigger as CoreTrigger;

use crate::convert::{VenueInfo, parse_id, to_system_time};
use crate::declare::Trigger;
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};

impl From<DeskError> for VaoraError {
    fn from(err: DeskError) -> Self {
        match err {
            DeskError::Venue(e) => e.into(),
            DeskError::Visitor(e) => e.into(),
            DeskError::NotAVisitorCode { .. } | DeskError::AlreadyInside => {
                VaoraError::input(ErrorCode::CodeRefused, err.to_string())
            }
            // Only the system's random source can fail a seal.
            DeskError::Seal(_) => VaoraError::internal(err.to_string()),
        }
    }
}

/// What staff accept at the door. `DeskSettings()` is the usual choice.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeskSettings {
    /// Refuse self-signed personal codes: only codes from devices an authority certified
    /// (ID cards are not affected).
    #[uniffi(default = false)]
    pub require_certified: bool,
    /// A text seen again within this many milliseconds of its last sighting gets no new
    /// answer (a camera reads a held-up code on every frame).
    #[uniffi(default = 3000)]
    pub repeat_window_ms: i64,
}

impl From<DeskSettings> for desk::DeskSettings {
    fn from(s: DeskSettings) -> Self {
        Self {
            require_certified: s.require_certified,
            repeat_window: chrono::Duration::milliseconds(s.repeat_window_ms.max(0)),
        }
    }
}

/// How a visitor was identified.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeskIdentifiedBy {
    /// A personal code. `certified`: an authority vouches for the device that made it.
    /// `declaredBy`: the family member who declared for the visitor (proxy); `null` for
    /// their own declaration (or, in the day's list, when the name is not kept).
    PersonalCode {
        certified: bool,
        declared_by: Option<String>,
        /// The answers that need attention (empty: no risk declared).
        triggers: Vec<Trigger>,
        valid_until: SystemTime,
    },
    /// A citizen ID card (CCCD).
    Cccd,
    /// A health insurance card (BHYT).
    Bhyt,
}

/// The visitor as their code or card names them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeskVisitor {
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub identified_by: DeskIdentifiedBy,
}

/// The desk's decision (`docs/personal-code.md`, "The staff desk").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeskVerdict {
    /// Recorded: a signed staff check-in with this id is queued for sync.
    Accepted { checkin_id: String },
    /// Already inside (an open visit here): nothing new recorded.
    AlreadyInside { checkin_id: String },
    /// A genuine personal code past its validity.
    Expired,
    /// A self-signed personal code at a desk that requires certified codes.
    NotCertified,
    /// Forged or altered: the signature does not verify.
    BadSignature,
    /// A personal code that cannot be read (damaged, truncated, unknown version).
    Unreadable { reason: String },
    /// The card's QR fails the card checks: `field` at fault (`docs/id-cards.md` names,
    /// none when the whole code is misshapen), the stable check `code`, and a `reason`.
    InvalidCard {
        field: Option<String>,
        code: String,
        reason: String,
    },
    /// A venue poster or other text: not shown at the door (`kind`: `venue`, `unknown`).
    NotADoorCode { kind: String },
}

/// One answer: the verdict, and who (known unless the code is forged, unreadable or
/// invalid).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeskAnswer {
    pub verdict: DeskVerdict,
    pub visitor: Option<DeskVisitor>,
}

/// Where one of the day's visitors stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeskVisitState {
    Inside,
    CheckedOut,
    /// The venue's default stay ended the visit.
    StayEnded,
}

/// One of the day's visitors.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeskVisit {
    pub checkin_id: String,
    pub visitor: DeskVisitor,
    pub checked_in_at: SystemTime,
    /// When the visit ended or will end; none for visits from before the diary kept stays.
    pub until: Option<SystemTime>,
    pub state: DeskVisitState,
}

fn triggers(mask: u16) -> Vec<Trigger> {
    CoreTrigger::from_mask(mask)
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

impl From<Visitor> for DeskVisitor {
    fn from(v: Visitor) -> Self {
        Self {
            display_name: v.display_name,
            birth_year: v.birth_year.map(i32::from),
            identified_by: match v.identified_by {
                IdentifiedBy::PersonalCode {
                    certified,
                    declared_by,
                    trigger_mask,
                    valid_until,
                } => DeskIdentifiedBy::PersonalCode {
                    certified,
                    declared_by,
                    triggers: triggers(trigger_mask),
                    valid_until: to_system_time(valid_until),
                },
                IdentifiedBy::Cccd => DeskIdentifiedBy::Cccd,
                IdentifiedBy::Bhyt => DeskIdentifiedBy::Bhyt,
            },
        }
    }
}

impl From<Verdict> for DeskVerdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Accepted { checkin_id } => Self::Accepted {
                checkin_id: checkin_id.to_string(),
            },
            Verdict::AlreadyInside { checkin_id } => Self::AlreadyInside {
                checkin_id: checkin_id.to_string(),
            },
            Verdict::Expired => Self::Expired,
            Verdict::NotCertified => Self::NotCertified,
            Verdict::BadSignature => Self::BadSignature,
            Verdict::Unreadable { reason } => Self::Unreadable { reason },
            Verdict::InvalidCard {
                field,
                code,
                reason,
            } => Self::InvalidCard {
                field,
                code,
                reason,
            },
            Verdict::NotADoorCode { kind } => Self::NotADoorCode { kind },
        }
    }
}

impl From<desk::DeskVisit> for DeskVisit {
    fn from(v: desk::DeskVisit) -> Self {
        Self {
            checkin_id: v.checkin_id.to_string(),
            visitor: v.visitor.into(),
            checked_in_at: to_system_time(v.checked_in_at),
            until: v.until.map(to_system_time),
            state: match v.state {
                VisitState::Inside => DeskVisitState::Inside,
                VisitState::CheckedOut => DeskVisitState::CheckedOut,
                VisitState::StayEnded => DeskVisitState::StayEnded,
            },
        }
    }
}

/// A staff desk bound to one venue. Use it from one camera loop; calls are serialised.
#[derive(uniffi::Object)]
pub struct StaffDesk {
    vaora: Arc<Vaora>,
    desk: Mutex<desk::StaffDesk>,
}

impl std::fmt::Debug for StaffDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffDesk").finish_non_exhaustive()
    }
}

impl StaffDesk {
    fn with_desk<T>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut desk::StaffDesk, &mut vaora_core::diary::Diary) -> Result<T, DeskError>,
    ) -> Result<T, VaoraError> {
        // A panic inside a desk call is contained below; the desk's state is only a cache of
        // recent texts, so a poisoned lock is taken over as is.
        let mut guard = match self.desk.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        self.vaora
            .with_diary(what, |d| f(&mut guard, d).map_err(VaoraError::from))
    }
}

#[uniffi::export]
impl Vaora {
    /// Opens a staff desk at the venue of `venueCode` (a poster's text), which must verify
    /// against the trust store: an unknown, expired or revoked venue is refused
    /// (`CODE_REFUSED`).
    pub fn open_staff_desk(
        self: Arc<Self>,
        venue_code: String,
        settings: DeskSettings,
    ) -> Result<Arc<StaffDesk>, VaoraError> {
        let desk = self.with_diary("open_staff_desk", |d| {
            Ok(desk::StaffDesk::open(d, &venue_code, settings.into())?)
        })?;
        Ok(Arc::new(StaffDesk {
            vaora: self,
            desk: Mutex::new(desk),
        }))
    }
}

#[uniffi::export]
impl StaffDesk {
    /// The venue this desk records visits at.
    pub fn venue(&self) -> Result<VenueInfo, VaoraError> {
        self.with_desk("desk_venue", |desk, _| Ok(desk.venue().clone().into()))
    }

    /// Answers a text the camera read: none while the same text keeps coming back within
    /// the repeat window, else one answer. `Accepted` means the visit is queued for sync
    /// when this returns; every other verdict stores nothing. Errors are the diary's only.
    pub fn scan(&self, text: String) -> Result<Option<DeskAnswer>, VaoraError> {
        self.with_desk("desk_scan", |desk, d| {
            Ok(desk.scan(d, &text)?.map(|r| DeskAnswer {
                verdict: r.verdict.into(),
                visitor: r.visitor.map(Into::into),
            }))
        })
    }

    /// Staff check a visitor out now; returns when the visit ended. `INVALID_INPUT` for a
    /// visit that already ended, `NOT_FOUND` for an unknown id.
    pub fn check_out(&self, checkin_id: String) -> Result<SystemTime, VaoraError> {
        let id = parse_id(&checkin_id)?;
        self.with_desk("desk_check_out", |desk, d| {
            Ok(to_system_time(desk.check_out(d, &id)?))
        })
    }

    /// Today's visitors here (the diary's local day), newest first, with their state now.
    pub fn visitors_today(&self) -> Result<Vec<DeskVisit>, VaoraError> {
        self.with_desk("desk_visitors_today", |desk, d| {
            Ok(desk
                .visitors_today(d)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Changes the settings; the next sighting of any text is answered afresh.
    pub fn set_settings(&self, settings: DeskSettings) -> Result<(), VaoraError> {
        self.with_desk("desk_set_settings", |desk, _| {
            desk.set_settings(settings.into());
            Ok(())
        })
    }
}
