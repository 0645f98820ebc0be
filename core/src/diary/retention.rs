//! Privacy by retention: everything personal older than the window is deleted, on open
//! and on demand. Contact tracing needs about two weeks; keeping more would only add
//! risk. The window is 1–60 days, 21 by default.
//!
//! What is deleted is not decided here: the purge walks the schema's one list of tables
//! with personal data and how each ages ([`schema::retained::AGING`]), in its order
//! (children before their parents), one transaction for all.

use chrono::Duration;
use rusqlite::Connection;

use super::config::validate_days;
use super::error::DiaryError;
use super::handle::Diary;
use super::schema::PLACES_PER_MS;
use super::schema::retained::{AGING, Aging, aged};
use super::time::to_ms;

/// How many rows a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeCounts {
    pub checkins: u64,
    pub updates: u64,
    /// Signed records: check-ins' own and those in the outbox.
    pub records: u64,
    /// Declarations and staff check-ins.
    pub declarations: u64,
    /// Everything else: alerts, received exposure windows, removed household members and
    /// their cards, check-in id entries.
    pub other: u64,
}

impl Diary {
    /// Purges with the configured window (runs on open).
    pub fn purge_expired(&mut self) -> Result<PurgeCounts, DiaryError> {
        self.purge_older_than(self.config.retention_days)
    }

    /// Deletes everything personal that began more than `days` days ago (1–60): check-ins
    /// with their updates and records, declarations, staff check-ins, alerts, received
    /// windows and long-removed household members, in one transaction.
    pub fn purge_older_than(&mut self, days: u32) -> Result<PurgeCounts, DiaryError> {
        validate_days(days)?;
        let cutoff = to_ms(&(self.clock.now() - Duration::days(i64::from(days))));
        if !anything_before(&self.conn, cutoff)? {
            return Ok(PurgeCounts::default());
        }
        let tx = self.conn.transaction()?;
        // A check-in's own record goes with its row: count those first.
        let checkin_records: i64 = tx.query_row(
            "SELECT count(*) FROM checkins WHERE place < ?1 AND body IS NOT NULL",
            [cutoff.saturating_mul(PLACES_PER_MS)],
            |r| r.get(0),
        )?;
        let mut counts = PurgeCounts {
            records: u64::try_from(checkin_records).unwrap_or(0),
            ..PurgeCounts::default()
        };
        for entry in AGING {
            let condition = entry.condition().ok_or_else(|| {
                DiaryError::Invalid(format!("retention: {} has no aging parent", entry.table()))
            })?;
            let sql = format!("DELETE FROM {} WHERE {condition}", entry.table());
            let n = tx.prepare_cached(&sql)?.execute([cutoff])? as u64;
            match entry.table() {
                "checkins" => counts.checkins += n,
                "checkin_updates" => counts.updates += n,
                "outbox" => counts.records += n,
                "declarations" | "staff_checkins" => counts.declarations += n,
                _ => counts.other += n,
            }
        }
        tx.commit()?;
        if counts.checkins > 0 {
            // A purged stay may have been someone's latest.
            *self.stays.get_mut() = None;
        }
        if counts != PurgeCounts::default() {
            log::info!(
                "retention purged {} check-ins, {} updates, {} records, {} declarations, {} other rows",
                counts.checkins,
                counts.updates,
                counts.records,
                counts.declarations,
                counts.other
            );
        }
        Ok(counts)
    }
}

