//! Vaora's authority console: server-rendered pages for venue compliance inspection and
//! contact tracing, mounted by the reference server under `/console`.
//!
//! Why a separate crate: the console is pages, sessions and security headers; the rules
//! (venue signing, tracing, publishing) stay in the server and core. The server hands a
//! [`ConsoleBackend`] over its own storage to [`router`] and nests the result:
//! `app.nest("/console", vaora_console::router(backend, config))`. The server must serve
//! with `into_make_service_with_connect_info::<SocketAddr>()` so failed sign-ins are
//! counted per client address.
//!
//! Pages carry no JavaScript at all; charts are inline SVG; a strict Content-Security-Policy
//! is set on every response (see [`security`]). Texts are Vietnamese unless the user picks
//! English (`?lang=en`, remembered in a cookie).

pub mod backend;
pub mod chart;
pub mod compliance;
pub mod i18n;
mod pages;
pub mod security;
pub mod session;
pub mod token;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use ed25519_dalek::VerifyingKey;
use vaora_protocol::clock::Clock;

pub use backend::ConsoleBackend;

/// Where the router is mounted; links and cookie paths use it.
pub const BASE: &str = "/console";

/// What the console needs besides the backend.
pub struct ConsoleConfig {
    /// Public keys whose console tokens are accepted: the authority key set.
    pub authority_keys: Vec<VerifyingKey>,
    /// Source of "now" for token and session expiry and the charts' days.
    pub clock: Arc<dyn Clock>,
    /// Add `Secure` to cookies; set when the console is reached over HTTPS.
    pub secure_cookies: bool,
}

impl std::fmt::Debug for ConsoleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleConfig")
            .field("authority_keys", &self.authority_keys.len())
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

/// Shared state of the console's handlers.
pub(crate) struct Console<B> {
    pub backend: Arc<B>,
    pub config: ConsoleConfig,
    pub sessions: session::SessionStore,
    pub throttle: session::LoginThrottle,
}

/// The console's routes, relative to where they are nested (normally [`BASE`]).
pub fn router<B: ConsoleBackend>(backend: Arc<B>, config: ConsoleConfig) -> Router {
    let state = Arc::new(Console {
        backend,
        config,
        sessions: session::SessionStore::default(),
        throttle: session::LoginThrottle::default(),
    });
    Router::new()
        .route("/", get(pages::overview::page::<B>))
        .route(
            "/login",
            get(pages::auth::login_form::<B>).post(pages::auth::login::<B>),
        )
        .route("/logout", post(pages::auth::logout::<B>))
        .route(
            "/venues",
            get(pages::venues::list::<B>).post(pages::venues::register::<B>),
        )
        .route("/venues/{id}", get(pages::venues::detail::<B>))
        .route("/venues/{id}/revoke", post(pages::venues::revoke::<B>))
        .route(
            "/venues/{id}/poster.png",
            get(pages::venues::poster_png::<B>),
        )
        .route(
            "/venues/{id}/poster.svg",
            get(pages::venues::poster_svg::<B>),
        )
        .route("/compliance", get(pages::compliance::page::<B>))
        .route("/compliance.csv", get(pages::compliance::csv::<B>))
        .route(
            "/cases",
            get(pages::cases::list::<B>).post(pages::cases::mark::<B>),
        )
        .route("/cases/{id}", get(pages::cases::detail::<B>))
        .route("/cases/{id}/contacts.csv", get(pages::cases::csv::<B>))
        .route("/cases/{id}/publish", post(pages::cases::publish::<B>))
        .route("/static/console.css", get(security::stylesheet))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}
