//! PostgreSQL ingest: a batch goes in with one `UNNEST` statement (records with their
//! check-in stays, the daily aggregates and the rollup together: a round trip per batch,
//! not per record), plus one statement for check-in updates. Each check-in is one
//! `records` row (migration 5), read as the `checkins` view; a staff check-in's stay too,
//! and a declaration's record keeps whom it is about (migration 7). Records and updates are
//! keyed by `(device_id, id)` (migration 6); only stays at registered, active venues count.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use sqlx::postgres::PgPool;
use sqlx::{Postgres, Row as _, Transaction};
use vaora_protocol::ids::Id128;

use super::rollup;
use crate::storage::engine::Query;
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::queries::inspections;
use crate::storage::rows::{CheckInRow, Derived, InsertOutcome, NewRecord, UpdateRow};

fn v(id: &Id128) -> Vec<u8> {
    id.as_bytes().to_vec()
}

/// The batch insert: every record whose key `(device_id, id)` is new in `record_ids` (the
/// identity that holds across partitions, migration 15) in one row of `records` (a
/// check-in with its stay, in the partition of the stay's start), the daily aggregates
/// and the per-venue rollup counting exactly the check-ins inserted now at registered,
/// active venues (`counted`), all in one statement; it returns the keys it inserted (the
/// others were stored before). A stay's row is filed under its start whatever `at_ms` the
/// caller gave, so the `checkins` view can read the start from the partition key.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH batch AS (
     SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::smallint[], $4::bytea[], $5::bytea[],
                          $6::bigint[], $13::bigint[], $7::bytea[], $8::text[], $9::bytea[],
                          $10::text[], $11::bigint[], $12::bigint[], $14::smallint[],
                          $15::integer[], $16::bytea[], $17::bytea[], $18::bytea[], $19::bytea[])
          AS u(id, device_id, kind, body, signature, received_at, at_ms,
               person_id, person_name, venue_id, venue_name, from_ms, until_ms,
               recorded_by, birth_year, code_device_key, code_declaration_id,
               card_link, sealed_card)),
 fresh AS (
     INSERT INTO record_ids (device_id, id, at_ms)
     SELECT device_id, id, coalesce(from_ms, at_ms) FROM batch
     ON CONFLICT (device_id, id) DO NOTHING
     RETURNING device_id, id),
 ins AS (
     INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms,
                          person_id, person_name, venue_id, venue_name, from_ms, until_ms,
                          recorded_by, birth_year, code_device_key, code_declaration_id,
                          card_link, sealed_card, seq)
     SELECT b.id, b.device_id, b.kind, b.body, b.signature, b.received_at,
            coalesce(b.from_ms, b.at_ms), b.person_id, b.person_name, b.venue_id,
            b.venue_name, b.from_ms, b.until_ms, b.recorded_by, b.birth_year,
            b.code_device_key, b.code_declaration_id, b.card_link, b.sealed_card,
            CASE WHEN b.from_ms IS NOT NULL THEN -1 END
     FROM batch b JOIN fresh f ON f.device_id = b.device_id AND f.id = b.id
     ON CONFLICT DO NOTHING
     RETURNING device_id, id, venue_id, from_ms, recorded_by,
               floor(from_ms::numeric / 86400000)::bigint AS day),
{counting}
 SELECT device_id, id FROM ins",
        counting = counting("ins"),
    )
});

/// Moves identities to their records' new times (CTE `m` of `(device_id, id, from_ms)`).
const REFILE: &str = "UPDATE record_ids k SET at_ms = m.from_ms";

