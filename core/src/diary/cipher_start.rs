//! SQLCipher's once-per-process start-up, finished before any diary is keyed.
//!
//! SQLite marks itself initialised and only then, outside its init mutex, runs
//! SQLCipher's own start-up step (private heap, crypto provider, random seed). A thread
//! that opens its first database inside that window sees an initialised library, and its
//! `PRAGMA key` fails with "An error occurred with PRAGMA key or rekey". The window is
//! the first moments of a process in which two threads open a database at once (an app
//! opening its diary while a background sync worker starts; the test harness; CI hit it
//! twice). So the first [`Diary::open`](super::Diary::open) of a process waits here until a
//! throw-away in-memory connection can be keyed; every later open returns at once.
//! Test: `core/tests/first_open_race.rs`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// How long a first open waits for another thread's start-up before giving up (the step
/// takes well under a millisecond; this only matters on a badly stalled machine).
const WAIT: Duration = Duration::from_secs(5);
const PAUSE: Duration = Duration::from_millis(1);

static READY: OnceLock<()> = OnceLock::new();

/// Returns once SQLCipher can key a database, or after [`WAIT`]: then the caller's own
/// `PRAGMA key` reports the failure as a typed error.
pub(super) fn wait_until_ready() {
    READY.get_or_init(|| {
        let started = Instant::now();
        while !can_key() && started.elapsed() < WAIT {
            std::thread::sleep(PAUSE);
        }
    });
}

/// Keys a throw-away in-memory database: it succeeds only after SQLCipher's start-up.
fn can_key() -> bool {
    Connection::open_in_memory()
        .and_then(|conn| conn.pragma_update(None, "key", "start-up probe"))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_wait_a_database_can_be_keyed() {
        wait_until_ready();
        assert!(can_key());
    }
}
