//! The staff desk over FFI: venue staff record visitors without a phone from the personal
//! code a family member made for them or from their ID card (core's `desk`: one venue per
//! desk, every visitor checked before anything is stored). Thin: opening, recording and the
//! error mapping; the rules are core's.

use std::sync::Arc;
use std::time::SystemTime;

use vaora_core::desk::{DeskError, RecordedVisit};
use vaora_core::diary::DeclareError;
use vaora_protocol::declare::{StaffPolicy, VisitorSource};

use crate::convert::{VenueInfo, to_system_time};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};

impl From<DeskError> for VaoraError {
    fn from(err: DeskError) -> Self {
        match err {
            DeskError::Venue(e) => e.into(),
            DeskError::Visitor(DeclareError::Diary(e)) => e.into(),
            // An expired, uncertified, forged or malformed code or card: refused, nothing stored.
            DeskError::Visitor(e) => Self::input(ErrorCode::CodeRefused, e.to_string()),
            e @ DeskError::NotAVisitorCode { .. } => {
                Self::input(ErrorCode::CodeRefused, e.to_string())
            }
        }
    }
}

/// What the visitor showed at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitorDocument {
    /// A personal health code; `certified`: its device was certified by a trusted
    /// authority; `proxy`: a household member's declaration made it.
    PersonalCode { certified: bool, proxy: bool },
    /// A citizen ID card (CCCD) QR.
    CitizenIdCard,
    /// A health insurance card (BHYT) QR.
    HealthInsuranceCard,
}

/// A visitor the desk recorded (signed, queued for sync).
#[derive(Debug, Clone, uniffi::Record)]
pub struct StaffVisit {
    pub checkin_id: String,
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub venue: VenueInfo,
    pub checked_in_at: SystemTime,
    pub document: VisitorDocument,
}

impl From<RecordedVisit> for StaffVisit {
    fn from(v: RecordedVisit) -> Self {
        let document = match v.body.source {
            VisitorSource::PersonalCode {
                certified, proxy, ..
            } => VisitorDocument::PersonalCode { certified, proxy },
            VisitorSource::IdCard { kind, .. } => match kind {
                vaora_protocol::cards::CardKind::Cccd => VisitorDocument::CitizenIdCard,
                vaora_protocol::cards::CardKind::Bhyt => VisitorDocument::HealthInsuranceCard,
            },
        };
        let c = v.body.checkin;
        Self {
            checkin_id: c.id.to_hex(),
            display_name: c.person_name,
            birth_year: v.body.birth_year.map(i32::from),
            venue: c.venue.into(),
            checked_in_at: to_system_time(c.checked_in_at),
            document,
        }
    }
}

/// A desk at one venue, on this device's diary. Use it through the layers
/// (`VaoraDiary.openStaffDesk`), which move every call off the main thread.
#[derive(Debug, uniffi::Object)]
pub struct StaffDesk {
    diary: Arc<Vaora>,
    desk: vaora_core::desk::StaffDesk,
}

#[uniffi::export]
impl Vaora {
    /// Opens a staff desk at the venue of `venue_code` (its poster's code), which must
    /// verify now against the trust store (`CODE_REFUSED` otherwise). `require_certified`:
    /// refuse personal codes from devices no trusted authority certified.
    pub fn open_staff_desk(
        self: Arc<Self>,
        venue_code: String,
        require_certified: bool,
    ) -> Result<Arc<StaffDesk>, VaoraError> {
        let policy = StaffPolicy { require_certified };
        let desk = self.with_diary("open_staff_desk", |d| {
            Ok(vaora_core::desk::StaffDesk::open(d, &venue_code, policy)?)
        })?;
        Ok(Arc::new(StaffDesk { diary: self, desk }))
    }
}

#[uniffi::export]
impl StaffDesk {
    /// The venue this desk records visits at.
    pub fn venue(&self) -> VenueInfo {
        self.desk.venue().clone().into()
    }

    /// Records the visitor whose personal code or ID-card QR the camera read, now: checked,
    /// signed and queued for sync in one step. A refused code or card (expired,
    /// uncertified under `require_certified`, forged, not a visitor's code) is
    /// `CODE_REFUSED` and stores nothing.
    pub fn record(&self, scanned: String) -> Result<StaffVisit, VaoraError> {
        self.diary
            .with_diary("desk_record", |d| Ok(self.desk.record(d, &scanned)?.into()))
    }
}
