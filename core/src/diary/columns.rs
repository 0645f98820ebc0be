//! Reading typed values back from a row: ids, instants, fixed-size keys and signatures.
//! A value of the wrong shape is a conversion error, which the diary reports as damage.

use chrono::{DateTime, TimeZone, Utc};
use vaora_protocol::ids::Id128;

/// Reads an instant column (Unix ms).
pub(crate) fn time_col(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let ms: i64 = r.get(idx)?;
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(idx, ms))
}

/// Reads an optional instant column (Unix ms).
pub(crate) fn opt_time_col(
    r: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = r.get(idx)?;
    ms.map(|ms| {
        Utc.timestamp_millis_opt(ms)
            .single()
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, ms))
    })
    .transpose()
}

/// Reads a 16-byte id column.
pub(crate) fn id_col(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Id128> {
    let bytes: Vec<u8> = r.get(idx)?;
    Id128::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Reads an optional 16-byte id column.
pub(crate) fn opt_id_col(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<Id128>> {
    let bytes: Option<Vec<u8>> = r.get(idx)?;
    bytes
        .map(|b| {
            Id128::from_slice(&b).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })
        })
        .transpose()
}

/// Reads a fixed-size byte column (a 32-byte key, a 64-byte signature).
pub(crate) fn array_col<const N: usize>(
    r: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<[u8; N]> {
    let bytes: Vec<u8> = r.get(idx)?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| {
        rusqlite::Error::IntegralValueOutOfRange(idx, i64::try_from(len).unwrap_or(-1))
    })
}
