//! The shared statements on rusqlite: binding [`Arg`]s, reading rows through [`Row`], and
//! rusqlite's errors as [`StorageError`].

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};
use vaora_protocol::ids::Id128;

use super::connection::SqliteStore;
use crate::storage::dialect;
use crate::storage::engine::{Arg, Batch, Engine, Query, ReadRow, Row, Rows};
use crate::storage::error::{Backend, OrStorage, StorageError};

/// An id as the blob SQLite stores.
pub(super) fn b(id: &Id128) -> &[u8] {
    id.as_bytes().as_slice()
}

impl<T> OrStorage<T> for rusqlite::Result<T> {
    fn or_storage(self) -> Result<T, StorageError> {
        self.map_err(|e| StorageError::database(Backend::Sqlite, e))
    }
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Arg::OptInt(n) => ToSqlOutput::Owned(n.map_or(Value::Null, Value::Integer)),
            Arg::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Arg::OptBytes(b) => {
                ToSqlOutput::Borrowed(b.as_deref().map_or(ValueRef::Null, ValueRef::Blob))
            }
            Arg::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Arg::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            // What rusqlite's `Array` binds as, for its `rarray` table function.
            Arg::BytesList(list) => ToSqlOutput::from_rc(
                std::rc::Rc::new(
                    list.iter()
                        .map(|b| Value::Blob(b.clone()))
                        .collect::<Vec<_>>(),
                ),
                c"rarray",
            ),
        })
    }
}

struct SqliteRow<'a, 'stmt>(&'a rusqlite::Row<'stmt>);

impl Row for SqliteRow<'_, '_> {
    fn int(&self, column: usize) -> Result<i64, StorageError> {
        self.0.get(column).or_storage()
    }

    fn opt_int(&self, column: usize) -> Result<Option<i64>, StorageError> {
        self.0.get(column).or_storage()
    }

    fn text(&self, column: usize) -> Result<String, StorageError> {
        self.0.get(column).or_storage()
    }

    fn bytes(&self, column: usize) -> Result<&[u8], StorageError> {
        let value = self.0.get_ref(column).or_storage()?;
        value.as_blob().map_err(|e| not_bytes(column, &e))
    }

    fn opt_bytes(&self, column: usize) -> Result<Option<&[u8]>, StorageError> {
        let value = self.0.get_ref(column).or_storage()?;
        value.as_blob_or_null().map_err(|e| not_bytes(column, &e))
    }
}

fn not_bytes(column: usize, e: &rusqlite::types::FromSqlError) -> StorageError {
    StorageError::Corrupt(format!("column {column} is not bytes: {e}"))
}

/// Every row of a shared statement, on a connection the caller holds.
pub(super) fn query_rows<T>(
    conn: &Connection,
    sql: &str,
    args: &[Arg],
    read: ReadRow<T>,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = conn.prepare_cached(&dialect::sqlite(sql)).or_storage()?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(args.iter()))
        .or_storage()?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().or_storage()? {
        out.push(read(&SqliteRow(row))?);
    }
    Ok(out)
}

/// Runs a shared statement on a connection the caller holds; the rows it changed.
pub(super) fn execute(conn: &Connection, sql: &str, args: &[Arg]) -> Result<u64, StorageError> {
    let n = conn
        .prepare_cached(&dialect::sqlite(sql))
        .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(args.iter())))
        .or_storage()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl Engine for SqliteStore {
    async fn rows<T: Send + 'static>(&self, q: Query, read: ReadRow<T>) -> Rows<T> {
        self.run(move |conn| query_rows(conn, &q.sql, &q.args, read))
            .await
    }

    async fn batch<T: Send + 'static>(&self, queries: Vec<Query>, read: ReadRow<T>) -> Batch<T> {
        self.run(move |conn| {
            let tx = conn.transaction().or_storage()?;
            let out = queries
                .iter()
                .map(|q| query_rows(&tx, &q.sql, &q.args, read))
                .collect::<Result<_, _>>()?;
            tx.commit().or_storage()?;
            Ok(out)
        })
        .await
    }

    async fn execute(&self, q: Query) -> Result<u64, StorageError> {
        self.run(move |conn| execute(conn, &q.sql, &q.args)).await
    }
}
