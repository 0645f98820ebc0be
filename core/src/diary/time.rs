//! Storage form of instants (Unix milliseconds, UTC) and the local-day arithmetic the
//! check-in rules need. Local dates only group the display and cap auto check-out at
//! midnight; nothing is stored in local time.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Utc};

use super::DiaryError;

pub(crate) fn to_ms(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> Result<DateTime<Utc>, DiaryError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| DiaryError::Corrupt(format!("stored time {ms} is out of range")))
}

/// The UTC instant at which the local day `date` (in `offset`) starts.
pub(crate) fn local_day_start(date: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    let naive = date.and_time(chrono::NaiveTime::MIN);
    // A fixed offset maps every local time to exactly one instant.
    (naive - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

/// The first local midnight strictly after `t`.
pub(crate) fn next_local_midnight(t: &DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    let local_date = t.with_timezone(&offset).date_naive();
    let next = local_date
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    local_day_start(next, offset)
}

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
pub(crate) fn id_col(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<crate::ids::Id128> {
    let bytes: Vec<u8> = r.get(idx)?;
    crate::ids::Id128::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Reads an optional 16-byte id column.
pub(crate) fn opt_id_col(
    r: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<crate::ids::Id128>> {
    let bytes: Option<Vec<u8>> = r.get(idx)?;
    bytes
        .map(|b| {
            crate::ids::Id128::from_slice(&b).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_in_utc_plus_7() {
        let offset = FixedOffset::east_opt(7 * 3600).unwrap();
        // 2026-03-10 22:30 local = 15:30 UTC; next midnight local = 2026-03-10 17:00 UTC.
        let t = Utc.with_ymd_and_hms(2026, 3, 10, 15, 30, 0).unwrap();
        assert_eq!(
            next_local_midnight(&t, offset),
            Utc.with_ymd_and_hms(2026, 3, 10, 17, 0, 0).unwrap()
        );
        // Exactly at local midnight: the next one is a day later.
        let m = Utc.with_ymd_and_hms(2026, 3, 10, 17, 0, 0).unwrap();
        assert_eq!(
            next_local_midnight(&m, offset),
            Utc.with_ymd_and_hms(2026, 3, 11, 17, 0, 0).unwrap()
        );
    }
}
