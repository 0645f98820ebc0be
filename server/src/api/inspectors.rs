//! `POST /v1/authority/inspectors` (authority credential): certifies a registered device
//! as a field inspector, or withdraws the certification (issue 19). Inspections from
//! devices that are not inspectors are to be refused by ingest (not built yet).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use vaora_protocol::wire::{InspectorRequest, InspectorResponse};

use super::auth::AuthorityRequest;
use super::body::{ApiResult, json, parse_json};
use super::context::ApiState;
use super::error::ApiError;
use crate::storage::Storage;

pub(crate) async fn certify<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    AuthorityRequest { body, .. }: AuthorityRequest<1024>,
) -> ApiResult {
    let req: InspectorRequest = parse_json(&body)?;
    let store = &state.server.store;
    if store.device(req.device_id).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_device",
            "no registered device has that id",
        ));
    }
    if req.revoke {
        store.withdraw_inspector(req.device_id).await?;
        log::info!("inspector certification withdrawn");
    } else {
        store
            .certify_inspector(req.device_id, Utc::now().timestamp_millis())
            .await?;
        log::info!("device certified as inspector");
    }
    json(
        StatusCode::OK,
        &InspectorResponse {
            device_id: req.device_id,
            inspector: store.is_inspector(req.device_id).await?,
        },
    )
}
