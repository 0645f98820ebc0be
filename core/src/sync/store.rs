//! What only sync keeps in the diary: registration, received exposure windows and alerts,
//! the download cursor (tables `sync_state`, `sync_windows`, `sync_alerts`, defined with
//! every other table in the diary's schema).
//!
//! The records to upload are the diary's queue (`diary::outbox`); this module adds what
//! only sync needs and reads the diary's check-ins for exposure matching. Everything here
//! runs in short synchronous calls so the async client never holds the diary across a
//! network wait.

use rusqlite::{OptionalExtension, params};

use vaora_protocol::declare::DeviceCertificate;

use crate::diary::{DeclareError, Diary, DiaryError};
use vaora_protocol::exposure::{Alert, LocalStay};
use vaora_protocol::ids::Id128;
use vaora_protocol::venue::KeyId;
use vaora_protocol::wire::{AuthorityPublicKey, CodeVisit, ExposureWindow, KeySet, from_millis};

/// A stored alert and when the user saw it (`None`: not yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    pub alert: Alert,
    pub seen_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// This device's registration with a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub server: String,
    pub device_id: Id128,
    /// The authority's certificate of this device's key, verified at registration; it is
    /// kept where the personal codes read it (`Diary::device_certificate`).
    pub certificate: DeviceCertificate,
    pub authority_key: AuthorityPublicKey,
}

fn json_err(e: serde_json::Error) -> DiaryError {
    DiaryError::Corrupt(format!("sync state: {e}"))
}

impl Diary {
    fn sync_get(&self, name: &str) -> Result<Option<String>, DiaryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM sync_state WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn sync_set(&self, name: &str, value: &str) -> Result<(), DiaryError> {
        self.conn().execute(
            "INSERT INTO sync_state (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// Stores the registration (device id, pinned authority key) and the device
    /// certificate (as `Diary::set_device_certificate` does), in one transaction. The
    /// caller has verified the certificate.
    pub fn save_registration(&self, reg: &Registration) -> Result<(), DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        self.sync_set("server", &reg.server)?;
        self.sync_set("device_id", &reg.device_id.to_hex())?;
        self.sync_set(
            "authority_key",
            &serde_json::to_string(&reg.authority_key).map_err(json_err)?,
        )?;
        // Older builds kept a sync-only certificate here; the declare format replaced it.
        self.conn()
            .execute("DELETE FROM sync_state WHERE name = 'certificate'", [])?;
        self.set_device_certificate(&reg.certificate)
            .map_err(|e| match e {
                DeclareError::Diary(d) => d,
                other => DiaryError::Invalid(other.to_string()),
            })?;
        tx.commit()?;
        Ok(())
    }

    /// The registration, if this device registered. A diary registered by an older build
    /// (no declare-format certificate stored) reads as not registered, so the app
    /// registers again; the server answers with the same device id.
    pub fn registration(&self) -> Result<Option<Registration>, DiaryError> {
        let (Some(server), Some(device_id), Some(key), Some(certificate)) = (
            self.sync_get("server")?,
            self.sync_get("device_id")?,
            self.sync_get("authority_key")?,
            self.device_certificate()?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Registration {
            server,
            device_id: device_id
                .parse()
                .map_err(|e| DiaryError::Corrupt(format!("device id: {e}")))?,
            certificate,
            authority_key: serde_json::from_str(&key).map_err(json_err)?,
        }))
    }

    /// Keeps the last verified key set (JSON) for the venue-code trust store.
    pub fn save_keyset(&self, json: &str) -> Result<(), DiaryError> {
        self.sync_set("keyset", json)
    }

