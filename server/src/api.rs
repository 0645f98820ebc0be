//! The HTTP API (`docs/sync-protocol.md`): its routes, here, and the one mapping of every
//! role's errors to JSON answers (`api/error.rs`).
//!
//! The handlers (one file per role) are thin: each reads its body itself (bounded, because
//! request signatures cover the exact bytes), checks the signature, calls its role and
//! writes the answer. Validation happens before any write and each write is one storage
//! transaction, so a refused request leaves nothing behind.

mod auth;
mod body;
mod cases;
mod context;
mod devices;
mod error;
mod exposures;
mod inspectors;
mod records;
mod venues;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

pub(crate) use cases::identified_by;
pub(crate) use context::ApiState;
pub(crate) use error::ApiError;

use crate::storage::Storage;

/// The `/v1` routes over one state.
pub(crate) fn router<S: Storage>(state: Arc<ApiState<S>>) -> Router {
    Router::new()
        .route("/v1/devices", post(devices::register::<S>))
        .route("/v1/records", post(records::upload::<S>))
        .route("/v1/keys", get(exposures::keys::<S>))
        .route("/v1/exposures", get(exposures::exposures::<S>))
        .route("/v1/visits", get(exposures::visits::<S>))
        .route("/v1/authority/cases", post(cases::create::<S>))
        .route("/v1/authority/cases/{id}/contacts", get(cases::trace::<S>))
        .route(
            "/v1/authority/cases/{id}/publish",
            post(cases::publish::<S>),
        )
        .route("/v1/authority/venues", post(venues::register::<S>))
        .route("/v1/authority/inspectors", post(inspectors::certify::<S>))
        .route(
            "/v1/authority/inspector-codes",
            post(inspectors::new_code::<S>),
        )
        .route("/v1/inspectors/enrolments", post(inspectors::enrol::<S>))
        .route("/v1/inspections/work-list", get(inspectors::work_list::<S>))
        .route("/v1/venues", post(venues::register_own::<S>))
        .route("/v1/venues/{id}/enrolments", post(venues::enrolment::<S>))
        .route("/v1/venues/{id}/revoke", post(venues::revoke_own::<S>))
        .route("/v1/venues/{id}/staff", post(venues::staff::<S>))
        .route(
            "/v1/venues/{id}/staff/remove",
            post(venues::remove_staff::<S>),
        )
        .route("/v1/staff/enrolments", post(venues::enrol::<S>))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .with_state(state)
}
