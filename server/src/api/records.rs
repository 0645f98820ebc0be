//! `POST /v1/records`: a device's upload of signed records ([`crate::ingest`]), CBOR in
//! and out.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use vaora_protocol::wire::{self, CBOR_CONTENT_TYPE};

use super::auth::DeviceRequest;
use super::body::ApiResult;
use super::context::ApiState;
use super::error::ApiError;
use crate::ingest;
use crate::storage::Storage;

pub(crate) async fn upload<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    headers: HeaderMap,
    DeviceRequest { device, body }: DeviceRequest,
) -> ApiResult {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != CBOR_CONTENT_TYPE {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "uploads are application/cbor",
        ));
    }
    let server = &state.server;
    let statuses = ingest::upload(
        &server.store,
        &server.limits,
        &server.authority,
        device,
        &body,
        &server.metrics,
    )
    .await?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, CBOR_CONTENT_TYPE)],
        wire::encode_upload_answer(&statuses),
    )
        .into_response())
}
