//! The PostgreSQL store (sqlx): the production database, a pool of connections shared by
//! every request. Scaling notes: docs/scaling.md.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::schema::migrate;
use crate::storage::error::{OrStorage, StorageError};

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let store = Self::connect_only(url).await?;
        migrate(&store.pool).await?;
        Ok(store)
    }

    /// Connects without migrating (a read replica is migrated by replaying its primary).
    pub(super) async fn connect_only(url: &str) -> Result<Self, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .or_storage()?;
        Ok(Self { pool })
    }

    /// The connection pool, for tools and tests that look at the tables themselves.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
