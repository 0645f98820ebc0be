//! Venues: search and filter, register (signed code + poster downloads), revoke.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vaora_protocol::venue::VenueCategory;

use super::inspections::InspectionView;
use super::{Authed, CsrfForm, Layout, PageError, SignedForm, WithCsrf, html, local_time};
use crate::backend::{ConsoleBackend, NewVenue, PosterFormat, VenueFilter};
use crate::state::{BASE, Console};

/// Longest list the page shows; narrow the filter to see others.
pub const LIST_LIMIT: u32 = 200;

/// A venue row as the templates show it.
pub struct VenueRow {
    pub id: String,
    pub name: String,
    pub category: &'static str,
    pub ward: String,
    pub address: String,
    pub registered_at: String,
    pub revoked: bool,
    /// Registered by its owner (with `contact`), not by the authority.
    pub self_registered: bool,
    pub contact: String,
}

impl VenueRow {
    fn new(
        clock: &dyn vaora_protocol::clock::Clock,
        lang: crate::i18n::Lang,
        v: crate::backend::VenueSummary,
    ) -> Self {
        Self {
            category: lang.category(v.category),
            registered_at: local_time(clock, v.registered_at),
            id: v.id,
            name: v.name,
            ward: v.ward,
            address: v.address,
            revoked: v.revoked,
            self_registered: v.self_registered,
            contact: v.contact,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    ward: String,
    #[serde(default)]
    revoked: Option<String>,
    /// `owner`, `authority` or empty (both).
    #[serde(default)]
    by: String,
}

#[derive(Template)]
#[template(path = "venues.html")]
struct VenuesPage {
    l: Layout,
    q: String,
    ward: String,
    category: String,
    include_revoked: bool,
    by: String,
    categories: Vec<(&'static str, &'static str)>,
    rows: Vec<VenueRow>,
    limit: u32,
}

pub fn category_options(lang: crate::i18n::Lang) -> Vec<(&'static str, &'static str)> {
    VenueCategory::ALL
        .iter()
        .map(|c| (c.as_str(), lang.category(*c)))
        .collect()
}

pub fn parse_category(s: &str) -> Result<Option<VenueCategory>, PageError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|e: vaora_protocol::venue::UnknownCategory| PageError::BadInput(e.to_string()))
}

pub async fn list<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = VenueFilter {
        text: q.q.trim().to_owned(),
        category: parse_category(&q.category)?,
        ward: q.ward.trim().to_owned(),
        include_revoked: q.revoked.is_some(),
        self_registered: match q.by.trim() {
            "" => None,
            "owner" => Some(true),
            "authority" => Some(false),
            other => {
                return Err(PageError::BadInput(format!(
                    "registered by: owner or authority, not {other:?}"
                )));
            }
        },
        limit: LIST_LIMIT,
    };
    let venues = state.backend.search_venues(&filter).await?;
    let lang = authed.lang.lang;
    let clock = state.config.clock.as_ref();
    let rows = venues
        .into_iter()
        .map(|v| VenueRow::new(clock, lang, v))
        .collect();
    html(
        authed.lang,
        &VenuesPage {
            l: authed.layout("venues"),
            q: filter.text,
            ward: filter.ward,
            category: q.category,
            include_revoked: filter.include_revoked,
            by: q.by,
            categories: category_options(lang),
            rows,
            limit: LIST_LIMIT,
        },
    )
}

#[derive(Deserialize)]
pub struct RegisterForm {
    csrf: String,
    name: String,
    category: String,
    ward: String,
    #[serde(default)]
    address: String,
}

impl WithCsrf for RegisterForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn register<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    SignedForm { form: f, .. }: SignedForm<RegisterForm>,
) -> Result<Response, PageError> {
    let name = f.name.trim();
    let ward = f.ward.trim();
    if name.is_empty() || ward.is_empty() {
        return Err(PageError::BadInput("name and ward are required".into()));
    }
    let category = parse_category(&f.category)?
        .ok_or_else(|| PageError::BadInput("category is required".into()))?;
    let detail = state
        .backend
        .register_venue(NewVenue {
            name: name.to_owned(),
            category,
            ward: ward.to_owned(),
            address: f.address.trim().to_owned(),
        })
        .await?;
    log::info!("console: venue registered");
    Ok(Redirect::to(&format!("{BASE}/venues/{}?new=1", detail.venue.id)).into_response())
}

#[derive(Template)]
#[template(path = "venue.html")]
struct VenuePage {
    l: Layout,
    v: VenueRow,
    code_text: String,
    just_registered: bool,
    inspections: Vec<InspectionView>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    new: Option<String>,
}

pub async fn detail<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let d = state.backend.venue(&id).await?;
    let lang = authed.lang.lang;
    let clock = state.config.clock.as_ref();
    let inspections = state
        .backend
        .venue_inspections(&d.venue.id)
        .await?
        .into_iter()
        .map(|i| InspectionView::new(clock, lang, i))
        .collect();
    let row = VenueRow::new(clock, lang, d.venue);
    html(
        authed.lang,
        &VenuePage {
            l: authed.layout("venues"),
            v: row,
            code_text: d.code_text,
            just_registered: q.new.is_some(),
            inspections,
        },
    )
}

pub async fn revoke<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    Path(id): Path<String>,
    _: SignedForm<CsrfForm>,
) -> Result<Response, PageError> {
    state.backend.revoke_venue(&id).await?;
    log::info!("console: venue revoked");
    Ok(Redirect::to(&format!("{BASE}/venues/{id}")).into_response())
}

async fn poster<B: ConsoleBackend>(
    state: &Console<B>,
    id: &str,
    format: PosterFormat,
) -> Result<Response, PageError> {
    let bytes = state.backend.poster(id, format).await?;
    let (mime, ext) = match format {
        PosterFormat::Png => ("image/png", "png"),
        PosterFormat::Svg => ("image/svg+xml", "svg"),
        PosterFormat::Pdf => ("application/pdf", "pdf"),
    };
    let safe_id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"venue-{safe_id}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn poster_png<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    poster(&state, &id, PosterFormat::Png).await
}

pub async fn poster_pdf<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    poster(&state, &id, PosterFormat::Pdf).await
}

pub async fn poster_svg<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    poster(&state, &id, PosterFormat::Svg).await
}
