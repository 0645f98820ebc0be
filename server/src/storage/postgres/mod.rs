//! The PostgreSQL backend (sqlx): the production store.

mod backend;
mod connection;
mod engine;
mod explain;
mod ingest;
mod partitions;
mod replica;
mod rollup;
mod schema;

pub use connection::PgStore;
pub use partitions::partition_name;
pub use replica::ReplicaLag;
pub use rollup::peer_counts_sql;
pub use schema::{AGGREGATE_BACKFILL, MIGRATIONS};
