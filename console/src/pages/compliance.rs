//! Compliance: the inspection list (no or unusually few scans), sortable, as CSV.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Duration;
use serde::Deserialize;

use std::collections::HashMap;

use super::inspections::verdict_label;
use super::venues::{category_options, parse_category};
use super::{Authed, Layout, PageError, csv_response, html, local_time, query_value, write_csv};
use crate::backend::{ConsoleBackend, FieldInspection, ScanCountQuery};
use crate::compliance::{Finding, Flagged, Inspection, SortKey, sort};
use crate::state::Console;

pub const DEFAULT_DAYS: u32 = 14;
pub const MAX_DAYS: u32 = 21;
/// Rows shown per page (`page=N`, from 1); the CSV has them all.
pub const PAGE_ROWS: usize = 500;

#[derive(Deserialize, Default)]
pub struct ComplianceQuery {
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    ward: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    page: Option<usize>,
}

struct Listing {
    days: u32,
    /// The window's first day (UTC).
    from_day: chrono::NaiveDate,
    sort: SortKey,
    descending: bool,
    checked: u64,
    flagged: Vec<Flagged>,
}

async fn listing<B: ConsoleBackend>(
    state: &Console<B>,
    q: &ComplianceQuery,
) -> Result<Listing, PageError> {
    let days = q.days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS);
    let to_day = state.config.clock.now().date_naive();
    let from_day = to_day - Duration::days(i64::from(days) - 1);
    let Inspection {
        checked,
        mut flagged,
    } = state
        .backend
        .inspection(&ScanCountQuery {
            from_day,
            to_day,
            ward: q.ward.trim().to_owned(),
            category: parse_category(&q.category)?,
        })
        .await?;
    let key = SortKey::parse(&q.sort);
    let descending = q.dir == "desc";
    sort(&mut flagged, key, descending);
    Ok(Listing {
        days,
        from_day,
        sort: key,
        descending,
        checked,
        flagged,
    })
}

