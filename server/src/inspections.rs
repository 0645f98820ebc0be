//! Field inspection on the server (issue 19): the authority's single-use codes that
//! certify an inspector's phone, a ward's work list (venues not inspected for N days),
//! and what the console shows of inspections. Ingest stores the inspection records
//! themselves, and only from certified inspectors (`crate::ingest`).

use chrono::{DateTime, Duration, Utc};
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{WorkList, WorkListVenue, from_millis};

use crate::one_time_code;
use crate::storage::{Storage, StorageError, WorkListRow};

/// How long an inspector enrolment code can be redeemed.
pub(crate) const INSPECTOR_CODE_MINUTES: i64 = 15;
/// Most venues on one work list.
pub(crate) const MAX_WORK_LIST: i64 = 5_000;
/// Longest look-back a work list may ask for (days).
pub(crate) const MAX_WORK_LIST_DAYS: u32 = 366;

/// Why an inspector could not be enrolled.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InspectorCodeError {
    #[error("the inspector code is unknown, used or expired")]
    Invalid,
    #[error("no randomness for the code: {0}")]
    Random(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What the server keeps of an inspector code.
fn code_hash(code: &str) -> [u8; 32] {
    one_time_code::hash(b"vaora-inspector-enrolment-v1", code)
}

/// A new single-use inspector code (`VI1:` and 32 hex digits), valid for
/// [`INSPECTOR_CODE_MINUTES`]; the server keeps its SHA-256 only.
pub(crate) async fn new_code<S: Storage>(
    store: &S,
) -> Result<(String, DateTime<Utc>), InspectorCodeError> {
    let code =
        one_time_code::fresh("VI1:").map_err(|e| InspectorCodeError::Random(e.to_string()))?;
    let expires = Utc::now() + Duration::minutes(INSPECTOR_CODE_MINUTES);
    store
        .new_inspector_code(code_hash(&code), expires.timestamp_millis())
        .await?;
    Ok((code, expires))
}

/// A registered device redeems a code: it is certified as an inspector.
pub(crate) async fn redeem<S: Storage>(
    store: &S,
    device: Id128,
    code: &str,
) -> Result<(), InspectorCodeError> {
    let now = Utc::now().timestamp_millis();
    if !store
        .use_inspector_code(code_hash(code), device, now)
        .await?
    {
        return Err(InspectorCodeError::Invalid);
    }
    store.certify_inspector(device, now).await?;
    Ok(())
}

/// A ward's ('' = every ward) active venues, those not inspected for the longest first,
/// each with whether it is due: not inspected within `days` of `now`.
pub(crate) async fn due_venues<S: Storage>(
    store: &S,
    ward: &str,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(WorkListRow, bool)>, StorageError> {
    let days = days.min(MAX_WORK_LIST_DAYS);
    let since = (now - Duration::days(i64::from(days))).timestamp_millis();
    let rows = store
        .inspection_work_list(ward.trim().to_owned(), MAX_WORK_LIST)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let due = r.last_inspected_ms.is_none_or(|at| at < since);
            (r, due)
        })
        .collect())
}

/// [`due_venues`] as the phone downloads it.
pub(crate) async fn work_list<S: Storage>(
    store: &S,
    ward: &str,
    days: u32,
    now: DateTime<Utc>,
) -> Result<WorkList, StorageError> {
    let venues = due_venues(store, ward, days, now)
        .await?
        .into_iter()
        .map(|(r, due)| WorkListVenue {
            venue_id: r.venue.id,
            self_registered: r.venue.self_registered(),
            name: r.venue.name,
            address: r.venue.address,
            ward: r.venue.ward,
            category: r.venue.category,
            last_inspected_at: r.last_inspected_ms.map(from_millis),
            last_verdict: r.last_verdict,
            due,
        })
        .collect();
    Ok(WorkList {
        ward: ward.trim().to_owned(),
        days: days.min(MAX_WORK_LIST_DAYS),
        generated_at: now,
        venues,
    })
}
