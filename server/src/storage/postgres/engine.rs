//! The shared statements on sqlx: binding [`Arg`]s, reading rows through [`Row`], and
//! sqlx's errors as [`StorageError`].

use sqlx::Row as _;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Column, Postgres, TypeInfo};

use super::connection::PgStore;
use crate::storage::engine::{Arg, Batch, Engine, Query, ReadRow, Row, Rows};
use crate::storage::error::{Backend, OrStorage, StorageError};

impl<T> OrStorage<T> for Result<T, sqlx::Error> {
    fn or_storage(self) -> Result<T, StorageError> {
        self.map_err(|e| StorageError::database(Backend::Postgres, e))
    }
}

/// The width of an integer column: SMALLINT codes, INTEGER, BIGINT times and counts.
fn int_width(row: &PgRow, column: usize) -> &str {
    row.columns()
        .get(column)
        .map_or("INT8", |c| c.type_info().name())
}

impl Row for PgRow {
    fn int(&self, column: usize) -> Result<i64, StorageError> {
        match int_width(self, column) {
            "INT2" => self.try_get::<i16, _>(column).map(i64::from),
            "INT4" => self.try_get::<i32, _>(column).map(i64::from),
            _ => self.try_get::<i64, _>(column),
        }
        .or_storage()
    }

    fn opt_int(&self, column: usize) -> Result<Option<i64>, StorageError> {
        match int_width(self, column) {
            "INT2" => self
                .try_get::<Option<i16>, _>(column)
                .map(|n| n.map(i64::from)),
            "INT4" => self
                .try_get::<Option<i32>, _>(column)
                .map(|n| n.map(i64::from)),
            _ => self.try_get::<Option<i64>, _>(column),
        }
        .or_storage()
    }

    fn text(&self, column: usize) -> Result<String, StorageError> {
        self.try_get(column).or_storage()
    }

    fn bytes(&self, column: usize) -> Result<&[u8], StorageError> {
        self.try_get(column).or_storage()
    }

    fn opt_bytes(&self, column: usize) -> Result<Option<&[u8]>, StorageError> {
        self.try_get(column).or_storage()
    }
}

type PgQuery = sqlx::query::Query<'static, Postgres, PgArguments>;

fn bind(query: Query) -> PgQuery {
    query.args.into_iter().fold(
        sqlx::query(sqlx::AssertSqlSafe(query.sql)),
        |q, arg| match arg {
            Arg::Int(n) => q.bind(n),
            Arg::OptInt(n) => q.bind(n),
            Arg::Bytes(b) => q.bind(b),
            Arg::OptBytes(b) => q.bind(b),
            Arg::Text(t) => q.bind(t),
            Arg::Bool(b) => q.bind(b),
            Arg::BytesList(list) => q.bind(list),
        },
    )
}

/// Every row of a shared statement, on the pool or inside a caller's transaction.
pub(super) async fn fetch<'c, T>(
    executor: impl sqlx::PgExecutor<'c>,
    query: Query,
    read: ReadRow<T>,
) -> Result<Vec<T>, StorageError> {
    let rows = bind(query).fetch_all(executor).await.or_storage()?;
    rows.iter().map(|r| read(r)).collect()
}

/// Runs a shared statement inside a caller's transaction; the rows it changed.
pub(super) async fn execute_in<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    query: Query,
) -> Result<u64, StorageError> {
    Ok(bind(query)
        .execute(executor)
        .await
        .or_storage()?
        .rows_affected())
}

impl Engine for PgStore {
    async fn rows<T: Send + 'static>(&self, q: Query, read: ReadRow<T>) -> Rows<T> {
        fetch(self.pool(), q, read).await
    }

    async fn batch<T: Send + 'static>(&self, queries: Vec<Query>, read: ReadRow<T>) -> Batch<T> {
        let mut tx = self.pool().begin().await.or_storage()?;
        let mut out = Vec::with_capacity(queries.len());
        for q in queries {
            out.push(fetch(&mut *tx, q, read).await?);
        }
        tx.commit().await.or_storage()?;
        Ok(out)
    }

    async fn execute(&self, q: Query) -> Result<u64, StorageError> {
        let done = bind(q).execute(self.pool()).await.or_storage()?;
        Ok(done.rows_affected())
    }
}
