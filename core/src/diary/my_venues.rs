//! "My venues": the venues this phone's owner registered on the server themselves (a shop,
//! a clinic; `docs/venue-registration.md`), so the app shows their poster again and opens
//! the staff desk for them. The management secret the server showed once lives only here,
//! in the encrypted diary.

use chrono::{DateTime, Utc};
use rusqlite::params;
use vaora_protocol::ids::Id128;

use super::columns::{id_col, time_col};
use super::error::DiaryError;
use super::handle::Diary;

/// A venue this phone's owner registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyVenue {
    pub venue_id: Id128,
    pub name: String,
    /// The signed venue code, as its poster's QR carries it.
    pub code_text: String,
    /// What manages the venue on the server (shown once there; kept only here).
    pub manage_secret: String,
    /// The contact phone it was registered with.
    pub contact: String,
    /// The server it is registered on (base URL).
    pub server: String,
    pub registered_at: DateTime<Utc>,
}

impl Diary {
    /// Keeps a venue the owner registered; a venue kept already (same id) stays as it is.
    pub fn add_my_venue(&mut self, v: &MyVenue) -> Result<(), DiaryError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO my_venues (venue_id, name, code_text, manage_secret, contact, server,
                                        registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (venue_id) DO NOTHING",
            )?
            .execute(params![
                v.venue_id.as_bytes().as_slice(),
                v.name,
                v.code_text,
                v.manage_secret,
                v.contact,
                v.server,
                v.registered_at.timestamp_millis()
            ])?;
        Ok(())
    }

    /// The venues the owner registered, newest first.
    pub fn my_venues(&self) -> Result<Vec<MyVenue>, DiaryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT venue_id, name, code_text, manage_secret, contact, server, registered_at
             FROM my_venues ORDER BY registered_at DESC, venue_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MyVenue {
                venue_id: id_col(r, 0)?,
                name: r.get(1)?,
                code_text: r.get(2)?,
                manage_secret: r.get(3)?,
                contact: r.get(4)?,
                server: r.get(5)?,
                registered_at: time_col(r, 6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a venue (it stays registered on the server); `false` when it was not kept.
    pub fn remove_my_venue(&mut self, venue_id: &Id128) -> Result<bool, DiaryError> {
        let n = self
            .conn()
            .prepare_cached("DELETE FROM my_venues WHERE venue_id = ?1")?
            .execute([venue_id.as_bytes().as_slice()])?;
        Ok(n > 0)
    }
}
