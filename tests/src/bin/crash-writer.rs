//! Crash-test child: writes check-ins in a loop and prints `checked in <id>` for each one
//! only after its transaction committed. The crash test kills it with SIGKILL at random
//! moments and then checks that every printed id is in the diary.
//!
//! Usage: crash-writer <diary path> <key hex> [max iterations]

use std::io::Write;
use std::sync::Arc;

use chrono::{Duration, Utc};
use vaora_core::diary::{CheckInRequest, Diary, DiaryConfig, DiaryKey, NewPerson, Page};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(key_hex)) = (args.get(1), args.get(2)) else {
        return Err("usage: crash-writer <diary> <key hex> [max iterations]".into());
    };
    let max: u64 = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(u64::MAX);
    let key = DiaryKey::from_hex(key_hex)?;
    // A clock of our own that moves one second per check-in, starting after the newest
    // stored check-in, so restarts never collide with earlier stays.
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let mut diary = Diary::open(path.as_ref(), &key, clock.clone(), DiaryConfig::default())?;
    if let Some(last) = diary.list_checkins(Page::first(1))?.first()
        && last.checked_in_at >= clock.now()
    {
        clock.set(last.checked_in_at + Duration::seconds(1));
    }
    let kid = match diary.find_person("Crash Kid") {
        Ok(p) => p.id,
        Err(_) => {
            diary
                .add_person(NewPerson {
                    display_name: "Crash Kid".into(),
                    ..NewPerson::default()
                })?
                .id
        }
    };
    let owner = diary.owner_id();
    let out = std::io::stdout();
    let mut out = out.lock();
    for i in 0..max {
        clock.advance(Duration::seconds(1));
        let people = if i % 3 == 0 {
            vec![owner, kid]
        } else {
            vec![owner]
        };
        let done = diary.check_in(CheckInRequest {
            people,
            venue: VenueRef {
                id: None,
                name: format!("Venue {i}"),
                address: String::new(),
                category: VenueCategory::Other,
                issuer_key_id: None,
                verified: false,
            },
            method: CheckInMethod::ManualEntry,
            at: None,
            venue_default_stay: None,
        })?;
        // Committed: now (and only now) tell the parent.
        for c in &done {
            writeln!(out, "checked in {}", c.id)?;
        }
        out.flush()?;
        if i % 7 == 6 {
            clock.advance(Duration::seconds(1));
            diary.check_out(None, None)?;
        }
    }
    diary.close()?;
    Ok(())
}
