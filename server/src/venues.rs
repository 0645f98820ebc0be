//! The venue registry: registration (issuing the signed venue code), posters, lookup,
//! search and revocation. One code path behind `POST /v1/authority/venues` and the
//! console's venue pages.
//!
//! Why one place: a venue code is a signed promise to every phone, so the rules (core's
//! `VenueIssuer` with the server's authority key, validity inside the key's own validity,
//! the registry row written only after the code is issued) must not exist twice.

use chrono::{DateTime, Duration, Utc};
use vaora_protocol::ids::Id128;
use vaora_protocol::render::RenderError;
use vaora_protocol::render::poster::{Poster, poster_png, poster_svg};
use vaora_protocol::venue::{self, VenueCategory, VenueIssuer, venue_poster};

use crate::storage::{Storage, StorageError, VenueQuery, VenueRow};

/// How long a venue code issued by the server is valid (cut to the key's validity).
pub(crate) const VENUE_CODE_DAYS: i64 = 365;

/// Default stay printed into venue codes when the request names none (minutes).
pub(crate) const DEFAULT_STAY_MIN: u16 = 60;

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub name: String,
    pub address: String,
    pub ward: String,
    pub category: VenueCategory,
    pub stay_minutes: u16,
}

/// Why a venue action was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum VenueError {
    #[error("{0}")]
    Invalid(String),
    #[error("no such venue")]
    NotFound,
    /// The poster could not be drawn.
    #[error("{0}")]
    Poster(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The registered venue: its registry row and the validity printed in its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registered {
    pub row: VenueRow,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// Issues the venue's code with `issuer` and stores the venue in the registry, under `id`
/// when given (else a random one). When a venue with that id is registered already (a
/// replayed request), that venue is answered as registered and nothing changes.
pub(crate) async fn register<S: Storage>(
    store: &S,
    issuer: &VenueIssuer,
    id: Option<Id128>,
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
            venue_id: id,
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
    if store.insert_venue(row.clone()).await? {
        return Ok(Registered {
            row,
            valid_from: day(code.info.valid_from_day),
            valid_until: day(code.info.valid_until_day),
        });
    }
    let stored = find(store, row.id).await?;
    let info = venue::VenueCode::parse(&stored.code_text)
        .map_err(|e| VenueError::Invalid(format!("stored venue code: {e}")))?
        .info;
    Ok(Registered {
        row: stored,
        valid_from: day(info.valid_from_day),
        valid_until: day(info.valid_until_day),
    })
}

pub(crate) async fn find<S: Storage>(store: &S, id: Id128) -> Result<VenueRow, VenueError> {
    store.venue_row(id).await?.ok_or(VenueError::NotFound)
}

pub(crate) async fn search<S: Storage>(
    store: &S,
    query: VenueQuery,
) -> Result<Vec<VenueRow>, VenueError> {
    Ok(store.search_venue_rows(query).await?)
}

/// Revokes a venue's code (phones learn it from the next key set).
pub(crate) async fn revoke<S: Storage>(store: &S, id: Id128) -> Result<(), VenueError> {
    if store
        .revoke_venue_row(id, Utc::now().timestamp_millis())
        .await?
    {
        Ok(())
    } else {
        Err(VenueError::NotFound)
    }
}

/// The poster of a registered venue: the one layout every venue poster has
/// ([`vaora_protocol::venue::venue_poster`]), with the registry's ward.
fn poster(row: &VenueRow) -> Result<Poster, VenueError> {
    let category = VenueCategory::from_code(row.category).ok_or_else(|| {
        VenueError::Poster(format!("stored category {} is unknown", row.category))
    })?;
    Ok(venue_poster(
        &row.name,
        category,
        &row.address,
        &row.ward,
        &row.code_text,
    ))
}

fn drawn(e: RenderError) -> VenueError {
    VenueError::Poster(e.to_string())
}

/// The poster as SVG text.
pub(crate) fn poster_as_svg(row: &VenueRow) -> Result<String, VenueError> {
    poster_svg(&poster(row)?).map_err(drawn)
}

/// The poster as a PNG image.
pub(crate) fn poster_as_png(row: &VenueRow) -> Result<Vec<u8>, VenueError> {
    poster_png(&poster(row)?).map_err(drawn)
}
