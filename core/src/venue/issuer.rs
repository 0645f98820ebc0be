//! Issuing venue codes: the authority (through the CLI or the registration server) signs
//! a venue's fields. The same field rules as parsing apply, so nothing is issued that a
//! phone would refuse as malformed.

use chrono::{DateTime, Utc};

use super::VenueCategory;
use super::authority::Authority;
use super::payload::{MalformedCode, SIGNING_DOMAIN, VenueCode, VenueInfo};
use crate::ids::{Id128, IdError};

/// A venue to issue a code for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVenue {
    /// `None` draws a fresh random venue id.
    pub venue_id: Option<Id128>,
    pub name: String,
    pub address: String,
    pub category: VenueCategory,
    pub default_stay_min: u16,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// Why a code could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("invalid venue: {0}")]
    Invalid(#[from] MalformedCode),
    #[error("the code's validity must lie within the authority key's validity")]
    OutsideKeyValidity,
    #[error("venue id: {0}")]
    Id(#[from] IdError),
}

/// Signs venue codes with one authority key.
#[derive(Debug)]
pub struct VenueIssuer {
    authority: Authority,
}

impl VenueIssuer {
    pub fn new(authority: Authority) -> Self {
        Self { authority }
    }

    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    pub fn issue(&self, venue: NewVenue) -> Result<VenueCode, IssueError> {
        let info = VenueInfo {
            key_id: self.authority.key_id(),
            venue_id: match venue.venue_id {
                Some(id) => id,
                None => Id128::random()?,
            },
            name: venue.name,
            address: venue.address,
            category: venue.category,
            default_stay_min: venue.default_stay_min,
            valid_from: venue.valid_from.timestamp(),
            valid_until: venue.valid_until.timestamp(),
        };
        info.check()?;
        if info.valid_from < self.authority.valid_from()
            || info.valid_until > self.authority.valid_until()
        {
            return Err(IssueError::OutsideKeyValidity);
        }
        let body = info.encode_body();
        let signature = self.authority.sign(SIGNING_DOMAIN, &body);
        Ok(VenueCode {
            info,
            body,
            signature,
        })
    }
}
