//! The diary's one error type. Storage failures cross as an opaque [`StorageFailure`], so
//! no caller (the FFI crate, the CLI) names the SQLite driver's types.

use vaora_protocol::identity::IdentityError;
use vaora_protocol::ids::IdError;
use vaora_protocol::records::RecordError;

/// Everything that can go wrong with the diary, as a typed error.
#[derive(Debug, thiserror::Error)]
pub enum DiaryError {
    #[error("the key does not open this diary")]
    WrongKey,
    #[error("the diary file is damaged: {0}")]
    Corrupt(String),
    #[error("the diary was written by a newer app (schema {found}, this app knows {supported})")]
    TooNew { found: u32, supported: u32 },
    #[error("the diary's schema version {found} cannot be upgraded")]
    TooOld { found: u32 },
    #[error("bad key: {0}")]
    BadKeyFormat(String),
    /// The platform's key store lost the key that seals the diary key (see `Diary::recover_sealed`).
    #[error("the key store lost its key: {0}")]
    KeyLost(String),
    /// The platform's key store is unavailable or misbehaved; retrying later may work.
    #[error("the key store failed: {0}")]
    KeyStoreFailed(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("device identity: {0}")]
    Identity(#[from] IdentityError),
    #[error("stored record {id}: {source}")]
    BadRecord {
        id: String,
        #[source]
        source: RecordError,
    },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Storage(#[source] StorageFailure),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// A failure of the database engine (busy, full disk, I/O): what it said, without its
/// types. Damage and a wrong key are [`DiaryError::Corrupt`] and [`DiaryError::WrongKey`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StorageFailure(rusqlite::Error);

impl From<rusqlite::Error> for DiaryError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Self::Corrupt(e.to_string())
            }
            _ => Self::Storage(StorageFailure(e)),
        }
    }
}

impl From<IdError> for DiaryError {
    fn from(e: IdError) -> Self {
        Self::Random(e.to_string())
    }
}
