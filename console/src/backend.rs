//! The one seam between the console and the server: [`ConsoleBackend`].
//!
//! The console renders pages; it owns no data and no rules about check-ins, venue codes
//! or tracing. Every figure it shows and every action it takes goes through this trait,
//! which the reference server implements over the same storage and the same tracing code
//! that serve the `/v1` API. Keeping the trait small keeps that implementation small.
//!
//! Shapes are chosen so the server can answer from daily aggregates (see
//! `docs/console.md`): the overview asks for counts, never for rows, and the compliance
//! page asks for one scan count per venue over a window of days.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use vaora_protocol::venue::VenueCategory;

pub use crate::compliance::{Finding, Flagged, Inspection};

/// Why the backend could not answer. The console shows `NotFound` and `Invalid` to the
/// user as they are; `Storage` is logged (without personal data) and shown as a generic
/// failure.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("storage failure: {0}")]
    Storage(String),
}

/// A registered venue as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueSummary {
    pub id: String,
    pub name: String,
    pub category: VenueCategory,
    /// Ward or commune (phường / xã), the unit inspectors are organised by.
    pub ward: String,
    pub address: String,
    pub registered_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A venue with what its detail page needs: the signed code text printed on the poster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueDetail {
    pub venue: VenueSummary,
    pub code_text: String,
}

/// What a venue-registration form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVenue {
    pub name: String,
    pub category: VenueCategory,
    pub ward: String,
    pub address: String,
}

/// Filters of the venue list; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueFilter {
    /// Matched against the name and the address, case-insensitively.
    pub text: String,
    pub category: Option<VenueCategory>,
    pub ward: String,
    pub include_revoked: bool,
    pub limit: u32,
}

/// A poster in both formats the venue-code module renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterFormat {
    Png,
    Svg,
}

/// Counts for the overview page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// Active (not revoked) venues per category.
    pub venues_by_category: Vec<(VenueCategory, u64)>,
    /// Active venues per ward, largest first.
    pub venues_by_ward: Vec<(String, u64)>,
    /// Check-ins per UTC day for the requested days, oldest first, zero days included.
    pub checkins_per_day: Vec<(NaiveDate, u64)>,
    pub registered_devices: u64,
    pub open_cases: u64,
}

/// Which venues the compliance page looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanCountQuery {
    /// First and last UTC day of the window, both included.
    pub from_day: NaiveDate,
    pub to_day: NaiveDate,
    pub ward: String,
    pub category: Option<VenueCategory>,
}

/// One active venue and its check-ins in the window (zero when nobody scanned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueScanCount {
    pub venue: VenueSummary,
    pub scans: u64,
}

/// Who a case is: a registered device, or one person (household profile) on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSubject {
    pub device_id: String,
    /// `None` means every person on the device.
    pub person: Option<String>,
}

/// What the "mark a case" form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub subject: CaseSubject,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// A marked case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: String,
    pub subject: CaseSubject,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub marked_at: DateTime<Utc>,
    /// When its exposure windows were published, if they were.
    pub published_at: Option<DateTime<Utc>>,
}

/// One check-in of the case itself (a row of the timeline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseVisit {
    pub venue_id: String,
    pub venue_name: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// Someone whose check-in overlapped one of the case's, as the tracing query reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub device_id: String,
    pub person: Option<String>,
    pub venue_id: String,
    pub venue_name: String,
    pub overlap_from: DateTime<Utc>,
    pub overlap_until: DateTime<Utc>,
}

/// The tracing result for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub case: CaseSummary,
    pub visits: Vec<CaseVisit>,
    pub contacts: Vec<Contact>,
}

/// An exposure window as published to phones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedWindow {
    pub case_id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Exposure level as the sync protocol defines it (higher is closer contact).
    pub level: u8,
    pub published_at: DateTime<Utc>,
}

/// Everything the console needs from the server. Implemented by the server's storage;
/// tests use an in-memory double.
pub trait ConsoleBackend: Send + Sync + 'static {
    /// Counts for the overview; `days` ends today (UTC) and includes it.
    fn overview(
        &self,
        today: NaiveDate,
        days: u32,
    ) -> impl Future<Output = Result<Overview, BackendError>> + Send;

    fn search_venues(
        &self,
        filter: &VenueFilter,
    ) -> impl Future<Output = Result<Vec<VenueSummary>, BackendError>> + Send;

    fn venue(&self, id: &str) -> impl Future<Output = Result<VenueDetail, BackendError>> + Send;

    /// Registers and signs a venue exactly as the authority API does.
    fn register_venue(
        &self,
        venue: NewVenue,
    ) -> impl Future<Output = Result<VenueDetail, BackendError>> + Send;

    fn revoke_venue(&self, id: &str) -> impl Future<Output = Result<(), BackendError>> + Send;

    /// The venue's poster, rendered by the venue-code module.
    fn poster(
        &self,
        id: &str,
        format: PosterFormat,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send;

    /// Scan counts per active venue in a window (from daily aggregates on the server).
    fn scan_counts(
        &self,
        query: &ScanCountQuery,
    ) -> impl Future<Output = Result<Vec<VenueScanCount>, BackendError>> + Send;

    /// The inspection list of a window: [`crate::compliance::inspect`] over
    /// [`ConsoleBackend::scan_counts`] unless the backend computes the same rule where the
    /// data is (the server does it in SQL so that only flagged venues leave the database).
    fn inspection(
        &self,
        query: &ScanCountQuery,
    ) -> impl Future<Output = Result<Inspection, BackendError>> + Send {
        async move {
            let rows = self.scan_counts(query).await?;
            Ok(Inspection {
                checked: rows.len() as u64,
                flagged: crate::compliance::inspect(rows),
            })
        }
    }

    fn mark_case(
        &self,
        case: NewCase,
    ) -> impl Future<Output = Result<CaseSummary, BackendError>> + Send;

    fn cases(&self) -> impl Future<Output = Result<Vec<CaseSummary>, BackendError>> + Send;

    /// The same tracing query the authority API runs.
    fn trace(&self, case_id: &str) -> impl Future<Output = Result<Trace, BackendError>> + Send;

    /// Publishes the case's exposure windows (idempotent) and returns them.
    fn publish(
        &self,
        case_id: &str,
    ) -> impl Future<Output = Result<Vec<PublishedWindow>, BackendError>> + Send;

    /// Every published exposure window, newest first.
    fn published(&self) -> impl Future<Output = Result<Vec<PublishedWindow>, BackendError>> + Send;
}
