//! Field inspectors (issue 19): the registered devices the authority certified.

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, id};
use crate::storage::error::StorageError;

const CERTIFY: &str = "INSERT INTO inspectors (device_id, certified_at) VALUES ($1, $2)
     ON CONFLICT (device_id) DO NOTHING";
const WITHDRAW: &str = "DELETE FROM inspectors WHERE device_id = $1";
const IS: &str = "SELECT 1 FROM inspectors WHERE device_id = $1";
const LIST: &str =
    "SELECT device_id, certified_at FROM inspectors ORDER BY certified_at, device_id LIMIT 10000";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 4] {
    [CERTIFY, WITHDRAW, IS, LIST]
}

/// The certified inspectors and when each was certified (ms).
pub(crate) async fn list<E: Engine>(db: &E) -> Result<Vec<(Id128, i64)>, StorageError> {
    db.rows(Query::new(LIST, vec![]), |r| Ok((id(r, 0)?, r.int(1)?)))
        .await
}

/// Certifies `device` as an inspector (once; a repeat changes nothing).
pub(crate) async fn certify<E: Engine>(
    db: &E,
    device: Id128,
    now_ms: i64,
) -> Result<(), StorageError> {
    db.execute(Query::new(
        CERTIFY,
        vec![Arg::id(&device), Arg::Int(now_ms)],
    ))
    .await?;
    Ok(())
}

/// Withdraws `device`'s certification; whether it had one.
pub(crate) async fn withdraw<E: Engine>(db: &E, device: Id128) -> Result<bool, StorageError> {
    Ok(db
        .execute(Query::new(WITHDRAW, vec![Arg::id(&device)]))
        .await?
        > 0)
}

/// Whether `device` is a certified inspector.
pub(crate) async fn is_inspector<E: Engine>(db: &E, device: Id128) -> Result<bool, StorageError> {
    Ok(!db
        .rows(Query::new(IS, vec![Arg::id(&device)]), |_| Ok(()))
        .await?
        .is_empty())
}
