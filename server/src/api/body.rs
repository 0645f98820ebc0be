//! Reading request bodies (bounded: request signatures cover the exact bytes, so handlers
//! read the raw body themselves) and writing JSON answers.

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

pub(crate) type ApiResult = Result<Response, ApiError>;

pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )
    })
}

pub(crate) fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> ApiResult {
    Ok((status, axum::Json(value)).into_response())
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("malformed_body", format!("malformed JSON body: {e}")))
}
