//! Cases and tracing: a case's own stays inside its period (its device's check-ins, and the
//! visits staff recorded from the personal codes that device made), and everyone else whose
//! stay overlapped one of them at the same venue, visitors staff recorded included ([`crate::storage::overlap`] for both). Venue
//! names and their status come from the registry, never from what a device put in its
//! check-in (`VENUE` below).

use std::sync::LazyLock;

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, ReadRow, Row, first, id, opt_id};
use crate::storage::error::StorageError;
use crate::storage::overlap::{LONGEST_STAY_MS, Span, overlaps, shared_from, shared_until};
use crate::storage::rows::{CaseCard, CaseRow, ContactRow, RecordedBy, StayRow, VenueStatus};

/// A check-in's venue (table alias `v`, left-joined on the check-in's venue id) as the
/// registry knows it: its name ('' when unknown) and its status (0 unknown, 1 registered,
/// 2 revoked; [`VenueStatus::from_code`]).
macro_rules! registry_venue {
    () => {
        "coalesce(v.name, ''), CASE WHEN v.id IS NULL THEN 0 WHEN v.revoked_at IS NULL THEN 1 ELSE 2 END"
    };
}
pub(crate) use registry_venue;

/// Marks a case once: the same id again (a replayed request) stores nothing.
const CREATE: &str = "INSERT INTO cases (id, device_id, person_id, from_ms, until_ms, created_at,
                       card_link, card_kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING";
const BY_ID: &str = "SELECT c.id, c.device_id, c.person_id, c.from_ms, c.until_ms, c.created_at,
            c.card_link, c.card_kind
     FROM cases c WHERE c.id = $1";
const NEWEST: &str = "SELECT c.id, c.device_id, c.person_id, c.from_ms, c.until_ms, c.created_at,
            c.card_link, c.card_kind,
            (SELECT min(w.published_at) FROM exposure_windows w WHERE w.case_id = c.id)
     FROM cases c ORDER BY c.created_at DESC LIMIT 500";

/// The case's period: parameters `$3` (from) and `$4` (until).
const PERIOD: Span<'static> = Span {
    from: "$3",
    until: "$4",
};

/// Whether the stay aliased `a` is the case subject's (`$1` device, `$2` person or NULL
/// for everyone on it; `$5` a card link or NULL): the device's own check-ins (of that
/// person), a visit staff recorded from a personal code the device made (for that
/// person's declaration), or a visit staff recorded from the card. NULL when unknown; a
/// `WHERE` reads that as no, a `NOT` must coalesce it.
fn is_subject(a: &str) -> String {
    format!(
        "(({a}.device_id = $1 AND {a}.recorded_by = 0 AND ($2 IS NULL OR {a}.person_id = $2))
          OR ({a}.code_device_key = (SELECT dv.public_key FROM devices dv WHERE dv.id = $1)
              AND ($2 IS NULL OR {a}.code_declaration_id IN
                   (SELECT dp.id FROM declared_people dp
                    WHERE dp.device_id = $1 AND dp.person_id = $2)))
          OR {a}.card_link = $5)"
    )
}

/// The case's own stays at known venues inside its period, the ones staff recorded from
/// the subject's personal codes included. Parameters: `$1` device, `$2` person (NULL:
/// every person on the device), the period, `$6` the earliest start a stay overlapping
/// the period can have ([`bounds`]).
static STAYS: LazyLock<String> = LazyLock::new(|| {
    let stay = Span {
        from: "k.from_ms",
        until: "k.until_ms",
    };
    format!(
        "SELECT k.id, k.person_id, k.venue_id, {}, k.from_ms, k.until_ms, k.recorded_by
         FROM checkins k LEFT JOIN venues v ON v.id = k.venue_id
         WHERE {} AND k.venue_id IS NOT NULL AND {} AND k.from_ms > $6
         ORDER BY k.from_ms",
        registry_venue!(),
        is_subject("k"),
        overlaps(stay, PERIOD)
    )
});

