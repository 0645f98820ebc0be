//! The console's tables on SQLite: the venue registry and the daily scan aggregates that
//! keep the overview and the compliance page off the check-in rows.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use vaora_protocol::ids::Id128;

use vaora_console::compliance::{FEW_SHARE, MIN_PEER_MEDIAN};

use super::inspection;
use super::rollup::{self, ROLLUP_DAYS};
use super::{ConsoleStore, InspectionRows, OverviewCounts, VenueQuery, VenueRow, day_of_ms};
use crate::sqlite::{SqliteStore, b, window_from, window_row};
use crate::storage::{CaseRow, CheckInRow, StorageError, WindowRow, id_from};

/// Migration 2: venue registry and daily scan aggregates (backfilled from `checkins`).
pub const MIGRATION_2: &str = "
CREATE TABLE venues (
    id            BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    category      INTEGER NOT NULL,
    ward          TEXT NOT NULL,
    address       TEXT NOT NULL,
    code_text     TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX venues_active_ward ON venues (revoked_at, ward, category);
CREATE TABLE venue_day_scans (
    venue_id BLOB NOT NULL,
    day      INTEGER NOT NULL,
    scans    INTEGER NOT NULL,
    PRIMARY KEY (day, venue_id)
);
CREATE INDEX venue_day_scans_venue ON venue_day_scans (venue_id, day);
CREATE TABLE day_scans (
    day   INTEGER PRIMARY KEY,
    scans INTEGER NOT NULL
);
INSERT INTO venue_day_scans (venue_id, day, scans)
    SELECT venue_id, from_ms / 86400000, count(*) FROM checkins
    WHERE venue_id IS NOT NULL AND from_ms >= 0 GROUP BY 1, 2;
INSERT INTO day_scans (day, scans)
    SELECT from_ms / 86400000, count(*) FROM checkins WHERE from_ms >= 0 GROUP BY 1;
";

/// Migration 3: the per-venue rolling rollup (see [`super::rollup`]); built on first use.
pub const MIGRATION_3: &str = "
CREATE TABLE venue_recent_scans (venue_id BLOB PRIMARY KEY,
    d0 INTEGER NOT NULL DEFAULT 0, d1 INTEGER NOT NULL DEFAULT 0, d2 INTEGER NOT NULL DEFAULT 0, d3 INTEGER NOT NULL DEFAULT 0, d4 INTEGER NOT NULL DEFAULT 0, d5 INTEGER NOT NULL DEFAULT 0, d6 INTEGER NOT NULL DEFAULT 0, d7 INTEGER NOT NULL DEFAULT 0, d8 INTEGER NOT NULL DEFAULT 0, d9 INTEGER NOT NULL DEFAULT 0, d10 INTEGER NOT NULL DEFAULT 0, d11 INTEGER NOT NULL DEFAULT 0, d12 INTEGER NOT NULL DEFAULT 0, d13 INTEGER NOT NULL DEFAULT 0, d14 INTEGER NOT NULL DEFAULT 0, d15 INTEGER NOT NULL DEFAULT 0, d16 INTEGER NOT NULL DEFAULT 0, d17 INTEGER NOT NULL DEFAULT 0, d18 INTEGER NOT NULL DEFAULT 0, d19 INTEGER NOT NULL DEFAULT 0, d20 INTEGER NOT NULL DEFAULT 0 );
CREATE TABLE scan_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), day INTEGER NOT NULL);
INSERT INTO scan_rollup (id, day) VALUES (1, -1);
";

