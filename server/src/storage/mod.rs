//! The server's one storage layer: the [`Storage`] trait the roles call, the values it
//! takes and returns, and its two backends — SQLite (embedded, the default; rusqlite,
//! because sqlx's SQLite driver cannot link beside the diary's SQLCipher) and PostgreSQL
//! (production; sqlx).
//!
//! ```text
//!  Storage (contract.rs) ── provided methods ──► queries/*  (one SQL text per query,
//!     │                                             │        shared dialect: dialect.rs,
//!     │ required methods                            │        stay overlap: overlap.rs)
//!     ▼                                             ▼
//!  sqlite/   postgres/  ── each implements Engine (engine.rs) over its driver, and keeps
//!                          its own schema and migrations, ingest and rollup upkeep
//! ```
//!
//! A backend's schema lives in one file (`sqlite/schema.rs`, `postgres/schema.rs`) with one
//! frozen step per migration. Driver errors become [`StorageError`] at the call that made
//! them. PostgreSQL (migration 5) keeps each check-in's stay in nullable columns of its
//! `records` row, with `checkins` a view; SQLite keeps the stay in its own `checkins` table.

mod contract;
mod dialect;
mod engine;
mod error;
mod overlap;
pub mod postgres;
mod queries;
pub(crate) mod rollup;
mod rows;
pub mod sqlite;

pub use contract::{Purged, Storage};
pub use error::{Backend, StorageError};
pub use overlap::LONGEST_STAY_MS;
pub use postgres::PgStore;
pub(crate) use rows::ms_to_next_day;
pub use rows::{
    CaseCard, CaseRow, CheckInRow, CodeRef, CodeVisitRow, ContactRow, Derived, DeviceRow,
    InsertOutcome, InspectionRow, NewRecord, OverviewCounts, PeerCount, RecordedBy, ScanWindow,
    StayRow, UpdateRow, VenueQuery, VenueRow, VenueStatus, WindowRow, WorkListRow, day_number,
    day_of_ms,
};
pub use sqlite::SqliteStore;
