//! Overview: venues by category and ward, check-ins per day, devices, open cases.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Authed, Layout, PageError, html};
use crate::backend::ConsoleBackend;
use crate::chart::{BAR_CHART_H, BAR_CHART_W, Bar, day_bars};
use crate::state::Console;

/// Days shown in the check-ins chart: the retention window.
pub const CHART_DAYS: u32 = 21;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    l: Layout,
    total_venues: u64,
    devices: u64,
    open_cases: u64,
    total_checkins: u64,
    by_category: Vec<(&'static str, u64)>,
    by_ward: Vec<(String, u64)>,
    bars: Vec<Bar>,
    chart_w: f64,
    chart_h: f64,
}

pub async fn page<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
) -> Result<Response, PageError> {
    let today = state.config.clock.now().date_naive();
    let o = state.backend.overview(today, CHART_DAYS).await?;
    let lang = authed.lang.lang;
    let page = OverviewPage {
        l: authed.layout("overview"),
        total_venues: o.venues_by_category.iter().map(|c| c.1).sum(),
        devices: o.registered_devices,
        open_cases: o.open_cases,
        total_checkins: o.checkins_per_day.iter().map(|d| d.1).sum(),
        by_category: o
            .venues_by_category
            .iter()
            .map(|(c, n)| (lang.category(*c), *n))
            .collect(),
        by_ward: o.venues_by_ward,
        bars: day_bars(&o.checkins_per_day),
        chart_w: BAR_CHART_W,
        chart_h: BAR_CHART_H,
    };
    html(authed.lang, &page)
}
