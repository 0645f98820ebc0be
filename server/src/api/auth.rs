//! Signed requests (`docs/sync-protocol.md`): a registered device's or the authority's
//! signature over method, path, timestamp and body, checked for freshness; devices are
//! also held to their request budget. Handlers take the extractors at the end of this
//! file, so no handler can forget the check or read a body twice.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use chrono::Utc;
use sha2::{Digest, Sha256};
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    AUTHORITY_SCHEME, DEVICE_SCHEME, MAX_CLOCK_SKEW_MS, RequestAuth, request_signing_input,
};

use super::body::read_body;
use super::context::{ApiState, client_ip};
use super::error::ApiError;
use crate::devices;
use crate::storage::{DeviceRow, Storage};

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

fn wrong_credential(needed: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_credential",
        format!("this endpoint needs {needed} credential"),
    )
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |p| p.as_str())
}

fn parse_auth(headers: &HeaderMap) -> Result<RequestAuth, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("unauthorized", "missing Authorization header"))?;
    RequestAuth::parse(value).map_err(|e| unauthorized("unauthorized", &e.to_string()))
}

/// The timestamp is within the clock skew of server time. `ts_ms` is the sender's number
/// (any `i64`, checked before any signature): compared by `abs_diff`, never by arithmetic
/// that could overflow.
fn check_fresh(auth: &RequestAuth) -> Result<(), ApiError> {
    let skew = Utc::now().timestamp_millis().abs_diff(auth.ts_ms);
    if skew > MAX_CLOCK_SKEW_MS.unsigned_abs() {
        return Err(unauthorized(
            "stale_request",
            "request timestamp too far from server time",
        ));
    }
    Ok(())
}

fn verify(
    auth: &RequestAuth,
    key: &[u8; 32],
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Result<(), ApiError> {
    auth.verify(key, method.as_str(), path_and_query(uri), body)
        .map_err(|_| unauthorized("bad_signature", "request signature does not verify"))
}

/// A request signed by a registered device (within its budget), or an error answer.
async fn device<S: Storage>(
    state: &ApiState<S>,
    parts: &Parts,
    body: &[u8],
) -> Result<DeviceRow, ApiError> {
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
    let from = client_ip(state, &parts.extensions, &parts.headers);
    let auth = parse_auth(headers)?;
    if auth.scheme == AUTHORITY_SCHEME {
        return Err(wrong_credential("a device"));
    }
    if auth.scheme != DEVICE_SCHEME {
        return Err(unauthorized("unauthorized", "unknown authorization scheme"));
    }
    let no_device = || unauthorized("unknown_device", "no such device");
    let id: Id128 = auth.principal.parse().map_err(|_| no_device())?;
    // Cheap checks first: a stale request never reaches the database, nor does one from
    // an address that has named too many unknown devices lately (a flood of made-up ids).
    check_fresh(&auth)?;
    if let Some(from) = from
        && let Err(wait) = state.may_name_devices(from)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests for unknown devices from this address",
        )
        .retry_after(wait));
    }
    let Some(device) = devices::find(&state.server.store, id).await? else {
        if let Some(from) = from {
            state.named_unknown_device(from);
        }
        return Err(no_device());
    };
    verify(&auth, &device.public_key, method, uri, body)?;
    if let Err(wait) = state.take_token(device.id) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from this device",
        )
        .retry_after(wait));
    }
    Ok(device)
}

/// A request signed by the authority: its id ([`request_id`]), or an error answer.
fn authority<S>(
    state: &ApiState<S>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Id128, ApiError> {
    let auth = parse_auth(headers)?;
    if auth.scheme == DEVICE_SCHEME {
        return Err(wrong_credential("an authority"));
    }
    let key = &state.server.authority;
    if auth.scheme != AUTHORITY_SCHEME || auth.principal != key.key_id() {
        return Err(unauthorized("unauthorized", "unknown authority key"));
    }
    check_fresh(&auth)?;
    verify(&auth, &key.public_key(), method, uri, body)?;
    Ok(request_id(&auth, method, uri, body))
}

/// The id of a signed request: the first 16 bytes of SHA-256 over
/// `"vaora-request-id-v1" 0x00`, the principal and the signed input (method, path,
/// timestamp, body digest). The same request sent again (a replay of the captured bytes)
/// has the same id; a new request, if only by its timestamp, has another. Authority writes
/// use it as the id of what they create, so a replay creates nothing new.
fn request_id(auth: &RequestAuth, method: &Method, uri: &Uri, body: &[u8]) -> Id128 {
    let input = request_signing_input(method.as_str(), path_and_query(uri), auth.ts_ms, body);
    let digest = Sha256::new()
        .chain_update(b"vaora-request-id-v1\0")
        .chain_update(auth.principal.as_bytes())
        .chain_update([0u8])
        .chain_update(&input)
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    Id128::from_bytes(id)
}

type Shared<S> = Arc<ApiState<S>>;

/// A request without a body that a registered device signed, with that device.
pub(crate) struct DeviceCaller(pub DeviceRow);

impl<S: Storage> FromRequestParts<Shared<S>> for DeviceCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared<S>) -> Result<Self, ApiError> {
        device(state, parts, b"").await.map(Self)
    }
}

/// A request without a body that a registered device signed.
pub(crate) struct DeviceCall;

impl<S: Storage> FromRequestParts<Shared<S>> for DeviceCall {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared<S>) -> Result<Self, ApiError> {
        device(state, parts, b"").await.map(|_| Self)
    }
}

/// A request with a body (at most the limits' `max_body_bytes`) that a registered device
/// signed: the device and the body.
pub(crate) struct DeviceRequest {
    pub device: DeviceRow,
    pub body: Bytes,
}

impl<S: Storage> FromRequest<Shared<S>> for DeviceRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Shared<S>) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let body = read_body(body, state.server.limits.max_body_bytes).await?;
        let device = device(state, &parts, &body).await?;
        Ok(Self { device, body })
    }
}

/// A request without a body that the authority signed.
pub(crate) struct AuthorityCall;

impl<S: Storage> FromRequestParts<Shared<S>> for AuthorityCall {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared<S>) -> Result<Self, ApiError> {
        authority(state, &parts.method, &parts.uri, &parts.headers, b"").map(|_| Self)
    }
}

/// A request with a body of at most `LIMIT` bytes that the authority signed: the body and
/// the request's id (the same for a replay of it, [`request_id`]).
pub(crate) struct AuthorityRequest<const LIMIT: usize> {
    pub body: Bytes,
    pub id: Id128,
}

impl<S: Storage, const LIMIT: usize> FromRequest<Shared<S>> for AuthorityRequest<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Shared<S>) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let body = read_body(body, LIMIT).await?;
        let id = authority(state, &parts.method, &parts.uri, &parts.headers, &body)?;
        Ok(Self { body, id })
    }
}