/// Counts the check-ins stored now in the daily aggregates and the rollup (same
/// transaction): grouped by day and by venue and day first, so a batch costs one upsert
/// per distinct key (a few hundred per 1,000 records) and one read of the rollup's day.
pub(crate) fn count_scans(
    tx: &rusqlite::Transaction<'_>,
    fresh: &[&CheckInRow],
) -> Result<(), StorageError> {
    if fresh.is_empty() {
        return Ok(());
    }
    let mut per_day: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per_venue_day: BTreeMap<(Id128, i64), i64> = BTreeMap::new();
    for c in fresh {
        let day = day_of_ms(c.from_ms);
        *per_day.entry(day).or_default() += 1;
        if let Some(v) = c.venue_id {
            *per_venue_day.entry((v, day)).or_default() += 1;
        }
    }
    let mut days = tx.prepare_cached(
        "INSERT INTO day_scans (day, scans) VALUES (?1, ?2)
         ON CONFLICT(day) DO UPDATE SET scans = scans + excluded.scans",
    )?;
    for (day, n) in &per_day {
        days.execute([day, n])?;
    }
    if per_venue_day.is_empty() {
        return Ok(());
    }
    let mut venue_days = tx.prepare_cached(
        "INSERT INTO venue_day_scans (venue_id, day, scans) VALUES (?1, ?2, ?3)
         ON CONFLICT(day, venue_id) DO UPDATE SET scans = scans + excluded.scans",
    )?;
    for ((v, day), n) in &per_venue_day {
        venue_days.execute(params![b(v), day, n])?;
    }
    let rollup_day: i64 = tx
        .prepare_cached("SELECT day FROM scan_rollup WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    for ((v, day), n) in &per_venue_day {
        let offset = rollup_day - day;
        if (0..ROLLUP_DAYS).contains(&offset) {
            tx.prepare_cached(&rollup::sqlite_increment(offset))?
                .execute(params![b(v), n])?;
        }
    }
    Ok(())
}

/// Re-bases the rollup on `day` when it is older (forced: always), in one transaction;
/// `true` when it did.
fn rebase(conn: &mut rusqlite::Connection, day: i64, force: bool) -> Result<bool, StorageError> {
    let tx = conn.transaction()?;
    let current: i64 =
        tx.query_row("SELECT day FROM scan_rollup WHERE id = 1", [], |r| r.get(0))?;
    if current >= day && !force {
        return Ok(false);
    }
    tx.execute("UPDATE scan_rollup SET day = ?1 WHERE id = 1", [day])?;
    tx.execute("DELETE FROM venue_recent_scans", [])?;
    tx.execute(&rollup::FILL, [])?;
    tx.commit()?;
    log::info!("scan rollup re-based on day {day}");
    Ok(true)
}

/// Whether the rollup covers `from_day..=to_day` (the caller holds the connection, so no
/// re-base can come between this and the read).
fn rollup_covers(
    conn: &rusqlite::Connection,
    from_day: i64,
    to_day: i64,
) -> Result<bool, StorageError> {
    let day: i64 = conn.query_row("SELECT day FROM scan_rollup WHERE id = 1", [], |r| r.get(0))?;
    Ok(rollup::covers(day, from_day, to_day))
}

/// The inspection rule in SQL ([`inspection`]) over the rollup or the daily aggregates.
fn inspect(
    conn: &rusqlite::Connection,
    from_day: i64,
    to_day: i64,
    ward: &str,
    category: Option<u8>,
) -> Result<InspectionRows, StorageError> {
    let category = category.map(i64::from);
    let (sql, summed) = if rollup_covers(conn, from_day, to_day)? {
        let days = to_day - from_day + 1;
        (
            inspection::sqlite(inspection::Source::Rollup { days }),
            false,
        )
    } else {
        (inspection::sqlite(inspection::Source::Summed), true)
    };
    let mut stmt = conn.prepare(&sql)?;
    type Flag = (Vec<u8>, String, i64, String, String, i64, i64, f64);
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, Option<Flag>)> {
        let checked: i64 = r.get(0)?;
        let Some(id) = r.get::<_, Option<Vec<u8>>>(1)? else {
            return Ok((checked, None));
        };
        Ok((
            checked,
            Some((
                id,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            )),
        ))
    };
    let rows: Vec<(i64, Option<Flag>)> = if summed {
        stmt.query_map(
            params![ward, category, FEW_SHARE, MIN_PEER_MEDIAN, from_day, to_day],
            read,
        )?
        .collect::<rusqlite::Result<_>>()?
    } else {
        stmt.query_map(params![ward, category, FEW_SHARE, MIN_PEER_MEDIAN], read)?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut out = InspectionRows::default();
    for (checked, flag) in rows {
        out.checked = count(checked);
        let Some((id, name, category, ward, address, registered_ms, scans, median)) = flag else {
            continue;
        };
        let venue = VenueRow {
            id: id_from(&id)?,
            name,
            category: u8::try_from(category)
                .map_err(|_| StorageError::Corrupt("category".into()))?,
            ward,
            address,
            code_text: String::new(),
            registered_ms,
            revoked: false,
        };
        out.flagged.push((venue, count(scans), median));
    }
    Ok(out)
}

