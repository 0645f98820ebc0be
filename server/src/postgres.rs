//! PostgreSQL backend (sqlx): the production store. A batch goes in with one `UNNEST`
//! statement (records with their check-in stays, daily aggregates and rollup together; a
//! round trip per batch, not per record), plus one statement for check-in updates; each
//! check-in is one `records` row (migration 5), read as the `checkins` view. Migrations run
//! under an advisory lock so several API nodes can start at once. Scaling notes:
//! docs/scaling.md.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use vaora_protocol::ids::Id128;

use crate::storage::{
    CaseRow, CheckInRow, ContactRow, Derived, DeviceRow, InsertOutcome, NewRecord, Storage,
    StorageError, UpdateRow, WindowRow, id_from, key_from, sig_from,
};

/// Migrations, applied in order, each once (recorded in `schema_migrations`).
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "
CREATE TABLE devices (
    id            BYTEA PRIMARY KEY,
    public_key    BYTEA NOT NULL UNIQUE,
    registered_at BIGINT NOT NULL
);
CREATE TABLE records (
    id          BYTEA PRIMARY KEY,
    device_id   BYTEA NOT NULL,
    kind        SMALLINT NOT NULL,
    body        BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE TABLE checkins (
    id          BYTEA PRIMARY KEY,
    device_id   BYTEA NOT NULL,
    person_id   BYTEA NOT NULL,
    person_name TEXT NOT NULL,
    venue_id    BYTEA,
    venue_name  TEXT NOT NULL,
    from_ms     BIGINT NOT NULL,
    until_ms    BIGINT NOT NULL,
    seq         BIGINT NOT NULL DEFAULT -1
);
CREATE INDEX checkins_venue_time ON checkins (venue_id, from_ms);
CREATE INDEX checkins_device_time ON checkins (device_id, from_ms);
CREATE TABLE checkin_updates (
    id         BYTEA PRIMARY KEY,
    checkin_id BYTEA NOT NULL,
    seq        BIGINT NOT NULL,
    from_ms    BIGINT NOT NULL,
    until_ms   BIGINT NOT NULL
);
CREATE INDEX checkin_updates_checkin ON checkin_updates (checkin_id, seq);
CREATE TABLE cases (
    id         BYTEA PRIMARY KEY,
    device_id  BYTEA NOT NULL,
    person_id  BYTEA,
    from_ms    BIGINT NOT NULL,
    until_ms   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE exposure_windows (
    seq          BIGSERIAL PRIMARY KEY,
    id           BYTEA NOT NULL UNIQUE,
    case_id      BYTEA NOT NULL,
    checkin_id   BYTEA NOT NULL,
    venue_id     BYTEA NOT NULL,
    from_ms      BIGINT NOT NULL,
    until_ms     BIGINT NOT NULL,
    level        SMALLINT NOT NULL,
    key_id       TEXT NOT NULL,
    signature    BYTEA NOT NULL,
    published_at BIGINT NOT NULL,
    UNIQUE (case_id, checkin_id)
);
",
    ),
    (2, crate::console::postgres::MIGRATION_2),
    (3, crate::console::postgres::MIGRATION_3),
    (4, crate::console::postgres::MIGRATION_4),
    (5, MIGRATION_5),
];

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

pub(crate) fn v(id: &Id128) -> Vec<u8> {
    id.as_bytes().to_vec()
}

