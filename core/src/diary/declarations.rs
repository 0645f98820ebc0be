//! Health declarations in the encrypted diary, and the personal codes made from them.
//!
//! Each declaration is kept exactly as signed (body and signature), with a few columns to
//! find it again; the row and its outbox record are written in one transaction so the
//! diary and the sync queue never disagree. The authority's certificate of this device's
//! key lives in `meta`: personal codes carry it. Staff check-ins: `staff_checkins.rs`;
//! cards of household members: `cards.rs`.

use rusqlite::{OptionalExtension, params};
use vaora_protocol::cards::{BhytError, CccdError};
use vaora_protocol::declare::{
    AnswerError, Answers, DeclarationBody, DeclarationError, DeclarePolicy, DeclaredFor,
    DeviceCertificate, PersonRef, PersonalCode, PersonalCodeError, QrError, StaffError,
};
use vaora_protocol::ids::{Id128, IdError};
use vaora_protocol::records::{RecordKind, SignedRecord};

use super::columns::array_col;
use super::error::DiaryError;
use super::handle::Diary;
use super::outbox::enqueue;

const META_DEVICE_CERT: &str = "device_certificate";

/// Any failure of the declaration workflows that touch the diary.
#[derive(Debug, thiserror::Error)]
pub enum DeclareError {
    #[error(transparent)]
    Declaration(#[from] DeclarationError),
    #[error(transparent)]
    Answers(#[from] AnswerError),
    #[error(transparent)]
    PersonalCode(#[from] PersonalCodeError),
    #[error(transparent)]
    Staff(#[from] StaffError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error(transparent)]
    Diary(#[from] DiaryError),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("the device certificate is for another device key")]
    CertificateForOtherDevice,
    #[error("there is no declaration for this person yet")]
    NoDeclaration,
    #[error("the latest declaration has expired: declare again first")]
    DeclarationExpired,
    #[error(transparent)]
    Cccd(#[from] CccdError),
    #[error(transparent)]
    Bhyt(#[from] BhytError),
    #[error("not a CCCD or BHYT card: {kind}")]
    NotACard { kind: &'static str },
}

/// A stored declaration with its signed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeclaration {
    pub body: DeclarationBody,
    pub record: SignedRecord,
}

/// A record read back from `device_key, body, signature` columns.
pub(super) fn record_from_row(
    kind: RecordKind,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<SignedRecord> {
    Ok(SignedRecord {
        kind,
        device_key: array_col(r, 0)?,
        body: r.get(1)?,
        signature: array_col(r, 2)?,
    })
}

pub(super) fn corrupt(e: impl std::fmt::Display) -> DiaryError {
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
        enqueue(&tx, &record, &body.id, &body.id, &body.declared_at)?;
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

    /// The personal code text of a person of the diary: made from their latest
    /// declaration, which must still be valid now.
    pub fn personal_code_for_person(&self, person_id: &Id128) -> Result<String, DeclareError> {
        let latest = self
            .latest_declaration_for(person_id)?
            .ok_or(DeclareError::NoDeclaration)?;
        if !latest.body.is_valid_at(self.clock().now()) {
            return Err(DeclareError::DeclarationExpired);
        }
        self.personal_code_for(&latest.body)
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

impl Diary {
    /// Makes, validates, signs and stores a declaration for `subject`, made now by the diary's
    /// device owner (`declared_for` says whether it is for themself or a household member).
    pub fn declare(
        &self,
        subject: PersonRef,
        declared_for: DeclaredFor,
        answers: Answers,
        policy: &DeclarePolicy,
    ) -> Result<StoredDeclaration, DeclareError> {
        let now = self.clock().now();
        let local_today = now.with_timezone(&self.clock().local_offset()).date_naive();
        let body = DeclarationBody::new(
            Id128::random()?,
            subject,
            declared_for,
            answers,
            now,
            local_today,
            policy,
        )?;
        let record = self.save_declaration(&body)?;
        Ok(StoredDeclaration { body, record })
    }

    /// Declares for a person of the diary (the owner or a household member): a declaration
    /// for anyone but the owner is a proxy declaration made by the owner.
    pub fn declare_for_person(
        &self,
        person_id: &Id128,
        answers: Answers,
        policy: &DeclarePolicy,
    ) -> Result<StoredDeclaration, DeclareError> {
        let owner_id = self.owner_id();
        let subject = self.person_ref(person_id)?;
        let declared_for = if *person_id == owner_id {
            DeclaredFor::Myself
        } else {
            DeclaredFor::HouseholdMember {
                declarant: self.person_ref(&owner_id)?,
            }
        };
        self.declare(subject, declared_for, answers, policy)
    }
}