fn scan_counts(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<(VenueRow, u64)>, StorageError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(args, |r| Ok((venue_tuple(r)?, r.get::<_, i64>(8)?)))?;
    rows.map(|r| {
        let (t, n) = r?;
        Ok((venue_row(t)?, count(n)))
    })
    .collect()
}

/// Scans per active venue summed from the daily aggregates (the rollup's fallback).
fn summed(
    conn: &rusqlite::Connection,
    from_day: i64,
    to_day: i64,
    ward: &str,
    category: Option<u8>,
) -> Result<Vec<(VenueRow, u64)>, StorageError> {
    scan_counts(
        conn,
        &format!(
            "SELECT {VENUE_COLUMNS}, coalesce(sum(a.scans), 0) FROM venues v
             LEFT JOIN venue_day_scans a ON a.venue_id = v.id AND a.day BETWEEN ?1 AND ?2
             WHERE v.revoked_at IS NULL AND (?3 = '' OR v.ward = ?3)
               AND (?4 IS NULL OR v.category = ?4)
             GROUP BY v.id"
        ),
        params![from_day, to_day, ward, category.map(i64::from)],
    )
}

const VENUE_COLUMNS: &str =
    "v.id, v.name, v.category, v.ward, v.address, v.code_text, v.registered_at, v.revoked_at";

type VenueTuple = (
    Vec<u8>,
    String,
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
);

