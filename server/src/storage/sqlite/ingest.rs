//! SQLite ingest: a batch of verified records in one transaction, each statement prepared
//! once per connection (cached) and run per row; the daily aggregates and the rollup are
//! then bumped once per distinct key for the check-ins stored now at registered, active
//! venues, not once per record. Records, stays and updates are keyed by `(device_id, id)`.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use vaora_protocol::ids::Id128;

use super::engine::b;
use super::rollup;
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::queries::inspections;
use crate::storage::rows::{
    CheckInRow, Derived, InsertOutcome, NewRecord, RecordedBy, UpdateRow, day_of_ms,
};

/// Stores a batch inside `tx`; outcomes in input order.
pub(super) fn insert_batch(
    tx: &Transaction<'_>,
    records: &[NewRecord],
) -> Result<Vec<InsertOutcome>, StorageError> {
    let mut out = Vec::with_capacity(records.len());
    let mut fresh: Vec<&CheckInRow> = Vec::new();
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO records (device_id, id, kind, body, signature, received_at, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(device_id, id) DO NOTHING",
        )
        .or_storage()?;
    let mut stored = tx
        .prepare_cached("SELECT kind, body FROM records WHERE device_id = ?1 AND id = ?2")
        .or_storage()?;
    for r in records {
        let n = insert
            .execute(params![
                b(&r.device_id),
                b(&r.id),
                i64::from(r.kind),
                r.body,
                r.signature.as_slice(),
                r.received_ms,
                r.at_ms
            ])
            .or_storage()?;
        if n == 0 {
            let same = stored
                .query_row([b(&r.device_id), b(&r.id)], |row| {
                    Ok(row.get::<_, i64>(0)? == i64::from(r.kind)
                        && row.get_ref(1)?.as_blob()? == r.body.as_slice())
                })
                .or_storage()?;
            out.push(if same {
                InsertOutcome::Duplicate
            } else {
                InsertOutcome::Conflict
            });
            continue;
        }
        match &r.derived {
            Derived::CheckIn(c) => {
                if insert_checkin(tx, c)? {
                    fresh.push(c);
                }
            }
            Derived::Update(u) => apply_update(tx, &r.device_id, u)?,
            Derived::Declaration { person_id } => {
                tx.prepare_cached(
                    "INSERT INTO declared_people (device_id, id, person_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT(device_id, id) DO NOTHING",
                )
                .and_then(|mut stmt| stmt.execute(params![b(&r.device_id), b(&r.id), b(person_id)]))
                .or_storage()?;
            }
            Derived::Inspection(i) => {
                super::engine::execute(tx, inspections::INSERT, &inspections::insert_args(i))?;
            }
            Derived::Nothing => {}
        }
        out.push(InsertOutcome::Inserted);
    }
    count_scans(tx, &fresh)?;
    Ok(out)
}

/// Stores stays derived after their records (a backfill), inside `tx`, with the
/// aggregates; the number stored. A record that has its stay already keeps it; one the
/// retention purge deleted meanwhile gets none (no stay outlives its record).
pub(super) fn insert_stays(
    tx: &Transaction<'_>,
    stays: &[CheckInRow],
) -> Result<u64, StorageError> {
    let mut stored = tx
        .prepare_cached("SELECT 1 FROM records WHERE device_id = ?1 AND id = ?2 AND kind = 4")
        .or_storage()?;
    let mut fresh = Vec::new();
    for c in stays {
        if !stored.exists([b(&c.device_id), b(&c.id)]).or_storage()? {
            continue;
        }
        if insert_checkin(tx, c)? {
            fresh.push(c);
        }
    }
    count_scans(tx, &fresh)?;
    Ok(fresh.len() as u64)
}

/// Moves check-in `?1` of device `?5` to `?2..?3` when `?4` is a higher update sequence.
const MOVE_STAY: &str = "UPDATE checkins SET from_ms = ?2, until_ms = ?3, seq = ?4
     WHERE device_id = ?5 AND id = ?1 AND seq < ?4";

