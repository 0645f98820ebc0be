//! The console's tables on PostgreSQL: the venue registry (trigram index for search) and
//! the daily scan aggregates that ingest maintains (see `insert_checkins`).

use std::collections::HashMap;

use sqlx::Row;
use sqlx::postgres::PgRow;
use vaora_protocol::ids::Id128;

use vaora_console::compliance::{self, FEW_SHARE, MIN_PEER_MEDIAN};

use super::{ConsoleStore, InspectionRows, OverviewCounts, VenueQuery, VenueRow};
use super::{inspection, rollup};
use crate::postgres::{PgStore, v, window_from};
use crate::storage::{CaseRow, StorageError, WindowRow, id_from};

/// Migration 2: venue registry and daily scan aggregates (backfilled from `checkins`).
pub const MIGRATION_2: &str = concat!(
    "
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE venues (
    id            BYTEA PRIMARY KEY,
    name          TEXT NOT NULL,
    category      SMALLINT NOT NULL,
    ward          TEXT NOT NULL,
    address       TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX venues_active_ward ON venues (ward, category) WHERE revoked_at IS NULL;
CREATE INDEX venues_name_trgm ON venues USING gin (name gin_trgm_ops);
CREATE INDEX venues_address_trgm ON venues USING gin (address gin_trgm_ops);
CREATE TABLE venue_day_scans (
    venue_id BYTEA NOT NULL,
    day      BIGINT NOT NULL,
    scans    BIGINT NOT NULL,
    PRIMARY KEY (day, venue_id)
);
CREATE INDEX venue_day_scans_venue ON venue_day_scans (venue_id, day) INCLUDE (scans);
CREATE TABLE day_scans (
    day   BIGINT PRIMARY KEY,
    scans BIGINT NOT NULL
);
CREATE INDEX exposure_windows_case ON exposure_windows (case_id);
",
    aggregate_backfill!()
);

/// The statements that fill the daily aggregates from `checkins` (kept as a macro so the
/// migration and [`AGGREGATE_BACKFILL`] are one text).
macro_rules! aggregate_backfill {
    () => {
        "
INSERT INTO venue_day_scans (venue_id, day, scans)
    SELECT venue_id, floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins
    WHERE venue_id IS NOT NULL GROUP BY 1, 2;
INSERT INTO day_scans (day, scans)
    SELECT floor(from_ms::numeric / 86400000)::bigint, count(*) FROM checkins GROUP BY 1;
"
    };
}
use aggregate_backfill;

/// Fills empty aggregate tables from `checkins`, exactly as migration 2 does (for bulk
/// loads that bypass ingest, e.g. the console bench).
pub const AGGREGATE_BACKFILL: &str = aggregate_backfill!();

/// Migration 3: the per-venue rolling rollup (see [`super::rollup`]); built on first use.
pub const MIGRATION_3: &str = "
CREATE TABLE venue_recent_scans (venue_id BYTEA PRIMARY KEY,
    d0 BIGINT NOT NULL DEFAULT 0, d1 BIGINT NOT NULL DEFAULT 0, d2 BIGINT NOT NULL DEFAULT 0, d3 BIGINT NOT NULL DEFAULT 0, d4 BIGINT NOT NULL DEFAULT 0, d5 BIGINT NOT NULL DEFAULT 0, d6 BIGINT NOT NULL DEFAULT 0, d7 BIGINT NOT NULL DEFAULT 0, d8 BIGINT NOT NULL DEFAULT 0, d9 BIGINT NOT NULL DEFAULT 0, d10 BIGINT NOT NULL DEFAULT 0, d11 BIGINT NOT NULL DEFAULT 0, d12 BIGINT NOT NULL DEFAULT 0, d13 BIGINT NOT NULL DEFAULT 0, d14 BIGINT NOT NULL DEFAULT 0, d15 BIGINT NOT NULL DEFAULT 0, d16 BIGINT NOT NULL DEFAULT 0, d17 BIGINT NOT NULL DEFAULT 0, d18 BIGINT NOT NULL DEFAULT 0, d19 BIGINT NOT NULL DEFAULT 0, d20 BIGINT NOT NULL DEFAULT 0 );
CREATE TABLE scan_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), day BIGINT NOT NULL);
INSERT INTO scan_rollup (id, day) VALUES (1, -1);
";

