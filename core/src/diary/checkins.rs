//! Check-ins and their rules.
//!
//! One call checks in one or several people (a family arriving together); each person's
//! check-in is its own signed record, and the rows plus their outbox records commit in one
//! transaction, so a crash leaves all of them or none. Every later change of times
//! (check-out, auto check-out, edit, being superseded by a newer check-in) is a signed
//! `CheckInUpdate` record, so the server sees exactly what the phone saw.
//!
//! Rules: one person has at most one open check-in and stays never overlap (a new
//! check-in closes the open one at its own start; a check-in may not start before the
//! person's latest stay ended). An open check-in closes by itself at the venue's default
//! stay (or the policy default, 4 h) and never later than the local midnight after it
//! began. Times can be edited: check-out after check-in, nothing in the future.
//!
//! Files: `checkin_rows.rs` (the types and reading rows back), `checkin_updates.rs`
//! (check-out, edits, automatic check-out); this file checks in and lists.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::checkin_rows::{
    CheckIn, CheckInRequest, MAX_STAY_HOURS, MAX_VENUE_ADDRESS, MAX_VENUE_NAME, Page,
    SELECT_CHECKIN, check_text, checkin_from_row, free_place,
};
use super::checkin_updates::{auto_out, close_due, record_update};
use super::error::DiaryError;
use super::handle::Diary;
use super::id_index::place_of;
use super::outbox::SyncState;
use super::stays::{Stay, StayCache, place_floor};
use super::time::{local_day_start, to_ms, trunc_ms};
use super::write_tx::WriteTx;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, RecordKind, UpdateReason};

const INSERT_CHECKIN_SQL: &str = "
INSERT INTO checkins (place, id, person_id, venue_id, venue_name, venue_address,
    venue_category, issuer_key_id, venue_verified, method, checked_in_at, checked_out_at,
    auto_out_at, out_reason, update_seq, created_at, body, signature, sync_state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, NULL, 0, ?13, ?14, ?15, 0)";