/// Everyone else whose stay overlapped one of the case's stays (`k`) at the same venue,
/// clipped to the shared time: people with phones and visitors staff recorded alike.
/// Parameters as [`STAYS`], and `$7`..`$8`, the starts a contact's stay can have
/// ([`bounds`]).
static TRACE: LazyLock<String> = LazyLock::new(|| {
    let (case, other) = (
        Span {
            from: "k.from_ms",
            until: "k.until_ms",
        },
        Span {
            from: "c.from_ms",
            until: "c.until_ms",
        },
    );
    format!(
        "SELECT c.device_id, c.person_id, c.person_name, c.venue_id, {},
                {} AS o_from, {} AS o_until, c.recorded_by, c.birth_year, c.id, c.sealed_card,
                CASE WHEN c.recorded_by <> 0 AND EXISTS (SELECT 1 FROM venue_staff s
                     WHERE s.venue_id = c.venue_id AND s.device_id = c.device_id) THEN 1 ELSE 0 END
         FROM checkins k
         JOIN checkins c ON c.venue_id = k.venue_id AND {}
         LEFT JOIN venues v ON v.id = c.venue_id
         WHERE {} AND k.venue_id IS NOT NULL AND {} AND k.from_ms > $6
           AND c.from_ms > $7 AND c.from_ms < $8
           AND NOT coalesce({}, FALSE)
         ORDER BY o_from, c.person_id",
        registry_venue!(),
        shared_from(other, case),
        shared_until(other, case),
        overlaps(other, case),
        is_subject("k"),
        overlaps(case, PERIOD),
        is_subject("c"),
    )
});

#[cfg(test)]
pub(super) fn statements() -> Vec<String> {
    vec![
        CREATE.into(),
        BY_ID.into(),
        NEWEST.into(),
        STAYS.clone(),
        TRACE.clone(),
    ]
}

/// Bounds on the starts of the stays tracing reads, from the period `[from, until)` and
/// the longest stay ingest stores ([`LONGEST_STAY_MS`], `M`): a stay that overlaps the
/// period starts after `from − M` (`$6`); one that overlaps such a stay starts after
/// `from − 2M` (`$7`) and before `until + M` (`$8`). They change no answer; they let
/// PostgreSQL read only the day partitions of the period (a stay's start is its row's
/// partition key, migration 15).
fn bounds(case: &CaseRow) -> [Arg; 3] {
    let m = LONGEST_STAY_MS;
    [
        Arg::Int(case.from_ms.saturating_sub(m)),
        Arg::Int(case.from_ms.saturating_sub(m.saturating_mul(2))),
        Arg::Int(case.until_ms.saturating_add(m)),
    ]
}

/// [`STAYS`]' parameters (`$1`..`$6`).
fn subject(case: &CaseRow) -> Vec<Arg> {
    let [own, ..] = bounds(case);
    vec![
        Arg::id(&case.device_id),
        Arg::opt_id(case.person_id.as_ref()),
        Arg::Int(case.from_ms),
        Arg::Int(case.until_ms),
        Arg::OptBytes(case.card.map(|c| c.link.to_vec())),
        own,
    ]
}

/// [`TRACE`]'s parameters (`$1`..`$8`).
fn contacts_of(case: &CaseRow) -> Vec<Arg> {
    let [_, earliest, latest] = bounds(case);
    let mut args = subject(case);
    args.extend([earliest, latest]);
    args
}

/// The tracing statements of a case with their parameters, for tools that look at their
/// plans (`EXPLAIN`): the case's own stays, then the contacts.
pub(crate) fn tracing_queries(case: &CaseRow) -> [(String, Vec<Arg>); 2] {
    [
        (STAYS.clone(), subject(case)),
        (TRACE.clone(), contacts_of(case)),
    ]
}

