//! `POST /v1/authority/venues` (authority credential): registers a venue
//! ([`crate::venues`]); answers 201 with the signed code and the poster as SVG and PNG.
//! `POST /v1/venues` (no credential): a venue's owner registers it, within the budgets
//! of its address and of the server and the cap per contact phone; the answer adds the
//! management secret.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use base64::Engine as _;
use vaora_protocol::ids::Id128;
use vaora_protocol::venue::VenueCategory;
use vaora_protocol::wire::{
    EnrolRequest, Enrolled, EnrolmentCode, ManageRequest, OwnVenueRequest, OwnVenueResponse,
    RemoveStaffRequest, RemovedStaff, RevokedVenue, StaffDevice, StaffList, VenueRequest,
    VenueResponse, from_millis,
};

use super::auth::{AuthorityRequest, DeviceRequest};
use super::body::{ApiResult, json, parse_json, read_body};
use super::context::{ApiState, client_ip};
use super::error::ApiError;
use crate::storage::Storage;
use crate::venues::{self, DEFAULT_STAY_MIN, Registered, Registration, VenueError};

/// Largest registration request body.
const MAX_VENUE_BODY: usize = 8 * 1024;

pub(crate) async fn register<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    AuthorityRequest { body, id }: AuthorityRequest<MAX_VENUE_BODY>,
) -> ApiResult {
    let req: VenueRequest = parse_json(&body)?;
    let server = &state.server;
    // The venue's id is the request's: a replay of this request names the same venue.
    let registered =
        venues::register(&server.store, &server.issuer, Some(id), registration(req)?).await?;
    log::info!("venue registered through the API");
    json(StatusCode::CREATED, &answer(registered).await?)
}

/// `POST /v1/venues`: a venue's owner registers it.
pub(crate) async fn register_own<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    req: Request,
) -> ApiResult {
    // Open to anyone: the address's budget and the server's, before the body is read.
    if let Err((wait, why)) = state.server.own_venues.take(
        client_ip(&state, req.extensions(), req.headers()),
        &state.server.limits,
    ) {
        return Err(
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", why).retry_after(wait),
        );
    }
    let body = read_body(req.into_body(), MAX_VENUE_BODY).await?;
    let req: OwnVenueRequest = parse_json(&body)?;
    let server = &state.server;
    let own = venues::register_own(
        &server.store,
        &server.issuer,
        registration(req.venue)?,
        &req.contact,
    )
    .await?;
    log::info!("venue registered by its owner");
    json(
        StatusCode::CREATED,
        &OwnVenueResponse {
            venue: answer(own.registered).await?,
            manage_secret: own.manage_secret,
        },
    )
}

/// What a venue request asks to register: `other` when no category is named, 60 minutes
/// when no stay is.
fn registration(req: VenueRequest) -> Result<Registration, VenueError> {
    let category = match req.category.as_deref() {
        None => VenueCategory::Other,
        Some(c) => c
            .parse::<VenueCategory>()
            .map_err(|e| VenueError::Invalid(e.to_string()))?,
    };
    Ok(Registration {
        name: req.name,
        address: req.address,
        ward: req.ward,
        category,
        stay_minutes: req.stay_minutes.unwrap_or(DEFAULT_STAY_MIN),
    })
}

/// The answer for a registered venue: its code and its poster.
async fn answer(registered: Registered) -> Result<VenueResponse, ApiError> {
    let (svg, png) = venues::posters(registered.row.clone()).await?;
    Ok(VenueResponse {
        venue_id: registered.row.id,
        code: registered.row.code_text,
        valid_from: registered.valid_from,
        valid_until: registered.valid_until,
        poster_svg: svg,
        poster_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
    })
}

/// A venue id from the path (32 hex digits); an unreadable one manages nothing.
fn venue_id(text: &str) -> Result<Id128, VenueError> {
    text.parse().map_err(|_| VenueError::WrongSecret)
}

/// Largest management request body.
const MAX_MANAGE_BODY: usize = 1024;

/// A management request's body (small JSON carrying the secret).
async fn management<T: serde::de::DeserializeOwned>(req: Request) -> Result<T, ApiError> {
    let body = read_body(req.into_body(), MAX_MANAGE_BODY).await?;
    parse_json(&body)
}

/// `POST /v1/venues/{id}/enrolments`: the owner asks for a staff enrolment code.
pub(crate) async fn enrolment<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult {
    let req: ManageRequest = management(req).await?;
    let (code, expires_at) =
        venues::enrolment_code(&state.server.store, venue_id(&id)?, &req.manage_secret).await?;
    log::info!("staff enrolment code issued");
    json(StatusCode::CREATED, &EnrolmentCode { code, expires_at })
}

/// `POST /v1/staff/enrolments` (device credential): a staff phone redeems a code.
pub(crate) async fn enrol<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    DeviceRequest { device, body }: DeviceRequest,
) -> ApiResult {
    let req: EnrolRequest = parse_json(&body)?;
    let venue = venues::enrol(&state.server.store, device.id, &req.code).await?;
    log::info!("a device enrolled as venue staff");
    json(
        StatusCode::OK,
        &Enrolled {
            venue_id: venue.id,
            venue_name: venue.name,
        },
    )
}

/// `POST /v1/venues/{id}/staff`: the owner lists the venue's enrolled devices.
pub(crate) async fn staff<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult {
    let req: ManageRequest = management(req).await?;
    let staff = venues::staff(&state.server.store, venue_id(&id)?, &req.manage_secret).await?;
    json(
        StatusCode::OK,
        &StaffList {
            staff: staff
                .into_iter()
                .map(|(device_id, at)| StaffDevice {
                    device_id,
                    enrolled_at: from_millis(at),
                })
                .collect(),
        },
    )
}

/// `POST /v1/venues/{id}/staff/remove`: the owner removes a device from the staff.
pub(crate) async fn remove_staff<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult {
    let req: RemoveStaffRequest = management(req).await?;
    let removed = venues::remove_staff(
        &state.server.store,
        venue_id(&id)?,
        &req.manage_secret,
        req.device_id,
    )
    .await?;
    json(StatusCode::OK, &RemovedStaff { removed })
}

/// `POST /v1/venues/{id}/revoke`: the owner revokes their venue's code.
pub(crate) async fn revoke_own<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult {
    let req: ManageRequest = management(req).await?;
    venues::revoke_own(&state.server.store, venue_id(&id)?, &req.manage_secret).await?;
    log::info!("venue revoked by its owner");
    json(StatusCode::OK, &RevokedVenue { revoked: true })
}