pub struct ComplianceRow {
    pub id: String,
    pub name: String,
    pub ward: String,
    pub category: &'static str,
    pub address: String,
    pub scans: u64,
    pub peer_median: String,
    pub none: bool,
    /// The latest field inspection (time, verdict label, CSS class), if any.
    pub inspection: Option<(String, &'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    l: Layout,
    days: u32,
    ward: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
    sort: &'static str,
    descending: bool,
    checked: u64,
    flagged_total: usize,
    /// Page shown (from 1) and how many there are.
    page: usize,
    pages: usize,
    rows: Vec<ComplianceRow>,
    /// Query string (without sort and dir) that keeps the filters on sort links.
    filter_qs: String,
    /// Venues inspected in the window, with their latest verdict and scan finding.
    inspected: Vec<InspectedRow>,
}

/// A venue inspected in the window, beside what its scans say.
pub struct InspectedRow {
    pub id: String,
    pub name: String,
    pub ward: String,
    pub at: String,
    pub verdict: &'static str,
    pub verdict_class: &'static str,
    /// The scan finding: no scans / few scans (with the count), or in line with peers.
    pub scans: String,
    pub scans_class: &'static str,
}

pub async fn page<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, PageError> {
    let list = listing(&state, &q).await?;
    let lang = authed.lang.lang;
    let t = lang.texts();
    let clock = state.config.clock.as_ref();
    let since = list
        .from_day
        .and_hms_opt(0, 0, 0)
        .map_or_else(chrono::Utc::now, |d| d.and_utc());
    let findings: HashMap<&str, (Finding, u64)> = list
        .flagged
        .iter()
        .map(|f| (f.row.venue.id.as_str(), (f.finding, f.row.scans)))
        .collect();
    let inspected: Vec<InspectedRow> = state
        .backend
        .recent_inspections(since, q.ward.trim())
        .await?
        .into_iter()
        .map(|iv| {
            let (verdict, verdict_class) = verdict_label(t, &iv.inspection.verdict);
            let (scans, scans_class) = match findings.get(iv.venue.id.as_str()) {
                Some((Finding::NoScans, _)) => (t.no_scans.to_owned(), "bad"),
                Some((Finding::FewScans, n)) => (format!("{} ({n})", t.few_scans), "warn"),
                None => (t.scans_normal.to_owned(), "ok"),
            };
            InspectedRow {
                at: local_time(clock, iv.inspection.at),
                verdict,
                verdict_class,
                scans,
                scans_class,
                id: iv.venue.id,
                name: iv.venue.name,
                ward: iv.venue.ward,
            }
        })
        .collect();
    drop(findings);
    let flagged_total = list.flagged.len();
    let pages = flagged_total.div_ceil(PAGE_ROWS).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<_> = list
        .flagged
        .into_iter()
        .skip((page - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .collect();
    let mut latest = latest_by_venue(&state, shown.iter().map(|f| f.row.venue.id.clone())).await?;
    let rows = shown
        .into_iter()
        .map(|f| ComplianceRow {
            inspection: latest.remove(&f.row.venue.id).map(|i| {
                let (label, class) = verdict_label(t, &i.verdict);
                (local_time(clock, i.at), label, class)
            }),
            category: lang.category(f.row.venue.category),
            scans: f.row.scans,
            peer_median: format!("{:.1}", f.peer_median),
            none: f.finding == Finding::NoScans,
            id: f.row.venue.id,
            name: f.row.venue.name,
            ward: f.row.venue.ward,
            address: f.row.venue.address,
        })
        .collect();
    let filter_qs = format!(
        "days={}&ward={}&category={}",
        list.days,
        query_value(q.ward.trim()),
        query_value(q.category.trim())
    );
    html(
        authed.lang,
        &CompliancePage {
            l: authed.layout("compliance"),
            days: list.days,
            ward: q.ward.trim().to_owned(),
            category: q.category,
            categories: category_options(lang),
            sort: list.sort.as_str(),
            descending: list.descending,
            checked: list.checked,
            flagged_total,
            page,
            pages,
            rows,
            filter_qs,
            inspected,
        },
    )
}

/// The latest field inspection of each venue, by venue id.
async fn latest_by_venue<B: ConsoleBackend>(
    state: &Console<B>,
    ids: impl Iterator<Item = String>,
) -> Result<HashMap<String, FieldInspection>, PageError> {
    let ids: Vec<String> = ids.collect();
    Ok(state
        .backend
        .latest_inspections(&ids)
        .await?
        .into_iter()
        .map(|i| (i.venue_id.clone(), i))
        .collect())
}

pub async fn csv<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, PageError> {
    let list = listing(&state, &q).await?;
    let mut latest =
        latest_by_venue(&state, list.flagged.iter().map(|f| f.row.venue.id.clone())).await?;
    let rows: Vec<Vec<String>> = list
        .flagged
        .into_iter()
        .map(|f| {
            let v = f.row.venue;
            let last = latest.remove(&v.id);
            vec![
                v.id,
                v.name,
                v.category.as_str().to_owned(),
                v.ward,
                v.address,
                f.row.scans.to_string(),
                format!("{:.1}", f.peer_median),
                match f.finding {
                    Finding::NoScans => "no-scans",
                    Finding::FewScans => "few-scans",
                }
                .to_owned(),
                last.as_ref().map(|i| i.at.to_rfc3339()).unwrap_or_default(),
                last.map(|i| i.verdict).unwrap_or_default(),
            ]
        })
        .collect();
    let body = write_csv(
        &[
            "venue_id",
            "name",
            "category",
            "ward",
            "address",
            "scans",
            "peer_median",
            "finding",
            "last_inspected_at",
            "last_verdict",
        ],
        &rows,
    )?;
    Ok(csv_response("compliance.csv", body))
}
