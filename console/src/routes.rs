//! The console's routes: one per page and action, the stylesheet, and the security
//! headers every response carries.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::backend::ConsoleBackend;
use crate::state::{Console, ConsoleConfig};

/// The pages anyone may open, mounted at the server's root (not under [`crate::BASE`], so
/// an operator can expose them while keeping the console internal): the venue
/// self-registration page and the stylesheet it uses.
pub fn public_router<B: ConsoleBackend>(backend: Arc<B>, config: ConsoleConfig) -> Router {
    let state = Arc::new(Console::new(backend, config));
    Router::new()
        .route(
            "/register",
            get(pages::public::form).post(pages::public::register::<B>),
        )
        .route(
            "/manage",
            get(pages::public::manage_form).post(pages::public::manage::<B>),
        )
        .route("/static/console.css", get(security::stylesheet))
        .layer(axum::middleware::from_fn_with_state(
            state.config.secure_cookies,
            security::headers,
        ))
        .with_state(state)
}
use crate::{pages, security};

/// The console's routes, relative to where they are nested (normally [`crate::BASE`]).
pub fn router<B: ConsoleBackend>(backend: Arc<B>, config: ConsoleConfig) -> Router {
    let state = Arc::new(Console::new(backend, config));
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
        .route(
            "/venues/{id}/poster.pdf",
            get(pages::venues::poster_pdf::<B>),
        )
        .route("/compliance", get(pages::compliance::page::<B>))
        .route("/compliance.csv", get(pages::compliance::csv::<B>))
        .route("/inspections", get(pages::inspections::page::<B>))
        .route("/inspections.csv", get(pages::inspections::csv::<B>))
        .route("/inspectors/code", post(pages::inspections::new_code::<B>))
        .route(
            "/inspectors/{id}/withdraw",
            post(pages::inspections::withdraw::<B>),
        )
        .route(
            "/cases",
            get(pages::cases::list::<B>).post(pages::cases::mark::<B>),
        )
        .route("/cases/{id}", get(pages::cases::detail::<B>))
        .route("/cases/{id}/contacts.csv", get(pages::cases::csv::<B>))
        .route("/cases/{id}/publish", post(pages::cases::publish::<B>))
        .route("/static/console.css", get(security::stylesheet))
        .layer(axum::middleware::from_fn_with_state(
            state.config.secure_cookies,
            security::headers,
        ))
        .with_state(state)
}
