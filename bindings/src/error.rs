//! The single mapping from core errors to what Kotlin and Swift see.
//!
//! Apps get few exception types (one per [`VaoraError`] variant: the kind of trouble a
//! screen reacts to) and a fine-grained, stable [`ErrorCode`] in each for switching, logs
//! and support tickets. Codes are numbered once and never reused (table in
//! `docs/bindings.md`). No variant has a field named `message`: that name breaks the
//! generated Kotlin (the exception class already has one); the text is `reason`.

use vaora_core::diary::DiaryError;
use vaora_core::diary::{TrustError, VenueCheckInError};
use vaora_core::scan::FrameError;

/// Stable error codes. The numbers are part of the contract: add, never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[repr(i32)]
pub enum ErrorCode {
    /// The diary key does not open this diary.
    WrongKey = 101,
    /// The platform key store can no longer unseal the diary key (key invalidated, device
    /// restored elsewhere, sealed key missing): call `Vaora.recoverAfterKeyLoss`.
    KeyLost = 102,
    /// The platform key store failed for another reason (locked device, hardware error).
    KeyStoreFailed = 103,
    /// The diary file is damaged.
    Corrupt = 201,
    /// The diary was written by a newer app version.
    TooNew = 202,
    /// The diary's schema is too old to upgrade.
    TooOld = 203,
    /// Reading or writing storage failed (disk full, permissions, SQLite error).
    Storage = 204,
    /// The diary was closed (`VaoraDiary.close()`); open it again to use it.
    Closed = 205,
    /// A caller-supplied value was invalid (bad id, empty name, bad time range...).
    InvalidInput = 301,
    /// The named record does not exist.
    NotFound = 302,
    /// A camera frame was inconsistent (sizes, strides, buffer length, format).
    BadFrame = 303,
    /// A scanned code was refused (bad signature, expired, revoked, malformed...).
    CodeRefused = 304,
    /// A health-declaration answer was refused; the error names the answer and the problem
    /// (`VaoraError.InvalidAnswer`: `field`, `problem`, `travel_index`).
    InvalidAnswer = 305,
    /// The network or the server failed; retrying later may help.
    Network = 401,
    /// The server refused the request; retrying will not help without a change.
    ServerRefused = 402,
    /// The server could not be reached at all (no network, server down), after the
    /// retries; nothing was lost: the outbox is untouched. Retry later.
    Offline = 403,
    /// The operation was cancelled by the caller.
    Cancelled = 501,
    /// A bug: a contained panic or an impossible state. Logged; please report.
    Internal = 901,
}

impl ErrorCode {
    /// The stable number of this code.
    pub fn number(self) -> i32 {
        self as i32
    }
}

/// The number of an error code, for logs and support tickets.
#[uniffi::export]
pub fn error_code_number(code: ErrorCode) -> i32 {
    code.number()
}

/// Which answer an `InvalidAnswer` error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerField {
    /// The travel list as a whole (too many entries).
    Travel,
    /// `travel[travel_index].place`
    TravelPlace,
    /// `travel[travel_index].province`
    TravelProvince,
    Symptoms,
    OtherSymptom,
    VaccineDoses,
    LastDoseOn,
    Phone,
}

/// What is wrong with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerProblem {
    /// Empty or only spaces.
    Empty,
    /// Longer than 200 characters.
    TooLong,
    /// Contains control characters (line breaks, tabs…).
    ControlCharacters,
    /// No such province code or name.
    UnknownProvince,
    /// More than 50 travel entries.
    TooMany,
    /// A symptom listed twice.
    Duplicate,
    /// Outside the allowed range (vaccine doses 0..=6).
    OutOfRange,
    /// Required here (the date of the last dose when doses were given).
    Missing,
    /// Given where it makes no sense (a last-dose date without doses).
    NotExpected,
    /// Not a real calendar date (30 February).
    NotARealDate,
    /// In the future.
    InTheFuture,
    /// Before any vaccine existed.
    TooEarly,
    /// Not in the expected format (phone numbers).
    BadFormat,
}

