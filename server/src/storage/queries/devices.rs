//! Devices and their records as counted: registration, lookup, the number of records.

use crate::storage::engine::{Arg, Engine, Query, count, first, id, key_from};
use crate::storage::error::StorageError;
use crate::storage::rows::DeviceRow;

const REGISTER: &str = "INSERT INTO devices (id, public_key, registered_at) VALUES ($1, $2, $3)
     ON CONFLICT (public_key) DO NOTHING";
const BY_KEY: &str = "SELECT id FROM devices WHERE public_key = $1";
const BY_ID: &str = "SELECT public_key FROM devices WHERE id = $1";
const RECORDS: &str = "SELECT count(*) FROM records";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 4] {
    [REGISTER, BY_KEY, BY_ID, RECORDS]
}

/// Registers a key; a key registered before keeps its device id (returned).
pub(crate) async fn register<E: Engine>(
    db: &E,
    id_if_new: vaora_protocol::ids::Id128,
    public_key: [u8; 32],
    now_ms: i64,
) -> Result<DeviceRow, StorageError> {
    let key = Arg::Bytes(public_key.to_vec());
    db.execute(Query::new(
        REGISTER,
        vec![Arg::id(&id_if_new), key.clone(), Arg::Int(now_ms)],
    ))
    .await?;
    let stored = first(db.rows(Query::new(BY_KEY, vec![key]), |r| id(r, 0)).await?)
        .ok_or_else(|| StorageError::Corrupt("a registered key has no device".into()))?;
    Ok(DeviceRow {
        id: stored,
        public_key,
    })
}

pub(crate) async fn device<E: Engine>(
    db: &E,
    device_id: vaora_protocol::ids::Id128,
) -> Result<Option<DeviceRow>, StorageError> {
    let keys = db
        .rows(Query::new(BY_ID, vec![Arg::id(&device_id)]), |r| {
            key_from(r.bytes(0)?)
        })
        .await?;
    Ok(first(keys).map(|public_key| DeviceRow {
        id: device_id,
        public_key,
    }))
}

pub(crate) async fn record_count<E: Engine>(db: &E) -> Result<u64, StorageError> {
    let n = db
        .rows(Query::new(RECORDS, Vec::new()), |r| count(r, 0))
        .await?;
    Ok(first(n).unwrap_or(0))
}
