//! Venue registration: the one code path behind `POST /v1/authority/venues` and the
//! console's "register a venue" form.
//!
//! Why one place: a venue code is a signed promise to every phone, so the rules (core's
//! `VenueIssuer` with the server's authority key, validity inside the key's own validity,
//! the registry row written only after the code is issued) must not exist twice. The
//! console maps [`VenueError`] to its form errors, the API to 4xx JSON answers.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use vaora_protocol::render::poster::{Poster, poster_png, poster_svg};
use vaora_protocol::venue::{self, VenueCategory, VenueIssuer};
use vaora_protocol::wire::{VenueRequest, VenueResponse};

use crate::api::{self, ApiError, AppState};
use crate::console::{ConsoleStore, ServerConsole, VenueRow};
use crate::storage::StorageError;

/// How long a venue code issued by the server is valid (cut to the key's validity).
pub const VENUE_CODE_DAYS: i64 = 365;

/// Default stay printed into venue codes when the request names none (minutes).
pub const DEFAULT_STAY_MIN: u16 = 60;

/// Largest registration request body.
const MAX_VENUE_BODY: usize = 8 * 1024;

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    pub address: String,
    pub ward: String,
    pub category: VenueCategory,
    pub stay_minutes: u16,
}

/// Why a venue was not registered.
#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    #[error("invalid venue: {0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The registered venue: its registry row and the validity printed in its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub row: VenueRow,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// Issues the venue's code with `issuer` and stores the venue in the registry.
pub async fn register<S: ConsoleStore>(
    state: &AppState<S>,
    issuer: &VenueIssuer,
    reg: Registration,
) -> Result<Registered, VenueError> {
    let name = reg.name.trim().to_owned();
    let address = reg.address.trim().to_owned();
    let ward = reg.ward.trim().to_owned();
    if name.is_empty() {
        return Err(VenueError::Invalid("a venue needs a name".into()));
    }
    let now = Utc::now();
    let key_end = DateTime::from_timestamp(issuer.authority().valid_until(), 0).unwrap_or(now);
    let code = issuer
        .issue(venue::NewVenue {
            venue_id: None,
            name: name.clone(),
            address: address.clone(),
            category: reg.category,
            default_stay_min: reg.stay_minutes,
            valid_from: now,
            valid_until: (now + Duration::days(VENUE_CODE_DAYS)).min(key_end),
        })
        .map_err(|e| {
            let detail = std::error::Error::source(&e).map_or(String::new(), |s| format!(": {s}"));
            VenueError::Invalid(format!("{e}{detail}"))
        })?;
    let day = |d: u32| DateTime::from_timestamp(i64::from(d) * 86_400, 0).unwrap_or(now);
    let row = VenueRow {
        id: code.info.venue_id,
        name,
        category: reg.category.code(),
        ward,
        address,
        code_text: code.to_text(),
        registered_ms: now.timestamp_millis(),
        revoked: false,
    };
    state.store.insert_venue(row.clone()).await?;
    Ok(Registered {
        row,
        valid_from: day(code.info.valid_from_day),
        valid_until: day(code.info.valid_until_day),
    })
}

/// The poster of a registered venue (title, address and ward, the code as QR).
pub fn poster(row: &VenueRow) -> Poster {
    Poster {
        title: row.name.clone(),
        lines: [row.address.clone(), row.ward.clone()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
        footer: "Quét mã để khai báo".into(),
        code_text: row.code_text.clone(),
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_venue", message)
}

/// `POST /v1/authority/venues` (authority credential): registers a venue; answers 201
/// with the signed code and the poster as SVG and PNG.
pub async fn register_handler<S: ConsoleStore>(
    State(console): State<Arc<ServerConsole<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::response::Response, ApiError> {
    let state = console.state();
    let bytes = api::read_body(body, MAX_VENUE_BODY).await?;
    api::authority_auth(state, &method, &uri, &headers, &bytes)?;
    let req: VenueRequest = api::parse_json(&bytes)?;
    let category = match req.category.as_deref() {
        None => VenueCategory::Other,
        Some(c) => c
            .parse::<VenueCategory>()
            .map_err(|e| invalid(e.to_string()))?,
    };
    let registered = register(
        state,
        console.issuer(),
        Registration {
            name: req.name,
            address: req.address,
            ward: req.ward,
            category,
            stay_minutes: req.stay_minutes.unwrap_or(DEFAULT_STAY_MIN),
        },
    )
    .await
    .map_err(|e| match e {
        VenueError::Invalid(m) => invalid(m),
        VenueError::Storage(s) => ApiError::from(s),
    })?;
    let p = poster(&registered.row);
    let render = |e: vaora_protocol::render::RenderError| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "poster_failed",
            e.to_string(),
        )
    };
    // Rendering is CPU work (QR, rasterized text): off the async workers.
    let (svg, png) = tokio::task::spawn_blocking(move || {
        Ok::<_, ApiError>((
            poster_svg(&p).map_err(render)?,
            poster_png(&p).map_err(render)?,
        ))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    log::info!("venue registered through the API");
    api::json(
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
