//! What a check-in is as the diary shows it, and how a row reads back: the types the
//! check-in rules (`checkins.rs`, `checkin_updates.rs`) take and return, and the limits
//! they check input against.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};

use super::columns::{id_col, opt_id_col, opt_time_col, time_col};
use super::error::DiaryError;
use super::outbox::SyncState;
use super::schema::PLACES_PER_MS;
use super::stays::place_floor;
use super::time::to_ms;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, UpdateReason, VenueRef};
use vaora_protocol::venue::VenueCategory;

pub(super) const MAX_VENUE_NAME: usize = 200;
pub(super) const MAX_VENUE_ADDRESS: usize = 300;
/// A venue's default stay may not exceed this (the midnight cap applies anyway).
pub(super) const MAX_STAY_HOURS: i64 = 24;

/// A check-in call: who, where, how, and optionally when (default: now).
#[derive(Debug, Clone)]
pub struct CheckInRequest {
    /// Everyone checking in together; at least one, no one twice.
    pub people: Vec<Id128>,
    pub venue: VenueRef,
    pub method: CheckInMethod,
    /// When they arrived; `None` means now. Never in the future.
    pub at: Option<DateTime<Utc>>,
    /// The venue's default stay when its code says one; else the diary's policy default.
    pub venue_default_stay: Option<Duration>,
}

/// A page of a list, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u32,
    pub limit: u32,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 50,
        }
    }
}

impl Page {
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }
}

/// A stored check-in as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub id: Id128,
    pub person_id: Id128,
    /// The person's current display name.
    pub person_name: String,
    pub venue: VenueRef,
    pub method: CheckInMethod,
    pub checked_in_at: DateTime<Utc>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// When it closes by itself if nobody checks out.
    pub auto_out_at: DateTime<Utc>,
    /// Why it was closed, once closed.
    pub out_reason: Option<UpdateReason>,
    /// Sync state of the check-in record itself.
    pub sync_state: SyncState,
}

impl CheckIn {
    pub fn is_open(&self) -> bool {
        self.checked_out_at.is_none()
    }
}

pub(super) const SELECT_CHECKIN: &str = "
SELECT c.id, c.person_id, p.display_name, c.venue_id, c.venue_name, c.venue_address,
       c.venue_category, c.issuer_key_id, c.venue_verified, c.method, c.checked_in_at,
       c.checked_out_at, c.auto_out_at, c.out_reason, c.sync_state
FROM checkins c
JOIN people p ON p.id = c.person_id";

pub(super) fn small_code(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<u8> {
    let v: i64 = r.get(idx)?;
    u8::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(idx, v))
}

pub(super) fn checkin_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckIn> {
    let bad = |idx, v: u8| rusqlite::Error::IntegralValueOutOfRange(idx, i64::from(v));
    let category = small_code(r, 6)?;
    let method = small_code(r, 9)?;
    let reason: Option<i64> = r.get(13)?;
    let state: i64 = r.get(14)?;
    Ok(CheckIn {
        id: id_col(r, 0)?,
        person_id: id_col(r, 1)?,
        person_name: r.get(2)?,
        venue: VenueRef {
            id: opt_id_col(r, 3)?,
            name: r.get(4)?,
            address: r.get(5)?,
            category: VenueCategory::from_code(category).ok_or(bad(6, category))?,
            issuer_key_id: r.get(7)?,
            verified: r.get::<_, i64>(8)? == 1,
        },
        method: CheckInMethod::from_code(method).ok_or(bad(9, method))?,
        checked_in_at: time_col(r, 10)?,
        checked_out_at: opt_time_col(r, 11)?,
        auto_out_at: time_col(r, 12)?,
        out_reason: reason
            .and_then(|v| u8::try_from(v).ok())
            .and_then(UpdateReason::from_code),
        sync_state: SyncState::from_code(state)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(14, state))?,
    })
}

pub(super) fn check_text(
    what: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), DiaryError> {
    if required && value.trim().is_empty() {
        return Err(DiaryError::Invalid(format!("the {what} cannot be empty")));
    }
    if value.chars().count() > max {
        return Err(DiaryError::Invalid(format!(
            "the {what} has at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(DiaryError::Invalid(format!(
            "the {what} cannot contain control characters"
        )));
    }
    Ok(())
}

pub(super) const FREE_PLACE_SQL: &str =
    "SELECT max(place) FROM checkins WHERE place >= ?1 AND place < ?2";

/// The `place` (rowid) for a check-in beginning at `at`: the next free one of that
/// millisecond (a family shares one instant).
pub(super) fn free_place(conn: &Connection, at: &DateTime<Utc>) -> Result<i64, DiaryError> {
    let first = place_floor(to_ms(at));
    let end = first.saturating_add(PLACES_PER_MS);
    let taken: Option<i64> = conn
        .prepare_cached(FREE_PLACE_SQL)?
        .query_row(params![first, end], |r| r.get(0))?;
    match taken {
        None => Ok(first),
        Some(p) if p + 1 < end => Ok(p + 1),
        Some(_) => Err(DiaryError::Invalid(format!(
            "at most {PLACES_PER_MS} check-ins can begin in the same millisecond"
        ))),
    }
}
