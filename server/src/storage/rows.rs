//! The values the storage layer takes and returns, the same for every backend.
//!
//! Times are Unix milliseconds, ids 16 raw bytes. A check-in has the signed record exactly
//! as uploaded (evidence) and its derived stay (venue, person, times) that tracing reads;
//! updates move the stay, highest sequence wins. Day numbers (the daily aggregates, the
//! rollup, the console's windows) are UTC days since 1970-01-01 ([`day_of_ms`]).

use vaora_protocol::ids::Id128;

const DAY_MS: i64 = 86_400_000;

/// The UTC day number (days since 1970-01-01) of a Unix-millisecond time.
pub fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The day number of a calendar day.
pub fn day_number(day: chrono::NaiveDate) -> i64 {
    (day - chrono::NaiveDate::default()).num_days()
}

/// Milliseconds from `ms` to the next UTC midnight (never 0).
pub(crate) fn ms_to_next_day(ms: i64) -> i64 {
    DAY_MS - ms.rem_euclid(DAY_MS)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: Id128,
    pub public_key: [u8; 32],
}

/// How the person of a stay was identified (column `recorded_by`): by their own phone
/// (a check-in), or by venue staff from what they showed at the door (a staff check-in,
/// stored under the staff device).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordedBy {
    OwnPhone,
    /// Staff scanned the person's personal code (their own or a proxy declaration's).
    StaffFromPersonalCode,
    StaffFromCccd,
    StaffFromBhyt,
}

impl RecordedBy {
    /// The stored code (0 own phone, 1 personal code, 2 CCCD, 3 BHYT).
    pub fn code(self) -> u8 {
        match self {
            Self::OwnPhone => 0,
            Self::StaffFromPersonalCode => 1,
            Self::StaffFromCccd => 2,
            Self::StaffFromBhyt => 3,
        }
    }

    /// The inverse of [`RecordedBy::code`]; an unknown code reads as the own phone.
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => Self::StaffFromPersonalCode,
            2 => Self::StaffFromCccd,
            3 => Self::StaffFromBhyt,
            _ => Self::OwnPhone,
        }
    }

    /// Staff recorded the visit (the stay's device is the staff's, not the person's).
    pub fn by_staff(self) -> bool {
        self != Self::OwnPhone
    }
}

/// A check-in's stay as the tracing query needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInRow {
    pub id: Id128,
    pub device_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue_id: Option<Id128>,
    pub venue_name: String,
    pub from_ms: i64,
    pub until_ms: i64,
    /// Own check-in, or a visit staff recorded (then `device_id` is the staff device and
    /// `person_id` a per-visit id).
    pub recorded_by: RecordedBy,
    /// The visitor's birth year, when staff read one (a card, a personal code).
    pub birth_year: Option<u16>,
    /// A visit from a personal code: the key of the device that made the code and the
    /// declaration's id, so a case for that device (and person) finds the visit.
    pub code: Option<CodeRef>,
    /// A visit from an ID card: the number as the staff phone sealed it to the authority
    /// (never the number itself).
    pub sealed_card: Option<Vec<u8>>,
    /// The server's keyed link of that card ([`vaora_protocol::cards::card_link`]), when
    /// it could open the seal: what a card holder's case finds.
    pub card_link: Option<[u8; 32]>,
}

impl CheckInRow {
    /// A stay checked in by the person's own phone.
    #[allow(clippy::too_many_arguments)] // the columns of a stay, in their order
    pub fn own(
        id: Id128,
        device_id: Id128,
        person_id: Id128,
        person_name: String,
        venue_id: Option<Id128>,
        venue_name: String,
        from_ms: i64,
        until_ms: i64,
    ) -> Self {
        Self {
            id,
            device_id,
            person_id,
            person_name,
            venue_id,
            venue_name,
            from_ms,
            until_ms,
            recorded_by: RecordedBy::OwnPhone,
            birth_year: None,
            code: None,
            sealed_card: None,
            card_link: None,
        }
    }
}

/// A visit staff recorded from one of a device's personal codes, as that device
/// downloads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeVisitRow {
    pub checkin_id: Id128,
    pub declaration_id: Id128,
    pub venue_id: Id128,
    /// The registry's name ('' for an unknown venue).
    pub venue_name: String,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// The card of a card holder's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCard {
    pub link: [u8; 32],
    pub kind: u8,
}

/// The personal code a staff-recorded visit was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRef {
    /// The public key of the device whose declaration made the code.
    pub device_key: [u8; 32],
    pub declaration_id: Id128,
}

/// New times for a stored (or not yet arrived) check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRow {
    pub id: Id128,
    pub checkin_id: Id128,
    pub sequence: i64,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// What a verified record adds besides itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derived {
    /// A stay: a check-in, or a visit staff recorded.
    CheckIn(CheckInRow),
    Update(UpdateRow),
    /// A declaration: whom it is about (the person id on the declaring device), so a
    /// proxy person's case finds the visits staff recorded from its personal code.
    Declaration {
        person_id: Id128,
    },
    /// What an inspector found (issue 19).
    Inspection(InspectionRow),
    Nothing,
}

/// An inspection as the server keeps it (beside its signed record): the inspector's
/// findings at a venue and the verdict they come to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionRow {
    pub id: Id128,
    /// The inspector's device.
    pub device_id: Id128,
    pub venue_id: Id128,
    pub at_ms: i64,
    /// `vaora_protocol::records::CodeFinding` code.
    pub code: u8,
    /// `vaora_protocol::records::PlaceFinding` code.
    pub place: u8,
    pub poster: bool,
    pub scanning: bool,
    pub desk: Option<bool>,
    /// `vaora_protocol::records::InspectionVerdict::as_str`.
    pub verdict: String,
    pub note: String,
}

