//! What the console shows and asks for: the plain values that cross the
//! [`crate::backend::ConsoleBackend`] seam, shaped so the server can answer from daily
//! aggregates (see `docs/console.md`): the overview asks for counts, never for rows, and
//! the compliance page asks for one scan count per venue over a window of days.

use chrono::{DateTime, NaiveDate, Utc};
use vaora_protocol::venue::VenueCategory;
pub use vaora_protocol::wire::IdentifiedBy;

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
    /// Registered by its owner (the public page or the app), not by the authority.
    pub self_registered: bool,
    /// The owner's contact phone of a self-registered venue; empty otherwise.
    pub contact: String,
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

/// What a venue's owner enters on the public registration page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOwnVenue {
    pub name: String,
    pub category: VenueCategory,
    pub ward: String,
    pub address: String,
    /// Stay assumed when nobody checks out, printed into the code (minutes).
    pub stay_minutes: u16,
    /// The owner's phone number as typed.
    pub contact: String,
}

/// A venue its owner just registered: the venue, its poster in both formats, and the
/// management secret (shown this once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnVenue {
    pub detail: VenueDetail,
    pub manage_secret: String,
    pub poster_svg: String,
    pub poster_png: Vec<u8>,
    /// The same poster on one A4 page, ready to print.
    pub poster_pdf: Vec<u8>,
}

/// What a venue's owner asks of their venue on the public management page, with its
/// management secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerAction {
    /// Only show the venue and its staff.
    Show,
    /// Make a single-use staff enrolment code.
    NewCode,
    /// Remove this device (32 hex digits) from the staff.
    RemoveStaff(String),
    /// Revoke the venue's code.
    Revoke,
}

/// What the owner sees of their venue after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerView {
    pub venue: VenueSummary,
    /// Enrolled staff devices (32 hex digits) and when each was enrolled.
    pub staff: Vec<(String, DateTime<Utc>)>,
    /// The code made by [`OwnerAction::NewCode`], and until when it can be used.
    pub code: Option<(String, DateTime<Utc>)>,
}

/// Filters of the venue list; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueFilter {
    /// Matched against the name and the address, case-insensitively.
    pub text: String,
    pub category: Option<VenueCategory>,
    pub ward: String,
    pub include_revoked: bool,
    /// `Some(true)`: only venues their owners registered; `Some(false)`: only the
    /// authority's.
    pub self_registered: Option<bool>,
    pub limit: u32,
}

/// A poster in both formats the venue-code module renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterFormat {
    Png,
    Svg,
    /// One A4 page ready to print.
    Pdf,
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
    /// Empty for a card holder's case.
    pub device_id: String,
    /// `None` means every person on the device.
    pub person: Option<String>,
    /// A card holder's case: in a new case, the CCCD or BHYT number the operator typed;
    /// in a marked case, only the card's kind ("CCCD", "BHYT"): the server keeps no
    /// number.
    pub card: Option<String>,
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
    /// The device that recorded the stay: the person's own, or (recorded by staff) the
    /// staff device.
    pub device_id: String,
    pub person: Option<String>,
    /// Own phone (alerts reach it), or venue staff from a personal code or a card: then
    /// the person may have no phone, and `name` and `birth_year` are how a tracer finds
    /// them.
    pub identified_by: IdentifiedBy,
    /// The name staff read (only for visits staff recorded).
    pub name: Option<String>,
    pub birth_year: Option<u16>,
    /// The card number of a visitor staff recorded from an ID card, opened for the
    /// signed-in operator (the server logs an audit line; it never stores the number).
    pub card_number: Option<String>,
    /// Staff recorded it with a device the venue's owner enrolled as its staff.
    pub enrolled_staff: bool,
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

/// A field inspection as the console shows it (issue 19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInspection {
    pub id: String,
    pub venue_id: String,
    /// The inspector's device id (32 hex digits).
    pub inspector: String,
    pub at: DateTime<Utc>,
    /// `compliant`, `non-compliant` or `code-problem`.
    pub verdict: String,
    /// The scanned code: `genuine`, `revoked`, `expired` or `not-genuine`.
    pub code: String,
    /// Whether it was this place's code: `registered`, `not-registered` or `not-checked`.
    pub place: String,
    pub poster: bool,
    pub scanning: bool,
    pub desk: Option<bool>,
    pub note: String,
}

/// A venue and its latest field inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedVenue {
    pub venue: VenueSummary,
    pub inspection: FieldInspection,
}

/// A venue on a ward's inspection work list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkListEntry {
    pub venue: VenueSummary,
    pub last_inspected: Option<DateTime<Utc>>,
    pub last_verdict: Option<String>,
    /// Not inspected within the list's days.
    pub due: bool,
}

/// A certified inspector device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorEntry {
    pub device_id: String,
    pub certified_at: DateTime<Utc>,
}

/// A fresh single-use inspector enrolment code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}
