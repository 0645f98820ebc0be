//! The visits staff recorded from the personal codes a device made (issue 17): what that
//! device downloads so that an alert for a proxy person (a grandmother without a phone
//! whose code the market's staff scanned) reaches the family phone that declared for her.
//! Only the device whose key made the codes asks; only its codes' visits come back.

use crate::storage::engine::{Arg, Engine, Query, Row, id};
use crate::storage::error::StorageError;
use crate::storage::queries::cases::registry_venue;
use crate::storage::rows::CodeVisitRow;

/// Newest first, at known venues, as the stays are now (updates applied). `$1` the device's
/// public key, `$2` the oldest stay start, `$3` how many.
const OF_CODES: &str = concat!(
    "SELECT c.id, c.code_declaration_id, c.venue_id, ",
    registry_venue!(),
    ", c.from_ms, c.until_ms
     FROM checkins c LEFT JOIN venues v ON v.id = c.venue_id
     WHERE c.code_device_key = $1 AND c.code_declaration_id IS NOT NULL
       AND c.venue_id IS NOT NULL AND c.from_ms >= $2
     ORDER BY c.from_ms DESC LIMIT $3"
);

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 1] {
    [OF_CODES]
}

fn visit(r: &dyn Row) -> Result<CodeVisitRow, StorageError> {
    Ok(CodeVisitRow {
        checkin_id: id(r, 0)?,
        declaration_id: id(r, 1)?,
        venue_id: id(r, 2)?,
        venue_name: r.text(3)?,
        from_ms: r.int(5)?,
        until_ms: r.int(6)?,
    })
}

/// The visits staff recorded from the codes of the device with `device_key`.
pub(crate) async fn of_codes<E: Engine>(
    db: &E,
    device_key: [u8; 32],
    since_ms: i64,
    limit: i64,
) -> Result<Vec<CodeVisitRow>, StorageError> {
    db.rows(
        Query::new(
            OF_CODES,
            vec![
                Arg::Bytes(device_key.to_vec()),
                Arg::Int(since_ms),
                Arg::Int(limit),
            ],
        ),
        visit,
    )
    .await
}
