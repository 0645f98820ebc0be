//! Field inspections (issue 19): what inspectors found at venues (rows derived from the
//! inspection records ingest stores, purged with them), the latest per venue for the
//! compliance page, a ward's work list of venues not inspected lately, and the
//! single-use codes that certify an inspector's phone.

use vaora_protocol::ids::Id128;

use super::venues::{VENUE_COLUMNS, list_columns, venue};
use crate::storage::engine::{Arg, Engine, Query, Row, code, first, id};
use crate::storage::error::StorageError;
use crate::storage::rows::{InspectionRow, WorkListRow};

/// An inspection's columns in [`inspection`] order.
macro_rules! inspection_columns {
    () => {
        "i.id, i.device_id, i.venue_id, i.at_ms, i.code, i.place, i.poster, i.scanning, i.desk,
         i.verdict, i.note"
    };
}

/// Parameters in [`insert_args`] order; a replayed record changes nothing.
pub(crate) const INSERT: &str = "INSERT INTO inspections (id, device_id, venue_id, at_ms, code, place, poster, scanning, desk, verdict, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (device_id, id) DO NOTHING";

/// Venue `$1`'s inspections, newest first, at most `$2`.
const OF_VENUE: &str = concat!(
    "SELECT ",
    inspection_columns!(),
    " FROM inspections i WHERE i.venue_id = $1 ORDER BY i.at_ms DESC, i.id LIMIT $2"
);

/// The latest inspection of each venue in `$1`.
const LATEST: &str = concat!(
    "SELECT ",
    inspection_columns!(),
    " FROM inspections i WHERE i.venue_id = ANY($1) AND NOT EXISTS (
         SELECT 1 FROM inspections j WHERE j.venue_id = i.venue_id
            AND (j.at_ms > i.at_ms OR (j.at_ms = i.at_ms AND j.id > i.id)))"
);

/// The latest inspection of each venue inspected at or after `$1` (of ward `$2`, '' =
/// any), newest first, at most `$3`.
const RECENT: &str = concat!(
    "SELECT ",
    inspection_columns!(),
    " FROM inspections i JOIN venues v ON v.id = i.venue_id
     WHERE i.at_ms >= $1 AND ($2 = '' OR v.ward = $2) AND NOT EXISTS (
         SELECT 1 FROM inspections j WHERE j.venue_id = i.venue_id
            AND (j.at_ms > i.at_ms OR (j.at_ms = i.at_ms AND j.id > i.id)))
     ORDER BY i.at_ms DESC, i.id LIMIT $3"
);

/// Ward `$1`'s ('' = every ward) active venues with their latest inspection, never
/// inspected first, then the longest ago, at most `$2` (whether one is due is the
/// caller's rule, `crate::inspections`).
const WORK_LIST: &str = concat!(
    "SELECT ",
    list_columns!(),
    ", (SELECT max(i.at_ms) FROM inspections i WHERE i.venue_id = v.id),
       coalesce((SELECT i.verdict FROM inspections i WHERE i.venue_id = v.id
                 ORDER BY i.at_ms DESC, i.id DESC LIMIT 1), '')
     FROM venues v
     WHERE v.revoked_at IS NULL AND ($1 = '' OR v.ward = $1)
     ORDER BY 11 NULLS FIRST, v.name, v.id LIMIT $2"
);

/// Inspections about records older than `$1` (retention).
pub(crate) const PURGE: &str = "DELETE FROM inspections WHERE at_ms < $1";

const NEW_CODE: &str = "INSERT INTO inspector_enrolments (code_hash, expires_at) VALUES ($1, $2)";
/// Spends code `$1` for device `$2` when unused and not expired at `$3`.
const USE_CODE: &str = "UPDATE inspector_enrolments SET used_by = $2
     WHERE code_hash = $1 AND used_by IS NULL AND expires_at > $3 RETURNING expires_at";
const EXPIRED_CODES: &str = "DELETE FROM inspector_enrolments WHERE expires_at < $1";

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 9] {
    [
        INSERT,
        RECENT,
        OF_VENUE,
        LATEST,
        WORK_LIST,
        PURGE,
        NEW_CODE,
        USE_CODE,
        EXPIRED_CODES,
    ]
}

