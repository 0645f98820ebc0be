//! Small values the diary keeps in `meta` as 8-byte big-endian integers: instants and
//! `place`s that bound the walks over the check-ins (`diary::stays`, `diary::id_index`).
//! A name never written reads as `i64::MIN`, "nothing is known to lie before".

use rusqlite::{Connection, OptionalExtension, params};

use super::error::DiaryError;

/// The value of `name`, or `i64::MIN` when it was never written.
pub(crate) fn read_mark(conn: &Connection, name: &str) -> Result<i64, DiaryError> {
    let raw: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM meta WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    match raw {
        None => Ok(i64::MIN),
        Some(bytes) => bytes
            .try_into()
            .map(i64::from_be_bytes)
            .map_err(|_| DiaryError::Corrupt(format!("meta {name} is not 8 bytes"))),
    }
}

/// Sets `name` to `value`.
pub(crate) fn write_mark(conn: &Connection, name: &str, value: i64) -> Result<(), DiaryError> {
    conn.prepare_cached(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, value.to_be_bytes().as_slice()])?;
    Ok(())
}
