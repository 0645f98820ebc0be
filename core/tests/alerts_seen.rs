//! Alerts are marked seen once, by (window, person); a sync's new alerts are unseen, and
//! the mark survives reopening the diary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::exposure::Alert;
use vaora_protocol::ids::Id128;

fn alert(window: u8, person: Id128) -> Alert {
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap();
    Alert {
        window_id: Id128::from_bytes([window; 16]),
        person_id: person,
        person_name: "Bà Tư".into(),
        venue_id: Id128::from_bytes([9; 16]),
        venue_name: "Chợ Bến Thành".into(),
        overlap_from: at,
        overlap_until: at + Duration::minutes(30),
        level: 2,
    }
}

#[test]
fn alerts_are_marked_seen_once_and_stay_seen() {
    let dir = tempfile::tempdir().unwrap();
    let key = DiaryKey::generate().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 10, 5, 0, 0).unwrap(),
    ));
    let path = dir.path().join("d.db");
    let d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
    let person = d.owner_id();
    let (a, b) = (alert(1, person), alert(2, person));
    d.store_alerts(&[a.clone(), b.clone()]).unwrap();
    assert!(
        d.stored_alerts()
            .unwrap()
            .iter()
            .all(|s| s.seen_at.is_none())
    );

    // One alert seen, plus one the diary does not hold (ignored).
    let unknown = (Id128::from_bytes([7; 16]), person);
    assert_eq!(
        d.mark_alerts_seen(&[(a.window_id, a.person_id), unknown])
            .unwrap(),
        1
    );
    // Seen again later: nothing changes, the first time is kept.
    let first = clock.now();
    clock.set(first + Duration::hours(1));
    assert_eq!(
        d.mark_alerts_seen(&[(a.window_id, a.person_id)]).unwrap(),
        0
    );
    d.close().unwrap();

    let d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
    let stored = d.stored_alerts().unwrap();
    let seen = |w: Id128| {
        stored
            .iter()
            .find(|s| s.alert.window_id == w)
            .unwrap()
            .seen_at
    };
    assert_eq!(seen(a.window_id), Some(first));
    assert_eq!(seen(b.window_id), None);
    // Storing the same alert again (a later sync matching it again) keeps it seen.
    assert!(d.store_alerts(std::slice::from_ref(&a)).unwrap().is_empty());
    assert_eq!(
        d.stored_alerts()
            .unwrap()
            .iter()
            .filter(|s| s.seen_at.is_some())
            .count(),
        1
    );
}
