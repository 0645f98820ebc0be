//! PostgreSQL ingest: a batch goes in with one `UNNEST` statement (records with their
//! check-in stays, the daily aggregates and the rollup together: a round trip per batch,
//! not per record), plus one statement for check-in updates. Each check-in is one
//! `records` row (migration 5), read as the `checkins` view.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use sqlx::postgres::PgPool;
use sqlx::{Postgres, Row as _, Transaction};
use vaora_protocol::ids::Id128;

use super::rollup;
use crate::storage::error::{OrStorage, StorageError};
use crate::storage::rows::{CheckInRow, Derived, InsertOutcome, NewRecord, UpdateRow};

fn v(id: &Id128) -> Vec<u8> {
    id.as_bytes().to_vec()
}

/// The batch insert: every new record in one row of `records` (a check-in with its stay),
/// the daily aggregates and the per-venue rollup counting exactly the check-ins inserted
/// now, all in one statement; it returns the ids it inserted (the others were stored before).
static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH ins AS (
     INSERT INTO records (id, device_id, kind, body, signature, received_at,
                          person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
     SELECT u.*, CASE WHEN u.from_ms IS NOT NULL THEN -1 END
     FROM UNNEST($1::bytea[], $2::bytea[], $3::smallint[], $4::bytea[], $5::bytea[], $6::bigint[],
                 $7::bytea[], $8::text[], $9::bytea[], $10::text[], $11::bigint[], $12::bigint[])
          AS u(id, device_id, kind, body, signature, received_at,
               person_id, person_name, venue_id, venue_name, from_ms, until_ms)
     ON CONFLICT (id) DO NOTHING
     RETURNING id, venue_id, from_ms, floor(from_ms::numeric / 86400000)::bigint AS day),
 per_day AS (
     INSERT INTO day_scans (day, scans) SELECT day, count(*) FROM ins WHERE from_ms IS NOT NULL GROUP BY day
     ON CONFLICT (day) DO UPDATE SET scans = day_scans.scans + EXCLUDED.scans),
 recent AS ({}),
 per_venue_day AS (
     INSERT INTO venue_day_scans (venue_id, day, scans)
     SELECT venue_id, day, count(*) FROM ins WHERE venue_id IS NOT NULL AND from_ms IS NOT NULL GROUP BY venue_id, day
     ON CONFLICT (day, venue_id) DO UPDATE SET scans = venue_day_scans.scans + EXCLUDED.scans)
 SELECT id FROM ins",
        rollup::INGEST.as_str()
    )
});

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
    let inserted: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(INSERT.as_str()))
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
            stays
                .iter()
                .map(|c| c.map(|c| v(&c.person_id)))
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
        .fetch_all(&mut *tx)
        .await
        .or_storage()?;
    let inserted: HashSet<Vec<u8>> = inserted.into_iter().collect();
    let existing = stored_before(&mut tx, records, &inserted).await?;
    let mut outcomes = Vec::with_capacity(records.len());
    let mut new_checkins = Vec::new();
    let mut updates = Vec::new();
    for r in records {
        let id = v(&r.id);
        if inserted.contains(&id) {
            match &r.derived {
                Derived::CheckIn(_) => new_checkins.push(id),
                Derived::Update(u) => updates.push(u),
                Derived::Nothing => {}
            }
            outcomes.push(InsertOutcome::Inserted);
        } else {
            let (device, kind, body) = existing
                .get(&id)
                .ok_or_else(|| StorageError::Corrupt("a conflicting record vanished".into()))?;
            let same = device == &v(&r.device_id) && *kind == i16::from(r.kind) && body == &r.body;
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

/// What is stored under the ids of a batch that were not inserted now: (device, kind, body).
async fn stored_before(
    tx: &mut Transaction<'_, Postgres>,
    records: &[NewRecord],
    inserted: &HashSet<Vec<u8>>,
) -> Result<HashMap<Vec<u8>, (Vec<u8>, i16, Vec<u8>)>, StorageError> {
    let others: Vec<Vec<u8>> = records
        .iter()
        .map(|r| v(&r.id))
        .filter(|id| !inserted.contains(id))
        .collect();
    let mut existing = HashMap::new();
    if others.is_empty() {
        return Ok(existing);
    }
    let rows = sqlx::query("SELECT id, device_id, kind, body FROM records WHERE id = ANY($1)")
        .bind(&others)
        .fetch_all(&mut **tx)
        .await
        .or_storage()?;
    for r in rows {
        let read = || -> Result<_, sqlx::Error> {
            Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        };
        let (id, stored) = read().or_storage()?;
        existing.insert(id, stored);
    }
    Ok(existing)
}

/// Stores the check-in updates of a batch (new ones only) and moves each affected stay to
/// its highest-sequence update: the updates stored now and the ones that arrived before
/// the check-ins stored now. Two statements per batch, whatever its size.
async fn apply_updates(
    tx: &mut Transaction<'_, Postgres>,
    updates: &[&UpdateRow],
    new_checkins: Vec<Vec<u8>>,
) -> Result<(), StorageError> {
    if !updates.is_empty() {
        sqlx::query(
            "INSERT INTO checkin_updates (id, checkin_id, seq, from_ms, until_ms)
             SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::bigint[], $4::bigint[], $5::bigint[])
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(updates.iter().map(|u| v(&u.id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| v(&u.checkin_id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.sequence).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.from_ms).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.until_ms).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await
        .or_storage()?;
    }
    let mut affected = new_checkins;
    affected.extend(updates.iter().map(|u| v(&u.checkin_id)));
    if affected.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE records r SET from_ms = u.from_ms, until_ms = u.until_ms, seq = u.seq
         FROM (SELECT DISTINCT ON (checkin_id) checkin_id, seq, from_ms, until_ms FROM checkin_updates
               WHERE checkin_id = ANY($1) ORDER BY checkin_id, seq DESC) u
         WHERE r.id = u.checkin_id AND r.from_ms IS NOT NULL AND r.seq < u.seq",
    )
    .bind(affected)
    .execute(&mut **tx)
    .await
    .or_storage()?;
    Ok(())
}
