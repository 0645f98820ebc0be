//! Why a storage call failed, in the server's own terms.
//!
//! Why its own type: the roles above storage (and the `/v1` API's 503 answers, the console's
//! error pages) must not depend on which driver a backend uses. Each backend turns its
//! driver's errors into [`StorageError`] where it calls the driver (through [`OrStorage`]),
//! keeping the driver's message for the logs: driver messages name tables, columns and
//! constraints, never the values a statement carried.

/// Storage failures (the API answers 503 and the client retries).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed a statement, or could not be reached.
    #[error("database: {detail}")]
    Database { backend: Backend, detail: String },
    /// A stored value does not have the shape the server writes (length, range).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("bad database URL: {0}")]
    BadUrl(String),
}

/// Which database a failure came from (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl StorageError {
    pub(crate) fn database(backend: Backend, detail: impl std::fmt::Display) -> Self {
        Self::Database {
            backend,
            detail: detail.to_string(),
        }
    }
}

/// Turns a driver's result into a storage result at the point of the call
/// (`statement.execute(…).or_storage()?`); implemented by each backend for its driver.
pub(crate) trait OrStorage<T> {
    fn or_storage(self) -> Result<T, StorageError>;
}
