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
//! [`public_router`] serves the pages anyone may open (venue self-registration at
//! `/register`), to be merged at the server's root.
//!
//! Pages carry no JavaScript at all; charts are inline SVG; a strict Content-Security-Policy
//! is set on every response (see [`security`]). Texts are Vietnamese unless the user picks
//! English (`?lang=en`, remembered in a cookie).

pub mod backend;
pub mod chart;
pub mod compliance;
pub mod i18n;
pub mod model;
mod pages;
mod routes;
pub mod security;
pub mod session;
mod state;
pub mod token;

pub use backend::ConsoleBackend;
pub use pages::auth::client_ip;
pub use routes::{public_router, router};
pub use state::{BASE, ConsoleConfig};