/// Whether any row that ages on its own began before `cutoff`. Every open runs retention,
/// and on most opens nothing has expired: one statement of a few index probes (each
/// table's time order) then replaces the purge's dozen, which an open would otherwise
/// parse and run for nothing. Rows that go with a parent only go when it does.
fn anything_before(conn: &Connection, cutoff: i64) -> Result<bool, DiaryError> {
    let probes: Vec<String> = AGING
        .iter()
        .filter(|a| matches!(a, Aging::Own { .. }))
        .filter_map(|a| {
            let condition = aged(a.table())?;
            Some(format!(
                "EXISTS (SELECT 1 FROM {} WHERE {condition})",
                a.table()
            ))
        })
        .collect();
    let sql = format!("SELECT {}", probes.join(" OR "));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([cutoff], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, TimeZone, Utc};
    use vaora_protocol::cards::{CardHashKey, CardKind, CardProfile, Gender};
    use vaora_protocol::clock::FixedClock;
    use vaora_protocol::declare::{Answers, DeclarePolicy, StaffCheckInBody};
    use vaora_protocol::exposure::Alert;
    use vaora_protocol::ids::Id128;
    use vaora_protocol::records::{CheckInMethod, VenueRef};
    use vaora_protocol::venue::{Authority, NewVenue, VenueCategory, VenueIssuer};
    use vaora_protocol::wire::ExposureWindow;

    use super::*;
    use crate::diary::schema::retained::Aging;
    use crate::diary::{CheckInRequest, DiaryConfig, DiaryKey, NewPerson};

    fn venue() -> VenueRef {
        VenueRef {
            id: Some(Id128::from_bytes([9; 16])),
            name: "Chợ".into(),
            address: String::new(),
            category: VenueCategory::Market,
            issuer_key_id: None,
            verified: true,
        }
    }

    /// One of everything personal, made at `clock`'s now: a household member (removed
    /// at once when `remove`), added from a card, a closed check-in with its update, a
    /// declaration, a staff check-in, a received window, an alert and a visit staff
    /// recorded from one of the phone's codes.
    fn fill(d: &mut Diary, tag: u8, remove: bool) {
        let now = d.clock().now();
        let key = CardHashKey::from_bytes([tag; 32]);
        let profile = CardProfile {
            kind: CardKind::Cccd,
            display_name: format!("Bà {tag}"),
            birth_year: 1948,
            gender: Gender::Female,
            card_hash: key.hash(CardKind::Cccd, "001048000001"),
            card_number: None,
        };
        let member = d.add_person_from_card(&profile, None).unwrap();
        let checkin = d
            .check_in(CheckInRequest {
                people: vec![member.id],
                venue: venue(),
                method: CheckInMethod::ManualEntry,
                at: Some(now - chrono::Duration::minutes(30)),
                venue_default_stay: None,
            })
            .unwrap();
        d.check_out(Some(&checkin[0].id), None).unwrap();
        d.declare_for_person(&member.id, Answers::all_clear(), &DeclarePolicy::default())
            .unwrap();
        let staff = StaffCheckInBody::from_card(
            (Id128::random().unwrap(), Id128::random().unwrap()),
            &profile,
            venue(),
            now,
            None,
        );
        d.save_staff_checkin(&staff, chrono::Duration::hours(1))
            .unwrap();
        // An inspection (of a poster signed by a key nobody trusts: recorded all the same).
        let poster = VenueIssuer::new(Authority::generate(0, i64::from(u32::MAX)).unwrap())
            .issue(NewVenue {
                venue_id: None,
                name: "Chợ".into(),
                address: String::new(),
                category: VenueCategory::Market,
                default_stay_min: 60,
                valid_from: now - chrono::Duration::days(1),
                valid_until: now + chrono::Duration::days(30),
            })
            .unwrap()
            .to_text();
        d.record_inspection(
            &poster,
            &crate::diary::InspectionFindings {
                poster_displayed: true,
                ..Default::default()
            },
        )
        .unwrap();
        let window = ExposureWindow {
            id: Id128::from_bytes([tag; 16]),
            venue_id: Id128::from_bytes([9; 16]),
            from: now,
            until: now + chrono::Duration::hours(1),
            level: 2,
            key_id: String::new(),
            signature: String::new(),
        };
        d.store_windows(std::slice::from_ref(&window), i64::from(tag))
            .unwrap();
        d.store_alerts(&[Alert {
            window_id: window.id,
            person_id: member.id,
            person_name: member.display_name.clone(),
            venue_id: window.venue_id,
            venue_name: "Chợ".into(),
            overlap_from: now,
            overlap_until: now + chrono::Duration::minutes(30),
            level: 2,
        }])
        .unwrap();
        d.store_code_visits(&[vaora_protocol::wire::CodeVisit {
            checkin_id: Id128::random().unwrap(),
            declaration_id: Id128::random().unwrap(),
            venue_id: window.venue_id,
            venue_name: "Chợ".into(),
            from: now,
            until: now + chrono::Duration::hours(1),
        }])
        .unwrap();
        if remove {
            d.remove_person(&member.id).unwrap();
        }
        // Gives the check-in its `checkin_ids` entry (filled off the check-in path).
        d.checkpoint().unwrap();
    }

    fn rows(d: &Diary, table: &str) -> i64 {
        d.conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn open_at(dir: &std::path::Path, now: DateTime<Utc>) -> (Diary, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::new(now));
        let d = Diary::open(
            &dir.join("d.db"),
            &DiaryKey::generate().unwrap(),
            clock.clone(),
            DiaryConfig::default(),
        )
        .unwrap();
        (d, clock)
    }

    fn at(days: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 3, 0, 0).unwrap() + chrono::Duration::days(days)
    }

    /// Old rows of every table with personal data go; recent ones stay. Every such table
    /// must lose rows, so a table added to the schema with personal data but no old row
    /// in this fixture fails here too.
    #[test]
    fn the_purge_empties_every_personal_table_of_old_rows_and_keeps_recent_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (mut d, clock) = open_at(dir.path(), at(0));
        fill(&mut d, 1, true);
        let cutoff_days = 1;
        clock.set(at(30));
        fill(&mut d, 2, false);
        let tables: Vec<&str> = AGING.iter().map(Aging::table).collect();
        let cutoff = to_ms(&(at(30) - chrono::Duration::days(i64::from(cutoff_days))));
        let before: Vec<i64> = tables.iter().map(|t| rows(&d, t)).collect();
        let counts = d.purge_older_than(cutoff_days).unwrap();
        for (table, before) in tables.iter().zip(before) {
            let old: i64 = d
                .conn()
                .query_row(
                    &format!(
                        "SELECT count(*) FROM {table} WHERE {}",
                        aged(table).unwrap()
                    ),
                    [cutoff],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(old, 0, "old rows left in {table}");
            let after = rows(&d, table);
            assert!(after < before, "{table} lost nothing");
            assert!(
                after > 0 || *table == "people" || *table == "person_cards",
                "{table} lost its recent rows too"
            );
        }
        assert_eq!(counts.checkins, 1);
        assert_eq!(counts.updates, 1);
        assert_eq!(counts.declarations, 2, "a declaration and a staff check-in");
        // The check-in's own record, its update's, the declaration's, the staff check-in's,
        // the update that ended the staff visit when its stay ran out (queued at the next
        // desk write, day 30, yet aged with its visit), and the inspection's.
        assert_eq!(counts.records, 6);
        assert!(counts.other >= 5, "{counts:?}");
        // The recent member, with their card, is still there; the removed old one is gone.
        let people = d.list_people().unwrap();
        assert!(people.iter().any(|p| p.display_name == "Bà 2"));
        assert_eq!(rows(&d, "person_cards"), 1);
        // Nothing is left to purge.
        assert_eq!(
            d.purge_older_than(cutoff_days).unwrap(),
            PurgeCounts::default()
        );
    }

    /// A removed household member goes once removed longer ago than the window, but
    /// never while a check-in of theirs is still kept (it refers to them).
    #[test]
    fn a_removed_member_goes_only_after_their_checkins() {
        let dir = tempfile::tempdir().unwrap();
        let (mut d, clock) = open_at(dir.path(), at(10));
        let p = d
            .add_person(NewPerson {
                display_name: "Ông".into(),
                relation: None,
                birth_year: None,
            })
            .unwrap();
        d.check_in(CheckInRequest {
            people: vec![p.id],
            venue: venue(),
            method: CheckInMethod::ManualEntry,
            at: Some(at(10) - chrono::Duration::minutes(30)),
            venue_default_stay: None,
        })
        .unwrap();
        d.check_out(None, None).unwrap();
        d.remove_person(&p.id).unwrap();
        // Removed on day 10; on day 12 a 3-day window keeps both.
        clock.set(at(12));
        assert_eq!(d.purge_older_than(3).unwrap(), PurgeCounts::default());
        assert_eq!(rows(&d, "people"), 2);
        // A check-in of theirs that is still inside the window keeps them, whenever
        // they were removed (a stay edited later than the removal, say).
        d.conn()
            .execute(
                "INSERT INTO checkins (place, id, person_id, venue_name, venue_address,
                    venue_category, venue_verified, method, checked_in_at, auto_out_at,
                    created_at)
                 VALUES (?1, ?2, ?3, 'x', '', 1, 0, 2, ?4, ?4, ?4)",
                rusqlite::params![
                    to_ms(&at(11)) * PLACES_PER_MS,
                    [7u8; 16].as_slice(),
                    p.id.as_bytes().as_slice(),
                    to_ms(&at(11))
                ],
            )
            .unwrap();
        clock.set(at(14));
        let counts = d.purge_older_than(3).unwrap();
        assert_eq!(counts.checkins, 1, "the day-10 stay");
        assert_eq!(rows(&d, "people"), 2, "kept: a day-11 stay refers to them");
        // Once that stay ages out too, they go with it.
        clock.set(at(15));
        let counts = d.purge_older_than(3).unwrap();
        assert_eq!((counts.checkins, counts.other), (1, 1));
        assert_eq!(rows(&d, "people"), 1, "only the owner is left");
    }
}
