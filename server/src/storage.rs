//! One storage trait for the server, with an SQLite backend (embedded, the default) and a
//! PostgreSQL backend (production). Handlers validate and sign; the storage only stores
//! and queries, each call in one transaction so a failed request leaves nothing behind.
//!
//! Times are Unix milliseconds (`BIGINT`), ids 16 raw bytes. A check-in has the signed record
//! exactly as uploaded (evidence) and its derived stay (venue, person, times) that the
//! tracing query reads as `checkins`; updates move the stay, highest sequence wins. SQLite
//! keeps the stay in its own `checkins` table; PostgreSQL (migration 5) keeps it in nullable
//! columns of the `records` row, each check-in stored once, with `checkins` a view.

use std::future::Future;

use vaora_protocol::ids::Id128;

/// Storage failures (the API answers 503 and the client retries).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("bad database URL: {0}")]
    BadUrl(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(e.to_string())
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: Id128,
    pub public_key: [u8; 32],
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
    CheckIn(CheckInRow),
    Update(UpdateRow),
    Nothing,
}

/// A verified record ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub id: Id128,
    pub device_id: Id128,
    pub kind: u8,
    pub body: Vec<u8>,
    pub signature: [u8; 64],
    pub received_ms: i64,
    pub derived: Derived,
}

/// What storing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    /// Same id, same device, kind and body: already stored.
    Duplicate,
    /// Same id, different content: refused.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: Id128,
    pub device_id: Id128,
    pub person_id: Option<Id128>,
    pub from_ms: i64,
    pub until_ms: i64,
    pub created_ms: i64,
}

/// One contact of a case: the other person's stay clipped to the overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub device_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue_id: Id128,
    pub venue_name: String,
    pub overlap_from_ms: i64,
    pub overlap_until_ms: i64,
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

/// Everything the API needs from a database.
pub trait Storage: Send + Sync + 'static {
    /// Registers a key; a key registered before keeps its device id (returned).
    fn register_device(
        &self,
        id: Id128,
        public_key: [u8; 32],
        now_ms: i64,
    ) -> impl Future<Output = Result<DeviceRow, StorageError>> + Send;
    fn device(
        &self,
        id: Id128,
    ) -> impl Future<Output = Result<Option<DeviceRow>, StorageError>> + Send;
    /// Stores a batch in one transaction; the outcomes are in input order. Ids in one
    /// batch are distinct (the API folds repeats before calling).
    fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> impl Future<Output = Result<Vec<InsertOutcome>, StorageError>> + Send;
    fn record_count(&self) -> impl Future<Output = Result<u64, StorageError>> + Send;
    fn create_case(&self, case: CaseRow) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn case(&self, id: Id128)
    -> impl Future<Output = Result<Option<CaseRow>, StorageError>> + Send;
    /// The case's own stays at known venues inside its period.
    fn case_stays(
        &self,
        case: &CaseRow,
    ) -> impl Future<Output = Result<Vec<CheckInRow>, StorageError>> + Send;
    /// Everyone else whose stay overlapped one of the case's stays at the same venue.
    fn trace(
        &self,
        case: &CaseRow,
    ) -> impl Future<Output = Result<Vec<ContactRow>, StorageError>> + Send;
    /// Stores windows; one per (case, check-in): returns only the ones new now.
    fn insert_windows(
        &self,
        windows: Vec<WindowRow>,
    ) -> impl Future<Output = Result<Vec<WindowRow>, StorageError>> + Send;
    fn windows_since(
        &self,
        cursor: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<WindowRow>, StorageError>> + Send;
}

pub(crate) fn id_from(bytes: &[u8]) -> Result<Id128, StorageError> {
    Id128::from_slice(bytes).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub(crate) fn key_from(bytes: &[u8]) -> Result<[u8; 32], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt("public key length".into()))
}

pub(crate) fn sig_from(bytes: &[u8]) -> Result<[u8; 64], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt("signature length".into()))
}