fn venue_tuple(r: &rusqlite::Row<'_>) -> rusqlite::Result<VenueTuple> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn venue_row(t: VenueTuple) -> Result<VenueRow, StorageError> {
    let (id, name, category, ward, address, code_text, registered_ms, revoked) = t;
    Ok(VenueRow {
        id: id_from(&id)?,
        name,
        category: u8::try_from(category).map_err(|_| StorageError::Corrupt("category".into()))?,
        ward,
        address,
        code_text,
        registered_ms,
        revoked: revoked.is_some(),
    })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl ConsoleStore for SqliteStore {
    async fn insert_venue(&self, v: VenueRow) -> Result<(), StorageError> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO venues (id, name, category, ward, address, code_text, registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    b(&v.id),
                    v.name,
                    i64::from(v.category),
                    v.ward,
                    v.address,
                    v.code_text,
                    v.registered_ms
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn venue_row(&self, id: Id128) -> Result<Option<VenueRow>, StorageError> {
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {VENUE_COLUMNS} FROM venues v WHERE v.id = ?1"),
                [b(&id)],
                venue_tuple,
            )
            .optional()?
            .map(venue_row)
            .transpose()
        })
        .await
    }

    async fn search_venue_rows(&self, q: VenueQuery) -> Result<Vec<VenueRow>, StorageError> {
        self.run(move |conn| {
            let pattern = format!(
                "%{}%",
                q.text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let mut stmt = conn.prepare(&format!(
                "SELECT {VENUE_COLUMNS} FROM venues v
                 WHERE (?1 = '' OR v.name LIKE ?2 ESCAPE '\\' OR v.address LIKE ?2 ESCAPE '\\')
                   AND (?3 IS NULL OR v.category = ?3)
                   AND (?4 = '' OR v.ward = ?4)
                   AND (?5 OR v.revoked_at IS NULL)
                 ORDER BY v.registered_at DESC, v.name LIMIT ?6"
            ))?;
            let rows = stmt.query_map(
                params![
                    q.text,
                    pattern,
                    q.category.map(i64::from),
                    q.ward,
                    q.include_revoked,
                    i64::from(q.limit)
                ],
                venue_tuple,
            )?;
            rows.map(|r| venue_row(r?)).collect()
        })
        .await
    }

    async fn revoke_venue_row(&self, id: Id128, now_ms: i64) -> Result<bool, StorageError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM venues WHERE id = ?1", [b(&id)], |r| r.get(0))
                .optional()?;
            tx.execute(
                "UPDATE venues SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![b(&id), now_ms],
            )?;
            tx.commit()?;
            Ok(exists.is_some())
        })
        .await
    }

    async fn overview_counts(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<OverviewCounts, StorageError> {
        self.run(move |conn| {
            let mut out = OverviewCounts::default();
            let mut stmt = conn.prepare(
                "SELECT category, count(*) FROM venues WHERE revoked_at IS NULL
                 GROUP BY category ORDER BY category",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
                let (c, n) = row?;
                let c = u8::try_from(c).map_err(|_| StorageError::Corrupt("category".into()))?;
                out.by_category.push((c, count(n)));
            }
            let mut stmt = conn.prepare(
                "SELECT ward, count(*) AS n FROM venues WHERE revoked_at IS NULL
                 GROUP BY ward ORDER BY n DESC, ward",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (w, n) = row?;
                out.by_ward.push((w, count(n)));
            }
            let mut stmt = conn.prepare(
                "SELECT day, scans FROM day_scans WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
            )?;
            for row in stmt.query_map([from_day, to_day], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })? {
                let (d, n) = row?;
                out.per_day.push((d, count(n)));
            }
            let devices: i64 = conn.query_row("SELECT count(*) FROM devices", [], |r| r.get(0))?;
            out.devices = count(devices);
            let open: i64 = conn.query_row(
                "SELECT count(*) FROM cases c
                 WHERE NOT EXISTS (SELECT 1 FROM exposure_windows w WHERE w.case_id = c.id)",
                [],
                |r| r.get(0),
            )?;
            out.open_cases = count(open);
            Ok(out)
        })
        .await
    }

    async fn venue_scan_counts(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        self.run(move |conn| {
            if !rollup_covers(conn, from_day, to_day)? {
                return summed(conn, from_day, to_day, &ward, category);
            }
            scan_counts(
                conn,
                &format!(
                    "SELECT {VENUE_COLUMNS}, {} FROM venues v
                     LEFT JOIN venue_recent_scans r ON r.venue_id = v.id
                     WHERE v.revoked_at IS NULL AND (?1 = '' OR v.ward = ?1)
                       AND (?2 IS NULL OR v.category = ?2)",
                    rollup::window_sum(to_day - from_day + 1)
                ),
                params![ward, category.map(i64::from)],
            )
        })
        .await
    }

    async fn venue_inspection(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<InspectionRows, StorageError> {
        self.run(move |conn| inspect(conn, from_day, to_day, &ward, category))
            .await
    }

    async fn venue_scan_counts_summed(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> Result<Vec<(VenueRow, u64)>, StorageError> {
        self.run(move |conn| summed(conn, from_day, to_day, &ward, category))
            .await
    }

    async fn rebuild_scan_rollup(&self, day: i64) -> Result<(), StorageError> {
        self.run(move |conn| rebase(conn, day, true).map(|_| ()))
            .await
    }

    async fn rebase_scan_rollup(&self, day: i64) -> Result<bool, StorageError> {
        self.run(move |conn| rebase(conn, day, false)).await
    }

    async fn revoked_venue_ids(&self) -> Result<Vec<Id128>, StorageError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT id FROM venues WHERE revoked_at IS NOT NULL ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
            rows.map(|r| id_from(&r?)).collect()
        })
        .await
    }

    async fn case_rows(&self) -> Result<Vec<(CaseRow, Option<i64>)>, StorageError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT c.id, c.device_id, c.person_id, c.from_ms, c.until_ms, c.created_at,
                        (SELECT min(w.published_at) FROM exposure_windows w WHERE w.case_id = c.id)
                 FROM cases c ORDER BY c.created_at DESC LIMIT 500",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            })?;
            rows.map(|r| {
                let (id, d, p, f, u, c, published) = r?;
                Ok((
                    CaseRow {
                        id: id_from(&id)?,
                        device_id: id_from(&d)?,
                        person_id: p.map(|p| id_from(&p)).transpose()?,
                        from_ms: f,
                        until_ms: u,
                        created_ms: c,
                    },
                    published,
                ))
            })
            .collect()
        })
        .await
    }

    async fn published_windows(
        &self,
        case_id: Option<Id128>,
    ) -> Result<Vec<(WindowRow, String)>, StorageError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT w.seq, w.id, w.case_id, w.checkin_id, w.venue_id, w.from_ms, w.until_ms,
                        w.level, w.key_id, w.signature, w.published_at,
                        coalesce(v.name, (SELECT k.venue_name FROM checkins k WHERE k.id = w.checkin_id), '')
                 FROM exposure_windows w LEFT JOIN venues v ON v.id = w.venue_id
                 WHERE (?1 IS NULL OR w.case_id = ?1)
                 ORDER BY w.seq DESC LIMIT 1000",
            )?;
            let rows = stmt.query_map([case_id.map(|c| c.as_bytes().to_vec())], |r| {
                Ok((window_from(r)?, r.get::<_, String>(11)?))
            })?;
            rows.map(|r| {
                let (t, name) = r?;
                Ok((window_row(t)?, name))
            })
            .collect()
        })
        .await
    }
}
