//! Key loss and key change.
//!
//! When the platform keystore loses the key (a factory reset of the secure element, a
//! restored backup without its key), the diary is unreadable for good. The app must be
//! able to say so and carry on: [`Diary::recover_after_key_loss`] moves the unreadable
//! file aside (never deletes it: the key might come back, or a rescue tool might help)
//! and starts a fresh diary. A key change re-encrypts in place with `PRAGMA rekey`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::config::DiaryConfig;
use super::error::DiaryError;
use super::handle::Diary;
use super::key::DiaryKey;
use vaora_protocol::clock::Clock;

/// The companion files SQLite keeps beside the main file.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl Diary {
    /// Moves the diary at `path` (and its -wal/-shm/-journal files) aside to
    /// `<path>.unreadable-<UTC timestamp>` and opens a fresh diary there with `new_key`.
    /// Returns the fresh diary and where the old file went (`None` when there was none).
    pub fn recover_after_key_loss(
        path: &Path,
        new_key: &DiaryKey,
        clock: Arc<dyn Clock>,
        config: DiaryConfig,
    ) -> Result<(Self, Option<PathBuf>), DiaryError> {
        let moved = if path.exists() {
            let stamp = clock.now().format("%Y%m%dT%H%M%SZ").to_string();
            let mut n = 0u32;
            let target = loop {
                let suffix = if n == 0 {
                    format!(".unreadable-{stamp}")
                } else {
                    format!(".unreadable-{stamp}-{n}")
                };
                let candidate = with_suffix(path, &suffix);
                let taken = std::iter::once(String::new())
                    .chain(COMPANIONS.iter().map(|c| (*c).to_owned()))
                    .any(|c| with_suffix(&candidate, &c).exists());
                if !taken {
                    break candidate;
                }
                n += 1;
            };
            // Companions first: a main file without its WAL would lose committed data.
            for c in COMPANIONS {
                let from = with_suffix(path, c);
                if from.exists() {
                    std::fs::rename(&from, with_suffix(&target, c))?;
                }
            }
            std::fs::rename(path, &target)?;
            log::warn!("an unreadable diary was moved aside");
            Some(target)
        } else {
            None
        };
        let diary = Self::open(path, new_key, clock, config)?;
        Ok((diary, moved))
    }

    /// Re-encrypts the diary in place with `new_key`. The old key stops working.
    pub fn rekey(&mut self, new_key: &DiaryKey) -> Result<(), DiaryError> {
        // Fold the WAL into the main file first so every page is rewritten under the new key.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.conn
            .pragma_update(None, "rekey", new_key.sqlcipher_literal().as_str())?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