/// Stores a check-in's stay; true when the row is new (and so counts in the aggregates).
fn insert_checkin(tx: &Transaction<'_>, c: &CheckInRow) -> Result<bool, StorageError> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO checkins (id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms,
                                   recorded_by, birth_year, code_device_key, code_declaration_id,
                                   card_link, sealed_card)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(device_id, id) DO NOTHING",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                b(&c.id),
                b(&c.device_id),
                b(&c.person_id),
                c.person_name,
                c.venue_id.as_ref().map(b),
                c.venue_name,
                c.from_ms,
                c.until_ms,
                i64::from(c.recorded_by.code()),
                c.birth_year,
                c.code.as_ref().map(|k| k.device_key.as_slice()),
                c.code.as_ref().map(|k| b(&k.declaration_id)),
                c.card_link.as_ref().map(<[u8; 32]>::as_slice),
                c.sealed_card.as_deref()
            ])
        })
        .or_storage()?;
    // Updates of the same device that arrived before their check-in.
    let latest: Option<(i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT seq, from_ms, until_ms FROM checkin_updates
             WHERE device_id = ?1 AND checkin_id = ?2 ORDER BY seq DESC LIMIT 1",
        )
        .and_then(|mut stmt| {
            stmt.query_row([b(&c.device_id), b(&c.id)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .or_storage()?;
    if let Some((seq, from, until)) = latest {
        tx.prepare_cached(MOVE_STAY)
            .and_then(|mut stmt| stmt.execute(params![b(&c.id), from, until, seq, b(&c.device_id)]))
            .or_storage()?;
    }
    Ok(inserted == 1)
}

/// Stores an update of `device`'s check-in and moves that check-in (of that device only).
fn apply_update(tx: &Transaction<'_>, device: &Id128, u: &UpdateRow) -> Result<(), StorageError> {
    tx.prepare_cached(
        "INSERT INTO checkin_updates (device_id, id, checkin_id, seq, from_ms, until_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(device_id, id) DO NOTHING",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            b(device),
            b(&u.id),
            b(&u.checkin_id),
            u.sequence,
            u.from_ms,
            u.until_ms
        ])
    })
    .or_storage()?;
    tx.prepare_cached(MOVE_STAY)
        .and_then(|mut stmt| {
            stmt.execute(params![
                b(&u.checkin_id),
                u.from_ms,
                u.until_ms,
                u.sequence,
                b(device)
            ])
        })
        .or_storage()?;
    Ok(())
}

/// Counts the check-ins stored now at registered, active venues in the daily aggregates
/// and the rollup (same transaction): a device may name any venue id, and only the
/// registry decides which are counted. At a venue its owner registered, a visit staff
/// recorded counts only when the recording device is enrolled as that venue's staff. Grouped by day and by venue and day first, so a
/// batch costs one registry lookup per distinct venue, one upsert per distinct key (a few
/// hundred per 1,000 records) and one read of the rollup's day.
fn count_scans(tx: &Transaction<'_>, fresh: &[&CheckInRow]) -> Result<(), StorageError> {
    if fresh.is_empty() {
        return Ok(());
    }
    // Per venue: None when not registered and active, else whether it has an owner
    // (self-registered: only its enrolled staff's visits count).
    let mut active: BTreeMap<Id128, Option<bool>> = BTreeMap::new();
    let mut registered = tx
        .prepare_cached(
            "SELECT manage_hash IS NOT NULL FROM venues WHERE id = ?1 AND revoked_at IS NULL",
        )
        .or_storage()?;
    let mut enrolled = tx
        .prepare_cached("SELECT 1 FROM venue_staff WHERE venue_id = ?1 AND device_id = ?2")
        .or_storage()?;
    let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per_venue_day: BTreeMap<(Id128, i64), i64> = BTreeMap::new();
    for c in fresh {
        let Some(v) = c.venue_id else { continue };
        let owned = match active.get(&v) {
            Some(known) => *known,
            None => {
                let known = registered
                    .query_row([b(&v)], |r| r.get::<_, bool>(0))
                    .optional()
                    .or_storage()?;
                active.insert(v, known);
                known
            }
        };
        let counted = match owned {
            None => false,
            Some(false) => true,
            Some(true) => {
                c.recorded_by == RecordedBy::OwnPhone
                    || enrolled.exists([b(&v), b(&c.device_id)]).or_storage()?
            }
        };
        if counted {
            let day = day_of_ms(c.from_ms);
            *per_day.entry(day).or_default() += 1;
            *per_venue_day.entry((v, day)).or_default() += 1;
        }
    }
    if per_day.is_empty() {
        return Ok(());
    }
    let mut days = tx
        .prepare_cached(
            "INSERT INTO day_scans (day, scans) VALUES (?1, ?2)
             ON CONFLICT(day) DO UPDATE SET scans = scans + excluded.scans",
        )
        .or_storage()?;
    for (day, n) in &per_day {
        days.execute([day, n]).or_storage()?;
    }
    let mut venue_days = tx
        .prepare_cached(
            "INSERT INTO venue_day_scans (venue_id, day, scans) VALUES (?1, ?2, ?3)
             ON CONFLICT(day, venue_id) DO UPDATE SET scans = scans + excluded.scans",
        )
        .or_storage()?;
    for ((v, day), n) in &per_venue_day {
        venue_days.execute(params![b(v), day, n]).or_storage()?;
    }
    rollup::count(tx, &per_venue_day)
}
