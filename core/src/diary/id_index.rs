//! Finding a check-in by its id without an index on the check-in path.
//!
//! A unique index on `checkins.id` is one more B-tree, so one more encrypted page, on every
//! check-in: about a third of the write (ADR 0001). Lookups by id are rare next to
//! check-ins (a check-out by id, an edit, the server's acknowledgements), so the index is
//! kept apart and filled later:
//!
//! - `checkin_ids` maps id → `place`. Every check-in at or below the `meta` value
//!   `checkin_ids_through` (a `place`, 8 bytes big-endian) has its entry; an entry is
//!   always exact (a row that moves takes its entry along, a purged row loses it).
//! - Newer check-ins, the *tail*, are appended without an entry. A lookup that finds no
//!   entry walks the tail, a short key range at the end of the time-ordered table.
//! - The tail is indexed off the check-in path: when the diary opens, on
//!   `Diary::checkpoint` (the app going to the background), on `Diary::close`, before
//!   marking records synced; and by a check-in itself only once the tail holds
//!   [`MAX_UNINDEXED`] check-ins (an app that never checkpoints), so walks stay short.
//! - A check-in below `checkin_ids_through` (a late one, or an edit that moves a row)
//!   writes its entry in its own transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::DiaryError;
use super::marks::{read_mark, write_mark};
use vaora_protocol::ids::Id128;

/// `meta` name of the `place` at or below which every check-in has its `checkin_ids` entry.
pub(crate) const INDEXED_THROUGH: &str = "checkin_ids_through";

/// How many check-ins may wait without an entry before a check-in indexes them.
pub const MAX_UNINDEXED: u64 = 256;

/// Where check-in `id` is (its `place`), if the diary has it.
pub(crate) fn place_of(conn: &Connection, id: &Id128) -> Result<Option<i64>, DiaryError> {
    let indexed: Option<i64> = conn
        .prepare_cached("SELECT place FROM checkin_ids WHERE id = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    if indexed.is_some() {
        return Ok(indexed);
    }
    let through = read_mark(conn, INDEXED_THROUGH)?;
    Ok(conn
        .prepare_cached("SELECT place FROM checkins WHERE place > ?1 AND id = ?2 LIMIT 1")?
        .query_row(params![through, id.as_bytes()], |r| r.get(0))
        .optional()?)
}

