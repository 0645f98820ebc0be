//! [`Storage`]: everything the server's roles ask of a database, in one trait.
//!
//! Each call is one transaction, so a failed request leaves nothing behind. What both
//! databases answer with the same statement is written once ([`super::queries`]) and
//! provided here; a backend implements only what really differs: ingest (one `UNNEST`
//! statement per batch on PostgreSQL, cached per-row statements on SQLite), the venue
//! writes that keep PostgreSQL's rollup rows, and the rollup itself (its re-base, and
//! whether a window is read from it or summed from the daily aggregates, under each
//! database's own locking).

use std::future::Future;

use vaora_protocol::ids::Id128;

use super::CodeVisitRow;
use super::engine::Engine;
pub use super::queries::backfill::StoredBody;
pub use super::queries::retention::Purged;
use super::queries::{
    backfill, cases, counts, devices, inspections, inspectors, overview, staff, venues, visits,
    windows,
};
use super::{
    CaseRow, CheckInRow, ContactRow, DeviceRow, InsertOutcome, InspectionRow, NewRecord,
    OverviewCounts, PeerCount, ScanWindow, StayRow, StorageError, VenueQuery, VenueRow,
    VenueStatus, WindowRow, WorkListRow,
};

/// Everything the server needs from a database.
pub trait Storage: Engine + Sized {
    // ---- What each backend does its own way.

    /// Stores a batch in one transaction, with the daily aggregates and the rollup for the
    /// check-ins new now; the outcomes are in input order. Ids in one batch are distinct
    /// (ingest folds repeats before calling).
    fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> impl Future<Output = Result<Vec<InsertOutcome>, StorageError>> + Send;

    /// Adds a venue to the registry (and, on PostgreSQL, its rollup row); `false` when a
    /// venue with its id is registered already (nothing changes then).
    fn insert_venue(&self, v: VenueRow) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Stores windows; one per (case, check-in): returns only the ones new now. Their
    /// `seq` (the download cursor) commits in the order it is handed out, so a phone that
    /// has seen a window has seen every window before it (PostgreSQL: publications take
    /// turns under a lock; SQLite has one writer).
    fn insert_windows(
        &self,
        windows: Vec<WindowRow>,
    ) -> impl Future<Output = Result<Vec<WindowRow>, StorageError>> + Send;

    /// Deletes everything personal older than `cutoff_ms` (see `queries/retention.rs`).
    fn purge_before(
        &self,
        cutoff_ms: i64,
    ) -> impl Future<Output = Result<Purged, StorageError>> + Send;