impl PgStore {
    /// Connects and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7331001)")
            .execute(&mut *tx)
            .await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await?;
        for (version, sql) in MIGRATIONS {
            let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_none() {
                sqlx::raw_sql(*sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(chrono::Utc::now().timestamp_millis())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Migration 5: each check-in is stored once. The derived stay (person, venue, times,
/// update sequence) moves into nullable columns of its signed `records` row and `checkins`
/// becomes a view of the records that have a stay, so the tracing query and the console
/// read the same rows as before while ingest writes one row and three index entries per
/// check-in instead of two rows and four index entries. Every `checkins` row was stored
/// with its record; an orphan (a bulk load that bypassed ingest) stops the upgrade with a
/// clear error instead of being dropped.
pub const MIGRATION_5: &str = "
ALTER TABLE records
    ADD COLUMN person_id   BYTEA,
    ADD COLUMN person_name TEXT,
    ADD COLUMN venue_id    BYTEA,
    ADD COLUMN venue_name  TEXT,
    ADD COLUMN from_ms     BIGINT,
    ADD COLUMN until_ms    BIGINT,
    ADD COLUMN seq         BIGINT;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM checkins c WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = c.id)) THEN
        RAISE EXCEPTION 'migration 5: check-ins without their signed record; restore the records first';
    END IF;
END $$;
UPDATE records r SET person_id = c.person_id, person_name = c.person_name, venue_id = c.venue_id,
    venue_name = c.venue_name, from_ms = c.from_ms, until_ms = c.until_ms, seq = c.seq
    FROM checkins c WHERE c.id = r.id;
DROP TABLE checkins;
CREATE INDEX records_stay_venue_time ON records (venue_id, from_ms) WHERE from_ms IS NOT NULL;
CREATE INDEX records_stay_device_time ON records (device_id, from_ms) WHERE from_ms IS NOT NULL;
CREATE VIEW checkins AS
    SELECT id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq
    FROM records WHERE from_ms IS NOT NULL;
";

/// The batch insert: every new record in one row of `records` (a check-in with its stay),
/// the daily aggregates and the per-venue rollup counting exactly the check-ins inserted
/// now, all in one statement; it returns the ids it inserted (the others were stored before).
static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH ins AS (
     INSERT INTO records (id, device_id, kind, body, signature, received_at,
                          person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
     SELECT u.*, CASE WHEN u.from_ms IS NOT NULL THEN -1 END
     FROM UNNEST($1::bytea[], $2::bytea[], $3::smallint[], $4::bytea[], $5::bytea[], $6::bigint[],
                 $7::bytea[], $8::text[], $9::bytea[], $10::text[], $11::bigint[], $12::bigint[])
          AS u(id, device_id, kind, body, signature, received_at,
               person_id, person_name, venue_id, venue_name, from_ms, until_ms)
     ON CONFLICT (id) DO NOTHING
     RETURNING id, venue_id, from_ms, floor(from_ms::numeric / 86400000)::bigint AS day),
 per_day AS (
     INSERT INTO day_scans (day, scans) SELECT day, count(*) FROM ins WHERE from_ms IS NOT NULL GROUP BY day
     ON CONFLICT (day) DO UPDATE SET scans = day_scans.scans + EXCLUDED.scans),
 recent AS ({}),
 per_venue_day AS (
     INSERT INTO venue_day_scans (venue_id, day, scans)
     SELECT venue_id, day, count(*) FROM ins WHERE venue_id IS NOT NULL AND from_ms IS NOT NULL GROUP BY venue_id, day
     ON CONFLICT (day, venue_id) DO UPDATE SET scans = venue_day_scans.scans + EXCLUDED.scans)
 SELECT id FROM ins",
        crate::console::rollup::PG_INGEST.as_str()
    )
});

/// Stores the check-in updates of a batch (new ones only) and moves each affected stay to
/// its highest-sequence update: the updates stored now and the ones that arrived before
/// the check-ins stored now. Two statements per batch, whatever its size.
async fn apply_updates(
    tx: &mut Transaction<'_, Postgres>,
    updates: &[&UpdateRow],
    new_checkins: Vec<Vec<u8>>,
) -> Result<(), StorageError> {
    if !updates.is_empty() {
        sqlx::query(
            "INSERT INTO checkin_updates (id, checkin_id, seq, from_ms, until_ms)
             SELECT * FROM UNNEST($1::bytea[], $2::bytea[], $3::bigint[], $4::bigint[], $5::bigint[])
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(updates.iter().map(|u| v(&u.id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| v(&u.checkin_id)).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.sequence).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.from_ms).collect::<Vec<_>>())
        .bind(updates.iter().map(|u| u.until_ms).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    let mut affected = new_checkins;
    affected.extend(updates.iter().map(|u| v(&u.checkin_id)));
    if affected.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE records r SET from_ms = u.from_ms, until_ms = u.until_ms, seq = u.seq
         FROM (SELECT DISTINCT ON (checkin_id) checkin_id, seq, from_ms, until_ms FROM checkin_updates
               WHERE checkin_id = ANY($1) ORDER BY checkin_id, seq DESC) u
         WHERE r.id = u.checkin_id AND r.from_ms IS NOT NULL AND r.seq < u.seq",
    )
    .bind(affected)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn window_from(r: &sqlx::postgres::PgRow) -> Result<WindowRow, StorageError> {
    let level: i16 = r.try_get(7)?;
    Ok(WindowRow {
        seq: r.try_get(0)?,
        id: id_from(&r.try_get::<Vec<u8>, _>(1)?)?,
        case_id: id_from(&r.try_get::<Vec<u8>, _>(2)?)?,
        checkin_id: id_from(&r.try_get::<Vec<u8>, _>(3)?)?,
        venue_id: id_from(&r.try_get::<Vec<u8>, _>(4)?)?,
        from_ms: r.try_get(5)?,
        until_ms: r.try_get(6)?,
        level: u8::try_from(level).map_err(|_| StorageError::Corrupt("level".into()))?,
        key_id: r.try_get(8)?,
        signature: sig_from(&r.try_get::<Vec<u8>, _>(9)?)?,
        published_ms: r.try_get(10)?,
    })
}

impl Storage for PgStore {
    async fn register_device(
        &self,
        id: Id128,
        public_key: [u8; 32],
        now_ms: i64,
    ) -> Result<DeviceRow, StorageError> {
        sqlx::query("INSERT INTO devices (id, public_key, registered_at) VALUES ($1, $2, $3) ON CONFLICT (public_key) DO NOTHING")
            .bind(v(&id))
            .bind(public_key.to_vec())
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT id FROM devices WHERE public_key = $1")
            .bind(public_key.to_vec())
            .fetch_one(&self.pool)
            .await?;
        Ok(DeviceRow {
            id: id_from(&row.try_get::<Vec<u8>, _>(0)?)?,
            public_key,
        })
    }

    async fn device(&self, id: Id128) -> Result<Option<DeviceRow>, StorageError> {
        let row = sqlx::query("SELECT public_key FROM devices WHERE id = $1")
            .bind(v(&id))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(DeviceRow {
                id,
                public_key: key_from(&r.try_get::<Vec<u8>, _>(0)?)?,
            })
        })
        .transpose()
    }

    async fn insert_records(
        &self,
        records: Vec<NewRecord>,
    ) -> Result<Vec<InsertOutcome>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let stays: Vec<Option<&CheckInRow>> = records
            .iter()
            .map(|r| match &r.derived {
                Derived::CheckIn(c) => Some(c),
                _ => None,
            })
            .collect();
        let inserted: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(INSERT.as_str()))
            .bind(records.iter().map(|r| v(&r.id)).collect::<Vec<_>>())
            .bind(records.iter().map(|r| v(&r.device_id)).collect::<Vec<_>>())
            .bind(
                records
                    .iter()
                    .map(|r| i16::from(r.kind))
                    .collect::<Vec<_>>(),
            )
            .bind(
                records
                    .iter()
                    .map(|r| r.body.as_slice())
                    .collect::<Vec<_>>(),
            )
            .bind(
                records
                    .iter()
                    .map(|r| r.signature.as_slice())
                    .collect::<Vec<_>>(),
            )
            .bind(records.iter().map(|r| r.received_ms).collect::<Vec<_>>())
            .bind(
                stays
                    .iter()
                    .map(|c| c.map(|c| v(&c.person_id)))
                    .collect::<Vec<_>>(),
            )
            .bind(
                stays
                    .iter()
                    .map(|c| c.map(|c| c.person_name.as_str()))
                    .collect::<Vec<_>>(),
            )
            .bind(
                stays
                    .iter()
                    .map(|c| c.and_then(|c| c.venue_id.as_ref().map(v)))
                    .collect::<Vec<_>>(),
            )
            .bind(
                stays
                    .iter()
                    .map(|c| c.map(|c| c.venue_name.as_str()))
                    .collect::<Vec<_>>(),
            )
            .bind(
                stays
                    .iter()
                    .map(|c| c.map(|c| c.from_ms))
                    .collect::<Vec<_>>(),
            )
            .bind(
                stays
                    .iter()
                    .map(|c| c.map(|c| c.until_ms))
                    .collect::<Vec<_>>(),
            )
            .fetch_all(&mut *tx)
            .await?;
        let inserted: std::collections::HashSet<Vec<u8>> = inserted.into_iter().collect();
        let others: Vec<Vec<u8>> = records
            .iter()
            .map(|r| v(&r.id))
            .filter(|id| !inserted.contains(id))
            .collect();
        let mut existing = std::collections::HashMap::new();
        if !others.is_empty() {
            let rows =
                sqlx::query("SELECT id, device_id, kind, body FROM records WHERE id = ANY($1)")
                    .bind(&others)
                    .fetch_all(&mut *tx)
                    .await?;
            for r in rows {
                let id: Vec<u8> = r.try_get(0)?;
                let device: Vec<u8> = r.try_get(1)?;
                let kind: i16 = r.try_get(2)?;
                let body: Vec<u8> = r.try_get(3)?;
                existing.insert(id, (device, kind, body));
            }
        }
        let mut outcomes = Vec::with_capacity(records.len());
        let mut new_checkins = Vec::new();
        let mut updates = Vec::new();
        for r in &records {
            let id = v(&r.id);
            if inserted.contains(&id) {
                match &r.derived {
                    Derived::CheckIn(_) => new_checkins.push(id),
                    Derived::Update(u) => updates.push(u),
                    Derived::Nothing => {}
                }
                outcomes.push(InsertOutcome::Inserted);
            } else {
                let (device, kind, body) = existing
                    .get(&id)
                    .ok_or_else(|| StorageError::Corrupt("a conflicting record vanished".into()))?;
                let same =
                    device == &v(&r.device_id) && *kind == i16::from(r.kind) && body == &r.body;
                outcomes.push(if same {
                    InsertOutcome::Duplicate
                } else {
                    InsertOutcome::Conflict
                });
            }
        }
        apply_updates(&mut tx, &updates, new_checkins).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn record_count(&self) -> Result<u64, StorageError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM records")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_case(&self, case: CaseRow) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO cases (id, device_id, person_id, from_ms, until_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(v(&case.id))
            .bind(v(&case.device_id))
            .bind(case.person_id.as_ref().map(v))
            .bind(case.from_ms)
            .bind(case.until_ms)
            .bind(case.created_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn case(&self, id: Id128) -> Result<Option<CaseRow>, StorageError> {
        let row = sqlx::query(
            "SELECT device_id, person_id, from_ms, until_ms, created_at FROM cases WHERE id = $1",
        )
        .bind(v(&id))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let person: Option<Vec<u8>> = r.try_get(1)?;
            Ok(CaseRow {
                id,
                device_id: id_from(&r.try_get::<Vec<u8>, _>(0)?)?,
                person_id: person.map(|p| id_from(&p)).transpose()?,
                from_ms: r.try_get(2)?,
                until_ms: r.try_get(3)?,
                created_ms: r.try_get(4)?,
            })
        })
        .transpose()
    }

    async fn case_stays(&self, case: &CaseRow) -> Result<Vec<CheckInRow>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms
             FROM checkins WHERE device_id = $1 AND ($2::bytea IS NULL OR person_id = $2)
               AND venue_id IS NOT NULL AND from_ms < $4 AND until_ms > $3
             ORDER BY from_ms",
        )
        .bind(v(&case.device_id))
        .bind(case.person_id.as_ref().map(v))
        .bind(case.from_ms)
        .bind(case.until_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let venue: Option<Vec<u8>> = r.try_get(4)?;
                Ok(CheckInRow {
                    id: id_from(&r.try_get::<Vec<u8>, _>(0)?)?,
                    device_id: id_from(&r.try_get::<Vec<u8>, _>(1)?)?,
                    person_id: id_from(&r.try_get::<Vec<u8>, _>(2)?)?,
                    person_name: r.try_get(3)?,
                    venue_id: venue.map(|v| id_from(&v)).transpose()?,
                    venue_name: r.try_get(5)?,
                    from_ms: r.try_get(6)?,
                    until_ms: r.try_get(7)?,
                })
            })
            .collect()
    }

    async fn trace(&self, case: &CaseRow) -> Result<Vec<ContactRow>, StorageError> {
        let rows = sqlx::query(
            "SELECT c.device_id, c.person_id, c.person_name, c.venue_id, c.venue_name,
                    GREATEST(c.from_ms, k.from_ms) AS o_from, LEAST(c.until_ms, k.until_ms) AS o_until
             FROM checkins k
             JOIN checkins c ON c.venue_id = k.venue_id
               AND c.from_ms < k.until_ms AND c.until_ms > k.from_ms
             WHERE k.device_id = $1 AND ($2::bytea IS NULL OR k.person_id = $2)
               AND k.venue_id IS NOT NULL AND k.from_ms < $4 AND k.until_ms > $3
               AND NOT (c.device_id = k.device_id AND ($2::bytea IS NULL OR c.person_id = $2))
             ORDER BY o_from, c.person_id",
        )
        .bind(v(&case.device_id))
        .bind(case.person_id.as_ref().map(v))
        .bind(case.from_ms)
        .bind(case.until_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContactRow {
                    device_id: id_from(&r.try_get::<Vec<u8>, _>(0)?)?,
                    person_id: id_from(&r.try_get::<Vec<u8>, _>(1)?)?,
                    person_name: r.try_get(2)?,
                    venue_id: id_from(&r.try_get::<Vec<u8>, _>(3)?)?,
                    venue_name: r.try_get(4)?,
                    overlap_from_ms: r.try_get(5)?,
                    overlap_until_ms: r.try_get(6)?,
                })
            })
            .collect()
    }

    async fn insert_windows(
        &self,
        windows: Vec<WindowRow>,
    ) -> Result<Vec<WindowRow>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let mut fresh = Vec::new();
        for w in windows {
            let seq: Option<i64> = sqlx::query_scalar(
                "INSERT INTO exposure_windows (id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, signature, published_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING seq",
            )
            .bind(v(&w.id))
            .bind(v(&w.case_id))
            .bind(v(&w.checkin_id))
            .bind(v(&w.venue_id))
            .bind(w.from_ms)
            .bind(w.until_ms)
            .bind(i16::from(w.level))
            .bind(&w.key_id)
            .bind(w.signature.to_vec())
            .bind(w.published_ms)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(seq) = seq {
                fresh.push(WindowRow { seq, ..w });
            }
        }
        tx.commit().await?;
        Ok(fresh)
    }

    async fn windows_since(&self, cursor: i64, limit: i64) -> Result<Vec<WindowRow>, StorageError> {
        let rows = sqlx::query(
            "SELECT seq, id, case_id, checkin_id, venue_id, from_ms, until_ms, level, key_id, signature, published_at
             FROM exposure_windows WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(cursor)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(window_from).collect()
    }
}
