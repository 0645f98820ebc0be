//! What phones download besides their own uploads' answers: the authority's signed key set
//! (trusted keys and revoked venues), the feed of published exposure windows, paged by a
//! cursor, and the visits staff recorded from the phone's personal codes.

use chrono::Utc;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    CodeVisit, CodeVisits, ExposurePage, ExposureWindow, KeySet, from_millis,
};

use crate::authority::AuthorityKey;
use crate::limits::Limits;
use crate::storage::{Storage, StorageError, WindowRow};

/// Windows per page when the phone names no limit, and the most it may ask for.
const DEFAULT_PAGE: i64 = 1000;
const MAX_PAGE: i64 = 5000;

/// The signed key set: the authority's key and the venues revoked in the console. Its
/// `sequence` counts the revocations it carries: revocations are never withdrawn, so the
/// count only grows and a phone can refuse a list older than the one it applied.
pub(crate) async fn keyset<S: Storage>(
    store: &S,
    authority: &AuthorityKey,
) -> Result<KeySet, StorageError> {
    let revoked_venues: Vec<Id128> = store.revoked_venue_ids().await?;
    let sequence = u64::try_from(revoked_venues.len()).unwrap_or(u64::MAX);
    let mut ks = KeySet {
        sequence,
        keys: vec![authority.published()],
        revoked_keys: Vec::new(),
        revoked_venues,
        issued_at: from_millis(Utc::now().timestamp_millis()),
        signed_by: authority.key_id(),
        signature: String::new(),
    };
    ks.signature = hex::encode(authority.sign(&ks.signing_input()));
    Ok(ks)
}

/// The windows published after cursor `since` (0 for the first page), `limit` at most.
pub(crate) async fn page<S: Storage>(
    store: &S,
    since: i64,
    limit: Option<i64>,
) -> Result<ExposurePage, StorageError> {
    let since = since.max(0);
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let rows = store.windows_since(since, limit).await?;
    let next_cursor = rows.last().map_or(since, |w| w.seq);
    Ok(ExposurePage {
        more: rows.len() as i64 == limit,
        windows: rows.iter().map(window).collect(),
        next_cursor,
    })
}

/// A stored window as phones receive it.
pub(crate) fn window(w: &WindowRow) -> ExposureWindow {
    ExposureWindow {
        id: w.id,
        venue_id: w.venue_id,
        from: from_millis(w.from_ms),
        until: from_millis(w.until_ms),
        level: w.level,
        key_id: w.key_id.clone(),
        signature: hex::encode(w.signature),
    }
}

/// Most visits one download returns (a family's codes see a few visits a day).
const MAX_CODE_VISITS: i64 = 2000;

/// The visits staff recorded from the personal codes of the device with `device_key`,
/// inside the retention window.
pub(crate) async fn code_visits<S: Storage>(
    store: &S,
    limits: &Limits,
    device_key: [u8; 32],
) -> Result<CodeVisits, StorageError> {
    let since = Utc::now().timestamp_millis() - limits.retention_ms;
    let rows = store
        .code_visits(device_key, since, MAX_CODE_VISITS)
        .await?;
    Ok(CodeVisits {
        visits: rows
            .into_iter()
            .map(|r| CodeVisit {
                checkin_id: r.checkin_id,
                declaration_id: r.declaration_id,
                venue_id: r.venue_id,
                venue_name: r.venue_name,
                from: from_millis(r.from_ms),
                until: from_millis(r.until_ms),
            })
            .collect(),
    })
}
