//! The public venue registration page (`/register`, no sign-in): a venue's owner enters
//! the venue and a contact phone and gets at once the signed code, the poster (PNG and
//! SVG downloads) and the management secret. The rules, budgets and the cap per contact
//! are the backend's (the same as `POST /v1/venues`); this page only reads the form.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;

use super::auth::client_ip;
use super::venues::{category_options, parse_category};
use super::{Layout, PageError, PageLang, html};
use crate::backend::{BackendError, ConsoleBackend, NewOwnVenue};
use crate::state::Console;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    categories: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "registered.html")]
struct RegisteredPage {
    l: Layout,
    id: String,
    name: String,
    code_text: String,
    manage_secret: String,
    poster_svg_base64: String,
    poster_png_base64: String,
}

/// `GET /register`: the form.
pub async fn form(lang: PageLang) -> Result<Response, PageError> {
    html(
        lang,
        &RegisterPage {
            l: Layout::public(lang.lang),
            categories: category_options(lang.lang),
        },
    )
}

#[derive(Deserialize)]
pub struct OwnVenueForm {
    name: String,
    category: String,
    #[serde(default)]
    address: String,
    ward: String,
    stay_minutes: String,
    contact: String,
}

/// `POST /register`: registers the venue and shows its code, poster and secret.
pub async fn register<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    lang: PageLang,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let from = client_ip(
        req.extensions(),
        req.headers(),
        &state.config.trusted_proxies,
    );
    // No connection info (some tests): no per-address budget, the server's still applies.
    let from = (!from.is_unspecified()).then_some(from);
    let Form(f) = <Form<OwnVenueForm> as axum::extract::FromRequest<_>>::from_request(req, &state)
        .await
        .map_err(|e| PageError::BadInput(e.body_text()))?;
    let name = f.name.trim();
    let ward = f.ward.trim();
    if name.is_empty() || ward.is_empty() {
        return Err(PageError::BadInput(
            lang.lang.texts().name_and_ward_required.into(),
        ));
    }
    let category = parse_category(&f.category)?
        .ok_or_else(|| PageError::BadInput(lang.lang.texts().category.into()))?;
    let stay_minutes = f
        .stay_minutes
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|m| (1..=1440).contains(m))
        .ok_or_else(|| PageError::BadInput(lang.lang.texts().stay_minutes_range.into()))?;
    let t = lang.lang.texts();
    let own = state
        .backend
        .register_own_venue(
            NewOwnVenue {
                name: name.to_owned(),
                category,
                ward: ward.to_owned(),
                address: f.address.trim().to_owned(),
                stay_minutes,
                contact: f.contact,
            },
            from,
        )
        .await
        .map_err(|e| match e {
            // The owner reads the refusal in the page's language.
            BackendError::BadContact(_) => BackendError::BadContact(t.bad_contact.into()),
            BackendError::ContactLimit(_) => BackendError::ContactLimit(t.contact_limit.into()),
            BackendError::Limited(_) => BackendError::Limited(t.too_many_registrations.into()),
            other => other,
        })?;
    log::info!("public page: venue registered by its owner");
    let b64 = base64::engine::general_purpose::STANDARD;
    html(
        lang,
        &RegisteredPage {
            l: Layout::public(lang.lang),
            id: own.detail.venue.id,
            name: own.detail.venue.name,
            code_text: own.detail.code_text,
            manage_secret: own.manage_secret,
            poster_svg_base64: b64.encode(own.poster_svg.as_bytes()),
            poster_png_base64: b64.encode(&own.poster_png),
        },
    )
}
