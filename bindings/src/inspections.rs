//! Field inspection on an inspector's phone (issue 19, `docs/records.md`, "Inspection"):
//! redeem the authority's inspector code, download a ward's venue list, check a poster
//! offline at the door, and record what was found as a signed inspection that the next
//! sync uploads.

use std::sync::Arc;
use std::time::SystemTime;

use vaora_core::diary::{
    InspectionFindings, PosterCheck as CorePosterCheck, RecordedInspection, WardVenue as CoreWard,
};
use vaora_core::sync::inspection::{download_work_list, enrol_as_inspector};
use vaora_protocol::records::{
    CodeFinding as CoreCode, InspectionVerdict as CoreVerdict, PlaceFinding as CorePlace,
};
use vaora_protocol::venue;

use crate::convert::{VenueCategory, to_system_time};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::http::{AppTransport, HttpTransport};

/// What the phone says of a poster's code, offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CodeFinding {
    /// Signed by a trusted authority, valid, not revoked.
    Genuine,
    /// The venue or its signing key is revoked.
    Revoked,
    /// Expired or not yet valid.
    Expired,
    /// Signed by no key this phone trusts: a forgery.
    NotGenuine,
}

impl From<CoreCode> for CodeFinding {
    fn from(c: CoreCode) -> Self {
        match c {
            CoreCode::Genuine => Self::Genuine,
            CoreCode::Revoked => Self::Revoked,
            CoreCode::Expired => Self::Expired,
            CoreCode::NotGenuine => Self::NotGenuine,
        }
    }
}

/// Whether the code is the one registered for this place, as far as the phone knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlaceFinding {
    /// No ward list downloaded: not checked.
    NotChecked,
    /// On the downloaded ward list under this name.
    Registered,
    /// Not on the ward list, or listed under another name.
    NotRegistered,
}

impl From<CorePlace> for PlaceFinding {
    fn from(p: CorePlace) -> Self {
        match p {
            CorePlace::NotChecked => Self::NotChecked,
            CorePlace::Registered => Self::Registered,
            CorePlace::NotRegistered => Self::NotRegistered,
        }
    }
}

/// What an inspection comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InspectionVerdict {
    /// A genuine code of this place, the poster up and visitors scanning.
    Compliant,
    /// The poster is not up or visitors do not scan.
    NonCompliant,
    /// The code is revoked, expired, forged or not this place's.
    CodeProblem,
}

impl From<CoreVerdict> for InspectionVerdict {
    fn from(v: CoreVerdict) -> Self {
        match v {
            CoreVerdict::Compliant => Self::Compliant,
            CoreVerdict::NonCompliant => Self::NonCompliant,
            CoreVerdict::CodeProblem => Self::CodeProblem,
        }
    }
}

/// The answer at the door, before anything is recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PosterCheck {
    pub venue_id: String,
    pub venue_name: String,
    pub code: CodeFinding,
    pub place: PlaceFinding,
    /// The ward of the list entry, when the venue is on the downloaded list.
    pub ward: Option<String>,
}

impl From<CorePosterCheck> for PosterCheck {
    fn from(c: CorePosterCheck) -> Self {
        Self {
            venue_id: c.venue_id.to_hex(),
            venue_name: c.venue_name,
            code: c.code.into(),
            place: c.place.into(),
            ward: c.ward,
        }
    }
}

/// What the inspector found, besides the code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InspectionForm {
    pub poster_displayed: bool,
    pub visitors_scanning: bool,
    /// `None` when not observed.
    #[uniffi(default = None)]
    pub staff_desk_in_use: Option<bool>,
    /// A short note about the venue (at most 500 characters), never about a visitor.
    #[uniffi(default = "")]
    pub note: String,
}

/// An inspection this phone recorded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Inspection {
    pub id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub verdict: InspectionVerdict,
    pub inspected_at: SystemTime,
}

