//! Exposure matching on the phone: published windows against the local diary.
//!
//! The server never learns who matched; the phone compares each window (venue, from,
//! until) with its own stays, per person, and raises one alert per (window, person).
//! A hash map from venue id to stays keeps this linear in windows plus matches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::ids::Id128;
use crate::wire::ExposureWindow;

/// How long the server takes a stay without a check-out to last, the diary's policy
/// default for automatic check-out (the phone later uploads the actual check-out).
pub const DEFAULT_STAY_MS: i64 = 4 * 60 * 60 * 1000;

/// One person's stay at a venue, as the diary knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStay {
    pub checkin_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue_id: Id128,
    pub venue_name: String,
    pub from_ms: i64,
    pub until_ms: i64,
}

/// A match: this person was at this venue while the window was open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub window_id: Id128,
    pub person_id: Id128,
    pub person_name: String,
    pub venue_id: Id128,
    pub venue_name: String,
    pub overlap_from: DateTime<Utc>,
    pub overlap_until: DateTime<Utc>,
    pub level: u8,
}

/// The part two stays have in common, if any: the one overlap rule that exposure matching
/// (here, on the phone) and contact tracing (on the server) share. Stays are half-open
/// millisecond intervals `[from, until)`: one that ends when the other begins does not
/// overlap it, and an empty or reversed stay overlaps nothing.
pub fn overlap(a: (i64, i64), b: (i64, i64)) -> Option<(i64, i64)> {
    let from = a.0.max(b.0);
    let until = a.1.min(b.1);
    (from < until).then_some((from, until))
}

/// Every (window, person) pair whose times overlap at the same venue; one alert per pair
/// even when the person stayed there twice inside the window (the first stay found is reported).
pub fn match_windows(windows: &[ExposureWindow], stays: &[LocalStay]) -> Vec<Alert> {
    let mut by_venue: HashMap<Id128, Vec<&LocalStay>> = HashMap::new();
    for s in stays {
        by_venue.entry(s.venue_id).or_default().push(s);
    }
    let mut out = Vec::new();
    for w in windows {
        let Some(list) = by_venue.get(&w.venue_id) else {
            continue;
        };
        let (wf, wu) = (w.from_ms(), w.until_ms());
        let mut seen: Vec<Id128> = Vec::new();
        for s in list {
            let Some((from, until)) = overlap((s.from_ms, s.until_ms), (wf, wu)) else {
                continue;
            };
            if !seen.contains(&s.person_id) {
                seen.push(s.person_id);
                out.push(Alert {
                    window_id: w.id,
                    person_id: s.person_id,
                    person_name: s.person_name.clone(),
                    venue_id: s.venue_id,
                    venue_name: s.venue_name.clone(),
                    overlap_from: crate::wire::from_millis(from),
                    overlap_until: crate::wire::from_millis(until),
                    level: w.level,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(venue: Id128, from: i64, until: i64) -> ExposureWindow {
        ExposureWindow {
            id: Id128::random().unwrap(),
            venue_id: venue,
            from: crate::wire::from_millis(from),
            until: crate::wire::from_millis(until),
            level: 2,
            key_id: String::new(),
            signature: String::new(),
        }
    }

    fn stay(person: Id128, venue: Id128, from: i64, until: i64) -> LocalStay {
        LocalStay {
            checkin_id: Id128::random().unwrap(),
            person_id: person,
            person_name: "p".into(),
            venue_id: venue,
            venue_name: "v".into(),
            from_ms: from,
            until_ms: until,
        }
    }

    #[test]
    fn overlap_is_half_open_and_symmetric() {
        assert_eq!(overlap((0, 10), (5, 20)), Some((5, 10)));
        assert_eq!(overlap((5, 20), (0, 10)), Some((5, 10)));
        assert_eq!(overlap((0, 10), (10, 20)), None, "touching ends");
        assert_eq!(overlap((0, 10), (2, 3)), Some((2, 3)), "inside");
        assert_eq!(overlap((5, 5), (0, 10)), None, "empty stay");
        assert_eq!(overlap((9, 1), (0, 10)), None, "reversed stay");
    }

    #[test]
    fn overlap_same_venue_per_person() {
        let (v1, v2) = (Id128::random().unwrap(), Id128::random().unwrap());
        let (a, b) = (Id128::random().unwrap(), Id128::random().unwrap());
        let w = window(v1, 1_000, 2_000);
        let stays = vec![
            stay(a, v1, 1_500, 3_000), // overlaps 1500..2000
            stay(a, v1, 1_100, 1_200), // same person again: no second alert
            stay(b, v1, 2_000, 2_500), // touches the end only: no overlap
            stay(b, v2, 1_000, 2_000), // other venue
        ];
        let alerts = match_windows(std::slice::from_ref(&w), &stays);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].person_id, a);
        assert_eq!(alerts[0].overlap_from.timestamp_millis(), 1_500);
        assert_eq!(alerts[0].overlap_until.timestamp_millis(), 2_000);
    }
}
