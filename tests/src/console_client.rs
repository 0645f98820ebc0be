//! A browser's side of the authority console for tests over loopback HTTP: sign in with
//! a token, read pages with the session cookie, post forms with the page's CSRF token.

// Test support: failing loudly at the step that broke is its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A client that does not follow redirects (the console answers forms with them).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The first `value="…"` after `name="csrf"` in a page.
pub fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The text of the element with the given id (`id="x">TEXT<`).
pub fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at + marker.len()..];
    &rest[..rest.find('<').unwrap()]
}

/// A signed-in console session.
pub struct Console {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: String,
}

impl Console {
    pub async fn login(base: &str, token: &str) -> Result<Self, (StatusCode, String)> {
        let http = http();
        let resp = http
            .post(format!("{base}/console/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("token", token)]))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("vaora_console_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned());
        match cookie {
            Some(cookie) if status.is_redirection() => Ok(Self {
                http,
                base: base.to_owned(),
                cookie,
            }),
            _ => Err((status, resp.text().await.unwrap_or_default())),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Posts a form with the page's CSRF token; returns the redirect target.
    pub async fn post(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> String {
        let (status, html) = self.get(page).await;
        assert_eq!(status, StatusCode::OK, "{page}: {html}");
        let token = csrf(&html);
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&all))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        assert!(status.is_redirection(), "POST {path}: {status} {body}");
        location.unwrap()
    }
}