/// Every error the exported functions return. Each variant is one kind of trouble an app
/// reacts to differently; `code` says exactly what happened, `reason` is fit to log.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaoraError {
    /// The diary key: wrong, lost, or the key store failed.
    #[error("key error {code:?}: {reason}")]
    Key { code: ErrorCode, reason: String },
    /// The diary storage: corrupt, wrong version, disk or SQLite failure.
    #[error("storage error {code:?}: {reason}")]
    Storage { code: ErrorCode, reason: String },
    /// The caller's input was refused: invalid value, missing record, bad frame, refused code.
    #[error("input error {code:?}: {reason}")]
    Input { code: ErrorCode, reason: String },
    /// Sync could not reach the server, or the server refused.
    #[error("network error {code:?}: {reason}")]
    Network { code: ErrorCode, reason: String },
    /// A health-declaration answer was refused (code `INVALID_ANSWER`): which answer
    /// (`field`; `travel_index` for one travel entry) and what is wrong with it
    /// (`problem`), for showing the error next to the right question.
    #[error("invalid answer {field:?} ({problem:?}): {reason}")]
    InvalidAnswer {
        code: ErrorCode,
        reason: String,
        field: AnswerField,
        problem: AnswerProblem,
        travel_index: Option<i32>,
    },
    /// The caller cancelled the operation.
    #[error("cancelled: {reason}")]
    Cancelled { code: ErrorCode, reason: String },
    /// A bug inside the library (a contained panic); logged.
    #[error("internal error {code:?}: {reason}")]
    Internal { code: ErrorCode, reason: String },
}

impl VaoraError {
    /// The stable code of any variant.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Key { code, .. }
            | Self::Storage { code, .. }
            | Self::Input { code, .. }
            | Self::Network { code, .. }
            | Self::InvalidAnswer { code, .. }
            | Self::Cancelled { code, .. }
            | Self::Internal { code, .. } => *code,
        }
    }

    pub(crate) fn key(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::Key {
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn storage(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::Storage {
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn input(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::Input {
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn closed() -> Self {
        Self::Storage {
            code: ErrorCode::Closed,
            reason: "the diary is closed".to_owned(),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            code: ErrorCode::Internal,
            reason: reason.into(),
        }
    }
}

impl From<DiaryError> for VaoraError {
    fn from(err: DiaryError) -> Self {
        let reason = err.to_string();
        match err {
            DiaryError::WrongKey => Self::key(ErrorCode::WrongKey, reason),
            DiaryError::KeyLost(inner) => Self::key(ErrorCode::KeyLost, inner),
            DiaryError::KeyStoreFailed(inner) => Self::key(ErrorCode::KeyStoreFailed, inner),
            DiaryError::BadKeyFormat(_) => Self::key(ErrorCode::WrongKey, reason),
            DiaryError::Random(_) => Self::key(ErrorCode::KeyStoreFailed, reason),
            DiaryError::Corrupt(_) => Self::storage(ErrorCode::Corrupt, reason),
            DiaryError::TooNew { .. } => Self::storage(ErrorCode::TooNew, reason),
            DiaryError::TooOld { .. } => Self::storage(ErrorCode::TooOld, reason),
            DiaryError::Identity(_) | DiaryError::BadRecord { .. } => {
                Self::storage(ErrorCode::Corrupt, reason)
            }
            DiaryError::NotFound(_) => Self::input(ErrorCode::NotFound, reason),
            DiaryError::Invalid(_) => Self::input(ErrorCode::InvalidInput, reason),
            DiaryError::Storage(_) | DiaryError::Io(_) => Self::storage(ErrorCode::Storage, reason),
        }
    }
}

impl From<FrameError> for VaoraError {
    fn from(err: FrameError) -> Self {
        Self::input(ErrorCode::BadFrame, err.to_string())
    }
}

impl From<VenueCheckInError> for VaoraError {
    fn from(err: VenueCheckInError) -> Self {
        match err {
            VenueCheckInError::Refused(v) => Self::input(
                ErrorCode::CodeRefused,
                format!("venue code refused: {}", v.as_str()),
            ),
            VenueCheckInError::NobodyChosen => {
                Self::input(ErrorCode::InvalidInput, err.to_string())
            }
            VenueCheckInError::Diary(e) => e.into(),
        }
    }
}

impl From<TrustError> for VaoraError {
    fn from(err: TrustError) -> Self {
        match err {
            TrustError::KeySet(e) => Self::input(ErrorCode::CodeRefused, e.to_string()),
            TrustError::Diary(e) => e.into(),
        }
    }
}

impl From<vaora_protocol::ids::IdError> for VaoraError {
    fn from(err: vaora_protocol::ids::IdError) -> Self {
        Self::input(ErrorCode::InvalidInput, err.to_string())
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for VaoraError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::internal(format!(
            "a foreign callback failed unexpectedly: {}",
            err.reason
        ))
    }
}