/// The statement's tail that counts the stays of CTE `rows (device_id, venue_id, from_ms,
/// recorded_by, day)` stored now at registered, active venues: the daily aggregates, the
/// rollup and the per-venue days (ingest's insert and the backfill's update share it). At
/// a venue its owner registered, a visit staff recorded counts only when the recording
/// device is enrolled as that venue's staff.
fn counting(rows: &str) -> String {
    format!(
        " counted AS (
     SELECT i.venue_id, i.day FROM {rows} i
     JOIN venues v ON v.id = i.venue_id AND v.revoked_at IS NULL
     WHERE i.from_ms IS NOT NULL
       AND (i.recorded_by = 0 OR v.manage_hash IS NULL
            OR EXISTS (SELECT 1 FROM venue_staff s
                       WHERE s.venue_id = i.venue_id AND s.device_id = i.device_id))),
 per_day AS (
     INSERT INTO day_scans (day, scans) SELECT day, count(*) FROM counted GROUP BY day
     ON CONFLICT (day) DO UPDATE SET scans = day_scans.scans + EXCLUDED.scans),
 recent AS ({recent}),
 per_venue_day AS (
     INSERT INTO venue_day_scans (venue_id, day, scans)
     SELECT venue_id, day, count(*) FROM counted GROUP BY venue_id, day
     ON CONFLICT (day, venue_id) DO UPDATE SET scans = venue_day_scans.scans + EXCLUDED.scans)",
        recent = rollup::INGEST.as_str()
    )
}

/// The backfill: the stay columns of staff check-ins stored without a stay (kind 4, no
/// `from_ms`), set from `UNNEST` arrays, counted like ingest's; the row moves to the
/// partition of the stay's start (and its identity's time with it); returns the keys set
/// now.
static BACKFILL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH upd AS (
     UPDATE records r SET person_id = u.person_id, person_name = u.person_name,
            venue_id = u.venue_id, venue_name = u.venue_name, from_ms = u.from_ms,
            at_ms = u.from_ms,
            until_ms = u.until_ms, seq = -1, recorded_by = u.recorded_by,
            birth_year = u.birth_year, code_device_key = u.code_device_key,
            code_declaration_id = u.code_declaration_id, card_link = u.card_link,
            sealed_card = u.sealed_card
     FROM UNNEST($1::bytea[], $2::bytea[], $3::bytea[], $4::text[], $5::bytea[], $6::text[],
                 $7::bigint[], $8::bigint[], $9::smallint[], $10::integer[], $11::bytea[],
                 $12::bytea[], $13::bytea[], $14::bytea[])
          AS u(device_id, id, person_id, person_name, venue_id, venue_name, from_ms, until_ms,
               recorded_by, birth_year, code_device_key, code_declaration_id, card_link,
               sealed_card)
     WHERE r.device_id = u.device_id AND r.id = u.id AND r.kind = 4 AND r.from_ms IS NULL
     RETURNING r.device_id, r.id, r.venue_id, r.from_ms, r.recorded_by,
               floor(r.from_ms::numeric / 86400000)::bigint AS day),
 refiled AS ({REFILE} FROM upd m WHERE k.device_id = m.device_id AND k.id = m.id
                        AND k.at_ms <> m.from_ms),
{counting}
 SELECT device_id, id FROM upd",
        counting = counting("upd"),
    )
});

