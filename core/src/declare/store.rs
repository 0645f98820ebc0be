//! Declarations and staff check-ins in the encrypted diary.
//!
//! Each signed record is kept exactly as signed (body and signature), with a few columns
//! to find it again; the table rows and their outbox entries are written in one
//! transaction so the diary and the outbox never disagree. Retention purges them with
//! the check-ins ([`purge_rows_before`]). The card-number HMAC key and the authority's
//! device certificate live in the diary's `meta` table.

use rusqlite::{Connection, OptionalExtension, params};

use super::card_profile::{CardHashKey, CardProfile};
use super::certificate::DeviceCertificate;
use super::record::DeclarationBody;
use super::record::PersonRef;
use super::staff::StaffCheckInBody;
use super::{DeclareError, personal_code::PersonalCode};
use crate::diary::{Diary, DiaryError, NewPerson, Person, purge_records_of};
use crate::ids::Id128;
use crate::records::{RecordKind, SignedRecord};

/// The tables of this module (schema step in `diary::schema`).
pub const SCHEMA_SQL: &str = "
CREATE TABLE declarations (
    id          BLOB PRIMARY KEY,
    subject_id  BLOB NOT NULL,
    declared_at INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    device_key  BLOB NOT NULL,
    body        BLOB NOT NULL,
    signature   BLOB NOT NULL
) STRICT;
CREATE INDEX declarations_by_subject ON declarations (subject_id, declared_at);
CREATE INDEX declarations_by_time ON declarations (declared_at);

CREATE TABLE staff_checkins (
    id            BLOB PRIMARY KEY,
    checked_in_at INTEGER NOT NULL,
    device_key    BLOB NOT NULL,
    body          BLOB NOT NULL,
    signature     BLOB NOT NULL
) STRICT;
CREATE INDEX staff_checkins_by_time ON staff_checkins (checked_in_at);

CREATE TABLE person_cards (
    person_id   BLOB PRIMARY KEY REFERENCES people (id),
    card_kind   INTEGER NOT NULL,
    card_hash   BLOB NOT NULL,
    card_number TEXT
) STRICT;
CREATE INDEX person_cards_by_hash ON person_cards (card_hash);
";

const META_CARD_KEY: &str = "card_hash_key";
const META_DEVICE_CERT: &str = "device_certificate";

/// A stored declaration with its signed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeclaration {
    pub body: DeclarationBody,
    pub record: SignedRecord,
}

/// Deletes the outbox records of the declarations and staff check-ins that
/// [`purge_rows_before`] is about to delete (a record's id is its row's id). Call it first.
pub fn purge_records_before(conn: &Connection, cutoff_ms: i64) -> Result<u64, DiaryError> {
    let a = purge_records_of(
        conn,
        "SELECT id FROM declarations WHERE declared_at < ?1",
        cutoff_ms,
    )?;
    let b = purge_records_of(
        conn,
        "SELECT id FROM staff_checkins WHERE checked_in_at < ?1",
        cutoff_ms,
    )?;
    Ok((a + b) as u64)
}

/// Deletes declarations and staff check-ins older than `cutoff` (same retention rule as
/// check-ins), inside the caller's transaction. Returns the number of rows deleted.
/// `cutoff_ms` is Unix milliseconds (UTC), as the diary stores times.
pub fn purge_rows_before(conn: &Connection, cutoff_ms: i64) -> Result<u64, DiaryError> {
    let ms = cutoff_ms;
    let a = conn.execute(
        "DELETE FROM declarations WHERE declared_at < ?1",
        params![ms],
    )?;
    let b = conn.execute(
        "DELETE FROM staff_checkins WHERE checked_in_at < ?1",
        params![ms],
    )?;
    Ok((a + b) as u64)
}

fn record_from_row(kind: RecordKind, r: &rusqlite::Row<'_>) -> rusqlite::Result<SignedRecord> {
    let key: Vec<u8> = r.get(0)?;
    let sig: Vec<u8> = r.get(2)?;
    Ok(SignedRecord {
        kind,
        device_key: key
            .try_into()
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, 0))?,
        body: r.get(1)?,
        signature: sig
            .try_into()
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(2, 0))?,
    })
}

fn corrupt(e: impl std::fmt::Display) -> DiaryError {
    DiaryError::Corrupt(e.to_string())
}