/// A venue on a ward's inspection work list: due when not inspected since the cutoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkListRow {
    pub venue: VenueRow,
    /// The latest inspection kept (within the retention window), if any.
    pub last_inspected_ms: Option<i64>,
    pub last_verdict: Option<String>,
}

/// A verified record ready to store. Its identity is `(device_id, id)`: a record id is
/// the device's own idempotency key, and another device's record with the same id is
/// another record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub id: Id128,
    pub device_id: Id128,
    pub kind: u8,
    pub body: Vec<u8>,
    pub signature: [u8; 64],
    pub received_ms: i64,
    /// The time the record is about (a stay's start, a declaration's time): what
    /// retention ages it by.
    pub at_ms: i64,
    pub derived: Derived,
}

/// What storing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// Same device and id, same kind and body: already stored.
    Duplicate,
    /// Same device and id, different content: refused.
    Conflict,
}

/// What the venue registry says of a venue id a check-in names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VenueStatus {
    /// Registered and not revoked.
    Registered,
    /// Registered, then revoked.
    Revoked,
    /// Not in the registry (a code issued elsewhere, or an id a device made up).
    Unknown,
}

impl VenueStatus {
    /// The status column the shared statements compute (0 unknown, 1 registered, 2 revoked).
    pub(crate) fn from_code(code: i64) -> Self {
        match code {
            1 => Self::Registered,
            2 => Self::Revoked,
            _ => Self::Unknown,
        }
    }
}

/// One of a case's own stays, with its venue as the registry knows it (never the name the
/// device put in its check-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayRow {
    pub id: Id128,
    pub person_id: Id128,
    pub venue_id: Id128,
    /// The registry's name ('' for an unknown venue).
    pub venue_name: String,
    pub venue_status: VenueStatus,
    pub from_ms: i64,
    pub until_ms: i64,
    /// The person's own check-in, or a visit staff recorded from their code.
    pub recorded_by: RecordedBy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: Id128,
    /// The case's device; all zeros for a card holder's case ([`CaseRow::card`]).
    pub device_id: Id128,
    pub person_id: Option<Id128>,
    /// A card holder's case: the server's link of the card and its kind (1 CCCD, 2 BHYT).
    pub card: Option<CaseCard>,
    pub from_ms: i64,
    pub until_ms: i64,
    pub created_ms: i64,
}

/// One contact of a case: the other person's stay clipped to the overlap, at a venue as
/// the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    /// The device that recorded the stay: the person's own, or the staff's.
    pub device_id: Id128,
    /// The stay's check-in id (what a sealed card number is bound to).
    pub checkin_id: Id128,
    /// A visit staff recorded from an ID card: its number, sealed to the authority.
    pub sealed_card: Option<Vec<u8>>,
    pub person_id: Id128,
    pub person_name: String,
    pub recorded_by: RecordedBy,
    pub birth_year: Option<u16>,
    pub venue_id: Id128,
    /// The registry's name ('' for an unknown venue).
    pub venue_name: String,
    pub venue_status: VenueStatus,
    pub overlap_from_ms: i64,
    pub overlap_until_ms: i64,
    /// Staff recorded it with a device enrolled as the venue's staff.
    pub enrolled_staff: bool,
}

/// A stored exposure window; `seq` is the download cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRow {
    pub seq: i64,
    pub id: Id128,
    pub case_id: Id128,
    pub checkin_id: Id128,
    pub venue_id: Id128,
    pub from_ms: i64,
    pub until_ms: i64,
    pub level: u8,
    pub key_id: String,
    pub signature: [u8; 64],
    pub published_ms: i64,
}

/// A registered venue as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueRow {
    pub id: Id128,
    pub name: String,
    pub category: u8,
    pub ward: String,
    pub address: String,
    pub code_text: String,
    pub registered_ms: i64,
    pub revoked: bool,
    /// The owner's contact phone (normalised) when the venue registered itself; empty
    /// when the authority registered it.
    pub contact: String,
    /// SHA-256 of the management secret of a self-registered venue.
    pub manage_hash: Option<[u8; 32]>,
}

impl VenueRow {
    /// Whether the venue's owner registered it (not the authority).
    pub fn self_registered(&self) -> bool {
        self.manage_hash.is_some()
    }
}

/// Venue list filters; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueQuery {
    pub text: String,
    pub category: Option<u8>,
    pub ward: String,
    pub include_revoked: bool,
    /// `Some(true)`: only venues their owners registered; `Some(false)`: only the
    /// authority's; `None`: both.
    pub self_registered: Option<bool>,
    pub limit: u32,
}

/// Counts for the overview; `per_day` holds only days with check-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverviewCounts {
    pub by_category: Vec<(u8, u64)>,
    pub by_ward: Vec<(String, u64)>,
    pub per_day: Vec<(i64, u64)>,
    pub devices: u64,
    pub open_cases: u64,
}

/// Which venues' scans to count: a window of UTC day numbers (both included) and the
/// filters ('' and `None` mean any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanWindow {
    pub from_day: i64,
    pub to_day: i64,
    pub ward: String,
    pub category: Option<u8>,
}

impl ScanWindow {
    /// How many days the window spans.
    pub fn days(&self) -> i64 {
        self.to_day - self.from_day + 1
    }
}

/// One active venue's scans in a window with its peer group (`ward`, `category`): what the
/// compliance rule needs, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCount {
    pub venue_id: Id128,
    pub ward: String,
    pub category: u8,
    pub scans: u64,
}
