//! Sign-in with an authority-signed console token, and sign-out.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Layout, PageError, PageLang, SESSION_COOKIE, cookie, html};
use crate::backend::ConsoleBackend;
use crate::state::{BASE, Console};
use crate::token::{self, TokenError};
use std::sync::Arc;

/// Every failed sign-in waits this long before it is answered, on top of the per-address backoff.
const FAILURE_DELAY: Duration = Duration::from_millis(250);

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    error: Option<String>,
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the
/// right-most `X-Forwarded-For` address that is not one (the left of it is the client's
/// to write, so it is never believed).
pub fn client_ip(ext: &axum::http::Extensions, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

pub async fn login_form<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    lang: PageLang,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let now = state.config.clock.now();
    if cookie(&headers, SESSION_COOKIE).is_some_and(|id| state.sessions.get(id, now).is_some()) {
        return Ok(Redirect::to(BASE).into_response());
    }
    html(
        lang,
        &LoginPage {
            l: Layout::new(lang.lang, "login", None),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    lang: PageLang,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let ip = client_ip(
        req.extensions(),
        req.headers(),
        &state.config.trusted_proxies,
    );
    let Form(form) = <Form<LoginForm> as axum::extract::FromRequest<_>>::from_request(req, &state)
        .await
        .map_err(|_| PageError::BadInput("missing field: token".into()))?;
    let now = state.config.clock.now();
    let refuse = |status: StatusCode, message: String| -> Result<Response, PageError> {
        let mut res = html(
            lang,
            &LoginPage {
                l: Layout::new(lang.lang, "login", None),
                error: Some(message),
            },
        )?;
        *res.status_mut() = status;
        Ok(res)
    };
    match token::verify(&form.token, &state.config.authority_keys, now) {
        Ok(claims) => {
            // Others' failures at this address are kept: an operator signing in does not
            // free a guesser behind the same proxy.
            let Some(id) = state.sessions.create(now, claims.expires_at) else {
                return Err(PageError::Template("session store unavailable".into()));
            };
            log::info!("console: sign-in with authority key {}", claims.key_id);
            let secure = if state.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie =
                format!("{SESSION_COOKIE}={id}; Path={BASE}; HttpOnly; SameSite=Strict{secure}");
            let mut res = Redirect::to(BASE).into_response();
            let v =
                HeaderValue::from_str(&cookie).map_err(|e| PageError::Template(e.to_string()))?;
            res.headers_mut().append(header::SET_COOKIE, v);
            Ok(res)
        }
        Err(err) => {
            // The token is checked first: a valid one is never held back because others
            // failed from the same address (a proxy's, an office's NAT).
            if let Some(wait) = state.throttle.blocked_for(ip, now) {
                return refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Đăng nhập sai quá nhiều lần, thử lại sau {wait} giây · too many failed sign-ins; try again in {wait} s"
                    ),
                );
            }
            state.throttle.failed(ip, now);
            log::warn!("console: refused sign-in: {err}");
            tokio::time::sleep(FAILURE_DELAY).await;
            let vi = match err {
                TokenError::Expired => "Mã đã hết hạn",
                TokenError::UnknownKey => "Mã không do khoá của cơ quan y tế ký",
                TokenError::BadSignature => "Chữ ký của mã không hợp lệ",
                TokenError::TooLong => "Mã có thời hạn quá dài",
                TokenError::Malformed | TokenError::Random => "Đây không phải mã đăng nhập",
            };
            let message = format!("{vi} · {err}");
            refuse(StatusCode::UNAUTHORIZED, message)
        }
    }
}

pub async fn logout<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    super::SignedForm { authed, .. }: super::SignedForm<super::CsrfForm>,
) -> Result<Response, PageError> {
    state.sessions.remove(&authed.session_id);
    let mut res = Redirect::to(&format!("{BASE}/login")).into_response();
    let expired = format!("{SESSION_COOKIE}=; Path={BASE}; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&expired) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