    /// Applies the revocations of a verified `GET /v1/keys` list to the trust store
    /// (`docs/sync-protocol.md`, "Trust store updates"), and keeps the list and its
    /// sequence, in one transaction. A list older than the last one applied (a lower
    /// sequence) changes nothing: `false`. Revocations are only ever added.
    pub fn apply_keys_list(&self, list: &KeySet) -> Result<bool, DiaryError> {
        let last: Option<u64> = self.sync_get("keys_sequence")?.and_then(|v| v.parse().ok());
        if last.is_some_and(|l| list.sequence < l) {
            log::warn!(
                "sync: key list {} is older than the one applied ({last:?}); ignored",
                list.sequence
            );
            return Ok(false);
        }
        let keys: Vec<KeyId> = list
            .revoked_keys
            .iter()
            .map(|k| k.parse::<KeyId>())
            .collect::<Result<_, _>>()
            .map_err(|e| DiaryError::Corrupt(format!("key list: {e}")))?;
        let tx = self.conn().unchecked_transaction()?;
        self.add_revocations(&keys, &list.revoked_venues)?;
        self.sync_set("keyset", &serde_json::to_string(list).map_err(json_err)?)?;
        self.sync_set("keys_sequence", &list.sequence.to_string())?;
        tx.commit()?;
        Ok(true)
    }

    /// The last verified key set (JSON), if any.
    pub fn keyset_json(&self) -> Result<Option<String>, DiaryError> {
        self.sync_get("keyset")
    }

