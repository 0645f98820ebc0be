//! ID cards shown at the door by people without a phone: the citizen ID card (CCCD) and
//! the health insurance card (BHYT), parsed and validated from their QR text, and what
//! Vaora keeps of them (a [`CardProfile`]: name, birth year, a keyed hash of the number).
//! Spec: `docs/id-cards.md`.

pub mod bhyt;
pub mod cccd;
pub mod profile;
pub mod seal;

pub use bhyt::{BhytCard, BhytError};
pub use cccd::{CccdCard, CccdError, Gender};
pub use profile::{CARD_HASH_DOMAIN, CardHashKey, CardKind, CardProfile};
pub use seal::{CardNumber, CardNumberError, SealError, card_link};
