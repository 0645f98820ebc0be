//! Enrolled staff (issue 19): the single-use codes a venue's owner hands a staff phone, the
//! devices enrolled as a venue's staff, and their removal.

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, first, id};
use crate::storage::error::StorageError;

const NEW_CODE: &str =
    "INSERT INTO staff_enrolments (code_hash, venue_id, expires_at) VALUES ($1, $2, $3)";
/// Uses code `$1` for device `$2` when it is unused and not expired at `$3`: its venue.
const USE_CODE: &str = "UPDATE staff_enrolments SET used_by = $2
     WHERE code_hash = $1 AND used_by IS NULL AND expires_at > $3 RETURNING venue_id";
const ENROL: &str = "INSERT INTO venue_staff (venue_id, device_id, enrolled_at) VALUES ($1, $2, $3)
     ON CONFLICT (venue_id, device_id) DO NOTHING";
const LIST: &str = "SELECT device_id, enrolled_at FROM venue_staff WHERE venue_id = $1 ORDER BY enrolled_at, device_id";
const REMOVE: &str = "DELETE FROM venue_staff WHERE venue_id = $1 AND device_id = $2";
/// Codes expired before `$1` (used or not): nothing to keep them for.
const EXPIRED: &str = "DELETE FROM staff_enrolments WHERE expires_at < $1";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 6] {
    [NEW_CODE, USE_CODE, ENROL, LIST, REMOVE, EXPIRED]
}

/// Stores a new code (by its hash) for `venue`, valid until `expires_ms`.
pub(crate) async fn new_code<E: Engine>(
    db: &E,
    code_hash: [u8; 32],
    venue: Id128,
    expires_ms: i64,
) -> Result<(), StorageError> {
    let args = vec![
        Arg::Bytes(code_hash.to_vec()),
        Arg::id(&venue),
        Arg::Int(expires_ms),
    ];
    db.execute(Query::new(NEW_CODE, args)).await?;
    Ok(())
}

/// Uses the code for `device` and enrols it at the code's venue: the venue, or `None` when
/// the code is unknown, used or expired. The code is spent even if enrolling fails later.
pub(crate) async fn use_code<E: Engine>(
    db: &E,
    code_hash: [u8; 32],
    device: Id128,
    now_ms: i64,
) -> Result<Option<Id128>, StorageError> {
    let args = vec![
        Arg::Bytes(code_hash.to_vec()),
        Arg::id(&device),
        Arg::Int(now_ms),
    ];
    let venue = first(db.rows(Query::new(USE_CODE, args), |r| id(r, 0)).await?);
    if let Some(v) = venue {
        let args = vec![Arg::id(&v), Arg::id(&device), Arg::Int(now_ms)];
        db.execute(Query::new(ENROL, args)).await?;
    }
    Ok(venue)
}

/// The venue's enrolled devices and when they were enrolled (ms).
pub(crate) async fn list<E: Engine>(
    db: &E,
    venue: Id128,
) -> Result<Vec<(Id128, i64)>, StorageError> {
    db.rows(Query::new(LIST, vec![Arg::id(&venue)]), |r| {
        Ok((id(r, 0)?, r.int(1)?))
    })
    .await
}

/// Removes a device from the venue's staff; whether it was enrolled.
pub(crate) async fn remove<E: Engine>(
    db: &E,
    venue: Id128,
    device: Id128,
) -> Result<bool, StorageError> {
    let n = db
        .execute(Query::new(REMOVE, vec![Arg::id(&venue), Arg::id(&device)]))
        .await?;
    Ok(n > 0)
}

/// Deletes codes that expired before `now_ms`.
pub(crate) async fn forget_expired<E: Engine>(db: &E, now_ms: i64) -> Result<u64, StorageError> {
    db.execute(Query::new(EXPIRED, vec![Arg::Int(now_ms)]))
        .await
}
