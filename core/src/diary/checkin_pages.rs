//! Check-in lists page by page with a cursor instead of an offset: each page starts just
//! below the last row of the one before (the time-ordered `place`), so a check-in made
//! while the user scrolls neither repeats a row on the next page nor hides one, as an
//! offset would.

use rusqlite::params;

use super::checkin_rows::{CheckIn, SELECT_CHECKIN, checkin_from_row};
use super::error::DiaryError;
use super::handle::Diary;
use super::id_index::place_of;
use vaora_protocol::ids::Id128;

/// Where the next page starts: an opaque token an app may keep (e.g. across a screen
/// rotation) and hand back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInCursor(i64);

impl CheckInCursor {
    /// The token's text form (`c` and a number).
    pub fn to_token(self) -> String {
        format!("c{}", self.0)
    }

    /// Reads a token made by [`Self::to_token`].
    pub fn from_token(token: &str) -> Result<Self, DiaryError> {
        token
            .strip_prefix('c')
            .and_then(|n| n.parse::<i64>().ok())
            .map(Self)
            .ok_or_else(|| DiaryError::Invalid(format!("not a page token: {token:?}")))
    }
}

/// One page, newest first, and where the next one starts (none after the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInPage {
    pub items: Vec<CheckIn>,
    pub next: Option<CheckInCursor>,
}

/// The most rows one page may ask for.
pub const MAX_PAGE: u32 = 500;

impl Diary {
    /// Check-ins, newest first: everyone's, or one person's; the first page when `after`
    /// is none, else the page below that cursor. `limit` is 1..=[`MAX_PAGE`].
    pub fn checkin_page(
        &self,
        person: Option<&Id128>,
        after: Option<CheckInCursor>,
        limit: u32,
    ) -> Result<CheckInPage, DiaryError> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(DiaryError::Invalid(format!(
                "a page holds 1 to {MAX_PAGE} check-ins, not {limit}"
            )));
        }
        let below = after.map_or(i64::MAX, |c| c.0);
        // One row more than asked tells whether another page follows.
        let fetch = i64::from(limit) + 1;
        let mut items = match person {
            None => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "{SELECT_CHECKIN} WHERE c.place < ?1 ORDER BY c.place DESC LIMIT ?2"
                ))?;
                let rows = stmt.query_map(params![below, fetch], checkin_from_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
            Some(p) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "{SELECT_CHECKIN} WHERE c.place < ?1 AND c.person_id = ?2
                     ORDER BY c.place DESC LIMIT ?3"
                ))?;
                let rows = stmt.query_map(params![below, p.as_bytes(), fetch], checkin_from_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            }
        };
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = match (more, items.last()) {
            (true, Some(last)) => Some(CheckInCursor(
                place_of(&self.conn, &last.id)?
                    .ok_or_else(|| DiaryError::Corrupt("a listed check-in has no place".into()))?,
            )),
            _ => None,
        };
        Ok(CheckInPage { items, next })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use chrono::{Duration, Utc};

    use super::*;
    use crate::diary::{CheckInRequest, DiaryConfig, DiaryKey, NewPerson};
    use vaora_protocol::clock::FixedClock;
    use vaora_protocol::records::{CheckInMethod, VenueRef};
    use vaora_protocol::venue::VenueCategory;

    /// A manual check-in request at a venue named `name` (the diary's tests share it).
    pub(in crate::diary) fn request(people: Vec<Id128>, name: String) -> CheckInRequest {
        CheckInRequest {
            people,
            venue: VenueRef {
                id: None,
                name,
                address: String::new(),
                category: VenueCategory::Other,
                issuer_key_id: None,
                verified: false,
            },
            method: CheckInMethod::ManualEntry,
            at: None,
            venue_default_stay: None,
        }
    }

    #[test]
    fn pages_walk_every_checkin_once_even_when_one_is_added_between_pages() {
        let dir = tempfile::tempdir().unwrap();
        let key = DiaryKey::generate().unwrap();
        let clock = Arc::new(FixedClock::new(Utc::now() - Duration::hours(10)));
        let mut d = Diary::open(
            &dir.path().join("d.db"),
            &key,
            clock.clone(),
            DiaryConfig::default(),
        )
        .unwrap();
        let owner = d.owner_id();
        let kid = d
            .add_person(NewPerson {
                display_name: "Bé".into(),
                relation: None,
                birth_year: None,
            })
            .unwrap()
            .id;
        for i in 0..7 {
            clock.advance(Duration::minutes(10));
            d.check_in(request(vec![owner, kid], format!("Quán {i}")))
                .unwrap();
        }
        let first = d.checkin_page(None, None, 5).unwrap();
        assert_eq!(first.items.len(), 5);
        assert_eq!(first.items[0].venue.name, "Quán 6", "newest first");
        let cursor = first.next.unwrap();
        assert_eq!(
            CheckInCursor::from_token(&cursor.to_token()).unwrap(),
            cursor
        );

        // A check-in while the user scrolls: an offset would repeat a row on page two.
        clock.advance(Duration::minutes(10));
        d.check_in(request(vec![owner], "Mới".into())).unwrap();

        let mut seen: Vec<Id128> = first.items.iter().map(|c| c.id).collect();
        let mut next = Some(cursor);
        while let Some(after) = next {
            let page = d.checkin_page(None, Some(after), 5).unwrap();
            seen.extend(page.items.iter().map(|c| c.id));
            next = page.next;
        }
        assert_eq!(seen.len(), 14, "every older check-in once");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 14, "no repeats");

        let kid_page = d.checkin_page(Some(&kid), None, 50).unwrap();
        assert_eq!(kid_page.items.len(), 7);
        assert!(kid_page.items.iter().all(|c| c.person_id == kid));
        assert_eq!(kid_page.next, None, "one page holds them all");
    }

    #[test]
    fn bad_limits_and_tokens_are_refused() {
        assert!(CheckInCursor::from_token("12").is_err());
        assert!(CheckInCursor::from_token("cx").is_err());
        let dir = tempfile::tempdir().unwrap();
        let key = DiaryKey::generate().unwrap();
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let d = Diary::open(
            &dir.path().join("d.db"),
            &key,
            clock,
            DiaryConfig::default(),
        )
        .unwrap();
        assert!(matches!(
            d.checkin_page(None, None, 0),
            Err(DiaryError::Invalid(_))
        ));
        assert!(matches!(
            d.checkin_page(None, None, MAX_PAGE + 1),
            Err(DiaryError::Invalid(_))
        ));
        assert_eq!(d.checkin_page(None, None, 10).unwrap().items, vec![]);
    }
}
