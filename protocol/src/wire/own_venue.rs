//! `POST /v1/venues`: a venue's owner registers it without any credential (the public web
//! page and the phone app do the same), and is shown once the secret that manages it.
//! Specified in `docs/venue-registration.md`.

use serde::{Deserialize, Serialize};

use super::authority::{VenueRequest, VenueResponse};

/// What a venue's owner registers: the venue as the authority would register it, and
/// the owner's phone number. On the wire one flat JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnVenueRequest {
    #[serde(flatten)]
    pub venue: VenueRequest,
    /// The owner's phone number, as typed (`0912 345 678`, `+84 912 345 678`).
    pub contact: String,
}

/// Answer to `POST /v1/venues` (201): the signed code and poster, as the authority's
/// registration answers them, and the management secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnVenueResponse {
    #[serde(flatten)]
    pub venue: VenueResponse,
    /// 32 hex digits; the server keeps only a hash of it.
    pub manage_secret: String,
}
