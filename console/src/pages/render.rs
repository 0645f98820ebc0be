//! How pages are written: the layout every template extends, HTML responses (remembering a
//! newly chosen language), times in the console's local time, and CSV downloads.

use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::cookies::{LANG_COOKIE, PageLang};
use super::error::PageError;
use crate::i18n::{Lang, Texts};
use crate::state::BASE;

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

    /// The layout of a page anyone may open (no sign-in, no navigation): links and the
    /// stylesheet from the server's root, where the public pages are mounted.
    pub fn public(lang: Lang) -> Self {
        Self {
            base: "",
            ..Self::new(lang, "", None)
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

/// A fresh single-use code as a page shows it: text, expiry and QR (staff enrolment on
/// the management page, inspector certification in the console).
pub struct ShownCode {
    pub text: String,
    pub until: String,
    pub png_base64: String,
}

/// A query value, percent-encoded (every byte but ASCII letters and digits).
pub fn query_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
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
/// would run as a formula get a leading apostrophe: those starting with `=`, `+`, `-`,
/// `@`, and with a tab or carriage return (which spreadsheets skip before a formula).
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, PageError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| PageError::Template(e.to_string());
    w.write_record(header).map_err(fail)?;
    for r in rows {
        let safe: Vec<String> = r
            .iter()
            .map(|c| {
                if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_could_run_as_formulas_are_neutralised() {
        let rows = vec![vec![
            "=1+1".to_owned(),
            "\t=2+2".to_owned(),
            "\r=3+3".to_owned(),
            "@SUM(A1)".to_owned(),
            "Phở Hòa".to_owned(),
        ]];
        let out = String::from_utf8(write_csv(&["a", "b", "c", "d", "e"], &rows).unwrap()).unwrap();
        let line = out.lines().nth(1).unwrap_or_default();
        assert!(line.starts_with("'=1+1,"), "{out:?}");
        assert!(out.contains(",'\t=2+2,"), "{out:?}");
        assert!(out.contains("\"'\r=3+3\""), "{out:?}");
        assert!(out.contains("'@SUM(A1)"), "{out:?}");
        assert!(out.contains(",Phở Hòa"), "{out:?}");
    }
}