fn inspection(r: &dyn Row) -> Result<InspectionRow, StorageError> {
    Ok(InspectionRow {
        id: id(r, 0)?,
        device_id: id(r, 1)?,
        venue_id: id(r, 2)?,
        at_ms: r.int(3)?,
        code: code(r, 4, "code")?,
        place: code(r, 5, "place")?,
        poster: r.int(6)? != 0,
        scanning: r.int(7)? != 0,
        desk: r.opt_int(8)?.map(|d| d != 0),
        verdict: r.text(9)?,
        note: r.text(10)?,
    })
}

/// The parameters of [`INSERT`].
pub(crate) fn insert_args(i: &InspectionRow) -> Vec<Arg> {
    vec![
        Arg::id(&i.id),
        Arg::id(&i.device_id),
        Arg::id(&i.venue_id),
        Arg::Int(i.at_ms),
        Arg::Int(i64::from(i.code)),
        Arg::Int(i64::from(i.place)),
        Arg::Int(i64::from(i.poster)),
        Arg::Int(i64::from(i.scanning)),
        Arg::OptInt(i.desk.map(i64::from)),
        Arg::Text(i.verdict.clone()),
        Arg::Text(i.note.clone()),
    ]
}

/// A venue's inspections, newest first.
pub(crate) async fn of_venue<E: Engine>(
    db: &E,
    venue: Id128,
    limit: i64,
) -> Result<Vec<InspectionRow>, StorageError> {
    db.rows(
        Query::new(OF_VENUE, vec![Arg::id(&venue), Arg::Int(limit)]),
        inspection,
    )
    .await
}

/// The latest inspection of each of `venues` that has one.
pub(crate) async fn latest<E: Engine>(
    db: &E,
    venues: &[Id128],
) -> Result<Vec<InspectionRow>, StorageError> {
    if venues.is_empty() {
        return Ok(Vec::new());
    }
    let ids = venues.iter().map(|v| v.as_bytes().to_vec()).collect();
    db.rows(Query::new(LATEST, vec![Arg::BytesList(ids)]), inspection)
        .await
}

/// The latest inspection of each venue (of `ward`, '' = any) inspected since `since_ms`,
/// newest first.
pub(crate) async fn recent<E: Engine>(
    db: &E,
    since_ms: i64,
    ward: &str,
    limit: i64,
) -> Result<Vec<InspectionRow>, StorageError> {
    let args = vec![
        Arg::Int(since_ms),
        Arg::Text(ward.to_owned()),
        Arg::Int(limit),
    ];
    db.rows(Query::new(RECENT, args), inspection).await
}

/// Ward `ward`'s ('' = all) active venues with their latest inspection, at most `limit`.
pub(crate) async fn work_list<E: Engine>(
    db: &E,
    ward: &str,
    limit: i64,
) -> Result<Vec<WorkListRow>, StorageError> {
    let args = vec![Arg::Text(ward.to_owned()), Arg::Int(limit)];
    db.rows(Query::new(WORK_LIST, args), |r| {
        Ok(WorkListRow {
            venue: venue(r)?,
            last_inspected_ms: r.opt_int(VENUE_COLUMNS)?,
            last_verdict: Some(r.text(VENUE_COLUMNS + 1)?).filter(|v| !v.is_empty()),
        })
    })
    .await
}

/// Stores a new inspector enrolment code (its hash), valid until `expires_ms`.
pub(crate) async fn new_code<E: Engine>(
    db: &E,
    code_hash: [u8; 32],
    expires_ms: i64,
) -> Result<(), StorageError> {
    let args = vec![Arg::Bytes(code_hash.to_vec()), Arg::Int(expires_ms)];
    db.execute(Query::new(NEW_CODE, args)).await?;
    Ok(())
}

/// Spends an inspector enrolment code for `device`: whether it was valid (unknown, used
/// and expired codes are not).
pub(crate) async fn use_code<E: Engine>(
    db: &E,
    code_hash: [u8; 32],
    device: Id128,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let args = vec![
        Arg::Bytes(code_hash.to_vec()),
        Arg::id(&device),
        Arg::Int(now_ms),
    ];
    Ok(first(db.rows(Query::new(USE_CODE, args), |r| r.int(0)).await?).is_some())
}

/// Deletes inspector enrolment codes that expired before `now_ms`.
pub(crate) async fn forget_expired<E: Engine>(db: &E, now_ms: i64) -> Result<u64, StorageError> {
    db.execute(Query::new(EXPIRED_CODES, vec![Arg::Int(now_ms)]))
        .await
}
