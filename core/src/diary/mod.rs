//! The encrypted diary: SQLCipher (whole-database encryption, WAL and temp files
//! included) opened with a raw 32-byte key. Every user action commits here first, so the
//! app works offline; sync only drains the queue this module fills.
//!
//! The diary owns every table the phone keeps ([`schema`]); each area keeps its queries in
//! a file of its own, as an `impl Diary` block over the open diary ([`handle`]):
//!
//! - whole file: `handle.rs` (the open diary, checkpoints, closing), `shared.rs` (one
//!   diary used from several threads), `open.rs` (opening
//!   safely; `cipher_start.rs` waits out SQLCipher's start-up on a process's first open), `key.rs` (the raw key and key files), `sealed.rs` (the key sealed by the
//!   platform's key store), `lifecycle.rs` (key loss and key change),
//!   `retention.rs` (purging what is past the window), `schema/` (tables, upgrades, and
//!   which tables hold personal data);
//! - people and check-ins: `people.rs` (owner and household), `checkins.rs` (check-in
//!   rules; `checkin_rows.rs`, `checkin_updates.rs`), `venue_checkin.rs` (from a scanned venue code to a check-in), `stays.rs`
//!   (each person's latest stay, kept in memory), `id_index.rs` (finding a check-in by
//!   id), `marks.rs` (the `meta` values that bound those walks), `write_tx.rs` (the
//!   check-in path's transaction);
//! - records: `outbox.rs` (signed records waiting for sync), `declarations.rs`
//!   (declarations and personal codes), `staff_checkins.rs` (visitors this device recorded),
//!   `cards.rs` (household members' ID cards), `trust.rs` (the venue-code trust store);
//! - for apps: `changes.rs` (which areas a committed write touched: change streams),
//!   `checkin_pages.rs` (check-in lists by cursor, not offset);
//! - `error.rs`, `config.rs`, `time.rs`, `columns.rs`: the error type, settings, stored
//!   time, reading typed values back.
//!
//! The modules below `handle.rs` (`stays`, `id_index`, `marks`, `write_tx`, `time`,
//! `columns`, `schema`) work on a bare connection and never name `Diary`, so the files form layers
//! without cycles.

mod cards;
mod changes;
mod checkin_pages;
mod checkin_rows;
mod checkin_updates;
mod checkins;
mod cipher_start;
mod columns;
mod config;
mod declarations;
mod error;
mod handle;
mod id_index;
mod inspections;
mod key;
mod lifecycle;
mod marks;
mod my_venues;
mod open;
mod outbox;
mod people;
mod retention;
mod schema;
mod sealed;
mod shared;
mod staff_checkins;
mod stays;
mod time;
mod trust;
mod venue_checkin;
mod write_tx;

pub use changes::{ChangeTap, DiaryChanges};
pub use checkin_pages::{CheckInCursor, CheckInPage, MAX_PAGE};
pub use checkin_rows::{CheckIn, CheckInRequest, Page};
pub use config::{
    DEFAULT_RETENTION_DAYS, DiaryConfig, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS,
    WAL_AUTOCHECKPOINT_PAGES,
};
pub use declarations::{DeclareError, StoredDeclaration};
pub use error::{DiaryError, StorageFailure};
pub use handle::Diary;
pub use id_index::MAX_UNINDEXED;
pub use inspections::{InspectionFindings, PosterCheck, RecordedInspection, WardVenue};
pub use key::DiaryKey;
pub use my_venues::MyVenue;
pub use outbox::{OutboxCounts, OutboxEntry, SyncState};
pub use people::{DEFAULT_OWNER_NAME, NewPerson, Person};
pub use retention::PurgeCounts;
pub use sealed::{KeySealer, SealError, sealed_key_path};
pub use shared::SharedDiary;
pub use staff_checkins::StaffVisit;
pub use trust::TrustError;
pub use venue_checkin::{ScannedVenue, Unverified, VenueCheckInError};
