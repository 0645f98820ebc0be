//! What a request says besides its route: its cookies, and the page language it asks for
//! (`?lang=`, else the language cookie, else Vietnamese).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::i18n::Lang;

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
    pub(super) fn from_parts(parts: &Parts) -> Self {
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