/// Migration 4: the rollup rows carry their venue's peer group (`ward`, `category`) and
/// exist for active venues only (see [`super::rollup`]), so the compliance page reads one
/// narrow table without joining 100,000 venues. The table is recreated empty on day −1:
/// the keeper rebuilds it at the next start (requests sum the daily aggregates until then).
pub const MIGRATION_4: &str = "
DROP TABLE venue_recent_scans;
CREATE TABLE venue_recent_scans (
    venue_id BYTEA PRIMARY KEY,
    ward     TEXT NOT NULL,
    category SMALLINT NOT NULL,
    d0 BIGINT NOT NULL DEFAULT 0,
    d1 BIGINT NOT NULL DEFAULT 0,
    d2 BIGINT NOT NULL DEFAULT 0,
    d3 BIGINT NOT NULL DEFAULT 0,
    d4 BIGINT NOT NULL DEFAULT 0,
    d5 BIGINT NOT NULL DEFAULT 0,
    d6 BIGINT NOT NULL DEFAULT 0,
    d7 BIGINT NOT NULL DEFAULT 0,
    d8 BIGINT NOT NULL DEFAULT 0,
    d9 BIGINT NOT NULL DEFAULT 0,
    d10 BIGINT NOT NULL DEFAULT 0,
    d11 BIGINT NOT NULL DEFAULT 0,
    d12 BIGINT NOT NULL DEFAULT 0,
    d13 BIGINT NOT NULL DEFAULT 0,
    d14 BIGINT NOT NULL DEFAULT 0,
    d15 BIGINT NOT NULL DEFAULT 0,
    d16 BIGINT NOT NULL DEFAULT 0,
    d17 BIGINT NOT NULL DEFAULT 0,
    d18 BIGINT NOT NULL DEFAULT 0,
    d19 BIGINT NOT NULL DEFAULT 0,
    d20 BIGINT NOT NULL DEFAULT 0
) WITH (fillfactor = 90);
CREATE INDEX venue_recent_scans_group ON venue_recent_scans (ward, category);
UPDATE scan_rollup SET day = -1 WHERE id = 1;
";

/// The venue columns in `venue_from` order (a macro so queries stay static strings).
macro_rules! venue_columns {
    () => {
        "v.id, v.name, v.category, v.ward, v.address, v.code_text, v.registered_at, v.revoked_at"
    };
}

fn venue_from(r: &PgRow) -> Result<VenueRow, StorageError> {
    let category: i16 = r.try_get(2)?;
    let revoked: Option<i64> = r.try_get(7)?;
    Ok(VenueRow {
        id: id_from(&r.try_get::<Vec<u8>, _>(0)?)?,
        name: r.try_get(1)?,
        category: u8::try_from(category).map_err(|_| StorageError::Corrupt("category".into()))?,
        ward: r.try_get(3)?,
        address: r.try_get(4)?,
        code_text: r.try_get(5)?,
        registered_ms: r.try_get(6)?,
        revoked: revoked.is_some(),
    })
}

/// The venue columns of the lists (no code text), in `venue_from` order.
const LIST_COLUMNS: &str =
    "v.id, v.name, v.category, v.ward, v.address, '' AS code_text, v.registered_at, v.revoked_at";

/// Re-bases the rollup on `day` when it is older (`force`: always); `true` when it did.
///
/// Concurrency: the state row is locked first (one re-base at a time, re-checked under
/// the lock), then `TRUNCATE` takes the rollup table exclusively, which waits for ingest
/// transactions that already wrote to it and holds new ones back until commit. The fill
/// statement's snapshot is taken after that, so it sees every committed daily row, and
/// ingest statements that waited read the new `scan_rollup.day` (their snapshot is taken
/// after their locks), so no scan is counted twice or lost.
async fn rebase(pool: &sqlx::PgPool, day: i64, force: bool) -> Result<bool, StorageError> {
    if rollup_day(pool).await? >= day && !force {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    let current: i64 = sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *tx)
        .await?;
    if current >= day && !force {
        return Ok(false);
    }
    let shift = day - current;
    let shifting = !force && current >= 0 && shift < rollup::ROLLUP_DAYS;
    let refill = if shifting {
        // The daily case: move the columns instead of re-reading three weeks of daily
        // aggregates (seconds instead of 10–25 s with ingest held). Writers (ingest,
        // registration, revocation) wait from here to commit; readers go on until the
        // TRUNCATE, so the copy is taken from a rollup nobody changes.
        sqlx::query("LOCK TABLE venue_recent_scans IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(rollup::pg_shift(day, shift)))
            .execute(&mut *tx)
            .await?;
        rollup::PG_SHIFT_BACK.as_str()
    } else {
        rollup::PG_FILL.as_str()
    };
    sqlx::query("TRUNCATE venue_recent_scans")
        .execute(&mut *tx)
        .await?;
    // Before the refill: `PG_FILL` reads the new day from `scan_rollup`.
    sqlx::query("UPDATE scan_rollup SET day = $1 WHERE id = 1")
        .bind(day)
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(refill))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if shifting {
        log::info!("scan rollup moved {shift} day(s) to day {day}");
    } else {
        log::info!("scan rollup re-based on day {day}");
    }
    Ok(true)
}