impl Diary {
    /// Signs and stores a declaration (and queues it for sync) in one transaction.
    pub fn save_declaration(&self, body: &DeclarationBody) -> Result<SignedRecord, DiaryError> {
        let record = body.sign(self.identity());
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO declarations (id, subject_id, declared_at, valid_until, device_key, body, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                body.id.as_bytes(),
                body.subject.id.as_bytes(),
                body.declared_at.timestamp_millis(),
                body.valid_until.timestamp_millis(),
                record.device_key.as_slice(),
                record.body,
                record.signature.as_slice(),
            ],
        )?;
        crate::diary::enqueue(&tx, &record, &body.id, &body.id, &body.declared_at)?;
        tx.commit()?;
        log::info!("declaration stored");
        Ok(record)
    }

    fn query_declarations(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<StoredDeclaration>, DiaryError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT device_key, body, signature FROM declarations {filter} ORDER BY declared_at DESC, id"
        ))?;
        let rows = stmt.query_map(args, |r| record_from_row(RecordKind::Declaration, r))?;
        let mut out = Vec::new();
        for row in rows {
            let record = row?;
            let body = DeclarationBody::decode(&record.body).map_err(corrupt)?;
            out.push(StoredDeclaration { body, record });
        }
        Ok(out)
    }

    /// Every stored declaration, newest first.
    pub fn declarations(&self) -> Result<Vec<StoredDeclaration>, DiaryError> {
        self.query_declarations("", &[])
    }

    pub fn declaration(&self, id: &Id128) -> Result<StoredDeclaration, DiaryError> {
        self.query_declarations("WHERE id = ?1", &[&id.as_bytes().as_slice()])?
            .into_iter()
            .next()
            .ok_or_else(|| DiaryError::NotFound("declaration".into()))
    }

    /// The newest declaration about `subject_id`, if any.
    pub fn latest_declaration_for(
        &self,
        subject_id: &Id128,
    ) -> Result<Option<StoredDeclaration>, DiaryError> {
        Ok(self
            .query_declarations(
                "WHERE subject_id = ?1",
                &[&subject_id.as_bytes().as_slice()],
            )?
            .into_iter()
            .next())
    }

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
        crate::diary::enqueue(&tx, &record, &id, &id, &body.checkin.checked_in_at)?;
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

    /// The device's card-number HMAC key, made on first use.
    pub fn card_hash_key(&self) -> Result<CardHashKey, DiaryError> {
        let existing: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                [META_CARD_KEY],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(bytes) = existing {
            let arr: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("card hash key"))?;
            return Ok(CardHashKey::from_bytes(arr));
        }
        let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(fresh.as_mut_slice()).map_err(|e| DiaryError::Random(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)",
            params![META_CARD_KEY, fresh.as_slice()],
        )?;
        Ok(CardHashKey::from_bytes(*fresh))
    }

    /// Stores the authority's certificate of this device's key (from registration).
    pub fn set_device_certificate(&self, cert: &DeviceCertificate) -> Result<(), DeclareError> {
        if cert.device_key != self.identity().public_key() {
            return Err(DeclareError::CertificateForOtherDevice);
        }
        self.conn()
            .execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![META_DEVICE_CERT, cert.to_bytes()],
            )
            .map_err(DiaryError::from)?;
        Ok(())
    }

    /// The authority's certificate of this device's key, if registered.
    pub fn device_certificate(&self) -> Result<Option<DeviceCertificate>, DiaryError> {
        let bytes: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                [META_DEVICE_CERT],
                |r| r.get(0),
            )
            .optional()?;
        bytes
            .map(|b| DeviceCertificate::from_bytes(&b).map_err(corrupt))
            .transpose()
    }

    /// The personal code text for a stored declaration, signed by this device.
    pub fn personal_code_for(&self, declaration: &DeclarationBody) -> Result<String, DeclareError> {
        let code = PersonalCode::for_declaration(
            declaration,
            self.identity().public_key(),
            self.device_certificate()?,
        );
        Ok(code.sign(self.identity())?)
    }

    /// Adds a household member from a scanned ID card: the display name and birth year
    /// pre-filled, the card's keyed hash kept (the number itself only if `keep_number`).
    /// One transaction: no person without their card row, or the reverse.
    pub fn add_person_from_card(
        &mut self,
        profile: &CardProfile,
        relation: Option<String>,
    ) -> Result<Person, DiaryError> {
        self.conn().execute_batch("SAVEPOINT add_from_card")?;
        let result = self.add_person_from_card_inner(profile, relation);
        let end = if result.is_ok() {
            "RELEASE add_from_card"
        } else {
            "ROLLBACK TO add_from_card; RELEASE add_from_card"
        };
        self.conn().execute_batch(end)?;
        result
    }

    fn add_person_from_card_inner(
        &mut self,
        profile: &CardProfile,
        relation: Option<String>,
    ) -> Result<Person, DiaryError> {
        let person = self.add_person(NewPerson {
            display_name: profile.display_name.clone(),
            relation,
            birth_year: Some(profile.birth_year),
        })?;
        self.conn().execute(
            "INSERT INTO person_cards (person_id, card_kind, card_hash, card_number)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                person.id.as_bytes(),
                profile.kind.code(),
                profile.card_hash.as_slice(),
                profile.card_number,
            ],
        )?;
        Ok(person)
    }

    /// The keyed card hash stored for a person added from a card, if any.
    pub fn person_card_hash(&self, person_id: &Id128) -> Result<Option<[u8; 32]>, DiaryError> {
        let bytes: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT card_hash FROM person_cards WHERE person_id = ?1",
                [person_id.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        bytes
            .map(|b| b.as_slice().try_into().map_err(|_| corrupt("card hash")))
            .transpose()
    }

    /// A diary person as a declaration names them.
    pub fn person_ref(&self, id: &Id128) -> Result<PersonRef, DiaryError> {
        let p = self.person(id)?;
        Ok(PersonRef {
            id: p.id,
            name: p.display_name,
            birth_year: p.birth_year,
        })
    }
}
