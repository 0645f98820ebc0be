//! Why a page could not be served, and the error page that says so (backend failures are
//! logged and shown as "internal error", never with their detail).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::backend::BackendError;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("the form is stale or forged (CSRF token mismatch); reload the page")]
    Csrf,
    #[error("{0}")]
    BadInput(String),
    #[error("page rendering failed")]
    Template(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::Backend(BackendError::NotFound(_)) => StatusCode::NOT_FOUND,
            PageError::Backend(BackendError::Invalid(_) | BackendError::BadContact(_))
            | PageError::BadInput(_) => StatusCode::BAD_REQUEST,
            PageError::Backend(BackendError::ContactLimit(_) | BackendError::WrongSecret(_)) => {
                StatusCode::FORBIDDEN
            }
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Backend(BackendError::Limited(_)) => StatusCode::TOO_MANY_REQUESTS,
            PageError::Backend(BackendError::Storage(_)) | PageError::Template(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &self {
            PageError::Backend(BackendError::Storage(detail)) | PageError::Template(detail) => {
                log::error!("console: {detail}");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            message: &message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "internal error".to_owned());
        (status, Html(body)).into_response()
    }
}
