//! Cases: mark a case, trace its contacts (timeline, CSV), publish exposure windows.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{
    Authed, CsrfForm, Layout, PageError, SignedForm, WithCsrf, csv_response, html, local_time,
    parse_local_time,
};
use crate::backend::{
    CaseSubject, CaseSummary, ConsoleBackend, Contact, IdentifiedBy, NewCase, PublishedWindow,
};
use crate::chart::{TIMELINE_LABEL_W, TIMELINE_ROW_H, TIMELINE_W, TimeScale, TimelineRow};
use crate::i18n::Texts;
use crate::state::{BASE, Console};

pub struct CaseRow {
    pub id: String,
    pub device_id: String,
    pub person: Option<String>,
    /// A card holder's case: the card's kind.
    pub card: Option<String>,
    pub from: String,
    pub until: String,
    pub marked_at: String,
    pub published_at: Option<String>,
}

pub struct WindowRow {
    pub case_id: String,
    pub venue_id: String,
    pub venue_name: String,
    pub from: String,
    pub until: String,
    pub level: u8,
    pub published_at: String,
}

fn case_row(clock: &dyn vaora_protocol::clock::Clock, c: CaseSummary) -> CaseRow {
    CaseRow {
        from: local_time(clock, c.from),
        until: local_time(clock, c.until),
        marked_at: local_time(clock, c.marked_at),
        published_at: c.published_at.map(|t| local_time(clock, t)),
        id: c.id,
        device_id: c.subject.device_id,
        person: c.subject.person,
        card: c.subject.card,
    }
}

fn window_row(clock: &dyn vaora_protocol::clock::Clock, w: PublishedWindow) -> WindowRow {
    WindowRow {
        from: local_time(clock, w.from),
        until: local_time(clock, w.until),
        published_at: local_time(clock, w.published_at),
        case_id: w.case_id,
        venue_id: w.venue_id,
        venue_name: w.venue_name,
        level: w.level,
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    l: Layout,
    cases: Vec<CaseRow>,
    windows: Vec<WindowRow>,
}

pub async fn list<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
) -> Result<Response, PageError> {
    let clock = state.config.clock.as_ref();
    let cases = state.backend.cases().await?;
    let windows = state.backend.published().await?;
    html(
        authed.lang,
        &CasesPage {
            l: authed.layout("cases"),
            cases: cases.into_iter().map(|c| case_row(clock, c)).collect(),
            windows: windows.into_iter().map(|w| window_row(clock, w)).collect(),
        },
    )
}

#[derive(Deserialize)]
pub struct MarkForm {
    csrf: String,
    #[serde(default)]
    device_id: String,
    #[serde(default)]
    person: String,
    /// A card holder's case: the CCCD or BHYT number (instead of a device).
    #[serde(default)]
    card: String,
    from: String,
    until: String,
}

impl WithCsrf for MarkForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn mark<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    SignedForm { form: f, .. }: SignedForm<MarkForm>,
) -> Result<Response, PageError> {
    let clock = state.config.clock.as_ref();
    let from = parse_local_time(clock, &f.from)
        .ok_or_else(|| PageError::BadInput("'from' is not a time like 2026-11-25 08:30".into()))?;
    let until = parse_local_time(clock, &f.until)
        .ok_or_else(|| PageError::BadInput("'until' is not a time like 2026-11-25 18:00".into()))?;
    if until <= from {
        return Err(PageError::BadInput("'until' must be after 'from'".into()));
    }
    let device_id = f.device_id.trim();
    let card = Some(f.card.trim().to_owned()).filter(|c| !c.is_empty());
    if device_id.is_empty() == card.is_none() {
        return Err(PageError::BadInput(
            "give either a device id or a card number".into(),
        ));
    }
    let person = Some(f.person.trim().to_owned()).filter(|p| !p.is_empty());
    if card.is_some() && person.is_some() {
        return Err(PageError::BadInput(
            "a card holder's case has no person on a device".into(),
        ));
    }
    let case = state
        .backend
        .mark_case(NewCase {
            subject: CaseSubject {
                device_id: device_id.to_owned(),
                person,
                card,
            },
            from,
            until,
        })
        .await?;
    log::info!("console: case marked");
    Ok(Redirect::to(&format!("{BASE}/cases/{}", case.id)).into_response())
}

pub struct ContactRow {
    pub device_id: String,
    pub person: Option<String>,
    /// How the person was identified, in the page's language.
    pub identified_by: &'static str,
    /// Name and birth year for a visit staff recorded (the tracer's way to find them).
    pub who: String,
    /// The card number of a visitor staff recorded from a card, opened for the operator.
    pub card_number: Option<String>,
    /// Recorded by a device enrolled as the venue's staff.
    pub enrolled_staff: bool,
    pub venue_name: String,
    pub from: String,
    pub until: String,
    pub minutes: i64,
}

pub struct VisitRow {
    pub venue_name: String,
    pub from: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    l: Layout,
    case: CaseRow,
    visits: Vec<VisitRow>,
    contacts: Vec<ContactRow>,
    timeline: Vec<TimelineRow>,
    timeline_w: f64,
    timeline_h: f64,
    label_w: f64,
    row_h: f64,
    windows: Vec<WindowRow>,
}

