//! Staff check-ins in the encrypted diary: the visitors this device recorded at a venue's
//! door (from a personal code or an ID card), each kept exactly as signed and queued for
//! sync in the same transaction. The workflow that makes them is the staff desk
//! (`crate::desk`).

use rusqlite::params;
use vaora_protocol::declare::StaffCheckInBody;
use vaora_protocol::records::{RecordKind, SignedRecord};

use super::declarations::{corrupt, record_from_row};
use super::error::DiaryError;
use super::handle::Diary;
use super::outbox::enqueue;

impl Diary {
    /// Signs and stores a staff check-in (and queues it for sync) in one transaction.
    pub fn save_staff_checkin(&self, body: &StaffCheckInBody) -> Result<SignedRecord, DiaryError> {
        let record = body.sign(self.identity());
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO staff_checkins (id, checked_in_at, device_key, body, signature)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                body.checkin.id.as_bytes(),
                body.checkin.checked_in_at.timestamp_millis(),
                record.device_key.as_slice(),
                record.body,
                record.signature.as_slice(),
            ],
        )?;
        let id = body.checkin.id;
        enqueue(&tx, &record, &id, &id, &body.checkin.checked_in_at)?;
        tx.commit()?;
        log::info!("staff check-in stored");
        Ok(record)
    }

    /// Every staff check-in this device recorded, newest first.
    pub fn staff_checkins(&self) -> Result<Vec<(StaffCheckInBody, SignedRecord)>, DiaryError> {
        let mut stmt = self.conn().prepare(
            "SELECT device_key, body, signature FROM staff_checkins ORDER BY checked_in_at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| record_from_row(RecordKind::StaffCheckIn, r))?;
        let mut out = Vec::new();
        for row in rows {
            let record = row?;
            let body = StaffCheckInBody::decode(&record.body).map_err(corrupt)?;
            out.push((body, record));
        }
        Ok(out)
    }
}