/// Stores backfilled stays in one transaction: the stay columns, the aggregates, then
/// the updates of the same device that arrived meanwhile; the number stored.
pub(super) async fn backfill_stays(
    pool: &PgPool,
    stays: &[CheckInRow],
) -> Result<u64, StorageError> {
    if stays.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin().await.or_storage()?;
    let set: Vec<Key> = sqlx::query_as(sqlx::AssertSqlSafe(BACKFILL.as_str()))
        .bind(stays.iter().map(|c| v(&c.device_id)).collect::<Vec<_>>())
        .bind(stays.iter().map(|c| v(&c.id)).collect::<Vec<_>>())
        .bind(stays.iter().map(|c| v(&c.person_id)).collect::<Vec<_>>())
        .bind(
            stays
                .iter()
                .map(|c| c.person_name.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.venue_id.as_ref().map(v))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.venue_name.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(stays.iter().map(|c| c.from_ms).collect::<Vec<_>>())
        .bind(stays.iter().map(|c| c.until_ms).collect::<Vec<_>>())
        .bind(
            stays
                .iter()
                .map(|c| i16::from(c.recorded_by.code()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.birth_year.map(i32::from))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.code.map(|k| k.device_key.to_vec()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.code.map(|k| v(&k.declaration_id)))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.card_link.map(|l| l.to_vec()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.sealed_card.as_deref())
                .collect::<Vec<_>>(),
        )
        .fetch_all(&mut *tx)
        .await
        .or_storage()?;
    let n = set.len() as u64;
    apply_updates(&mut tx, &[], set).await?;
    tx.commit().await.or_storage()?;
    Ok(n)
}

/// A record's key, `(device_id, id)`, as bytes.
type Key = (Vec<u8>, Vec<u8>);

fn key(r: &NewRecord) -> Key {
    (v(&r.device_id), v(&r.id))
}

/// Stores a batch in one transaction; outcomes in input order.
pub(super) async fn insert_records(
    pool: &PgPool,
    records: &[NewRecord],
) -> Result<Vec<InsertOutcome>, StorageError> {
    let mut tx = pool.begin().await.or_storage()?;
    let stays: Vec<Option<&CheckInRow>> = records
        .iter()
        .map(|r| match &r.derived {
            Derived::CheckIn(c) => Some(c),
            _ => None,
        })
        .collect();
    let inserted: Vec<Key> = sqlx::query_as(sqlx::AssertSqlSafe(INSERT.as_str()))
        .bind(records.iter().map(|r| v(&r.id)).collect::<Vec<_>>())
        .bind(records.iter().map(|r| v(&r.device_id)).collect::<Vec<_>>())
        .bind(
            records
                .iter()
                .map(|r| i16::from(r.kind))
                .collect::<Vec<_>>(),
        )
        .bind(
            records
                .iter()
                .map(|r| r.body.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(
            records
                .iter()
                .map(|r| r.signature.as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(records.iter().map(|r| r.received_ms).collect::<Vec<_>>())
        .bind(
            records
                .iter()
                .map(|r| match &r.derived {
                    Derived::CheckIn(c) => Some(v(&c.person_id)),
                    Derived::Declaration { person_id } => Some(v(person_id)),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.map(|c| c.person_name.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.venue_id.as_ref().map(v)))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.map(|c| c.venue_name.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.map(|c| c.from_ms))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.map(|c| c.until_ms))
                .collect::<Vec<_>>(),
        )
        .bind(records.iter().map(|r| r.at_ms).collect::<Vec<_>>())
        .bind(
            stays
                .iter()
                .map(|c| c.map_or(0, |c| i16::from(c.recorded_by.code())))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.birth_year.map(i32::from)))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.code.map(|k| k.device_key.to_vec())))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.code.map(|k| v(&k.declaration_id))))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.card_link.map(|l| l.to_vec())))
                .collect::<Vec<_>>(),
        )
        .bind(
            stays
                .iter()
                .map(|c| c.and_then(|c| c.sealed_card.as_deref()))
                .collect::<Vec<_>>(),
        )
        .fetch_all(&mut *tx)
        .await
        .or_storage()?;
    let inserted: HashSet<Key> = inserted.into_iter().collect();
    let existing = stored_before(&mut tx, records, &inserted).await?;
    let mut outcomes = Vec::with_capacity(records.len());
    let mut new_checkins = Vec::new();
    let mut updates = Vec::new();
    for r in records {
        let k = key(r);
        if inserted.contains(&k) {
            match &r.derived {
                Derived::CheckIn(_) => new_checkins.push(k),
                Derived::Update(u) => updates.push((r.device_id, u)),
                Derived::Inspection(i) => {
                    let q = Query::new(inspections::INSERT, inspections::insert_args(i));
                    super::engine::execute_in(&mut *tx, q).await?;
                }
                Derived::Declaration { .. } | Derived::Nothing => {}
            }
            outcomes.push(InsertOutcome::Inserted);
        } else {
            let (kind, body) = existing
                .get(&k)
                .ok_or_else(|| StorageError::Corrupt("a conflicting record vanished".into()))?;
            let same = *kind == i16::from(r.kind) && body == &r.body;
            outcomes.push(if same {
                InsertOutcome::Duplicate
            } else {
                InsertOutcome::Conflict
            });
        }
    }
    apply_updates(&mut tx, &updates, new_checkins).await?;
    tx.commit().await.or_storage()?;
    Ok(outcomes)
}

