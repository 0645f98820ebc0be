//! The public venue pages (no sign-in): registration (`/register`), where a venue's owner
//! enters the venue and a contact phone and gets at once the signed code, the poster (PNG
//! and SVG downloads) and the management secret; and management (`/manage`), where the
//! secret makes staff enrolment codes, lists and removes staff, and revokes the code. The rules, budgets and the cap per contact
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
use super::{Layout, PageError, PageLang, ShownCode, html, local_time};
use crate::backend::{BackendError, ConsoleBackend, NewOwnVenue, OwnerAction};
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
    poster_pdf_base64: String,
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
            poster_pdf_base64: b64.encode(&own.poster_pdf),
        },
    )
}

/// The owner's view on the management page.
pub struct ManagedVenue {
    pub name: String,
    pub revoked: bool,
    /// Staff devices and when each was enrolled (local time).
    pub staff: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage {
    l: Layout,
    view: Option<ManagedVenue>,
    code: Option<ShownCode>,
    venue_id: String,
    secret: String,
}

/// `GET /manage`: asks for the venue id and the management secret.
pub async fn manage_form(lang: PageLang) -> Result<Response, PageError> {
    html(
        lang,
        &ManagePage {
            l: Layout::public(lang.lang),
            view: None,
            code: None,
            venue_id: String::new(),
            secret: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct ManageForm {
    venue: String,
    secret: String,
    action: String,
    #[serde(default)]
    device: String,
}

/// `POST /manage`: the owner's action (show, new code, remove a device, revoke), then the
/// venue and its staff. The secret travels in the form (the page is never cached).
pub async fn manage<B: ConsoleBackend>(
    State(state): State<Arc<Console<B>>>,
    lang: PageLang,
    Form(f): Form<ManageForm>,
) -> Result<Response, PageError> {
    let t = lang.lang.texts();
    let action = match f.action.as_str() {
        "show" => OwnerAction::Show,
        "code" => OwnerAction::NewCode,
        "remove" => OwnerAction::RemoveStaff(f.device.clone()),
        "revoke" => OwnerAction::Revoke,
        other => return Err(PageError::BadInput(format!("unknown action {other:?}"))),
    };
    let view = state
        .backend
        .manage_own_venue(&f.venue, &f.secret, action)
        .await
        .map_err(|e| match e {
            BackendError::WrongSecret(_) => BackendError::WrongSecret(t.wrong_secret.into()),
            other => other,
        })?;
    let clock = state.config.clock.as_ref();
    let code = match view.code {
        None => None,
        Some((text, until)) => {
            let png = vaora_protocol::render::code_png(
                &text,
                vaora_protocol::render::Ecc::M,
                vaora_protocol::render::CodeStyle::default(),
            )
            .map_err(|e| PageError::Template(e.to_string()))?;
            Some(ShownCode {
                until: local_time(clock, until),
                png_base64: base64::engine::general_purpose::STANDARD.encode(png),
                text,
            })
        }
    };
    html(
        lang,
        &ManagePage {
            l: Layout::public(lang.lang),
            view: Some(ManagedVenue {
                name: view.venue.name,
                revoked: view.venue.revoked,
                staff: view
                    .staff
                    .into_iter()
                    .map(|(device, at)| (device, local_time(clock, at)))
                    .collect(),
            }),
            code,
            venue_id: view.venue.id,
            secret: f.secret.trim().to_owned(),
        },
    )
}
