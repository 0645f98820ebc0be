//! The signed-in extractors: a request with a live session, else a redirect to the
//! sign-in page; and a form from such a request whose CSRF token is the session's, so no
//! form handler can forget the check.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::cookies::{PageLang, SESSION_COOKIE, cookie};
use super::error::PageError;
use super::render::Layout;
use crate::backend::ConsoleBackend;
use crate::session::{Session, constant_time_eq};
use crate::state::{BASE, Console};

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
    fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
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

/// A form that carries a CSRF token.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

/// A form that carries nothing but its CSRF token (sign-out, revoke, publish).
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form posted in a live session with that session's CSRF token: the session and the
/// form. Checked in this order: the session (else the sign-in page), the form's shape,
/// the token (else 403).
pub struct SignedForm<T> {
    pub authed: Authed,
    pub form: T,
}

impl<B: ConsoleBackend, T: DeserializeOwned + WithCsrf + Send> FromRequest<Arc<Console<B>>>
    for SignedForm<T>
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Console<B>>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let authed = Authed::from_request_parts(&mut parts, state).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        authed
            .check_csrf(form.csrf())
            .map_err(IntoResponse::into_response)?;
        Ok(Self { authed, form })
    }
}
