//! The one seam between the console and the server: [`ConsoleBackend`].
//!
//! The console renders pages; it owns no data and no rules about check-ins, venue codes
//! or tracing. Every figure it shows and every action it takes goes through this trait,
//! which the reference server implements over the same roles that serve the `/v1` API.
//! Keeping the trait small keeps that implementation small. The values it takes and
//! returns are in [`crate::model`] (re-exported here).

use std::future::Future;

use chrono::NaiveDate;

pub use crate::compliance::{Finding, Flagged, Inspection};
pub use crate::model::{
    CaseSubject, CaseSummary, CaseVisit, Contact, FieldInspection, IdentifiedBy, InspectedVenue,
    InspectorCode, InspectorEntry, NewCase, NewOwnVenue, NewVenue, Overview, OwnVenue, OwnerAction,
    OwnerView, PosterFormat, PublishedWindow, ScanCountQuery, Trace, VenueDetail, VenueFilter,
    VenueScanCount, VenueSummary, WorkListEntry,
};

/// Why the backend could not answer. The console shows `NotFound` and `Invalid` to the
/// user as they are; `Storage` is logged (without personal data) and shown as a generic
/// failure.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A budget is spent (too many registrations from one address): try again later.
    #[error("{0}")]
    Limited(String),
    /// The management secret does not manage that venue.
    #[error("{0}")]
    WrongSecret(String),
    /// A self-registration's contact is not a phone number.
    #[error("{0}")]
    BadContact(String),
    /// The contact phone has registered as many venues as it may.
    #[error("{0}")]
    ContactLimit(String),
    #[error("storage failure: {0}")]
    Storage(String),
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

    /// A venue's owner registers it from the public page (no sign-in): the same rules,
    /// per-address and server budgets and cap per contact phone as `POST /v1/venues`;
    /// `from` is the client's address.
    fn register_own_venue(
        &self,
        venue: NewOwnVenue,
        from: Option<std::net::IpAddr>,
    ) -> impl Future<Output = Result<OwnVenue, BackendError>> + Send;

    /// The owner's management of a venue they registered, proved by its management secret
    /// (the same rules as `POST /v1/venues/{id}/…`): the action, then the venue and its
    /// staff as they are.
    fn manage_own_venue(
        &self,
        venue_id: &str,
        secret: &str,
        action: OwnerAction,
    ) -> impl Future<Output = Result<OwnerView, BackendError>> + Send;

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
    /// [`ConsoleBackend::scan_counts`], unless the backend has a cheaper way to the same
    /// list (the server applies the same rule to narrow per-venue counts and reads back
    /// only the flagged venues' details).
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

    /// A venue's field inspections, newest first (issue 19).
    fn venue_inspections(
        &self,
        venue_id: &str,
    ) -> impl Future<Output = Result<Vec<FieldInspection>, BackendError>> + Send;

    /// The latest field inspection of each of these venues that has one.
    fn latest_inspections(
        &self,
        venue_ids: &[String],
    ) -> impl Future<Output = Result<Vec<FieldInspection>, BackendError>> + Send;

    /// The latest field inspection of each venue (of `ward`, '' = any) inspected since
    /// `since`, newest first: the compliance page puts them beside the scan statistics.
    fn recent_inspections(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        ward: &str,
    ) -> impl Future<Output = Result<Vec<InspectedVenue>, BackendError>> + Send;

    /// A ward's ('' = every ward) active venues, the longest uninspected first, each
    /// marked due when not inspected within `days`.
    fn work_list(
        &self,
        ward: &str,
        days: u32,
    ) -> impl Future<Output = Result<Vec<WorkListEntry>, BackendError>> + Send;

    /// The certified inspectors.
    fn inspectors(&self) -> impl Future<Output = Result<Vec<InspectorEntry>, BackendError>> + Send;

    /// A single-use, short-lived code that certifies the phone that redeems it.
    fn new_inspector_code(
        &self,
    ) -> impl Future<Output = Result<InspectorCode, BackendError>> + Send;

    /// Withdraws an inspector's certification.
    fn withdraw_inspector(
        &self,
        device_id: &str,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}
