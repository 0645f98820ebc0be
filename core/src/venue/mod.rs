//! Signed venue codes: payload format, signing, verification, trusted keys.
//!
//! (The venue-code issue fills this module; the category list is shared already.)

mod category;

pub use category::{UnknownCategory, VenueCategory};