impl From<RecordedInspection> for Inspection {
    fn from(i: RecordedInspection) -> Self {
        Self {
            id: i.id.to_hex(),
            venue_id: i.venue_id.to_hex(),
            venue_name: i.venue_name,
            verdict: i.verdict.into(),
            inspected_at: to_system_time(i.inspected_at),
        }
    }
}

/// A venue of the downloaded ward list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WardVenue {
    pub venue_id: String,
    pub ward: String,
    pub name: String,
    pub address: String,
    pub category: Option<VenueCategory>,
    pub last_inspected_at: Option<SystemTime>,
    pub last_verdict: Option<InspectionVerdict>,
    /// Not inspected within the list's days when downloaded.
    pub due: bool,
}

impl From<CoreWard> for WardVenue {
    fn from(v: CoreWard) -> Self {
        Self {
            venue_id: v.venue_id.to_hex(),
            ward: v.ward,
            name: v.name,
            address: v.address,
            category: venue::VenueCategory::from_code(v.category).map(Into::into),
            last_inspected_at: v.last_inspected_at.map(to_system_time),
            last_verdict: v
                .last_verdict
                .as_deref()
                .and_then(CoreVerdict::parse)
                .map(Into::into),
            due: v.due,
        }
    }
}

#[uniffi::export]
impl Vaora {
    /// Checks a scanned poster now, offline: the code against the trust store, its venue
    /// against the downloaded ward list. A text that is not a venue code is an
    /// `InvalidInput` error.
    pub fn check_poster(&self, code_text: String) -> Result<PosterCheck, VaoraError> {
        self.with_diary("check_poster", |d| Ok(d.check_poster(&code_text)?.into()))
    }

    /// Checks the poster and records what was found as a signed inspection, queued for
    /// the next sync (the server keeps it only from a certified inspector).
    pub fn record_inspection(
        &self,
        code_text: String,
        form: InspectionForm,
    ) -> Result<Inspection, VaoraError> {
        let findings = InspectionFindings {
            poster_displayed: form.poster_displayed,
            visitors_scanning: form.visitors_scanning,
            staff_desk_in_use: form.staff_desk_in_use,
            note: form.note,
        };
        self.with_diary("record_inspection", |d| {
            let (body, _) = d.record_inspection(&code_text, &findings)?;
            Ok(Inspection {
                id: body.id.to_hex(),
                venue_id: body.venue_id.to_hex(),
                verdict: body.verdict().into(),
                inspected_at: to_system_time(body.inspected_at),
                venue_name: body.venue_name,
            })
        })
    }

    /// The inspections this phone recorded, newest first.
    pub fn inspections(&self) -> Result<Vec<Inspection>, VaoraError> {
        self.with_diary("inspections", |d| {
            Ok(d.inspections()?.into_iter().map(Into::into).collect())
        })
    }

    /// The downloaded ward list, venues due first.
    pub fn work_list(&self) -> Result<Vec<WardVenue>, VaoraError> {
        self.with_diary("work_list", |d| {
            Ok(d.work_list()?.into_iter().map(Into::into).collect())
        })
    }

    /// Redeems the authority's inspector code (shown by the console) with this registered
    /// device: it is then a certified inspector. A used, expired or unknown code is a
    /// `Network` error with the server's reason.
    pub async fn enrol_as_inspector(
        &self,
        transport: Arc<dyn HttpTransport>,
        code: String,
    ) -> Result<(), VaoraError> {
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        enrol_as_inspector(&transport, &shared, &code).await?;
        Ok(())
    }

    /// Downloads a ward's venue list ('' = every ward; venues not inspected for `days` are
    /// due) and keeps it for offline poster checks, replacing the previous one.
    pub async fn download_work_list(
        &self,
        transport: Arc<dyn HttpTransport>,
        ward: String,
        days: i32,
    ) -> Result<Vec<WardVenue>, VaoraError> {
        let days = u32::try_from(days)
            .map_err(|_| VaoraError::input(ErrorCode::InvalidInput, "days must not be negative"))?;
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        let downloaded = download_work_list(&transport, &shared, &ward, days).await;
        self.tell_changes();
        downloaded?;
        self.work_list()
    }
}