/// The day the rollup is on (−1 before its first build).
async fn rollup_day(pool: &sqlx::PgPool) -> Result<i64, StorageError> {
    Ok(
        sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

/// A transaction for reading the rollup, when it covers `from_day..=to_day`; `None` means
/// "sum the daily aggregates instead".
///
/// It holds the rollup table in `ACCESS SHARE` mode before reading the day, so no re-base
/// (whose `TRUNCATE` needs the table exclusively) can slip between reading the day and
/// reading the counts: both belong to the same rollup. The lock is taken with `NOWAIT`: while
/// a re-base runs (seconds, once a day) requests use the daily aggregates instead of waiting.
async fn rollup_reader(
    pool: &sqlx::PgPool,
    from_day: i64,
    to_day: i64,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, StorageError> {
    let mut tx = pool.begin().await?;
    if let Err(e) = sqlx::query("LOCK TABLE venue_recent_scans IN ACCESS SHARE MODE NOWAIT")
        .execute(&mut *tx)
        .await
    {
        // 55P03 lock_not_available: a re-base holds the table.
        if e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "55P03")
        {
            log::debug!("scan rollup busy (re-base): summing the daily aggregates");
            return Ok(None);
        }
        return Err(e.into());
    }
    let day: i64 = sqlx::query_scalar("SELECT day FROM scan_rollup WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    Ok(rollup::covers(day, from_day, to_day).then_some(tx))
}

/// The inspection list over the rollup (the caller's transaction holds it, see
/// [`rollup_reader`]): one narrow read of every matching active venue's
/// `(id, ward, category, scans)` from `venue_recent_scans` (no join, no sort in SQL), the
/// console's own rule applied here ([`compliance::flag_peer_groups`], what
/// [`compliance::inspect`] uses too), then names and addresses of the flagged venues only,
/// by id.
async fn inspect_rollup(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    days: i64,
    ward: &str,
    category: Option<u8>,
) -> Result<InspectionRows, StorageError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(rollup::pg_counts(days)))
        .bind(ward)
        .bind(category.map(i16::from))
        .fetch_all(&mut **tx)
        .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut counts = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, ward, category): (&[u8], &str, i16) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        ids.push(id);
        counts.push(((ward, category), count(r.try_get(3)?)));
    }
    let flagged: HashMap<&[u8], (u64, f64)> = ids
        .iter()
        .zip(&counts)
        .zip(compliance::flag_peer_groups(&counts))
        .filter_map(|((id, (_, scans)), flag)| flag.map(|(median, _)| (*id, (*scans, median))))
        .collect();
    let ids: Vec<&[u8]> = flagged.keys().copied().collect();
    let venues = sqlx::query(
        "SELECT id, name, category, ward, address, registered_at FROM venues
         WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = InspectionRows {
        checked: u64::try_from(counts.len()).unwrap_or(u64::MAX),
        flagged: Vec::with_capacity(venues.len()),
    };
    for r in &venues {
        let id: &[u8] = r.try_get(0)?;
        let Some(&(scans, median)) = flagged.get(id) else {
            continue;
        };
        out.flagged.push((flagged_venue(r, 0, id)?, scans, median));
    }
    if out.flagged.len() != flagged.len() {
        return Err(StorageError::Corrupt(
            "a flagged rollup row has no venue".into(),
        ));
    }
    Ok(out)
}

