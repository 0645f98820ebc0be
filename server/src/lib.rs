//! Vaora's reference sync server: device registration, signed record upload, the
//! authority's case / tracing / publishing endpoints, exposure-window downloads, venue
//! registration, and the authority console under `/console`.
//!
//! It ships with the app so that sync is tested against something real: SQLite by default
//! (one file, nothing to install), PostgreSQL for production. The wire types come from
//! `vaora_protocol::wire`; the server opens no diary. Protocol: `docs/sync-protocol.md`;
//! scaling: `docs/scaling.md`; the layering (adapters over roles over one storage layer):
//! `ARCHITECTURE.md`.

// Adapters: the `/v1` API and the console's backend.
mod api;
mod backfill_keeper;
mod console;
// Roles.
mod cases;
pub mod compliance;
mod devices;
mod exposures;
mod health;
mod ingest;
mod inspections;
mod keeper;
mod overview;
mod partition_keeper;
mod rejections;
pub mod request_log;
mod retention_keeper;
mod rollup_keeper;
mod venues;
// What the roles share, and the storage layer under them.
mod attestation;
mod authority;
mod batch_verify;
mod buckets;
mod limits;
pub mod metrics;
mod one_time_code;
mod serve;
mod state;
pub mod storage;

pub use attestation::{AttestationPolicy, AttestationVerifier};
pub use authority::{AuthorityKey, AuthorityKeyError};
pub use limits::{DEFAULT_RETENTION_DAYS, Limits};
pub use serve::{ConsoleSettings, Database, RunningServer, ServeError, ServerConfig, app, start};
pub use storage::{PgStore, SqliteStore, Storage, StorageError};
