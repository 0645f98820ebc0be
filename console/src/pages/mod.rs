//! Page handlers, one module per page, and what they share: the request's cookies and
//! language (`cookies.rs`), the signed-in extractor and CSRF check (`signed_in.rs`), the
//! layout, HTML and CSV writing (`render.rs`) and error pages (`error.rs`).

pub mod auth;
pub mod cases;
pub mod compliance;
mod cookies;
mod error;
pub mod inspections;
pub mod overview;
pub mod public;
mod render;
mod signed_in;
pub mod venues;

pub use cookies::{PageLang, SESSION_COOKIE, cookie};
pub use error::PageError;
pub use render::{
    Layout, ShownCode, csv_response, html, local_time, parse_local_time, query_value, write_csv,
};
pub use signed_in::{Authed, CsrfForm, SignedForm, WithCsrf};
