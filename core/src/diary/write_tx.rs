//! The write transaction of the check-in path: `BEGIN IMMEDIATE` … `COMMIT`, both kept as
//! prepared statements, and a rollback when it is dropped uncommitted.
//!
//! rusqlite's `Transaction` parses `BEGIN` and `COMMIT` again on every write; on a
//! check-in that is a measurable share of the work (ADR 0001), so the check-in path, and
//! every write that works with the stay cache (`diary::stays`), use this instead. Other
//! writes keep rusqlite's `Transaction`.
//!
//! Immediate, because a deferred read-then-write can fail with SQLITE_BUSY when another
//! connection wrote in between; the write lock is taken before anything is read.

use std::ops::Deref;

use rusqlite::Connection;

use super::error::DiaryError;
use super::stays::StayCache;

/// An open write transaction on a diary connection.
#[derive(Debug)]
pub(crate) struct WriteTx<'c> {
    conn: &'c Connection,
    done: bool,
}

impl<'c> WriteTx<'c> {
    /// Starts a write transaction on `conn`, which must not be in one.
    pub fn begin(conn: &'c Connection) -> Result<Self, DiaryError> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(Self { conn, done: false })
    }

    /// Starts a write transaction and brings the stay cache in `slot` up to date inside it
    /// (`PRAGMA data_version` read in the transaction costs no lock of its own). The cache
    /// is taken out of `slot`: the caller puts it back after the commit, so a failed write
    /// leaves none and the next use reads it again.
    pub fn begin_with_stays(
        conn: &'c Connection,
        slot: &mut Option<StayCache>,
    ) -> Result<(Self, StayCache), DiaryError> {
        let tx = Self::begin(conn)?;
        let stays = StayCache::current(conn, slot.take())?;
        Ok((tx, stays))
    }

    pub fn commit(mut self) -> Result<(), DiaryError> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.done = true;
        Ok(())
    }
}

impl Deref for WriteTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if !self.done && !self.conn.is_autocommit() {
            // Nothing to report to: the write's own error is what the caller returns.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
