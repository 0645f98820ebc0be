//! The venue registry: registering, reading, searching and revoking venues, and the ids
//! phones must distrust.

use vaora_protocol::ids::Id128;

use crate::storage::engine::{Arg, Engine, Query, Row, code, count, first, id, key_from};
use crate::storage::error::StorageError;
use crate::storage::rows::{VenueQuery, VenueRow};

/// A venue's columns in [`venue`] order (table alias `v`); a macro so that statements stay
/// `&'static str`.
macro_rules! venue_columns {
    () => {
        "v.id, v.name, v.category, v.ward, v.address, v.code_text, v.registered_at, v.revoked_at,
         coalesce(v.contact, ''), v.manage_hash"
    };
}

/// [`venue_columns`] without the code text, which lists never show (~200 bytes per venue,
/// 20 MB at 100,000 venues).
macro_rules! list_columns {
    () => {
        "v.id, v.name, v.category, v.ward, v.address, '' AS code_text, v.registered_at, v.revoked_at,
         coalesce(v.contact, ''), v.manage_hash"
    };
}
pub(crate) use list_columns;

/// How many columns [`venue_columns`] and [`list_columns`] are (what follows them in a
/// row starts here).
pub(crate) const VENUE_COLUMNS: usize = 10;

/// Parameters `$1..=$9` as [`insert_args`] binds them (`$8` the contact, '' for none;
/// `$9` the management hash); a venue whose id is registered already (a replayed
/// registration) is left as it is. PostgreSQL runs it inside the statement that also
/// writes the venue's rollup row.
pub(crate) const INSERT: &str =
    "INSERT INTO venues (id, name, category, ward, address, code_text, registered_at,
                         contact, manage_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), $9) ON CONFLICT (id) DO NOTHING";

/// Venues (revoked ones too) registered with contact `$1`.
const BY_CONTACT: &str = "SELECT count(*) FROM venues WHERE contact = $1";

/// Marks venue `$1` revoked at `$2` (once); returns a row when the venue exists.
/// PostgreSQL runs it inside the statement that also drops the venue's rollup row.
pub(crate) const REVOKE: &str =
    "UPDATE venues SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING id";

const BY_ID: &str = concat!(
    "SELECT ",
    venue_columns!(),
    " FROM venues v WHERE v.id = $1"
);
const BY_IDS: &str = concat!(
    "SELECT ",
    list_columns!(),
    " FROM venues v WHERE v.id = ANY($1)"
);
/// `$1` the text as typed ('' = any), `$2` it as a `LIKE` pattern, `$3` category (NULL =
/// any), `$4` ward ('' = any), `$5` include revoked venues, `$6` the most rows, `$7` who
/// registered them (0 anyone, 1 the authority, 2 the owner).
const SEARCH: &str = concat!(
    "SELECT ",
    venue_columns!(),
    " FROM venues v
     WHERE ($1 = '' OR v.name ILIKE $2 ESCAPE '\\' OR v.address ILIKE $2 ESCAPE '\\')
       AND ($3 IS NULL OR v.category = $3)
       AND ($4 = '' OR v.ward = $4)
       AND ($5 OR v.revoked_at IS NULL)
       AND ($7 = 0 OR ($7 = 2) = (v.manage_hash IS NOT NULL))
     ORDER BY v.registered_at DESC, v.name LIMIT $6"
);
const REVOKED_IDS: &str = "SELECT id FROM venues WHERE revoked_at IS NOT NULL ORDER BY id";

#[cfg(test)]
pub(super) fn statements() -> Vec<String> {
    [
        INSERT,
        BY_CONTACT,
        REVOKE,
        BY_ID,
        BY_IDS,
        SEARCH,
        REVOKED_IDS,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A venue from columns `0..VENUE_COLUMNS` in [`venue_columns`] order.
pub(crate) fn venue(r: &dyn Row) -> Result<VenueRow, StorageError> {
    Ok(VenueRow {
        id: id(r, 0)?,
        name: r.text(1)?,
        category: code(r, 2, "category")?,
        ward: r.text(3)?,
        address: r.text(4)?,
        code_text: r.text(5)?,
        registered_ms: r.int(6)?,
        revoked: r.opt_int(7)?.is_some(),
        contact: r.text(8)?,
        manage_hash: r.opt_bytes(9)?.map(key_from).transpose()?,
    })
}

/// The parameters of [`INSERT`].
pub(crate) fn insert_args(v: &VenueRow) -> Vec<Arg> {
    vec![
        Arg::id(&v.id),
        Arg::Text(v.name.clone()),
        Arg::Int(i64::from(v.category)),
        Arg::Text(v.ward.clone()),
        Arg::Text(v.address.clone()),
        Arg::Text(v.code_text.clone()),
        Arg::Int(v.registered_ms),
        Arg::Text(v.contact.clone()),
        Arg::OptBytes(v.manage_hash.map(|h| h.to_vec())),
    ]
}

/// How many venues were registered with this (normalised) contact phone.
pub(crate) async fn count_by_contact<E: Engine>(
    db: &E,
    contact: &str,
) -> Result<u64, StorageError> {
    let counts = db
        .rows(
            Query::new(BY_CONTACT, vec![Arg::Text(contact.to_owned())]),
            |r| count(r, 0),
        )
        .await?;
    Ok(first(counts).unwrap_or(0))
}

pub(crate) async fn by_id<E: Engine>(
    db: &E,
    venue_id: Id128,
) -> Result<Option<VenueRow>, StorageError> {
    Ok(first(
        db.rows(Query::new(BY_ID, vec![Arg::id(&venue_id)]), venue)
            .await?,
    ))
}

/// The venues with these ids (any order; unknown ids are left out), without code text.
pub(crate) async fn by_ids<E: Engine>(
    db: &E,
    ids: &[Id128],
) -> Result<Vec<VenueRow>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(|i| i.as_bytes().to_vec()).collect();
    db.rows(Query::new(BY_IDS, vec![Arg::BytesList(list)]), venue)
        .await
}

pub(crate) async fn search<E: Engine>(
    db: &E,
    q: VenueQuery,
) -> Result<Vec<VenueRow>, StorageError> {
    let pattern = format!(
        "%{}%",
        q.text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let args = vec![
        Arg::Text(q.text),
        Arg::Text(pattern),
        Arg::OptInt(q.category.map(i64::from)),
        Arg::Text(q.ward),
        Arg::Bool(q.include_revoked),
        Arg::Int(i64::from(q.limit)),
        Arg::Int(match q.self_registered {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        }),
    ];
    db.rows(Query::new(SEARCH, args), venue).await
}

pub(crate) async fn revoked_ids<E: Engine>(db: &E) -> Result<Vec<Id128>, StorageError> {
    db.rows(Query::new(REVOKED_IDS, Vec::new()), |r| id(r, 0))
        .await
}
