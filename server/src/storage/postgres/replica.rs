//! A read replica: a PostgreSQL hot standby fed by streaming replication, which the console's
//! heavy reads and the phones' exposure feed may read from (`vaora serve
//! --replica-database`), so they do not compete with ingest on the primary.
//!
//! Why reads from a standby stay exact: a standby replays the primary's WAL in commit order,
//! so what it shows is always a state the primary had. Exposure windows commit in the order
//! of their `seq` (publications take turns, `backend.rs`), so a lagging standby shows a
//! prefix of the feed, never a gap: a phone's cursor only moves over windows it received,
//! and the next poll (on either server) continues from there.

use sqlx::postgres::PgPool;

use super::connection::PgStore;
use crate::storage::error::{OrStorage, StorageError};

/// How far a standby is behind the primary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaLag {
    /// Seconds since the newest transaction the standby has not replayed yet committed on
    /// the primary (0 when it has replayed all it received).
    pub seconds: f64,
    /// WAL bytes the primary has written that the standby has not replayed.
    pub bytes: f64,
}

impl PgStore {
    /// Connects to a read replica: no migration (a standby is read-only; the primary's
    /// nodes migrate and the standby replays it).
    pub async fn connect_replica(url: &str) -> Result<Self, StorageError> {
        Self::connect_only(url).await
    }

    /// The standby's lag behind `primary`; `None` when this database is not a standby.
    pub async fn lag_behind(&self, primary: &PgPool) -> Result<Option<ReplicaLag>, StorageError> {
        let row: (Option<f64>, Option<String>) = sqlx::query_as(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                         ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8,
                    pg_last_wal_replay_lsn()::text",
        )
        .fetch_one(self.pool())
        .await
        .or_storage()?;
        let (Some(seconds), Some(replayed)) = row else {
            return Ok(None);
        };
        let bytes: f64 =
            sqlx::query_scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8")
                .bind(replayed)
                .fetch_one(primary)
                .await
                .or_storage()?;
        Ok(Some(ReplicaLag {
            seconds: seconds.max(0.0),
            bytes: bytes.max(0.0),
        }))
    }
}
