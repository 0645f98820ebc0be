//! Health declarations for self and household members, personal QR codes, staff
//! check-ins and what is kept from scanned ID cards.
//!
//! This is the part of Vaora that serves people without a smartphone: a family member
//! declares for them (a proxy declaration is its own record, naming both people), the
//! personal code they carry on paper is verifiable offline at the door, and staff can
//! check in a visitor from that code or from the QR on their ID card. Specs:
//! `docs/declarations.md`, `docs/personal-code.md`, `docs/id-cards.md`.

pub mod answers;
pub mod card_profile;
pub mod certificate;
pub mod personal_code;
pub mod qr;
pub mod record;
pub mod staff;
pub mod store;
pub mod summary;

pub use answers::{AnswerError, Answers, Symptom, TravelEntry};
pub use card_profile::{CardHashKey, CardKind, CardProfile};
pub use certificate::{AuthorityKey, CertificateError, DeviceCertificate};
pub use personal_code::{
    CodeStatus, DeviceTrust, PersonalCode, PersonalCodeError, VerifiedPersonalCode,
};
pub use qr::{QrError, QrMatrix};
pub use record::{DeclarationBody, DeclarationError, DeclarePolicy, DeclaredFor, PersonRef};
pub use staff::{StaffCheckInBody, StaffError, StaffPolicy, VisitorSource};
pub use store::StoredDeclaration;
pub use summary::{Status, Summary, Trigger};

use chrono::{DateTime, TimeZone, Utc};

use crate::diary::DiaryError;
use crate::ids::{Id128, IdError};

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
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t)
}

impl PersonalCode {
    /// The personal code content for a declaration: display name and birth year of the
    /// subject, the declaration's id, time and trigger mask, the declarant's name when it
    /// is a proxy declaration, and its validity (times rounded down to the second).
    pub fn for_declaration(
        declaration: &DeclarationBody,
        device_key: [u8; 32],
        certificate: Option<DeviceCertificate>,
    ) -> Self {
        Self {
            display_name: declaration.subject.name.clone(),
            birth_year: declaration.subject.birth_year,
            declaration_id: declaration.id,
            declared_at: whole_seconds(declaration.declared_at),
            trigger_mask: declaration.summary().mask(),
            declared_by: match &declaration.declared_for {
                DeclaredFor::Myself => None,
                DeclaredFor::HouseholdMember { declarant } => Some(declarant.name.clone()),
            },
            valid_until: whole_seconds(declaration.valid_until),
            device_key,
            certificate,
        }
    }
}

/// Makes, validates, signs and stores a declaration for `subject`, made now by the diary's
/// device owner (`declared_for` says whether it is for themself or a household member).
pub fn declare(
    diary: &crate::diary::Diary,
    subject: PersonRef,
    declared_for: DeclaredFor,
    answers: Answers,
    policy: &DeclarePolicy,
) -> Result<StoredDeclaration, DeclareError> {
    let now = diary.clock().now();
    let local_today = now
        .with_timezone(&diary.clock().local_offset())
        .date_naive();
    let body = DeclarationBody::new(
        Id128::random()?,
        subject,
        declared_for,
        answers,
        now,
        local_today,
        policy,
    )?;
    let record = diary.save_declaration(&body)?;
    Ok(StoredDeclaration { body, record })
}

/// Declares for a person of the diary (the owner or a household member): a declaration
/// for anyone but the owner is a proxy declaration made by the owner.
pub fn declare_for_person(
    diary: &crate::diary::Diary,
    person_id: &Id128,
    answers: Answers,
    policy: &DeclarePolicy,
) -> Result<StoredDeclaration, DeclareError> {
    let owner_id = diary.owner_id();
    let subject = diary.person_ref(person_id)?;
    let declared_for = if *person_id == owner_id {
        DeclaredFor::Myself
    } else {
        DeclaredFor::HouseholdMember {
            declarant: diary.person_ref(&owner_id)?,
        }
    };
    declare(diary, subject, declared_for, answers, policy)
}
