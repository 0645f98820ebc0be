//! Field inspection (issue 19): a ward's work list of venues not inspected for N days
//! (page and CSV; inspectors download the same list to their phones through the API),
//! the certified inspectors with their withdrawal, and single-use codes that certify an
//! inspector's phone. What inspectors found shows on each venue's page and beside the
//! compliance list.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use serde::Deserialize;

use super::{
    Authed, CsrfForm, Layout, PageError, ShownCode, SignedForm, csv_response, html, local_time,
    query_value,
};
use crate::backend::{ConsoleBackend, FieldInspection, WorkListEntry};
use crate::i18n::{Lang, Texts};
use crate::state::{BASE, Console};

pub const DEFAULT_DAYS: u32 = 14;
pub const MAX_DAYS: u32 = 366;

#[derive(Deserialize, Default)]
pub struct WorkListQuery {
    #[serde(default)]
    ward: String,
    #[serde(default)]
    days: Option<u32>,
    /// Present: only the venues due.
    #[serde(default)]
    due: Option<String>,
}

/// A work-list row as the page shows it.
pub struct WorkRow {
    pub id: String,
    pub name: String,
    pub ward: String,
    pub address: String,
    pub category: &'static str,
    pub last: String,
    pub verdict: String,
    pub due: bool,
}

/// An inspection as a venue page (or the compliance list) shows it.
pub struct InspectionView {
    pub at: String,
    pub verdict: &'static str,
    pub verdict_class: &'static str,
    pub code: String,
    pub place: String,
    pub poster: &'static str,
    pub scanning: &'static str,
    pub desk: &'static str,
    pub note: String,
    pub inspector: String,
}

/// The verdict's label and CSS class.
pub fn verdict_label(t: &'static Texts, verdict: &str) -> (&'static str, &'static str) {
    match verdict {
        "compliant" => (t.verdict_compliant, "ok"),
        "non-compliant" => (t.verdict_non_compliant, "warn"),
        _ => (t.verdict_code_problem, "bad"),
    }
}

impl InspectionView {
    pub fn new(clock: &dyn vaora_protocol::clock::Clock, lang: Lang, i: FieldInspection) -> Self {
        let t = lang.texts();
        let yes_no = |b: bool| if b { t.yes } else { t.no };
        let (verdict, verdict_class) = verdict_label(t, &i.verdict);
        Self {
            at: local_time(clock, i.at),
            verdict,
            verdict_class,
            code: i.code,
            place: i.place,
            poster: yes_no(i.poster),
            scanning: yes_no(i.scanning),
            desk: i.desk.map_or(t.not_observed, yes_no),
            note: i.note,
            inspector: i.inspector,
        }
    }
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    l: Layout,
    ward: String,
    days: u32,
    only_due: bool,
    rows: Vec<WorkRow>,
    due_total: usize,
    inspectors: Vec<(String, String)>,
    code: Option<ShownCode>,
    csv_qs: String,
}

fn days(q: &WorkListQuery) -> u32 {
    q.days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS)
}

async fn entries<B: ConsoleBackend>(
    state: &Console<B>,
    q: &WorkListQuery,
) -> Result<Vec<WorkListEntry>, PageError> {
    let mut list = state.backend.work_list(q.ward.trim(), days(q)).await?;
    if q.due.is_some() {
        list.retain(|e| e.due);
    }
    Ok(list)
}

async fn render<B: ConsoleBackend>(
    state: &Console<B>,
    authed: Authed,
    q: WorkListQuery,
    code: Option<ShownCode>,
) -> Result<Response, PageError> {
    let list = entries(state, &q).await?;
    let lang = authed.lang.lang;
    let t = lang.texts();
    let clock = state.config.clock.as_ref();
    let due_total = list.iter().filter(|e| e.due).count();
    let rows = list
        .into_iter()
        .map(|e| WorkRow {
            category: lang.category(e.venue.category),
            last: e
                .last_inspected
                .map_or_else(|| t.never_inspected.to_owned(), |at| local_time(clock, at)),
            verdict: e
                .last_verdict
                .as_deref()
                .map_or("", |v| verdict_label(t, v).0)
                .to_owned(),
            due: e.due,
            id: e.venue.id,
            name: e.venue.name,
            ward: e.venue.ward,
            address: e.venue.address,
        })
        .collect();
    let inspectors = state
        .backend
        .inspectors()
        .await?
        .into_iter()
        .map(|i| (i.device_id, local_time(clock, i.certified_at)))
        .collect();
    let days = days(&q);
    let only_due = q.due.is_some();
    let csv_qs = format!(
        "ward={}&days={days}{}",
        query_value(q.ward.trim()),
        if only_due { "&due=1" } else { "" }
    );
    html(
        authed.lang,
        &InspectionsPage {
            l: authed.layout("inspections"),
            ward: q.ward.trim().to_owned(),
            days,
            only_due,
            rows,
            due_total,
            inspectors,
            code,
            csv_qs,
        },
    )
}

/// `GET /inspections`: the work list and the inspectors.
pub async fn page<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    Query(q): Query<WorkListQuery>,
) -> Result<Response, PageError> {
    render(&state, authed, q, None).await
}

/// `GET /inspections.csv`: the work list as CSV.
pub async fn csv<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Query(q): Query<WorkListQuery>,
) -> Result<Response, PageError> {
    let rows: Vec<Vec<String>> = entries(&state, &q)
        .await?
        .into_iter()
        .map(|e| {
            vec![
                e.venue.id,
                e.venue.name,
                e.venue.category.as_str().to_owned(),
                e.venue.ward,
                e.venue.address,
                e.last_inspected.map(|t| t.to_rfc3339()).unwrap_or_default(),
                e.last_verdict.unwrap_or_default(),
                if e.due { "due" } else { "inspected" }.to_owned(),
            ]
        })
        .collect();
    let body = super::write_csv(
        &[
            "venue_id",
            "name",
            "category",
            "ward",
            "address",
            "last_inspected_at",
            "last_verdict",
            "status",
        ],
        &rows,
    )?;
    Ok(csv_response("inspection-work-list.csv", body))
}

/// `POST /inspectors/code`: a fresh single-use inspector code, shown as text and QR.
pub async fn new_code<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    _: SignedForm<CsrfForm>,
) -> Result<Response, PageError> {
    let code = state.backend.new_inspector_code().await?;
    log::info!("console: inspector code issued");
    let png = vaora_protocol::render::code_png(
        &code.code,
        vaora_protocol::render::Ecc::M,
        vaora_protocol::render::CodeStyle::default(),
    )
    .map_err(|e| PageError::Template(e.to_string()))?;
    let shown = ShownCode {
        until: local_time(state.config.clock.as_ref(), code.expires_at),
        png_base64: base64::engine::general_purpose::STANDARD.encode(png),
        text: code.code,
    };
    render(&state, authed, WorkListQuery::default(), Some(shown)).await
}

/// `POST /inspectors/{id}/withdraw`: withdraws an inspector's certification.
pub async fn withdraw<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    Path(id): Path<String>,
    _: SignedForm<CsrfForm>,
) -> Result<Response, PageError> {
    state.backend.withdraw_inspector(&id).await?;
    log::info!("console: inspector certification withdrawn");
    Ok(Redirect::to(&format!("{BASE}/inspections")).into_response())
}