/// What is stored under the keys of a batch that were not inserted now: (kind, body).
async fn stored_before(
    tx: &mut Transaction<'_, Postgres>,
    records: &[NewRecord],
    inserted: &HashSet<Key>,
) -> Result<HashMap<Key, (i16, Vec<u8>)>, StorageError> {
    let others: Vec<Key> = records
        .iter()
        .map(key)
        .filter(|k| !inserted.contains(k))
        .collect();
    let mut existing = HashMap::new();
    if others.is_empty() {
        return Ok(existing);
    }
    let (devices, ids): (Vec<Vec<u8>>, Vec<Vec<u8>>) = others.into_iter().unzip();
    let rows = sqlx::query(
        "SELECT r.device_id, r.id, r.kind, r.body
         FROM UNNEST($1::bytea[], $2::bytea[]) AS u(device_id, id)
         JOIN record_ids k ON k.device_id = u.device_id AND k.id = u.id
         JOIN records r ON r.device_id = k.device_id AND r.id = k.id AND r.at_ms = k.at_ms",
    )
    .bind(&devices)
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await
    .or_storage()?;
    for r in rows {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                (r.try_get(0)?, r.try_get(1)?),
                (r.try_get(2)?, r.try_get(3)?),
            ))
        };
        let (k, stored) = read().or_storage()?;
        existing.insert(k, stored);
    }
    Ok(existing)
}

/// Moves each affected stay (`$1` devices, `$2` check-in ids) to its highest-sequence
/// update, and its identity's time with it.
static APPLY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH moved AS (
             UPDATE records r SET from_ms = u.from_ms, at_ms = u.from_ms, until_ms = u.until_ms,
                    seq = u.seq
             FROM (SELECT DISTINCT ON (c.device_id, c.checkin_id) c.device_id, c.checkin_id,
                          c.seq, c.from_ms, c.until_ms, k.at_ms
                   FROM checkin_updates c
                   JOIN record_ids k ON k.device_id = c.device_id AND k.id = c.checkin_id
                   WHERE (c.device_id, c.checkin_id) IN
                         (SELECT * FROM UNNEST($1::bytea[], $2::bytea[]))
                   ORDER BY c.device_id, c.checkin_id, c.seq DESC) u
             WHERE r.device_id = u.device_id AND r.id = u.checkin_id AND r.at_ms = u.at_ms
               AND r.from_ms IS NOT NULL AND r.seq < u.seq
             RETURNING r.device_id, r.id, r.from_ms)
         {REFILE} FROM moved m WHERE k.device_id = m.device_id AND k.id = m.id
                        AND k.at_ms <> m.from_ms"
    )
});

/// Stores the check-in updates of a batch (new ones only) and moves each affected stay to
/// its highest-sequence update of the same device: the updates stored now and the ones
/// that arrived before the check-ins stored now. A moved start moves the row to its day's
/// partition and its identity's time with it (the check-in is found through its identity,
/// so only its own partition is read). Two statements per batch, whatever its size.
async fn apply_updates(
    tx: &mut Transaction<'_, Postgres>,
    updates: &[(Id128, &UpdateRow)],
    new_checkins: Vec<Key>,
) -> Result<(), StorageError> {
    if !updates.is_empty() {
        sqlx::query(
            "INSERT INTO checkin_updates (device_id, id, checkin_id, seq, from_ms, until_ms)
             SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::bytea[], $4::bigint[], $5::bigint[], $6::bigint[])
             ON CONFLICT (device_id, id) DO NOTHING",
        )
        .bind(updates.iter().map(|(d, _)| v(d)).collect::<Vec<_>>())
        .bind(updates.iter().map(|(_, u)| v(&u.id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|(_, u)| v(&u.checkin_id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|(_, u)| u.sequence).collect::<Vec<_>>())
        .bind(updates.iter().map(|(_, u)| u.from_ms).collect::<Vec<_>>())
        .bind(updates.iter().map(|(_, u)| u.until_ms).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await
        .or_storage()?;
    }
    let mut affected = new_checkins;
    affected.extend(updates.iter().map(|(d, u)| (v(d), v(&u.checkin_id))));
    if affected.is_empty() {
        return Ok(());
    }
    let (devices, ids): (Vec<Vec<u8>>, Vec<Vec<u8>>) = affected.into_iter().unzip();
    sqlx::query(sqlx::AssertSqlSafe(APPLY.as_str()))
        .bind(devices)
        .bind(ids)
        .execute(&mut **tx)
        .await
        .or_storage()?;
    Ok(())
}
