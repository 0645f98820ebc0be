//! `POST /v1/devices`: registration ([`crate::devices`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use vaora_protocol::wire::{RegisterRequest, RegisterResponse};

use super::body::{ApiResult, json, parse_json, read_body};
use super::context::ApiState;
use crate::devices;
use crate::storage::Storage;

pub(crate) async fn register<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    body: Body,
) -> ApiResult {
    let bytes = read_body(body, 4096).await?;
    let req: RegisterRequest = parse_json(&bytes)?;
    let server = &state.server;
    let done = devices::register(&server.store, &server.authority, &req).await?;
    let status = if done.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &RegisterResponse {
            device_id: done.device.id,
            certificate: hex::encode(done.certificate.to_bytes()),
            authority_key: server.authority.published(),
        },
    )
}