pub async fn detail<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let clock = state.config.clock.as_ref();
    let trace = state.backend.trace(&id).await?;
    let windows: Vec<WindowRow> = state
        .backend
        .published()
        .await?
        .into_iter()
        .filter(|w| w.case_id == id)
        .map(|w| window_row(clock, w))
        .collect();

    // One timeline row per venue the case visited, in order of first visit.
    let scale = TimeScale::new(trace.case.from, trace.case.until);
    let mut rows: BTreeMap<String, TimelineRow> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for v in &trace.visits {
        if !rows.contains_key(&v.venue_id) {
            order.push(v.venue_id.clone());
            rows.insert(
                v.venue_id.clone(),
                TimelineRow {
                    y: 0.0,
                    label: v.venue_name.chars().take(22).collect(),
                    case_spans: Vec::new(),
                    contact_spans: Vec::new(),
                },
            );
        }
        if let Some(r) = rows.get_mut(&v.venue_id) {
            let title = format!(
                "{} – {}",
                local_time(clock, v.from),
                local_time(clock, v.until)
            );
            r.case_spans.push(scale.span(v.from, v.until, title));
        }
    }
    for c in &trace.contacts {
        if let Some(r) = rows.get_mut(&c.venue_id) {
            let title = format!(
                "{} {} – {}",
                c.device_id,
                local_time(clock, c.overlap_from),
                local_time(clock, c.overlap_until)
            );
            r.contact_spans
                .push(scale.span(c.overlap_from, c.overlap_until, title));
        }
    }
    let timeline: Vec<TimelineRow> = order
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            rows.remove(id).map(|mut r| {
                r.y = i as f64 * TIMELINE_ROW_H;
                r
            })
        })
        .collect();
    let timeline_h = (timeline.len().max(1) as f64) * TIMELINE_ROW_H + 20.0;
    let page = CasePage {
        l: authed.layout("cases"),
        visits: trace
            .visits
            .iter()
            .map(|v| VisitRow {
                venue_name: v.venue_name.clone(),
                from: local_time(clock, v.from),
                until: local_time(clock, v.until),
            })
            .collect(),
        contacts: trace
            .contacts
            .iter()
            .map(|c| ContactRow {
                device_id: c.device_id.clone(),
                person: c.person.clone(),
                identified_by: identified_by(authed.lang.lang.texts(), c.identified_by),
                who: who(authed.lang.lang.texts(), c),
                enrolled_staff: c.enrolled_staff,
                card_number: c.card_number.clone(),
                venue_name: c.venue_name.clone(),
                from: local_time(clock, c.overlap_from),
                until: local_time(clock, c.overlap_until),
                minutes: (c.overlap_until - c.overlap_from).num_minutes(),
            })
            .collect(),
        case: case_row(clock, trace.case),
        timeline,
        timeline_w: TIMELINE_W,
        timeline_h,
        label_w: TIMELINE_LABEL_W,
        row_h: TIMELINE_ROW_H,
        windows,
    };
    html(authed.lang, &page)
}

pub async fn csv<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    _authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let trace = state.backend.trace(&id).await?;
    let rows: Vec<Vec<String>> = trace
        .contacts
        .into_iter()
        .map(|c| {
            vec![
                c.device_id,
                c.person.unwrap_or_default(),
                c.venue_id,
                c.venue_name,
                c.overlap_from.to_rfc3339(),
                c.overlap_until.to_rfc3339(),
                (c.overlap_until - c.overlap_from).num_minutes().to_string(),
                identified_by_code(c.identified_by).to_owned(),
                c.name.unwrap_or_default(),
                c.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                c.card_number.unwrap_or_default(),
                c.enrolled_staff.to_string(),
            ]
        })
        .collect();
    let body = super::write_csv(
        &[
            "device_id",
            "person",
            "venue_id",
            "venue_name",
            "overlap_from",
            "overlap_until",
            "overlap_minutes",
            "identified_by",
            "name",
            "birth_year",
            "card_number",
            "enrolled_staff",
        ],
        &rows,
    )?;
    let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Ok(csv_response(&format!("contacts-{safe}.csv"), body))
}

pub async fn publish<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    Path(id): Path<String>,
    _: SignedForm<CsrfForm>,
) -> Result<Response, PageError> {
    let windows = state.backend.publish(&id).await?;
    log::info!("console: published {} exposure windows", windows.len());
    Ok(Redirect::to(&format!("{BASE}/cases/{id}")).into_response())
}

/// How a contact was identified, in the page's language.
fn identified_by(t: &Texts, by: IdentifiedBy) -> &'static str {
    match by {
        IdentifiedBy::Phone => t.by_phone,
        IdentifiedBy::StaffPersonalCode => t.by_staff_code,
        IdentifiedBy::StaffCccd => t.by_staff_cccd,
        IdentifiedBy::StaffBhyt => t.by_staff_bhyt,
    }
}

/// The CSV's `identified_by` column: the API's names.
fn identified_by_code(by: IdentifiedBy) -> &'static str {
    match by {
        IdentifiedBy::Phone => "phone",
        IdentifiedBy::StaffPersonalCode => "staff_personal_code",
        IdentifiedBy::StaffCccd => "staff_cccd",
        IdentifiedBy::StaffBhyt => "staff_bhyt",
    }
}

/// "Name, born 1948" for a visit staff recorded; empty for a phone's own check-in.
fn who(t: &Texts, c: &Contact) -> String {
    match (&c.name, c.birth_year) {
        (Some(n), Some(y)) => format!("{n}, {} {y}", t.born),
        (Some(n), None) => n.clone(),
        (None, Some(y)) => format!("{} {y}", t.born),
        (None, None) => String::new(),
    }
}
