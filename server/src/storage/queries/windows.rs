//! Exposure windows: storing a case's signed windows once each, the download feed phones
//! page through by `seq`, and the published list the console shows.

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, Row, code, id, sig_from};
use crate::storage::error::StorageError;
use crate::storage::queries::cases::registry_venue;
use crate::storage::rows::{VenueStatus, WindowRow};

/// One per (case, check-in): a window stored before is left as it is and not returned.
const INSERT: &str = "INSERT INTO exposure_windows
         (id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, signature, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING seq";
const SINCE: &str =
    "SELECT w.seq, w.id, w.case_id, w.checkin_id, w.venue_id, w.from_ms, w.until_ms,
            w.level, w.key_id, w.signature, w.published_at
     FROM exposure_windows w WHERE w.seq > $1 ORDER BY w.seq LIMIT $2";
/// With the venue as the registry knows it (never a name a device put in a check-in).
const PUBLISHED: &str = concat!(
    "SELECT w.seq, w.id, w.case_id, w.checkin_id, w.venue_id, w.from_ms, w.until_ms,
            w.level, w.key_id, w.signature, w.published_at, ",
    registry_venue!(),
    " FROM exposure_windows w LEFT JOIN venues v ON v.id = w.venue_id
     WHERE ($1 IS NULL OR w.case_id = $1)
     ORDER BY w.seq DESC LIMIT 1000"
);

#[cfg(test)]
pub(super) fn statements() -> [&'static str; 3] {
    [INSERT, SINCE, PUBLISHED]
}

fn window(r: &dyn Row) -> Result<WindowRow, StorageError> {
    Ok(WindowRow {
        seq: r.int(0)?,
        id: id(r, 1)?,
        case_id: id(r, 2)?,
        checkin_id: id(r, 3)?,
        venue_id: id(r, 4)?,
        from_ms: r.int(5)?,
        until_ms: r.int(6)?,
        level: code(r, 7, "level")?,
        key_id: r.text(8)?,
        signature: sig_from(r.bytes(9)?)?,
        published_ms: r.int(10)?,
    })
}

/// Stores windows in one transaction, after the statements of `first` (PostgreSQL's
/// publication lock); returns only the windows new now, with their `seq`.
pub(crate) async fn insert<E: Engine>(
    db: &E,
    windows: Vec<WindowRow>,
    first: Vec<Query>,
) -> Result<Vec<WindowRow>, StorageError> {
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let skip = first.len();
    let inserts: Vec<Query> = windows
        .iter()
        .map(|w| {
            let args = vec![
                Arg::id(&w.id),
                Arg::id(&w.case_id),
                Arg::id(&w.checkin_id),
                Arg::id(&w.venue_id),
                Arg::Int(w.from_ms),
                Arg::Int(w.until_ms),
                Arg::Int(i64::from(w.level)),
                Arg::Text(w.key_id.clone()),
                Arg::Bytes(w.signature.to_vec()),
                Arg::Int(w.published_ms),
            ];
            Query::new(INSERT, args)
        })
        .collect();
    let seqs = db
        .batch(first.into_iter().chain(inserts).collect(), |r| r.int(0))
        .await?;
    Ok(windows
        .into_iter()
        .zip(seqs.into_iter().skip(skip))
        .filter_map(|(w, seq)| {
            Some(WindowRow {
                seq: *seq.first()?,
                ..w
            })
        })
        .collect())
}

pub(crate) async fn since<E: Engine>(
    db: &E,
    cursor: i64,
    limit: i64,
) -> Result<Vec<WindowRow>, StorageError> {
    db.rows(
        Query::new(SINCE, vec![Arg::Int(cursor), Arg::Int(limit)]),
        window,
    )
    .await
}

/// Published windows (of one case, or all), newest first, with the venue's registry name
/// and status.
pub(crate) async fn published<E: Engine>(
    db: &E,
    case_id: Option<Id128>,
) -> Result<Vec<(WindowRow, String, VenueStatus)>, StorageError> {
    db.rows(
        Query::new(PUBLISHED, vec![Arg::opt_id(case_id.as_ref())]),
        |r| Ok((window(r)?, r.text(11)?, VenueStatus::from_code(r.int(12)?))),
    )
    .await
}
