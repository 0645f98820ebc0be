//! `GET /v1/keys` and `GET /v1/exposures`: the signed key set and the exposure-window feed
//! ([`crate::exposures`]).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use super::auth::{DeviceCall, DeviceCaller};
use super::body::{ApiResult, json};
use super::context::ApiState;
use super::error::ApiError;
use crate::exposures;
use crate::storage::Storage;

pub(crate) async fn keys<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    _: DeviceCall,
) -> ApiResult {
    let server = &state.server;
    json(
        StatusCode::OK,
        &exposures::keyset(&server.store, &server.authority).await?,
    )
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SinceQuery {
    #[serde(default)]
    since: i64,
    #[serde(default)]
    limit: Option<i64>,
}

pub(crate) async fn exposures<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    _: DeviceCall,
    query: Result<Query<SinceQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = query.map_err(|e| ApiError::bad_request("malformed_query", e.to_string()))?;
    let page = state
        .server
        .read("exposures", |store| {
            Box::pin(exposures::page(store, q.since, q.limit))
        })
        .await?;
    json(StatusCode::OK, &page)
}

/// `GET /v1/visits`: the visits staff recorded from the calling device's personal codes.
pub(crate) async fn visits<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    DeviceCaller(device): DeviceCaller,
) -> ApiResult {
    let server = &state.server;
    json(
        StatusCode::OK,
        &exposures::code_visits(&server.store, &server.limits, device.public_key).await?,
    )
}
