//! Signed venue codes: payload format, signing, verification, trusted keys.
//!
//! An authority key ([`Authority`]) signs venue codes ([`VenueIssuer`]); a phone, a staff
//! device or the server verifies them ([`TrustStore::verify_text`]) against trusted keys
//! and revocations that arrive as signed key sets ([`KeySet`]). The phone keeps its trust
//! store in its diary (`vaora-core`'s `diary::trust`). Spec: `docs/venue-code.md`.

pub mod authority;
pub mod authority_dir;
mod category;
pub mod issuer;
pub mod keyset;
pub mod payload;
pub mod poster;
pub mod text_pack;
pub mod trust;

pub use authority::{Authority, AuthorityError};
pub use authority_dir::{AUTHORITY_FILE, KEYSET_FILE};
pub use category::{UnknownCategory, VenueCategory};
pub use issuer::{IssueError, NewVenue, VenueIssuer};
pub use keyset::{KeySet, KeySetContent, KeySetError, TrustedKey};
pub use payload::{KeyId, MalformedCode, VenueCode, VenueInfo};
pub use poster::{POSTER_FOOTER, venue_poster};
pub use trust::{KeySetApplied, SignerPolicy, TrustStore, Verification, VerifiedVenue};
