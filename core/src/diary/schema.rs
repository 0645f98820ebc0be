//! The diary schema: one version number, the full current SQL for a fresh diary, and one
//! upgrade step per older version. Rules (after chatmail/core's STYLE.md): STRICT tables,
//! explicit INSERT column lists, and a migration never changes what an existing column
//! means — it adds a column or a table instead.

use rusqlite::Connection;

use super::DiaryError;

/// The schema version a fresh diary gets and an older one is upgraded to.
pub const VERSION: u32 = 2;

/// The complete schema of a fresh diary at [`VERSION`].
pub const SQL: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
";

/// Creates or upgrades the schema inside the caller's transaction.
pub fn init(conn: &Connection) -> Result<(), DiaryError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == 0 {
        conn.execute_batch(SQL)?;
        conn.execute_batch(crate::sync::store::SCHEMA_SQL)?;
    } else if current < VERSION {
        upgrade_from(conn, current)?;
    } else if current > VERSION {
        return Err(DiaryError::TooNew {
            found: current,
            supported: VERSION,
        });
    }
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// Applies every upgrade step from `version` up to [`VERSION`].
fn upgrade_from(conn: &Connection, version: u32) -> Result<(), DiaryError> {
    // One arm per old version, each leaving the schema at version + 1.
    let mut v = version;
    while v < VERSION {
        match v {
            // 1 -> 2: the sync client's tables (registration, upload queue, windows, alerts).
            1 => conn.execute_batch(crate::sync::store::SCHEMA_SQL)?,
            _ => return Err(DiaryError::TooOld { found: version }),
        }
        v += 1;
    }
    Ok(())
}