/// A case row from `c.id` .. `c.card_kind` (columns 0..=7).
fn case_row(r: &dyn Row) -> Result<CaseRow, StorageError> {
    let card = match (r.opt_bytes(6)?, r.opt_int(7)?) {
        (Some(link), Some(kind)) => Some(CaseCard {
            link: <[u8; 32]>::try_from(link)
                .map_err(|_| StorageError::Corrupt("a case's card link is not 32 bytes".into()))?,
            kind: u8::try_from(kind)
                .map_err(|_| StorageError::Corrupt("a case's card kind is out of range".into()))?,
        }),
        _ => None,
    };
    Ok(CaseRow {
        id: id(r, 0)?,
        device_id: id(r, 1)?,
        person_id: opt_id(r, 2)?,
        from_ms: r.int(3)?,
        until_ms: r.int(4)?,
        created_ms: r.int(5)?,
        card,
    })
}

/// Stores a case; `false` when a case with its id was stored before (a replay).
pub(crate) async fn create<E: Engine>(db: &E, case: CaseRow) -> Result<bool, StorageError> {
    let n = db
        .execute(Query::new(
            CREATE,
            vec![
                Arg::id(&case.id),
                Arg::id(&case.device_id),
                Arg::opt_id(case.person_id.as_ref()),
                Arg::Int(case.from_ms),
                Arg::Int(case.until_ms),
                Arg::Int(case.created_ms),
                Arg::OptBytes(case.card.map(|c| c.link.to_vec())),
                Arg::OptInt(case.card.map(|c| i64::from(c.kind))),
            ],
        ))
        .await?;
    Ok(n == 1)
}

pub(crate) async fn case<E: Engine>(
    db: &E,
    case_id: Id128,
) -> Result<Option<CaseRow>, StorageError> {
    let rows = db
        .rows(Query::new(BY_ID, vec![Arg::id(&case_id)]), case_row)
        .await?;
    Ok(first(rows))
}

/// Cases, newest first (500 at most), each with when its windows were first published.
pub(crate) async fn newest<E: Engine>(db: &E) -> Result<Vec<(CaseRow, Option<i64>)>, StorageError> {
    let read: ReadRow<(CaseRow, Option<i64>)> = |r| Ok((case_row(r)?, r.opt_int(8)?));
    db.rows(Query::new(NEWEST, Vec::new()), read).await
}

fn stay(r: &dyn Row) -> Result<StayRow, StorageError> {
    Ok(StayRow {
        id: id(r, 0)?,
        person_id: id(r, 1)?,
        venue_id: id(r, 2)?,
        venue_name: r.text(3)?,
        venue_status: VenueStatus::from_code(r.int(4)?),
        from_ms: r.int(5)?,
        until_ms: r.int(6)?,
        recorded_by: RecordedBy::from_code(r.int(7)?),
    })
}

pub(crate) async fn stays<E: Engine>(db: &E, case: &CaseRow) -> Result<Vec<StayRow>, StorageError> {
    db.rows(Query::new(STAYS.as_str(), subject(case)), stay)
        .await
}

fn contact(r: &dyn Row) -> Result<ContactRow, StorageError> {
    Ok(ContactRow {
        device_id: id(r, 0)?,
        person_id: id(r, 1)?,
        person_name: r.text(2)?,
        venue_id: id(r, 3)?,
        venue_name: r.text(4)?,
        venue_status: VenueStatus::from_code(r.int(5)?),
        overlap_from_ms: r.int(6)?,
        overlap_until_ms: r.int(7)?,
        recorded_by: RecordedBy::from_code(r.int(8)?),
        birth_year: r.opt_int(9)?.and_then(|y| u16::try_from(y).ok()),
        checkin_id: id(r, 10)?,
        sealed_card: r.opt_bytes(11)?.map(<[u8]>::to_vec),
        enrolled_staff: r.int(12)? != 0,
    })
}

pub(crate) async fn trace<E: Engine>(
    db: &E,
    case: &CaseRow,
) -> Result<Vec<ContactRow>, StorageError> {
    db.rows(Query::new(TRACE.as_str(), contacts_of(case)), contact)
        .await
}
