//! Page handlers, one module per page, and what they share: the signed-in extractor,
//! the page language, the layout every template extends, CSRF checks and error pages.

pub mod auth;
pub mod cases;
pub mod compliance;
pub mod overview;
pub mod venues;

use std::sync::Arc;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::backend::{BackendError, ConsoleBackend};
use crate::i18n::{Lang, Texts};
use crate::session::{Session, constant_time_eq};
use crate::{BASE, Console};

pub const SESSION_COOKIE: &str = "vaora_console_session";
pub const LANG_COOKIE: &str = "vaora_console_lang";

/// The value of one cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    })
}

/// The page language and whether the request asked to change it.
#[derive(Debug, Clone, Copy)]
pub struct PageLang {
    pub lang: Lang,
    pub chosen: bool,
}

impl PageLang {
    fn from_parts(parts: &Parts) -> Self {
        if let Some(l) = query_param(parts, "lang").and_then(|v| Lang::parse(&v)) {
            return Self {
                lang: l,
                chosen: true,
            };
        }
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(Lang::parse)
            .unwrap_or(Lang::Vi);
        Self {
            lang,
            chosen: false,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

/// A signed-in request. Requests without a live session are sent to the sign-in page.
pub struct Authed {
    pub session_id: String,
    pub session: Session,
    pub lang: PageLang,
}

impl<B: ConsoleBackend> FromRequestParts<Arc<Console<B>>> for Authed {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Console<B>>,
    ) -> Result<Self, Self::Rejection> {
        let lang = PageLang::from_parts(parts);
        let now = state.config.clock.now();
        let found = cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|id| state.sessions.get(id, now).map(|s| (id.to_owned(), s)));
        match found {
            Some((session_id, session)) => Ok(Self {
                session_id,
                session,
                lang,
            }),
            None => Err(Redirect::to(&format!("{BASE}/login")).into_response()),
        }
    }
}

impl Authed {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if constant_time_eq(sent, &self.session.csrf) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }

    pub fn layout(&self, nav: &'static str) -> Layout {
        Layout::new(self.lang.lang, nav, Some(self.session.csrf.clone()))
    }
}

/// What the shared layout (`base.html`) needs.
pub struct Layout {
    pub t: &'static Texts,
    pub lang: Lang,
    pub other_lang: &'static str,
    pub nav: &'static str,
    /// Present when signed in: the session's CSRF token for the forms on the page.
    pub csrf: Option<String>,
    pub base: &'static str,
}

impl Layout {
    pub fn new(lang: Lang, nav: &'static str, csrf: Option<String>) -> Self {
        Self {
            t: lang.texts(),
            lang,
            other_lang: match lang {
                Lang::Vi => "en",
                Lang::En => "vi",
            },
            nav,
            csrf,
            base: BASE,
        }
    }

    pub fn csrf_value(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

/// Renders a template as an HTML response, remembering a newly chosen language.
pub fn html(lang: PageLang, tpl: &impl Template) -> Result<Response, PageError> {
    let body = tpl
        .render()
        .map_err(|e| PageError::Template(e.to_string()))?;
    let mut res = Html(body).into_response();
    if lang.chosen {
        let c = format!(
            "{LANG_COOKIE}={}; Path={BASE}; SameSite=Strict; Max-Age=31536000",
            lang.lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// Formats an instant in the console's local time (Vietnam, UTC+7, unless the clock says otherwise).
pub fn local_time(clock: &dyn vaora_protocol::clock::Clock, t: DateTime<Utc>) -> String {
    t.with_timezone(&clock.local_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Reads a local time typed into a form: `2026-11-25 08:30`, with `T` or seconds, or RFC 3339.
pub fn parse_local_time(
    clock: &dyn vaora_protocol::clock::Clock,
    s: &str,
) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let s = s.replace('T', " ");
    let naive = NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    clock
        .local_offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error("the form is stale or forged (CSRF token mismatch); reload the page")]
    Csrf,
    #[error("{0}")]
    BadInput(String),
    #[error("page rendering failed")]
    Template(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::Backend(BackendError::NotFound(_)) => StatusCode::NOT_FOUND,
            PageError::Backend(BackendError::Invalid(_)) | PageError::BadInput(_) => {
                StatusCode::BAD_REQUEST
            }
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Backend(BackendError::Storage(_)) | PageError::Template(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &self {
            PageError::Backend(BackendError::Storage(detail)) | PageError::Template(detail) => {
                log::error!("console: {detail}");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            message: &message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "internal error".to_owned());
        (status, Html(body)).into_response()
    }
}

/// A CSV download.
pub fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Writes rows as CSV (RFC 4180 quoting by the `csv` crate). Cells that a spreadsheet
/// would run as a formula get a leading apostrophe.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, PageError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| PageError::Template(e.to_string());
    w.write_record(header).map_err(fail)?;
    for r in rows {
        let safe: Vec<String> = r
            .iter()
            .map(|c| {
                if c.starts_with(['=', '+', '-', '@']) {
                    format!("'{c}")
                } else {
                    c.clone()
                }
            })
            .collect();
        w.write_record(&safe).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| PageError::Template(e.to_string()))
}
