//! Backfills a migration notes as owed (`pending_backfills`): whether one is pending, its
//! work list, and clearing it. Today one: the stays of staff check-ins stored before the
//! server traced them (SQLite migration 7, PostgreSQL migration 10).

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, id};
use crate::storage::error::StorageError;

const PENDING: &str = "SELECT 1 FROM pending_backfills WHERE name = $1";
const FINISH: &str = "DELETE FROM pending_backfills WHERE name = $1";
/// Staff check-ins (kind 4) without a stay, in key order after `($1, $2)` (`$4`: from the
/// start), at most `$3`.
const STAFF_WITHOUT_STAYS: &str = "SELECT r.device_id, r.id, r.body FROM records r
     WHERE r.kind = 4 AND ($4 OR r.device_id > $1 OR (r.device_id = $1 AND r.id > $2))
       AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.device_id = r.device_id AND c.id = r.id)
     ORDER BY r.device_id, r.id LIMIT $3";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 3] {
    [PENDING, FINISH, STAFF_WITHOUT_STAYS]
}

/// A stored record a backfill reads: its key and body.
pub type StoredBody = (Id128, Id128, Vec<u8>);

pub(crate) async fn pending<E: Engine>(db: &E, name: &str) -> Result<bool, StorageError> {
    let rows = db
        .rows(
            Query::new(PENDING, vec![Arg::Text(name.into())]),
            |_| Ok(()),
        )
        .await?;
    Ok(!rows.is_empty())
}

pub(crate) async fn finish<E: Engine>(db: &E, name: &str) -> Result<(), StorageError> {
    db.execute(Query::new(FINISH, vec![Arg::Text(name.into())]))
        .await?;
    Ok(())
}

/// The next `limit` staff check-ins without a stay after the key `after`.
pub(crate) async fn staff_without_stays<E: Engine>(
    db: &E,
    after: Option<(Id128, Id128)>,
    limit: u32,
) -> Result<Vec<StoredBody>, StorageError> {
    let zero = Id128::from_bytes([0; 16]);
    let (device, record) = after.unwrap_or((zero, zero));
    let args = vec![
        Arg::id(&device),
        Arg::id(&record),
        Arg::Int(i64::from(limit)),
        Arg::Bool(after.is_none()),
    ];
    db.rows(Query::new(STAFF_WITHOUT_STAYS, args), |r| {
        Ok((id(r, 0)?, id(r, 1)?, r.bytes(2)?.to_vec()))
    })
    .await
}