    /// The exposure cursor (0 before the first download).
    pub fn exposure_cursor(&self) -> Result<i64, DiaryError> {
        Ok(self
            .sync_get("exposure_cursor")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The diary's stays at venues with a known id, per person (an open stay counts until
    /// its automatic check-out time), and the visits staff recorded from this phone's
    /// personal codes, as the stays of the people the codes' declarations were about.
    pub fn local_stays(&self) -> Result<Vec<LocalStay>, DiaryError> {
        let mut stmt = self.conn().prepare(
            "SELECT c.id, c.person_id, p.display_name, c.venue_id, c.venue_name, c.checked_in_at,
                    coalesce(c.checked_out_at, c.auto_out_at)
             FROM checkins c JOIN people p ON p.id = c.person_id
             WHERE c.venue_id IS NOT NULL
             UNION ALL
             SELECT v.checkin_id, d.subject_id, p.display_name, v.venue_id, v.venue_name,
                    v.from_ms, v.until_ms
             FROM code_visits v JOIN declarations d ON d.id = v.declaration_id
                  JOIN people p ON p.id = d.subject_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let id = |b: Vec<u8>| Id128::from_slice(&b).map_err(|e| DiaryError::Corrupt(e.to_string()));
        let mut out = Vec::new();
        for row in rows {
            let (c, p, pn, v, vn, from_ms, until_ms) = row?;
            out.push(LocalStay {
                checkin_id: id(c)?,
                person_id: id(p)?,
                person_name: pn,
                venue_id: id(v)?,
                venue_name: vn,
                from_ms,
                until_ms,
            });
        }
        Ok(out)
    }

    /// Stores the visits staff recorded from this phone's codes (`GET /v1/visits`): new
    /// ones are added, known ones take the server's current times.
    pub fn store_code_visits(&self, visits: &[CodeVisit]) -> Result<(), DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO code_visits (checkin_id, declaration_id, venue_id, venue_name,
                   from_ms, until_ms, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (checkin_id) DO UPDATE SET from_ms = excluded.from_ms,
                   until_ms = excluded.until_ms, venue_name = excluded.venue_name",
            )?;
            let now = self.clock().now().timestamp_millis();
            for v in visits {
                stmt.execute(params![
                    v.checkin_id.as_bytes().as_slice(),
                    v.declaration_id.as_bytes().as_slice(),
                    v.venue_id.as_bytes().as_slice(),
                    v.venue_name,
                    v.from.timestamp_millis(),
                    v.until.timestamp_millis(),
                    now
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores verified windows and the cursor after them, in one transaction.
    pub fn store_windows(&self, windows: &[ExposureWindow], cursor: i64) -> Result<(), DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO sync_windows (id, venue_id, from_ms, until_ms, level, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING",
            )?;
            let now = self.clock().now().timestamp_millis();
            for w in windows {
                stmt.execute(params![
                    w.id.as_bytes().as_slice(),
                    w.venue_id.as_bytes().as_slice(),
                    w.from_ms(),
                    w.until_ms(),
                    i64::from(w.level),
                    now
                ])?;
            }
        }
        self.sync_set("exposure_cursor", &cursor.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Stores alerts; returns only those not stored before (one per window and person).
    pub fn store_alerts(&self, alerts: &[Alert]) -> Result<Vec<Alert>, DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        let mut fresh = Vec::new();
        {
            let mut stmt = tx.prepare(
                "INSERT INTO sync_alerts (window_id, person_id, person_name, venue_id, venue_name,
                   overlap_from, overlap_until, level, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            )?;
            let now = self.clock().now().timestamp_millis();
            for a in alerts {
                let n = stmt.execute(params![
                    a.window_id.as_bytes().as_slice(),
                    a.person_id.as_bytes().as_slice(),
                    a.person_name,
                    a.venue_id.as_bytes().as_slice(),
                    a.venue_name,
                    a.overlap_from.timestamp_millis(),
                    a.overlap_until.timestamp_millis(),
                    i64::from(a.level),
                    now
                ])?;
                if n == 1 {
                    fresh.push(a.clone());
                }
            }
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// Every stored alert, newest overlap first.
    pub fn alerts(&self) -> Result<Vec<Alert>, DiaryError> {
        Ok(self.stored_alerts()?.into_iter().map(|s| s.alert).collect())
    }

    /// Every stored alert, newest overlap first, with when the user saw it.
    pub fn stored_alerts(&self) -> Result<Vec<StoredAlert>, DiaryError> {
        let mut stmt = self.conn().prepare(
            "SELECT window_id, person_id, person_name, venue_id, venue_name, overlap_from,
                    overlap_until, level, seen_at FROM sync_alerts ORDER BY overlap_from DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ),
                (
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ),
            ))
        })?;
        let id = |b: Vec<u8>| Id128::from_slice(&b).map_err(|e| DiaryError::Corrupt(e.to_string()));
        let mut out = Vec::new();
        for row in rows {
            let ((w, p, pn, v), (vn, f, u, l, seen)) = row?;
            out.push(StoredAlert {
                alert: Alert {
                    window_id: id(w)?,
                    person_id: id(p)?,
                    person_name: pn,
                    venue_id: id(v)?,
                    venue_name: vn,
                    overlap_from: from_millis(f),
                    overlap_until: from_millis(u),
                    level: u8::try_from(l).unwrap_or(0),
                },
                seen_at: seen.map(from_millis),
            });
        }
        Ok(out)
    }

    /// Marks alerts seen now, by (window, person); returns how many were unseen. Alerts
    /// seen before keep their first time; unknown ones are ignored.
    pub fn mark_alerts_seen(&self, alerts: &[(Id128, Id128)]) -> Result<usize, DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        let mut marked = 0;
        {
            let mut stmt = tx.prepare(
                "UPDATE sync_alerts SET seen_at = ?3
                 WHERE window_id = ?1 AND person_id = ?2 AND seen_at IS NULL",
            )?;
            let now = self.clock().now().timestamp_millis();
            for (window, person) in alerts {
                marked += stmt.execute(params![
                    window.as_bytes().as_slice(),
                    person.as_bytes().as_slice(),
                    now
                ])?;
            }
        }
        tx.commit()?;
        Ok(marked)
    }

    /// All windows received so far (to match again after new check-ins).
    pub fn stored_windows(&self) -> Result<Vec<ExposureWindow>, DiaryError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, venue_id, from_ms, until_ms, level FROM sync_windows")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let id = |b: Vec<u8>| Id128::from_slice(&b).map_err(|e| DiaryError::Corrupt(e.to_string()));
        let mut out = Vec::new();
        for row in rows {
            let (w, v, f, u, l) = row?;
            out.push(ExposureWindow {
                id: id(w)?,
                venue_id: id(v)?,
                from: from_millis(f),
                until: from_millis(u),
                level: u8::try_from(l).unwrap_or(0),
                key_id: String::new(),
                signature: String::new(),
            });
        }
        Ok(out)
    }
}