/// A flagged (so active) venue from a row holding `id, name, category, ward, address,
/// registered_at` from column `first` on; `id` is that first column, already read.
fn flagged_venue(r: &PgRow, first: usize, id: &[u8]) -> Result<VenueRow, StorageError> {
    let category: i16 = r.try_get(first + 2)?;
    Ok(VenueRow {
        id: id_from(id)?,
        name: r.try_get(first + 1)?,
        category: u8::try_from(category).map_err(|_| StorageError::Corrupt("category".into()))?,
        ward: r.try_get(first + 3)?,
        address: r.try_get(first + 4)?,
        code_text: String::new(),
        registered_ms: r.try_get(first + 5)?,
        revoked: false,
    })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl ConsoleStore for PgStore {
    async fn insert_venue(&self, venue: VenueRow) -> Result<(), StorageError> {
        // The venue and its rollup row in one statement (see `rollup::PG_REGISTER`).
        sqlx::query(sqlx::AssertSqlSafe(rollup::PG_REGISTER.as_str()))
            .bind(v(&venue.id))
            .bind(&venue.name)
            .bind(i16::from(venue.category))
            .bind(&venue.ward)
            .bind(&venue.address)
            .bind(&venue.code_text)
            .bind(venue.registered_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn venue_row(&self, id: Id128) -> Result<Option<VenueRow>, StorageError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            venue_columns!(),
            " FROM venues v WHERE v.id = $1"
        ))
        .bind(v(&id))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(venue_from).transpose()
    }

    async fn search_venue_rows(&self, q: VenueQuery) -> Result<Vec<VenueRow>, StorageError> {
        let pattern = format!(
            "%{}%",
            q.text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(concat!(
            "SELECT ",
            venue_columns!(),
            " FROM venues v
             WHERE ($1 = '' OR v.name ILIKE $2 OR v.address ILIKE $2)
               AND ($3::smallint IS NULL OR v.category = $3)
               AND ($4 = '' OR v.ward = $4)
               AND ($5 OR v.revoked_at IS NULL)
             ORDER BY v.registered_at DESC, v.name LIMIT $6"
        ))
        .bind(&q.text)
        .bind(pattern)
        .bind(q.category.map(i16::from))
        .bind(&q.ward)
        .bind(q.include_revoked)
        .bind(i64::from(q.limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(venue_from).collect()
    }

    async fn revoke_venue_row(&self, id: Id128, now_ms: i64) -> Result<bool, StorageError> {
        let row = sqlx::query(rollup::PG_REVOKE)
            .bind(v(&id))
            .bind(now_ms)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    async fn overview_counts(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<OverviewCounts, StorageError> {
        let pool = self.pool();
        // Five independent small queries: run them at once on separate connections.
        let (cats, wards, days, devices, open_cases) = tokio::try_join!(
            sqlx::query(
                "SELECT category, count(*) FROM venues WHERE revoked_at IS NULL
                 GROUP BY category ORDER BY category",
            )
            .fetch_all(pool),
            sqlx::query(
                "SELECT ward, count(*) AS n FROM venues WHERE revoked_at IS NULL
                 GROUP BY ward ORDER BY n DESC, ward",
            )
            .fetch_all(pool),
            sqlx::query(
                "SELECT day, scans FROM day_scans WHERE day BETWEEN $1 AND $2 ORDER BY day"
            )
            .bind(from_day)
            .bind(to_day)
            .fetch_all(pool),
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM devices").fetch_one(pool),
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM cases c
                 WHERE NOT EXISTS (SELECT 1 FROM exposure_windows w WHERE w.case_id = c.id)",
            )
            .fetch_one(pool),
        )?;
        let mut out = OverviewCounts::default();
        for r in cats {
            let c: i16 = r.try_get(0)?;
            let c = u8::try_from(c).map_err(|_| StorageError::Corrupt("category".into()))?;
            out.by_category.push((c, count(r.try_get(1)?)));
        }
        for r in wards {
            out.by_ward.push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        for r in days {
            out.per_day.push((r.try_get(0)?, count(r.try_get(1)?)));
        }
        out.devices = count(devices);
        out.open_cases = count(open_cases);
        Ok(out)
    }

    async fn venue_scan_counts(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        let Some(mut tx) = rollup_reader(self.pool(), from_day, to_day).await? else {
            return self
                .venue_scan_counts_summed(from_day, to_day, ward, category)
                .await;
        };
        // One rollup row per venue: no per-day rows are read.
        let sql = format!(
            "SELECT {}, {}::bigint FROM venues v
             LEFT JOIN venue_recent_scans r ON r.venue_id = v.id
             WHERE v.revoked_at IS NULL AND ($1 = '' OR v.ward = $1)
               AND ($2::smallint IS NULL OR v.category = $2)",
            LIST_COLUMNS,
            rollup::window_sum(to_day - from_day + 1)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&ward)
            .bind(category.map(i16::from))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| Ok((venue_from(r)?, count(r.try_get(8)?))))
            .collect()
    }

    async fn venue_inspection(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<InspectionRows, StorageError> {
        if let Some(mut tx) = rollup_reader(self.pool(), from_day, to_day).await? {
            let out = inspect_rollup(&mut tx, to_day - from_day + 1, &ward, category).await?;
            tx.commit().await?;
            return Ok(out);
        }
        // The fallback (minutes after midnight, or windows the rollup does not cover): the
        // rule in SQL over the daily aggregates.
        let sql = inspection::postgres_summed();
        let mut tx = self.pool().begin().await?;
        // The counts of 100,000 venues are sorted once in memory, not in temp files.
        sqlx::query("SET LOCAL work_mem = '32MB'")
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&ward)
            .bind(category.map(i16::from))
            .bind(FEW_SHARE)
            .bind(MIN_PEER_MEDIAN)
            .bind(from_day)
            .bind(to_day)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut out = InspectionRows::default();
        for r in &rows {
            out.checked = count(r.try_get(0)?);
            let Some(id) = r.try_get::<Option<Vec<u8>>, _>(1)? else {
                continue;
            };
            let venue = flagged_venue(r, 1, &id)?;
            out.flagged
                .push((venue, count(r.try_get(7)?), r.try_get::<f64, _>(8)?));
        }
        Ok(out)
    }

    async fn venue_scan_counts_summed(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        // The list never shows the code text: leaving it out saves ~200 bytes per venue
        // on the wire (20 MB at 100,000 venues). The join is per venue (not an aggregate of
        // every venue's days first), so a ward or category filter reads only its venues'
        // rows through `venue_day_scans_venue (venue_id, day) INCLUDE (scans)`.
        let rows = sqlx::query(
            "SELECT v.id, v.name, v.category, v.ward, v.address, '' AS code_text, v.registered_at,
                    v.revoked_at, coalesce(sum(a.scans), 0)::bigint FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN $1 AND $2
             WHERE v.revoked_at IS NULL AND ($3 = '' OR v.ward = $3)
               AND ($4::smallint IS NULL OR v.category = $4)
             GROUP BY v.id",
        )
        .bind(from_day)
        .bind(to_day)
        .bind(&ward)
        .bind(category.map(i16::from))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((venue_from(r)?, count(r.try_get(8)?))))
            .collect()
    }

    async fn rebuild_scan_rollup(&self, day: i64) -> Result<(), StorageError> {
        rebase(self.pool(), day, true).await.map(|_| ())
    }

    async fn rebase_scan_rollup(&self, day: i64) -> Result<bool, StorageError> {
        rebase(self.pool(), day, false).await
    }

    async fn revoked_venue_ids(&self) -> Result<Vec<Id128>, StorageError> {
        let rows: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT id FROM venues WHERE revoked_at IS NOT NULL ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|r| id_from(r)).collect()
    }

    async fn case_rows(&self) -> Result<Vec<(CaseRow, Option<i64>)>, StorageError> {
        let rows = sqlx::query(
            "SELECT c.id, c.device_id, c.person_id, c.from_ms, c.until_ms, c.created_at,
                    (SELECT min(w.published_at) FROM exposure_windows w WHERE w.case_id = c.id)
             FROM cases c ORDER BY c.created_at DESC LIMIT 500",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let person: Option<Vec<u8>> = r.try_get(2)?;
                Ok((
                    CaseRow {
                        id: id_from(&r.try_get::<Vec<u8>, _>(0)?)?,
                        device_id: id_from(&r.try_get::<Vec<u8>, _>(1)?)?,
                        person_id: person.map(|p| id_from(&p)).transpose()?,
                        from_ms: r.try_get(3)?,
                        until_ms: r.try_get(4)?,
                        created_ms: r.try_get(5)?,
                    },
                    r.try_get(6)?,
                ))
            })
            .collect()
    }

    async fn published_windows(
        &self,
        case_id: Option<Id128>,
    ) -> Result<Vec<(WindowRow, String)>, StorageError> {
        let rows = sqlx::query(
            "SELECT w.seq, w.id, w.case_id, w.checkin_id, w.venue_id, w.from_ms, w.until_ms,
                    w.level, w.key_id, w.signature, w.published_at,
                    coalesce(v.name, (SELECT k.venue_name FROM checkins k WHERE k.id = w.checkin_id), '')
             FROM exposure_windows w LEFT JOIN venues v ON v.id = w.venue_id
             WHERE ($1::bytea IS NULL OR w.case_id = $1)
             ORDER BY w.seq DESC LIMIT 1000",
        )
        .bind(case_id.as_ref().map(v))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((window_from(r)?, r.try_get::<String, _>(11)?)))
            .collect()
    }
}