    /// Makes ready what storing records from `from_ms` to `until_ms` needs ahead of time
    /// (PostgreSQL: a `records` partition per day; SQLite: nothing); how many were made.
    fn prepare_partitions(
        &self,
        from_ms: i64,
        until_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Stores stays derived after the fact (a backfill) for records stored without one,
    /// with the daily aggregates and the rollup, and moves each to the highest-sequence
    /// update of its device that arrived meanwhile; a record that has a stay already is
    /// left as it is. The number of stays stored.
    fn store_backfilled_stays(
        &self,
        stays: Vec<CheckInRow>,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Marks a venue revoked (once); `false` when there is no such venue.
    fn revoke_venue_row(
        &self,
        id: Id128,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Scans per active venue in the window: from the per-venue rollup when it covers the
    /// window (see `storage/rollup.rs`), else summed from the daily aggregates. Never re-bases the
    /// rollup (that is the keeper's job, off the request path). The rows' `code_text` is
    /// empty.
    fn venue_scan_counts(
        &self,
        window: &ScanWindow,
    ) -> impl Future<Output = Result<Vec<(VenueRow, u64)>, StorageError>> + Send;

    /// [`Storage::venue_scan_counts`] narrowed to what the compliance rule needs (id, peer
    /// group, scans), from the same sources.
    fn peer_counts(
        &self,
        window: &ScanWindow,
    ) -> impl Future<Output = Result<Vec<PeerCount>, StorageError>> + Send;

    /// Recomputes the per-venue rollup for windows ending on `day`, from the daily
    /// aggregates, even when it is already on that day (bulk loads).
    fn rebuild_scan_rollup(
        &self,
        day: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Re-bases the rollup on `day` when it is on an older day; `true` when it did.
    fn rebase_scan_rollup(
        &self,
        day: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    // ---- The same statement on every database (provided).

    /// Registers a key; a key registered before keeps its device id (returned).
    fn register_device(
        &self,
        id: Id128,
        public_key: [u8; 32],
        now_ms: i64,
    ) -> impl Future<Output = Result<DeviceRow, StorageError>> + Send {
        devices::register(self, id, public_key, now_ms)
    }

    fn device(
        &self,
        id: Id128,
    ) -> impl Future<Output = Result<Option<DeviceRow>, StorageError>> + Send {
        devices::device(self, id)
    }

    fn record_count(&self) -> impl Future<Output = Result<u64, StorageError>> + Send {
        devices::record_count(self)
    }

    /// Whether the database answers at all (`GET /healthz`, what a balancer asks): one
    /// trivial statement, no table read.
    fn ping(&self) -> impl Future<Output = Result<(), StorageError>> + Send {
        async move {
            self.rows(super::engine::Query::new("SELECT 1", Vec::new()), |row| {
                row.int(0)
            })
            .await
            .map(|_| ())
        }
    }

    /// Stores a case; `false` when a case with its id exists already (a replay).
    fn create_case(
        &self,
        case: CaseRow,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        cases::create(self, case)
    }

    fn case(
        &self,
        id: Id128,
    ) -> impl Future<Output = Result<Option<CaseRow>, StorageError>> + Send {
        cases::case(self, id)
    }

    /// Cases, newest first, each with when its windows were first published.
    fn case_rows(
        &self,
    ) -> impl Future<Output = Result<Vec<(CaseRow, Option<i64>)>, StorageError>> + Send {
        cases::newest(self)
    }

    /// The case's own stays at known venues inside its period.
    fn case_stays(
        &self,
        case: &CaseRow,
    ) -> impl Future<Output = Result<Vec<StayRow>, StorageError>> + Send {
        cases::stays(self, case)
    }

    /// Everyone else whose stay overlapped one of the case's stays at the same venue.
    fn trace(
        &self,
        case: &CaseRow,
    ) -> impl Future<Output = Result<Vec<ContactRow>, StorageError>> + Send {
        cases::trace(self, case)
    }

    /// The visits staff recorded from the personal codes of the device with `device_key`
    /// since `since_ms`, newest first, `limit` at most.
    fn code_visits(
        &self,
        device_key: [u8; 32],
        since_ms: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<CodeVisitRow>, StorageError>> + Send {
        visits::of_codes(self, device_key, since_ms, limit)
    }

    fn windows_since(
        &self,
        cursor: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<WindowRow>, StorageError>> + Send {
        windows::since(self, cursor, limit)
    }

    /// Published windows (of one case, or all), newest first, with the venue's registry
    /// name and status.
    #[allow(clippy::type_complexity)] // a row and two columns of the registry
    fn published_windows(
        &self,
        case_id: Option<Id128>,
    ) -> impl Future<Output = Result<Vec<(WindowRow, String, VenueStatus)>, StorageError>> + Send
    {
        windows::published(self, case_id)
    }

    fn venue_row(
        &self,
        id: Id128,
    ) -> impl Future<Output = Result<Option<VenueRow>, StorageError>> + Send {
        venues::by_id(self, id)
    }

    /// The venues with these ids (any order, unknown ids left out), without code text.
    fn venue_rows(
        &self,
        ids: Vec<Id128>,
    ) -> impl Future<Output = Result<Vec<VenueRow>, StorageError>> + Send {
        async move { venues::by_ids(self, &ids).await }
    }

    /// Whether a migration noted the backfill `name` as owed.
    fn backfill_pending(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        backfill::pending(self, name)
    }

    /// Clears the note of backfill `name`.
    fn finish_backfill(&self, name: &str) -> impl Future<Output = Result<(), StorageError>> + Send {
        backfill::finish(self, name)
    }

    /// The next `limit` staff check-ins stored without a stay, in key order after `after`.
    fn staff_records_without_stays(
        &self,
        after: Option<(Id128, Id128)>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredBody>, StorageError>> + Send {
        backfill::staff_without_stays(self, after, limit)
    }

    /// Certifies a device as a field inspector (a repeat changes nothing).
    fn certify_inspector(
        &self,
        device: Id128,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        inspectors::certify(self, device, now_ms)
    }

    /// Withdraws a device's inspector certification; whether it had one.
    fn withdraw_inspector(
        &self,
        device: Id128,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        inspectors::withdraw(self, device)
    }

    /// Whether a device is a certified field inspector.
    fn is_inspector(
        &self,
        device: Id128,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        inspectors::is_inspector(self, device)
    }

    /// The certified inspectors and when each was certified (ms).
    fn inspectors(&self) -> impl Future<Output = Result<Vec<(Id128, i64)>, StorageError>> + Send {
        inspectors::list(self)
    }

    /// A venue's inspections, newest first (at most `limit`).
    fn venue_inspections(
        &self,
        venue: Id128,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<InspectionRow>, StorageError>> + Send {
        inspections::of_venue(self, venue, limit)
    }

    /// The latest inspection of each of `venues` that has one.
    fn latest_inspections(
        &self,
        venues: Vec<Id128>,
    ) -> impl Future<Output = Result<Vec<InspectionRow>, StorageError>> + Send {
        async move { inspections::latest(self, &venues).await }
    }

    /// The latest inspection of each venue (of `ward`, '' = any) inspected since
    /// `since_ms`, newest first (at most `limit`).
    fn recent_inspections(
        &self,
        since_ms: i64,
        ward: String,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<InspectionRow>, StorageError>> + Send {
        async move { inspections::recent(self, since_ms, &ward, limit).await }
    }

    /// A ward's ('' = every ward) active venues with their latest inspection, never
    /// inspected first.
    fn inspection_work_list(
        &self,
        ward: String,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<WorkListRow>, StorageError>> + Send {
        async move { inspections::work_list(self, &ward, limit).await }
    }

    /// Stores an inspector enrolment code (its hash), valid until `expires_ms`.
    fn new_inspector_code(
        &self,
        code_hash: [u8; 32],
        expires_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        inspections::new_code(self, code_hash, expires_ms)
    }

    /// Spends an inspector enrolment code for `device`: whether it was valid.
    fn use_inspector_code(
        &self,
        code_hash: [u8; 32],
        device: Id128,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        inspections::use_code(self, code_hash, device, now_ms)
    }

    /// Deletes inspector enrolment codes that expired before `now_ms`.
    fn forget_expired_inspector_codes(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send {
        inspections::forget_expired(self, now_ms)
    }

    /// Stores a staff enrolment code (its hash) for `venue`, valid until `expires_ms`.
    fn new_enrolment_code(
        &self,
        code_hash: [u8; 32],
        venue: Id128,
        expires_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        staff::new_code(self, code_hash, venue, expires_ms)
    }

    /// Spends an enrolment code for `device` and enrols it at the code's venue; the venue,
    /// or `None` for a code that is unknown, used or expired.
    fn use_enrolment_code(
        &self,
        code_hash: [u8; 32],
        device: Id128,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<Id128>, StorageError>> + Send {
        staff::use_code(self, code_hash, device, now_ms)
    }

    /// A venue's enrolled staff devices and when each was enrolled (ms).
    fn venue_staff(
        &self,
        venue: Id128,
    ) -> impl Future<Output = Result<Vec<(Id128, i64)>, StorageError>> + Send {
        staff::list(self, venue)
    }

    /// Removes a device from a venue's staff; whether it was enrolled.
    fn remove_venue_staff(
        &self,
        venue: Id128,
        device: Id128,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send {
        staff::remove(self, venue, device)
    }

    /// Deletes enrolment codes that expired before `now_ms`.
    fn forget_expired_enrolments(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send {
        staff::forget_expired(self, now_ms)
    }

    /// How many venues (revoked ones too) were registered with this contact phone.
    fn venues_with_contact(
        &self,
        contact: String,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send {
        async move { venues::count_by_contact(self, &contact).await }
    }

    fn search_venue_rows(
        &self,
        q: VenueQuery,
    ) -> impl Future<Output = Result<Vec<VenueRow>, StorageError>> + Send {
        venues::search(self, q)
    }

    /// Ids of revoked venues, for the signed key set phones download (`/v1/keys`).
    fn revoked_venue_ids(&self) -> impl Future<Output = Result<Vec<Id128>, StorageError>> + Send {
        venues::revoked_ids(self)
    }

    /// Venue counts and check-ins per day for days `from_day..=to_day` (day numbers).
    fn overview_counts(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> impl Future<Output = Result<OverviewCounts, StorageError>> + Send {
        overview::counts(self, from_day, to_day)
    }

    /// [`Storage::venue_scan_counts`] summed from `venue_day_scans`, without the rollup
    /// (its fallback; tests compare the two).
    fn venue_scan_counts_summed(
        &self,
        window: &ScanWindow,
    ) -> impl Future<Output = Result<Vec<(VenueRow, u64)>, StorageError>> + Send {
        self.rows(counts::VENUES.summed(window), counts::VENUES.read)
    }

    /// [`Storage::peer_counts`] summed from `venue_day_scans` (its fallback).
    fn peer_counts_summed(
        &self,
        window: &ScanWindow,
    ) -> impl Future<Output = Result<Vec<PeerCount>, StorageError>> + Send {
        self.rows(counts::PEERS.summed(window), counts::PEERS.read)
    }
}
