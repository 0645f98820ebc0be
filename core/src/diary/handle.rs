//! The open diary itself: its connection, clock, settings, device identity and stay cache,
//! and what concerns the whole file (checkpoints, closing). Each area of the diary adds
//! its operations in an `impl Diary` block of its own file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;
use vaora_protocol::clock::Clock;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;

use super::config::DiaryConfig;
use super::error::DiaryError;
use super::stays;
use super::write_tx;

/// An open, decrypted diary.
pub struct Diary {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) identity: DeviceIdentity,
    pub(super) config: DiaryConfig,
    pub(super) owner: Id128,
    /// People's latest stays (`None` until first needed or after a failed write).
    pub(super) stays: std::cell::RefCell<Option<stays::StayCache>>,
}

impl std::fmt::Debug for Diary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diary")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Diary {
    /// The connection, for the modules above the diary that keep their queries (sync).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection for writes (transactions need `&mut`).
    #[allow(dead_code)]
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn config(&self) -> &DiaryConfig {
        &self.config
    }

    /// The device's signing identity (its secret stays inside the diary).
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// Copies the write-ahead log into the main file (a passive checkpoint: it never
    /// waits for or blocks readers), after settling the open stays (see
    /// [`Self::close`]). The app calls it when it goes to the background; check-ins then
    /// never pay for it. Returns how many frames of the current log are now in the main
    /// file (0 when the log is empty).
    pub fn checkpoint(&self) -> Result<u32, DiaryError> {
        self.settle_open_stays()?;
        let copied: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))?;
        Ok(u32::try_from(copied).unwrap_or(0))
    }

    /// Closes the diary: settles the open stays (the next open then reads only the stays
    /// that can still be open, and the newest check-ins get their id-index entries), then
    /// closes the connection, which checkpoints the WAL; errors are reported instead of
    /// dropped.
    pub fn close(self) -> Result<(), DiaryError> {
        self.settle_open_stays()?;
        self.conn.close().map_err(|(_, e)| DiaryError::from(e))
    }

    /// Raises `open_stays_since` to the oldest open stay (see `diary::stays`), so the next
    /// open reads only the stays that can still be open, and gives the newest check-ins
    /// their `checkin_ids` entries (see `diary::id_index`).
    pub(super) fn settle_open_stays(&self) -> Result<(), DiaryError> {
        let mut slot = self.stays.borrow_mut();
        let (tx, mut stays) = write_tx::WriteTx::begin_with_stays(&self.conn, &mut slot)?;
        stays.advance(&tx, &self.clock.now())?;
        stays.index_ids(&tx)?;
        tx.commit()?;
        *slot = Some(stays);
        Ok(())
    }

    /// Reads from the stay cache, first brought up to date with other connections' writes.
    pub(super) fn read_stays<R>(
        &self,
        read: impl FnOnce(&stays::StayCache) -> R,
    ) -> Result<R, DiaryError> {
        let mut slot = self.stays.borrow_mut();
        let stays = stays::StayCache::current(&self.conn, slot.take())?;
        let value = read(&stays);
        *slot = Some(stays);
        Ok(value)
    }
}
