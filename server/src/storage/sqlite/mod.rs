//! The SQLite backend: one embedded file, nothing to install (the default).

mod backend;
mod connection;
mod engine;
mod ingest;
mod rollup;
mod schema;

pub use connection::SqliteStore;
pub use schema::MIGRATIONS;
