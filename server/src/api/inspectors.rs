//! Field inspectors (issue 19): `POST /v1/authority/inspectors` (authority credential)
//! certifies a registered device or withdraws it; `POST /v1/authority/inspector-codes`
//! gives a single-use code a phone redeems at `POST /v1/inspectors/enrolments`; an
//! inspector downloads a ward's work list at `GET /v1/inspections/work-list`. Ingest
//! refuses inspections from devices that are not inspectors.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use vaora_protocol::wire::{
    InspectorCode, InspectorEnrolRequest, InspectorRequest, InspectorResponse,
};

use super::auth::{AuthorityRequest, DeviceCaller, DeviceRequest};
use super::body::{ApiResult, json, parse_json};
use super::context::ApiState;
use super::error::ApiError;
use crate::inspections;
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

/// `POST /v1/authority/inspector-codes` (authority credential): a single-use, short-lived
/// code an inspector's phone redeems to be certified (what the console's form shows).
pub(crate) async fn new_code<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    AuthorityRequest { .. }: AuthorityRequest<1024>,
) -> ApiResult {
    let (code, expires_at) = inspections::new_code(&state.server.store).await?;
    log::info!("inspector enrolment code issued");
    json(StatusCode::CREATED, &InspectorCode { code, expires_at })
}

/// `POST /v1/inspectors/enrolments` (device credential): a phone redeems an inspector
/// code and is certified.
pub(crate) async fn enrol<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    DeviceRequest { device, body }: DeviceRequest,
) -> ApiResult {
    let req: InspectorEnrolRequest = parse_json(&body)?;
    inspections::redeem(&state.server.store, device.id, &req.code).await?;
    log::info!("a device enrolled as inspector");
    json(
        StatusCode::OK,
        &InspectorResponse {
            device_id: device.id,
            inspector: true,
        },
    )
}

/// The query of `GET /v1/inspections/work-list`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct WorkListQuery {
    #[serde(default)]
    ward: String,
    #[serde(default = "default_days")]
    days: u32,
}

fn default_days() -> u32 {
    14
}

/// `GET /v1/inspections/work-list?ward=W&days=N` (inspectors only): the ward's venues
/// for offline work, each marked due when not inspected for `days`.
pub(crate) async fn work_list<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    DeviceCaller(device): DeviceCaller,
    Query(q): Query<WorkListQuery>,
) -> ApiResult {
    let store = &state.server.store;
    if !store.is_inspector(device.id).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_inspector",
            "the device is not a certified inspector",
        ));
    }
    let list = inspections::work_list(store, &q.ward, q.days, Utc::now()).await?;
    json(StatusCode::OK, &list)
}
