//! Vaora core: every rule of the venue check-in and health-declaration app lives here.
//!
//! The platforms (Kotlin, Swift) only draw screens, feed camera frames and hand over
//! platform secrets; this crate holds the domain. It never imports FFI, web-server or
//! platform code: `bindings/`, `server/` and `cli/` depend on it, never the other way.
//! See `ARCHITECTURE.md` at the repository root for the map of modules.

pub mod clock;
pub mod codes;
pub mod declare;
pub mod diary;
pub mod identity;
pub mod ids;
pub mod records;
pub mod render;
pub mod scan;
pub mod sync;
pub mod venue;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{Id128, IdError};
