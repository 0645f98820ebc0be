//! `POST /v1/devices`: registration ([`crate::devices`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use vaora_protocol::wire::{RegisterRequest, RegisterResponse};

use super::body::{ApiResult, json, parse_json, read_body};
use super::context::{ApiState, client_ip};
use super::error::ApiError;
use crate::devices;
use crate::storage::Storage;

pub(crate) async fn register<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    req: Request,
) -> ApiResult {
    // Registration is open: each address has a budget, checked before anything is read.
    let from = client_ip(&state, req.extensions(), req.headers());
    if let Some(from) = from
        && let Err(wait) = state.take_registration(from)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many registrations from this address",
        )
        .retry_after(wait));
    }
    // Then the server's budget for everyone together (many addresses at once).
    if let Err(wait) = state.take_any_registration() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many registrations right now",
        )
        .retry_after(wait));
    }
    let body: Body = req.into_body();
    let bytes = read_body(body, 4096).await?;
    let req: RegisterRequest = parse_json(&bytes)?;
    let server = &state.server;
    let done =
        devices::register(&server.store, &server.authority, &server.attestation, &req).await?;
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
