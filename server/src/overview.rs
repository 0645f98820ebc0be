//! The overview's figures: active venues by category and by ward, check-ins per UTC day
//! (from the daily aggregate, never from check-in rows), registered devices, and cases
//! with nothing published yet.

use chrono::{Duration, NaiveDate};

use crate::storage::{Storage, StorageError, day_number};

/// The figures of the `days` days (1..=366) ending on `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Figures {
    pub by_category: Vec<(u8, u64)>,
    pub by_ward: Vec<(String, u64)>,
    /// Every day of the window, oldest first, zero days included.
    pub per_day: Vec<(NaiveDate, u64)>,
    pub devices: u64,
    pub open_cases: u64,
}

pub(crate) async fn figures<S: Storage>(
    store: &S,
    today: NaiveDate,
    days: u32,
) -> Result<Figures, StorageError> {
    let days = days.clamp(1, 366);
    let first = today - Duration::days(i64::from(days) - 1);
    let counts = store
        .overview_counts(day_number(first), day_number(today))
        .await?;
    let per_day = (0..days)
        .map(|i| {
            let day = first + Duration::days(i64::from(i));
            let n = counts
                .per_day
                .iter()
                .find(|(d, _)| *d == day_number(day))
                .map_or(0, |(_, n)| *n);
            (day, n)
        })
        .collect();
    Ok(Figures {
        by_category: counts.by_category,
        by_ward: counts.by_ward,
        per_day,
        devices: counts.devices,
        open_cases: counts.open_cases,
    })
}
