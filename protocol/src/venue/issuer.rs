//! Issuing venue codes: the authority (through the CLI or the registration server) signs
//! a venue's fields. The same field rules as parsing apply, so nothing is issued that a
//! phone would refuse as malformed.

use chrono::{DateTime, Utc};

use super::VenueCategory;
use super::authority::Authority;
use super::payload::{MalformedCode, SECONDS_PER_DAY, SIGNING_DOMAIN, VenueCode, VenueInfo};
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
    #[error("invalid venue")]
    Invalid(#[from] MalformedCode),
    #[error("the code's validity must lie within the authority key's validity")]
    OutsideKeyValidity,
    #[error("validity dates must lie between 1970 and the year 11 million")]
    DateOutOfRange,
    #[error("venue id")]
    Id(#[from] IdError),
}

/// The UTC day containing `t` (codes start at 00:00 UTC of that day).
fn day_floor(t: DateTime<Utc>) -> Result<u32, IssueError> {
    u32::try_from(t.timestamp().div_euclid(SECONDS_PER_DAY)).map_err(|_| IssueError::DateOutOfRange)
}

/// The first UTC day starting at or after `t` (codes end at 00:00 UTC of that day).
fn day_ceil(t: DateTime<Utc>) -> Result<u32, IssueError> {
    let s = t.timestamp();
    let d = s.div_euclid(SECONDS_PER_DAY) + i64::from(s.rem_euclid(SECONDS_PER_DAY) != 0);
    u32::try_from(d).map_err(|_| IssueError::DateOutOfRange)
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

    /// When a code issued at `now` starts: a day earlier, within the key's own validity.
    /// Validity is kept in whole UTC days, so a code valid from `now`'s day would be "not
    /// yet valid" on a phone whose clock still reads the day before: a poster printed at
    /// 07:05 in Vietnam (00:05 UTC) against a phone ten minutes slow, or a check-in the
    /// phone recorded offline that morning before the shop registered.
    pub fn valid_from_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let day_before = now - chrono::Duration::days(1);
        DateTime::from_timestamp(self.authority.valid_from(), 0)
            .map_or(day_before, |key_start| day_before.max(key_start))
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
            valid_from_day: day_floor(venue.valid_from)?,
            valid_until_day: day_ceil(venue.valid_until)?,
        };
        info.check()?;
        if info.valid_from_unix() < self.authority.valid_from()
            || info.valid_until_unix() > self.authority.valid_until()
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
