//! Storage form of instants (Unix milliseconds, UTC) and the local-day arithmetic the
//! check-in rules need. Local dates only group the display and cap auto check-out at
//! midnight; nothing is stored in local time. Reading stored values back: `columns.rs`.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Utc};

use super::error::DiaryError;

pub(crate) fn to_ms(t: &DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> Result<DateTime<Utc>, DiaryError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| DiaryError::Corrupt(format!("stored time {ms} is out of range")))
}

/// Drops sub-millisecond precision: storage and signed records keep milliseconds.
pub(crate) fn trunc_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(t.timestamp_millis())
        .single()
        .unwrap_or(t)
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
