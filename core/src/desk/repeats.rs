//! A camera loop reads the same code on every frame while a card is held up: 30 times a
//! second. The desk answers a text once and stays quiet while the same text keeps coming
//! back within the repeat window (measured from its last sighting, so a card held up for
//! a minute is still one answer); after a pause longer than the window the text is
//! answered again (and an accepted visitor is then "already inside", not a second visit).

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// How many different texts the desk remembers at once (a queue at the door, the poster
/// on the wall, a neighbour's card in view).
const REMEMBERED: usize = 8;

/// The texts seen lately, as digests (a card's text holds its number: the desk keeps no
/// copy of it, even in memory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RecentScans {
    seen: VecDeque<([u8; 32], DateTime<Utc>)>,
}

impl RecentScans {
    /// Notes a sighting of `text` at `now`; `true` when it was already seen within
    /// `window` (the caller reports nothing new).
    pub(super) fn repeated(&mut self, text: &str, now: DateTime<Utc>, window: Duration) -> bool {
        let digest: [u8; 32] = Sha256::digest(text.trim().as_bytes()).into();
        let earlier = self.seen.iter().position(|(d, _)| *d == digest);
        let repeated = match earlier {
            Some(i) => {
                let last = self.seen.remove(i).map(|(_, at)| at);
                // A clock that went back counts as a repeat, never as a new visit.
                last.is_some_and(|at| now.signed_duration_since(at) <= window)
            }
            None => false,
        };
        self.seen.push_back((digest, now));
        while self.seen.len() > REMEMBERED {
            self.seen.pop_front();
        }
        repeated
    }

    /// Forgets every text, so that the next sighting of any is answered (after staff
    /// change a setting).
    pub(super) fn forget_all(&mut self) {
        self.seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_text_held_in_view_is_answered_once_and_again_after_a_pause() {
        let mut r = RecentScans::default();
        let w = Duration::seconds(3);
        assert!(!r.repeated("A", at(0), w));
        // 30 frames a second for ten seconds: every sighting is within 3 s of the last.
        for frame in 1..300 {
            let now = at(0) + Duration::milliseconds(frame * 33);
            assert!(r.repeated("A", now, w), "frame {frame}");
        }
        assert!(!r.repeated("A", at(20), w));
        // Another code in between does not reset the first one.
        assert!(!r.repeated("B", at(21), w));
        assert!(r.repeated("A", at(22), w));
        assert!(
            r.repeated(" A\n", at(22), w),
            "white space around a text is the same text"
        );
    }

    #[test]
    fn only_the_latest_texts_are_remembered() {
        let mut r = RecentScans::default();
        let w = Duration::seconds(60);
        for i in 0..=REMEMBERED {
            assert!(!r.repeated(&i.to_string(), at(0), w));
        }
        assert!(!r.repeated("0", at(1), w), "the oldest was forgotten");
        assert!(r.repeated(&REMEMBERED.to_string(), at(1), w));
        r.forget_all();
        assert!(!r.repeated(&REMEMBERED.to_string(), at(1), w));
    }

    #[test]
    fn a_clock_that_goes_back_is_a_repeat() {
        let mut r = RecentScans::default();
        let w = Duration::seconds(3);
        assert!(!r.repeated("A", at(10), w));
        assert!(r.repeated("A", at(5), w));
    }
}
