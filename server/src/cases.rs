//! Cases: the authority marks a device (or one person on it), or a card holder, as a case
//! for a period, traces
//! who shared a venue with the case's stays, and publishes the case's stays as signed
//! exposure windows that phones download and match locally. One code path behind the
//! `/v1/authority/cases` endpoints and the console's case pages.

use chrono::Utc;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{ExposureWindow, from_millis};

use crate::authority::AuthorityKey;
use crate::storage::{
    CaseCard, CaseRow, ContactRow, StayRow, Storage, StorageError, VenueStatus, WindowRow,
};
use vaora_protocol::cards::CardNumber;

/// Default exposure level of a window built from a confirmed case's stay.
const CASE_LEVEL: u8 = 2;

/// Why a case action was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CaseError {
    #[error("the case period must end after it starts")]
    BadPeriod,
    #[error("no such device")]
    UnknownDevice,
    #[error("no such case")]
    UnknownCase,
    #[error("{0}")]
    Random(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub(crate) fn random_id() -> Result<Id128, CaseError> {
    Id128::random().map_err(|e| CaseError::Random(e.to_string()))
}

/// Whom a case is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    /// A registered device, or one person on it (a household member, a proxy person).
    Device {
        device_id: Id128,
        person_id: Option<Id128>,
    },
    /// A card holder without a phone, by the number of the card staff scanned.
    Card(CardNumber),
}

/// The device id of a card holder's case: there is no device.
pub(crate) const NO_DEVICE: Id128 = Id128::from_bytes([0; 16]);

/// Marks case `id` for `subject` over `from_ms..until_ms`. A card holder's case is found
/// by the server's link of the card ([`AuthorityKey::card_link`]), never by the number,
/// which is not stored. When a case with that id exists (a replayed request), that case
/// is answered and nothing is stored.
pub(crate) async fn open<S: Storage>(
    store: &S,
    authority: &AuthorityKey,
    id: Id128,
    subject: Subject,
    from_ms: i64,
    until_ms: i64,
) -> Result<CaseRow, CaseError> {
    if until_ms <= from_ms {
        return Err(CaseError::BadPeriod);
    }
    let (device_id, person_id, card) = match subject {
        Subject::Device {
            device_id,
            person_id,
        } => {
            if store.device(device_id).await?.is_none() {
                return Err(CaseError::UnknownDevice);
            }
            (device_id, person_id, None)
        }
        Subject::Card(card) => (
            NO_DEVICE,
            None,
            Some(CaseCard {
                link: authority.card_link(&card),
                kind: card.kind.code(),
            }),
        ),
    };
    let case = CaseRow {
        id,
        device_id,
        person_id,
        from_ms,
        until_ms,
        created_ms: Utc::now().timestamp_millis(),
        card,
    };
    if store.create_case(case.clone()).await? {
        Ok(case)
    } else {
        find(store, id).await
    }
}

pub(crate) async fn find<S: Storage>(store: &S, id: Id128) -> Result<CaseRow, CaseError> {
    store.case(id).await?.ok_or(CaseError::UnknownCase)
}

/// The case's own stays at known venues inside its period.
pub(crate) async fn stays<S: Storage>(
    store: &S,
    case: &CaseRow,
) -> Result<Vec<StayRow>, CaseError> {
    Ok(store.case_stays(case).await?)
}

/// Everyone else whose stay overlapped one of the case's stays at the same venue, with
/// the shared time.
pub(crate) async fn contacts<S: Storage>(
    store: &S,
    case: &CaseRow,
) -> Result<Vec<ContactRow>, CaseError> {
    Ok(store.trace(case).await?)
}

/// Signs and stores the exposure windows of a case's stays (idempotent: one window per
/// stay); returns the windows new now.
pub(crate) async fn publish<S: Storage>(
    store: &S,
    authority: &AuthorityKey,
    case: &CaseRow,
) -> Result<Vec<WindowRow>, CaseError> {
    let stays = store.case_stays(case).await?;
    let key_id = authority.key_id();
    let now = Utc::now().timestamp_millis();
    let mut windows = Vec::new();
    for s in stays {
        let venue_id = s.venue_id;
        let wid = random_id()?;
        let (from, until) = (from_millis(s.from_ms), from_millis(s.until_ms));
        let sig = authority.sign(&ExposureWindow::signing_input(
            &wid, &venue_id, &from, &until, CASE_LEVEL, &key_id,
        ));
        windows.push(WindowRow {
            seq: 0,
            id: wid,
            case_id: case.id,
            checkin_id: s.id,
            venue_id,
            from_ms: s.from_ms,
            until_ms: s.until_ms,
            level: CASE_LEVEL,
            key_id: key_id.clone(),
            signature: sig,
            published_ms: now,
        });
    }
    Ok(store.insert_windows(windows).await?)
}

/// Cases, newest first, each with when its windows were first published.
pub(crate) async fn newest<S: Storage>(
    store: &S,
) -> Result<Vec<(CaseRow, Option<i64>)>, CaseError> {
    Ok(store.case_rows().await?)
}

/// Published windows (of one case, or all), newest first, with the venue's registry name
/// and status.
pub(crate) async fn published<S: Storage>(
    store: &S,
    case_id: Option<Id128>,
) -> Result<Vec<(WindowRow, String, VenueStatus)>, CaseError> {
    Ok(store.published_windows(case_id).await?)
}

/// A case with when its windows were first published.
pub(crate) async fn with_first_publication<S: Storage>(
    store: &S,
    id: Id128,
) -> Result<(CaseRow, Option<i64>), CaseError> {
    let case = find(store, id).await?;
    let first = published(store, Some(id))
        .await?
        .iter()
        .map(|(w, _, _)| w.published_ms)
        .min();
    Ok((case, first))
}
