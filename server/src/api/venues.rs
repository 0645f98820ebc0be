//! `POST /v1/authority/venues` (authority credential): registers a venue
//! ([`crate::venues`]); answers 201 with the signed code and the poster as SVG and PNG.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use vaora_protocol::venue::VenueCategory;
use vaora_protocol::wire::{VenueRequest, VenueResponse};

use super::auth::AuthorityRequest;
use super::body::{ApiResult, json, parse_json};
use super::context::ApiState;
use super::error::ApiError;
use crate::storage::Storage;
use crate::venues::{self, DEFAULT_STAY_MIN, Registration, VenueError};

/// Largest registration request body.
const MAX_VENUE_BODY: usize = 8 * 1024;

pub(crate) async fn register<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    AuthorityRequest { body, id }: AuthorityRequest<MAX_VENUE_BODY>,
) -> ApiResult {
    let req: VenueRequest = parse_json(&body)?;
    let category = match req.category.as_deref() {
        None => VenueCategory::Other,
        Some(c) => c
            .parse::<VenueCategory>()
            .map_err(|e| VenueError::Invalid(e.to_string()))?,
    };
    let server = &state.server;
    // The venue's id is the request's: a replay of this request names the same venue.
    let registered = venues::register(
        &server.store,
        &server.issuer,
        Some(id),
        Registration {
            name: req.name,
            address: req.address,
            ward: req.ward,
            category,
            stay_minutes: req.stay_minutes.unwrap_or(DEFAULT_STAY_MIN),
        },
    )
    .await?;
    let row = registered.row.clone();
    // Rendering is CPU work (QR, rasterized text): off the async workers.
    let (svg, png) = tokio::task::spawn_blocking(move || {
        Ok::<_, VenueError>((venues::poster_as_svg(&row)?, venues::poster_as_png(&row)?))
    })
    .await
    .map_err(|e| ApiError::internal("internal", e.to_string()))??;
    log::info!("venue registered through the API");
    json(
        StatusCode::CREATED,
        &VenueResponse {
            venue_id: registered.row.id,
            code: registered.row.code_text,
            valid_from: registered.valid_from,
            valid_until: registered.valid_until,
            poster_svg: svg,
            poster_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
        },
    )
}
