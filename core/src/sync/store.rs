//! The sync client's tables in the diary: registration, the upload queue, received
//! exposure windows and alerts, the download cursor.
//!
//! The upload queue is a thin outbox over signed records: `queue_record` is called by
//! whoever signs a record (the diary's outbox writer), `pending_uploads` / `mark_synced` /
//! `mark_rejected` are what `sync()` needs. Rows are kept after upload (state 1) so the
//! phone can match exposure windows against its own signed check-ins until retention
//! purges them. Everything here runs in short synchronous calls so the async client
//! never holds the diary across a network wait.

use rusqlite::{OptionalExtension, params};

use crate::diary::{Diary, DiaryError};
use crate::ids::Id128;
use crate::records::{CheckInBody, CheckInUpdateBody, RecordKind, SignedRecord};
use crate::sync::exposure::{Alert, DEFAULT_STAY_MS, LocalStay};
use crate::sync::wire::{AuthorityPublicKey, DeviceCertificate, ExposureWindow, from_millis};

/// The tables, created by schema step 1 → 2 and in a fresh diary.
pub const SCHEMA_SQL: &str = "
CREATE TABLE sync_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE sync_queue (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        BLOB NOT NULL UNIQUE,
    kind      INTEGER NOT NULL,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL,
    state     INTEGER NOT NULL DEFAULT 0,
    reason    TEXT,
    queued_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_queue_state ON sync_queue(state, seq);
CREATE TABLE sync_windows (
    id          BLOB PRIMARY KEY,
    venue_id    BLOB NOT NULL,
    from_ms     INTEGER NOT NULL,
    until_ms    INTEGER NOT NULL,
    level       INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE TABLE sync_alerts (
    window_id     BLOB NOT NULL,
    person_id     BLOB NOT NULL,
    person_name   TEXT NOT NULL,
    venue_id      BLOB NOT NULL,
    venue_name    TEXT NOT NULL,
    overlap_from  INTEGER NOT NULL,
    overlap_until INTEGER NOT NULL,
    level         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (window_id, person_id)
) STRICT;
";

const STATE_PENDING: i64 = 0;
const STATE_SYNCED: i64 = 1;
const STATE_REJECTED: i64 = 2;

/// What the queue holds, for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: u64,
    pub synced: u64,
    pub rejected: u64,
}

/// This device's registration with a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub server: String,
    pub device_id: Id128,
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

    /// Stores the registration (device id, certificate, pinned authority key).
    pub fn save_registration(&self, reg: &Registration) -> Result<(), DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        self.sync_set("server", &reg.server)?;
        self.sync_set("device_id", &reg.device_id.to_hex())?;
        self.sync_set(
            "certificate",
            &serde_json::to_string(&reg.certificate).map_err(json_err)?,
        )?;
        self.sync_set(
            "authority_key",
            &serde_json::to_string(&reg.authority_key).map_err(json_err)?,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The registration, if this device registered.
    pub fn registration(&self) -> Result<Option<Registration>, DiaryError> {
        let (Some(server), Some(device_id), Some(cert), Some(key)) = (
            self.sync_get("server")?,
            self.sync_get("device_id")?,
            self.sync_get("certificate")?,
            self.sync_get("authority_key")?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Registration {
            server,
            device_id: device_id
                .parse()
                .map_err(|e| DiaryError::Corrupt(format!("device id: {e}")))?,
            certificate: serde_json::from_str(&cert).map_err(json_err)?,
            authority_key: serde_json::from_str(&key).map_err(json_err)?,
        }))
    }

    /// Keeps the last verified key set (JSON) for the venue-code trust store.
    pub fn save_keyset(&self, json: &str) -> Result<(), DiaryError> {
        self.sync_set("keyset", json)
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

    /// Queues a signed record for upload. Queuing the same record id twice is a no-op.
    pub fn queue_record(&self, record: &SignedRecord) -> Result<Id128, DiaryError> {
        let id = record
            .id()
            .map_err(|e| DiaryError::Invalid(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO sync_queue (id, kind, body, signature, state, queued_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT(id) DO NOTHING",
            params![
                id.as_bytes().as_slice(),
                i64::from(record.kind.code()),
                record.body,
                record.signature.as_slice(),
                self.clock().now().timestamp_millis()
            ],
        )?;
        Ok(id)
    }

    /// Up to `limit` records still waiting for a server answer, oldest first.
    pub fn pending_uploads(&self, limit: usize) -> Result<Vec<SignedRecord>, DiaryError> {
        let mut stmt = self.conn().prepare(
            "SELECT kind, body, signature FROM sync_queue WHERE state = 0 ORDER BY seq LIMIT ?1",
        )?;
        let key = self.identity().public_key();
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, body, sig) = row?;
            let kind = u8::try_from(kind)
                .ok()
                .and_then(RecordKind::from_code)
                .ok_or_else(|| DiaryError::Corrupt(format!("queued record kind {kind}")))?;
            let signature: [u8; 64] = sig
                .as_slice()
                .try_into()
                .map_err(|_| DiaryError::Corrupt("queued signature length".into()))?;
            out.push(SignedRecord {
                kind,
                device_key: key,
                body,
                signature,
            });
        }
        Ok(out)
    }

    /// Marks records the server accepted or already had.
    pub fn mark_synced(&self, ids: &[Id128]) -> Result<(), DiaryError> {
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "UPDATE sync_queue SET state = ?2, reason = NULL WHERE id = ?1 AND state = 0",
            )?;
            for id in ids {
                stmt.execute(params![id.as_bytes().as_slice(), STATE_SYNCED])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks a record the server refused for good; it is not uploaded again.
    pub fn mark_rejected(&self, id: &Id128, reason: &str) -> Result<(), DiaryError> {
        self.conn().execute(
            "UPDATE sync_queue SET state = ?2, reason = ?3 WHERE id = ?1 AND state = 0",
            params![id.as_bytes().as_slice(), STATE_REJECTED, reason],
        )?;
        Ok(())
    }

    /// Counts of the queue by state.
    pub fn queue_counts(&self) -> Result<QueueCounts, DiaryError> {
        let mut c = QueueCounts::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT state, count(*) FROM sync_queue GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let n = u64::try_from(n).unwrap_or(0);
            match state {
                STATE_PENDING => c.pending = n,
                STATE_SYNCED => c.synced = n,
                STATE_REJECTED => c.rejected = n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// The device's own stays with a known venue, from its signed check-ins and their
    /// latest updates (a stay without check-out lasts [`DEFAULT_STAY_MS`]).
    pub fn local_stays(&self) -> Result<Vec<LocalStay>, DiaryError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT kind, body FROM sync_queue WHERE kind IN (1, 2) ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut stays: Vec<LocalStay> = Vec::new();
        let mut updates: Vec<CheckInUpdateBody> = Vec::new();
        for row in rows {
            let (kind, body) = row?;
            if kind == i64::from(RecordKind::CheckIn.code()) {
                let Ok(c) = CheckInBody::decode(&body) else {
                    continue;
                };
                let Some(venue_id) = c.venue.id else { continue };
                let from_ms = c.checked_in_at.timestamp_millis();
                stays.push(LocalStay {
                    checkin_id: c.id,
                    person_id: c.person_id,
                    person_name: c.person_name,
                    venue_id,
                    venue_name: c.venue.name,
                    from_ms,
                    until_ms: c
                        .checked_out_at
                        .map_or(from_ms + DEFAULT_STAY_MS, |t| t.timestamp_millis()),
                });
            } else if let Ok(u) = CheckInUpdateBody::decode(&body) {
                updates.push(u);
            }
        }
        updates.sort_by_key(|u| u.sequence);
        for u in updates {
            if let Some(s) = stays.iter_mut().find(|s| s.checkin_id == u.checkin_id) {
                s.from_ms = u.checked_in_at.timestamp_millis();
                s.until_ms = u
                    .checked_out_at
                    .map_or(s.from_ms + DEFAULT_STAY_MS, |t| t.timestamp_millis());
            }
        }
        Ok(stays)
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
        let mut stmt = self.conn().prepare(
            "SELECT window_id, person_id, person_name, venue_id, venue_name, overlap_from,
                    overlap_until, level FROM sync_alerts ORDER BY overlap_from DESC",
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
                r.get::<_, i64>(7)?,
            ))
        })?;
        let id = |b: Vec<u8>| Id128::from_slice(&b).map_err(|e| DiaryError::Corrupt(e.to_string()));
        let mut out = Vec::new();
        for row in rows {
            let (w, p, pn, v, vn, f, u, l) = row?;
            out.push(Alert {
                window_id: id(w)?,
                person_id: id(p)?,
                person_name: pn,
                venue_id: id(v)?,
                venue_name: vn,
                overlap_from: from_millis(f),
                overlap_until: from_millis(u),
                level: u8::try_from(l).unwrap_or(0),
            });
        }
        Ok(out)
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