impl Diary {
    /// Checks in everyone in `req.people` at one venue. Returns the new check-ins in the
    /// order the people were given. All or nothing.
    pub fn check_in(&mut self, req: CheckInRequest) -> Result<Vec<CheckIn>, DiaryError> {
        let now = self.clock.now();
        let offset = self.clock.local_offset();
        let at = trunc_ms(req.at.unwrap_or(now));
        if at > now {
            return Err(DiaryError::Invalid(
                "a check-in cannot be in the future".into(),
            ));
        }
        if at < now - Duration::days(i64::from(self.config.retention_days)) {
            return Err(DiaryError::Invalid(
                "a check-in cannot be older than the retention window".into(),
            ));
        }
        if req.people.is_empty() {
            return Err(DiaryError::Invalid("name at least one person".into()));
        }
        for (i, p) in req.people.iter().enumerate() {
            if req.people[..i].contains(p) {
                return Err(DiaryError::Invalid("a person is named twice".into()));
            }
        }
        check_text("venue name", &req.venue.name, MAX_VENUE_NAME, true)?;
        check_text(
            "venue address",
            &req.venue.address,
            MAX_VENUE_ADDRESS,
            false,
        )?;
        if let Some(k) = &req.venue.issuer_key_id {
            check_text("issuer key id", k, MAX_VENUE_NAME, true)?;
        }
        let stay = req.venue_default_stay.unwrap_or(self.config.default_stay);
        if stay <= Duration::zero() || stay > Duration::hours(MAX_STAY_HOURS) {
            return Err(DiaryError::Invalid(format!(
                "a default stay is between 1 second and {MAX_STAY_HOURS} hours"
            )));
        }
        let auto_out_at = auto_out(&at, stay, offset);

        let (tx, mut stays) = WriteTx::begin_with_stays(&self.conn, self.stays.get_mut())?;
        let identity = &self.identity;
        close_due(&tx, identity, &mut stays, &now)?;
        let mut done = Vec::with_capacity(req.people.len());
        for person_id in &req.people {
            let person_name: String = tx
                .prepare_cached(
                    "SELECT display_name FROM people WHERE id = ?1 AND removed_at IS NULL",
                )?
                .query_row([person_id.as_bytes()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| DiaryError::NotFound("no such person".into()))?;
            // A person's stays never overlap (check_in and edit_times keep it so), so
            // the latest stay alone decides: it must have begun before `at`, and either be
            // the open one (superseded below) or have ended by `at`.
            let open = match stays.latest(&tx, person_id)? {
                Some(l)
                    if l.checked_in_at >= at || l.checked_out_at.is_some_and(|out| out > at) =>
                {
                    return Err(DiaryError::Invalid(
                        "this person already has a stay at or after that time".into(),
                    ));
                }
                Some(l) if l.is_open() => Some(l),
                _ => None,
            };
            if let Some(s) = open {
                let seq = record_update(
                    &tx,
                    identity,
                    &s.id,
                    s.place,
                    s.update_seq,
                    UpdateReason::Superseded,
                    &s.checked_in_at,
                    Some(&at),
                    &s.auto_out_at,
                    None,
                    &now,
                )?;
                stays.update(&s.id, Some(at), s.auto_out_at, seq);
            }
            let body = CheckInBody {
                id: Id128::random()?,
                person_id: *person_id,
                person_name,
                venue: req.venue.clone(),
                method: req.method,
                checked_in_at: at,
                checked_out_at: None,
            };
            // The row is the check-in's signed record too (schema v8): no outbox row.
            let record = identity.sign_record(RecordKind::CheckIn, body.encode());
            let place = free_place(&tx, &at)?;
            stays.note_pending_at(&tx, place)?;
            tx.prepare_cached(INSERT_CHECKIN_SQL)?.execute(params![
                place,
                body.id.as_bytes(),
                person_id.as_bytes(),
                body.venue.id.as_ref().map(|v| v.as_bytes().as_slice()),
                body.venue.name,
                body.venue.address,
                body.venue.category.code(),
                body.venue.issuer_key_id,
                body.venue.verified,
                body.method.code(),
                to_ms(&at),
                to_ms(&auto_out_at),
                to_ms(&now),
                record.body,
                record.signature.as_slice(),
            ])?;
            stays.note_new_checkin(&tx, &body.id, place)?;
            stays.insert(
                &tx,
                Stay {
                    id: body.id,
                    place,
                    person_id: *person_id,
                    checked_in_at: at,
                    checked_out_at: None,
                    auto_out_at,
                    update_seq: 0,
                },
            )?;
            done.push(CheckIn {
                id: body.id,
                person_id: body.person_id,
                person_name: body.person_name,
                venue: body.venue,
                method: body.method,
                checked_in_at: at,
                checked_out_at: None,
                auto_out_at,
                out_reason: None,
                sync_state: SyncState::Pending,
            });
        }
        stays.index_ids_when_due(&tx)?;
        tx.commit()?;
        *self.stays.get_mut() = Some(stays);
        Ok(done)
    }
    /// One check-in by id.
    pub fn checkin(&self, id: &Id128) -> Result<CheckIn, DiaryError> {
        let place = place_of(&self.conn, id)?
            .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))?;
        self.checkin_at(place, id)
    }

    /// Check-in `id`, whose row is at `place`.
    fn checkin_at(&self, place: i64, id: &Id128) -> Result<CheckIn, DiaryError> {
        self.conn
            .prepare_cached(&format!(
                "{SELECT_CHECKIN} WHERE c.place = ?1 AND c.id = ?2"
            ))?
            .query_row(params![place, id.as_bytes()], checkin_from_row)
            .optional()?
            .ok_or_else(|| DiaryError::NotFound("no such check-in".into()))
    }

    /// The newest check-ins of everyone, newest first.
    pub fn list_checkins(&self, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} ORDER BY c.place DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt.query_map(params![page.limit, page.offset], checkin_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Check-ins that began on local day `date` (in the clock's offset), newest first.
    pub fn list_day(&self, date: NaiveDate, page: Page) -> Result<Vec<CheckIn>, DiaryError> {
        let offset = self.clock.local_offset();
        let start = local_day_start(date, offset);
        let end = start + Duration::days(1);
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.place >= ?1 AND c.place < ?2
             ORDER BY c.place DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                place_floor(to_ms(&start)),
                place_floor(to_ms(&end)),
                page.limit,
                page.offset
            ],
            checkin_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One person's check-ins since `since` (all kept ones when `None`), newest first: a
    /// walk back through the time-ordered table that keeps that person's rows.
    pub fn list_person(
        &self,
        person: &Id128,
        since: Option<DateTime<Utc>>,
        page: Page,
    ) -> Result<Vec<CheckIn>, DiaryError> {
        let since = since.map_or(i64::MIN, |t| place_floor(to_ms(&t)));
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT_CHECKIN} WHERE c.place >= ?2 AND c.person_id = ?1
             ORDER BY c.place DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let rows = stmt.query_map(
            params![person.as_bytes(), since, page.limit, page.offset],
            checkin_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every check-in still open, oldest first.
    pub fn open_checkins(&self) -> Result<Vec<CheckIn>, DiaryError> {
        let open = self.read_stays(StayCache::open_stays)?;
        open.iter()
            .map(|s| self.checkin_at(s.place, &s.id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, Utc};
    use rusqlite::StatementStatus;

    use super::*;
    use crate::diary::checkin_rows::FREE_PLACE_SQL;
    use crate::diary::{DiaryConfig, DiaryKey};
    use vaora_protocol::clock::FixedClock;
    use vaora_protocol::records::{CheckInMethod, VenueRef};
    use vaora_protocol::venue::VenueCategory;

    /// The check-in path's cached statements must stay compiled across writes: with STAT4
    /// compiled in, SQLite otherwise re-prepares a statement whose plan looked at a bound
    /// value each time that value changes (it did, on every check-in, before QPSG was on).
    #[test]
    fn check_in_statements_are_not_reprepared() {
        let dir = tempfile::tempdir().unwrap();
        let key = DiaryKey::generate().unwrap();
        let clock = Arc::new(FixedClock::new(Utc::now() - Duration::days(1)));
        let path = dir.path().join("d.db");
        let mut d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
        let owner = d.owner_id();
        for i in 0..20 {
            clock.advance(Duration::seconds(10));
            d.check_in(CheckInRequest {
                people: vec![owner],
                venue: VenueRef {
                    id: Id128::random().ok(),
                    name: format!("Cửa hàng {i}"),
                    address: String::new(),
                    category: VenueCategory::RestaurantOrShop,
                    issuer_key_id: None,
                    verified: true,
                },
                method: CheckInMethod::ScannedVenueCode,
                at: None,
                venue_default_stay: None,
            })
            .unwrap();
            clock.advance(Duration::seconds(1));
            d.check_out(None, None).unwrap();
        }
        let place = d.conn.prepare_cached(FREE_PLACE_SQL).unwrap();
        assert_eq!(place.get_status(StatementStatus::Run), 20);
        assert_eq!(place.get_status(StatementStatus::RePrepare), 0);
    }
}
