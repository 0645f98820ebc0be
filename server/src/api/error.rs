//! The API's error answers — JSON `{error, message}` with a stable code and an HTTP
//! status — and the one mapping from each role's errors to them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vaora_protocol::wire::ErrorBody;

use crate::cases::CaseError;
use crate::devices::DeviceError;
use crate::ingest::IngestError;
use crate::inspections::InspectorCodeError;
use crate::storage::StorageError;
use crate::venues::VenueError;

/// An error answer: status, stable code, message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same answer, telling the client how many seconds to wait.
    pub(crate) fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn internal(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        log::error!("storage: {e}");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "storage is unavailable; retry later",
        )
        .retry_after(1)
    }
}

impl From<DeviceError> for ApiError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::BadProof(_) => Self::bad_request("bad_proof", e.to_string()),
            DeviceError::BadKey => Self::bad_request("bad_key", e.to_string()),
            DeviceError::Attestation(_) => {
                Self::new(StatusCode::FORBIDDEN, "attestation_refused", e.to_string())
            }
            DeviceError::Random(_) => Self::internal("random", e.to_string()),
            DeviceError::Storage(s) => s.into(),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Malformed(_) => Self::bad_request("malformed_body", e.to_string()),
            IngestError::TooMany { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                e.to_string(),
            ),
            IngestError::Internal(_) => Self::internal("internal", e.to_string()),
            IngestError::Storage(s) => s.into(),
        }
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::BadPeriod => Self::bad_request("bad_period", e.to_string()),
            CaseError::UnknownDevice => {
                Self::new(StatusCode::NOT_FOUND, "unknown_device", e.to_string())
            }
            CaseError::UnknownCase => {
                Self::new(StatusCode::NOT_FOUND, "unknown_case", e.to_string())
            }
            CaseError::Random(_) => Self::internal("random", e.to_string()),
            CaseError::Storage(s) => s.into(),
        }
    }
}

impl From<InspectorCodeError> for ApiError {
    fn from(e: InspectorCodeError) -> Self {
        match e {
            InspectorCodeError::Invalid => {
                Self::new(StatusCode::GONE, "enrolment_invalid", e.to_string())
            }
            InspectorCodeError::Random(_) => Self::internal("random", e.to_string()),
            InspectorCodeError::Storage(s) => s.into(),
        }
    }
}

impl From<VenueError> for ApiError {
    fn from(e: VenueError) -> Self {
        match e {
            VenueError::Invalid(_) | VenueError::BadContact => {
                Self::bad_request("invalid_venue", e.to_string())
            }
            VenueError::ContactLimit(_) => {
                Self::new(StatusCode::FORBIDDEN, "contact_limit", e.to_string())
            }
            VenueError::WrongSecret => {
                Self::new(StatusCode::FORBIDDEN, "wrong_secret", e.to_string())
            }
            VenueError::Revoked => Self::new(StatusCode::GONE, "venue_revoked", e.to_string()),
            VenueError::EnrolmentInvalid => {
                Self::new(StatusCode::GONE, "enrolment_invalid", e.to_string())
            }
            VenueError::NotFound => {
                Self::new(StatusCode::NOT_FOUND, "unknown_venue", e.to_string())
            }
            VenueError::Poster(_) => Self::internal("poster_failed", e.to_string()),
            VenueError::Storage(s) => s.into(),
        }
    }
}