/// How many check-ins above `through` wait for their entry.
pub(crate) fn unindexed(conn: &Connection, through: i64) -> Result<u64, DiaryError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM checkins WHERE place > ?1")?
        .query_row([through], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Inside a write's transaction: gives every check-in above `through` its entry and moves
/// `checkin_ids_through` to the newest check-in. Returns the new mark.
pub(crate) fn index_tail(conn: &Connection, through: i64) -> Result<i64, DiaryError> {
    conn.prepare_cached(
        "INSERT INTO checkin_ids (id, place)
         SELECT id, place FROM checkins WHERE place > ?1 ORDER BY id
         ON CONFLICT (id) DO UPDATE SET place = excluded.place",
    )?
    .execute([through])?;
    raise_to_newest(conn, through)
}

/// Moves `checkin_ids_through` from `through` up to the newest check-in, if it is newer.
fn raise_to_newest(conn: &Connection, through: i64) -> Result<i64, DiaryError> {
    let newest: Option<i64> = conn
        .prepare_cached("SELECT max(place) FROM checkins")?
        .query_row([], |r| r.get(0))?;
    match newest {
        Some(p) if p > through => {
            write_mark(conn, INDEXED_THROUGH, p)?;
            Ok(p)
        }
        _ => Ok(through),
    }
}

/// Inside a write's transaction: check-in `id` is now at `place` (a late check-in below
/// the mark, or a row an edit moved).
pub(crate) fn note_place(conn: &Connection, id: &Id128, place: i64) -> Result<(), DiaryError> {
    conn.prepare_cached(
        "INSERT INTO checkin_ids (id, place) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET place = excluded.place",
    )?
    .execute(params![id.as_bytes(), place])?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::diary::{CheckInRequest, Diary, DiaryConfig, DiaryKey};
    use vaora_protocol::clock::FixedClock;
    use vaora_protocol::records::{CheckInMethod, VenueRef};
    use vaora_protocol::venue::VenueCategory;

    /// Checks what `checkin_ids` promises: every entry points at its own row, every
    /// check-in at or below the mark has one, and `place_of` finds every check-in.
    /// Returns how many check-ins lie above the mark.
    pub(crate) fn assert_exact(d: &Diary) -> i64 {
        let conn = d.conn();
        let stale: i64 = conn
            .query_row(
                "SELECT count(*) FROM checkin_ids i
                 WHERE NOT EXISTS (SELECT 1 FROM checkins c WHERE c.place = i.place AND c.id = i.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stale, 0, "entries that point at no row of their id");
        let through = read_mark(conn, INDEXED_THROUGH).unwrap();
        let missing: i64 = conn
            .query_row(
                "SELECT count(*) FROM checkins c WHERE c.place <= ?1
                 AND NOT EXISTS (SELECT 1 FROM checkin_ids i WHERE i.id = c.id)",
                [through],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            missing, 0,
            "check-ins at or below the mark without an entry"
        );
        let rows: Vec<(Vec<u8>, i64)> = conn
            .prepare("SELECT id, place FROM checkins")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (id, place) in &rows {
            let id = Id128::from_bytes(id.as_slice().try_into().unwrap());
            assert_eq!(place_of(conn, &id).unwrap(), Some(*place));
        }
        rows.iter().filter(|(_, p)| *p > through).count() as i64
    }

    fn at(people: Vec<Id128>, name: &str, when: Option<chrono::DateTime<Utc>>) -> CheckInRequest {
        CheckInRequest {
            people,
            venue: VenueRef {
                id: None,
                name: name.into(),
                address: String::new(),
                category: VenueCategory::Market,
                issuer_key_id: None,
                verified: false,
            },
            method: CheckInMethod::ManualEntry,
            at: when,
            venue_default_stay: None,
        }
    }

    /// Every way a check-in's place changes, against the index: a long session that never
    /// checkpoints (the check-in path indexes the tail itself), late check-ins below the
    /// mark, edits that move an indexed row up into the tail and a tail row down below the
    /// mark, retention, and reopening.
    #[test]
    fn every_check_in_is_found_by_id_however_it_got_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let key = DiaryKey::generate().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 3, 10, 1, 0, 0).unwrap();
        let clock = Arc::new(FixedClock::new(start));
        let mut d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
        let owner = d.owner_id();
        let kid = d
            .add_person(crate::diary::NewPerson {
                display_name: "Bé".into(),
                ..Default::default()
            })
            .unwrap()
            .id;

        // More check-ins than may wait unindexed, in one session.
        let n = MAX_UNINDEXED as usize + 40;
        let mut ids = Vec::new();
        for i in 0..n {
            clock.advance(Duration::seconds(10));
            let c = d
                .check_in(at(vec![owner], &format!("Quầy {i}"), None))
                .unwrap();
            ids.push(c[0].id);
        }
        let tail = assert_exact(&d);
        assert!(
            tail < MAX_UNINDEXED as i64,
            "the check-in path indexed the tail itself ({tail} left)"
        );
        assert!(tail > 0, "and did not index on every check-in");

        // A late check-in, far below the mark: it writes its own entry.
        let late = d
            .check_in(at(vec![kid], "Trường", Some(start - Duration::hours(3))))
            .unwrap()[0]
            .id;
        assert_exact(&d);
        assert_eq!(d.checkin(&late).unwrap().venue.name, "Trường");
        // An indexed row moves up into the tail (after the owner's last check-in)...
        let now = vaora_protocol::clock::Clock::now(clock.as_ref());
        d.edit_times(&late, now - Duration::seconds(5), Some(now))
            .unwrap();
        assert_exact(&d);
        // ...and a tail row moves down below the mark.
        clock.advance(Duration::minutes(1));
        let newest = d.check_in(at(vec![kid], "Chợ", None)).unwrap()[0].id;
        clock.advance(Duration::minutes(1));
        d.check_out(Some(&newest), None).unwrap();
        d.edit_times(
            &newest,
            start - Duration::hours(5),
            Some(start - Duration::hours(4)),
        )
        .unwrap();
        assert_exact(&d);
        assert_eq!(d.checkin(&newest).unwrap().venue.name, "Chợ");
        assert_eq!(d.checkin(&late).unwrap().checked_out_at, Some(now));

        // Retention drops the entries with their rows: the kid's moved stay and the
        // owner's check-ins of the first 20 minutes (one every 10 s from start + 10 s).
        clock.set(start + Duration::days(1) + Duration::minutes(20));
        let purged = d.purge_older_than(1).unwrap();
        assert_eq!(purged.checkins, 119 + 1, "{purged:?}");
        assert_exact(&d);
        assert!(matches!(
            d.checkin(&newest),
            Err(crate::diary::DiaryError::NotFound(_))
        ));

        // A checkpoint (the app going to the background) indexes everything; so do closing
        // and opening.
        d.checkpoint().unwrap();
        assert_eq!(assert_exact(&d), 0);
        d.close().unwrap();
        let d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
        assert_eq!(assert_exact(&d), 0);
        let entries: i64 = d
            .conn()
            .query_row("SELECT count(*) FROM checkin_ids", [], |r| r.get(0))
            .unwrap();
        let rows: i64 = d
            .conn()
            .query_row("SELECT count(*) FROM checkins", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, rows);
        assert_eq!(
            d.checkin(ids.last().unwrap()).unwrap().venue.name,
            format!("Quầy {}", n - 1)
        );
    }
}
