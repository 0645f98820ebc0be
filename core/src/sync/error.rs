//! Why a sync (or a registration) did not finish, as one typed error.

use crate::diary::DiaryError;
use crate::sync::transport::TransportError;

/// Why a sync (or a registration) did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached (after the retries); the outbox is untouched.
    #[error("offline: the server could not be reached ({reason})")]
    Offline { reason: String },
    #[error("this device is not registered with a server (run register first)")]
    NotRegistered,
    #[error("sync was cancelled")]
    Cancelled,
    /// The server refused the request as a whole (4xx) or kept failing (5xx).
    #[error("server answered {status}: {code}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The server's answer did not follow the protocol (or failed a signature check).
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("diary: {0}")]
    Diary(#[from] DiaryError),
    #[error("HTTP client: {0}")]
    Client(String),
}

impl From<TransportError> for SyncError {
    fn from(err: TransportError) -> Self {
        match err {
            TransportError::Network(reason) => SyncError::Offline { reason },
            TransportError::Client(reason) => SyncError::Client(reason),
        }
    }
}
