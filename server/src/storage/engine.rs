//! What both backends offer the shared queries: run one statement text with bound values
//! and read its rows by column index.
//!
//! Why: the queries both databases run (devices, cases, tracing, windows, the venue
//! registry, the overview and the daily-sum counts) are written once, in
//! [`super::queries`], as one SQL text each ([`super::dialect`] adapts it to SQLite) with
//! one row reader each. A backend implements [`Engine`] over its driver and keeps only what
//! really differs between the databases (ingest, the rollup, migrations).
//!
//! The trait is sealed: it is public only so that [`super::Storage`] can require it, and it
//! is not reachable from outside the crate.

use std::borrow::Cow;
use std::future::Future;

use vaora_protocol::ids::Id128;

use super::error::StorageError;

/// A statement in the shared dialect ([`super::dialect`]).
pub type Statement = Cow<'static, str>;

/// A shared statement with its parameters.
#[derive(Debug, Clone)]
pub struct Query {
    pub sql: Statement,
    pub args: Vec<Arg>,
}

impl Query {
    pub(crate) fn new(sql: impl Into<Statement>, args: Vec<Arg>) -> Self {
        Self {
            sql: sql.into(),
            args,
        }
    }
}

/// The rows of a statement, read.
pub type Rows<T> = Result<Vec<T>, StorageError>;

/// The rows of each statement of a batch, read.
pub type Batch<T> = Result<Vec<Vec<T>>, StorageError>;

/// Reads one result row into a value.
pub type ReadRow<T> = fn(&dyn Row) -> Result<T, StorageError>;

/// A value bound to a statement parameter (`$1`, `$2`, … in order).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Bytes(Vec<u8>),
    OptBytes(Option<Vec<u8>>),
    Text(String),
    Bool(bool),
    /// A list for `= ANY($n)`.
    BytesList(Vec<Vec<u8>>),
}

impl Arg {
    pub(crate) fn id(id: &Id128) -> Self {
        Self::Bytes(id.as_bytes().to_vec())
    }

    pub(crate) fn opt_id(id: Option<&Id128>) -> Self {
        Self::OptBytes(id.map(|i| i.as_bytes().to_vec()))
    }
}

/// One result row. Integer columns of any width read as `i64`.
pub trait Row {
    fn int(&self, column: usize) -> Result<i64, StorageError>;
    fn opt_int(&self, column: usize) -> Result<Option<i64>, StorageError>;
    fn text(&self, column: usize) -> Result<String, StorageError>;
    fn bytes(&self, column: usize) -> Result<&[u8], StorageError>;
    fn opt_bytes(&self, column: usize) -> Result<Option<&[u8]>, StorageError>;
}

/// Runs shared statements on one database.
pub trait Engine: Send + Sync + 'static {
    /// Every row of one statement.
    fn rows<T: Send + 'static>(
        &self,
        query: Query,
        read: ReadRow<T>,
    ) -> impl Future<Output = Result<Vec<T>, StorageError>> + Send;

    /// Several statements in one transaction; the rows of each.
    fn batch<T: Send + 'static>(
        &self,
        queries: Vec<Query>,
        read: ReadRow<T>,
    ) -> impl Future<Output = Batch<T>> + Send;

    /// Runs one statement; the number of rows it changed.
    fn execute(&self, query: Query) -> impl Future<Output = Result<u64, StorageError>> + Send;
}

/// An id column.
pub(crate) fn id(row: &dyn Row, column: usize) -> Result<Id128, StorageError> {
    id_from(row.bytes(column)?)
}

/// A nullable id column.
pub(crate) fn opt_id(row: &dyn Row, column: usize) -> Result<Option<Id128>, StorageError> {
    row.opt_bytes(column)?.map(id_from).transpose()
}

/// A count column (never negative as stored; a negative one reads as 0).
pub(crate) fn count(row: &dyn Row, column: usize) -> Result<u64, StorageError> {
    Ok(u64::try_from(row.int(column)?).unwrap_or(0))
}

/// A small code column (kind, category, level).
pub(crate) fn code(row: &dyn Row, column: usize, what: &str) -> Result<u8, StorageError> {
    u8::try_from(row.int(column)?).map_err(|_| StorageError::Corrupt(what.to_owned()))
}

pub(crate) fn id_from(bytes: &[u8]) -> Result<Id128, StorageError> {
    Id128::from_slice(bytes).map_err(|e| StorageError::Corrupt(e.to_string()))
}

pub(crate) fn key_from(bytes: &[u8]) -> Result<[u8; 32], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt("public key length".into()))
}

pub(crate) fn sig_from(bytes: &[u8]) -> Result<[u8; 64], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt("signature length".into()))
}

/// The first row, if any.
pub(crate) fn first<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}
