//! Health declarations (for the owner, or a proxy declaration for a household member),
//! personal codes (text, PNG, module matrix) and their verification, over
//! `vaora_protocol::declare`.

use std::time::SystemTime;

use vaora_core::diary::{DeclareError, StoredDeclaration};
use vaora_protocol::declare::personal_code::{CodeStatus, DeviceTrust};
use vaora_protocol::declare::{
    self, DeclarePolicy, PersonalCodeError, Status, Summary, VerifiedPersonalCode,
};

use crate::answers::{HealthAnswers, Symptom, to_answers};
use crate::convert::{parse_id, to_system_time};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::render::CodeMatrix;

impl From<DeclareError> for VaoraError {
    fn from(err: DeclareError) -> Self {
        match err {
            DeclareError::Diary(e) => e.into(),
            DeclareError::NoDeclaration => VaoraError::input(ErrorCode::NotFound, err.to_string()),
            other => VaoraError::input(ErrorCode::InvalidInput, other.to_string()),
        }
    }
}

/// A declaration's overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeclarationStatus {
    /// Nothing that needs attention was declared.
    NoRiskDeclared,
    /// Some answer needs attention (see `triggers`).
    NeedsAttention,
}

impl From<Status> for DeclarationStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::NoRiskDeclared => Self::NoRiskDeclared,
            Status::NeedsAttention => Self::NeedsAttention,
        }
    }
}

/// One answer that calls for attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Trigger {
    /// A named symptom.
    Symptom {
        symptom: Symptom,
    },
    /// A symptom described in free text.
    OtherSymptom,
    ContactConfirmed,
    ContactSuspected,
    ContactOutbreakArea,
}

impl From<declare::Trigger> for Trigger {
    fn from(t: declare::Trigger) -> Self {
        match t {
            declare::Trigger::Symptom(s) => Self::Symptom { symptom: s.into() },
            declare::Trigger::OtherSymptom => Self::OtherSymptom,
            declare::Trigger::ContactConfirmed => Self::ContactConfirmed,
            declare::Trigger::ContactSuspected => Self::ContactSuspected,
            declare::Trigger::ContactOutbreakArea => Self::ContactOutbreakArea,
        }
    }
}

/// What checking a scanned personal code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PersonalCodeStatus {
    /// Signed by a device an authority certified, and still valid.
    Valid,
    /// Signed correctly by a device no trusted authority certified: show it as
    /// unconfirmed.
    ValidSelfSigned,
    /// Correctly signed but past its validity: ask for a new declaration.
    Expired,
    /// Forged, damaged or not a personal code (`refusal` says why).
    Refused,
}

impl From<CodeStatus> for PersonalCodeStatus {
    fn from(s: CodeStatus) -> Self {
        match s {
            CodeStatus::Valid => Self::Valid,
            CodeStatus::ValidSelfSigned => Self::ValidSelfSigned,
            CodeStatus::Expired => Self::Expired,
        }
    }
}

/// A stored declaration, in one glance, with its signed personal code.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeclarationInfo {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    /// Made by the owner for a household member.
    pub is_proxy: bool,
    pub declared_at: SystemTime,
    pub valid_until: SystemTime,
    pub status: DeclarationStatus,
    /// The answers that need attention, in a fixed order (empty when no risk).
    pub triggers: Vec<Trigger>,
    /// The personal QR code text, signed by this device.
    pub personal_code: String,
}

fn summary_fields(s: &Summary) -> (DeclarationStatus, Vec<Trigger>) {
    (
        s.status.into(),
        s.triggers.iter().map(|t| (*t).into()).collect(),
    )
}

fn declaration_info(stored: &StoredDeclaration, personal_code: String) -> DeclarationInfo {
    let body = &stored.body;
    let (status, triggers) = summary_fields(&body.summary());
    DeclarationInfo {
        id: body.id.to_hex(),
        person_id: body.subject.id.to_hex(),
        person_name: body.subject.name.clone(),
        is_proxy: body.declared_for.is_proxy(),
        declared_at: to_system_time(body.declared_at),
        valid_until: to_system_time(body.valid_until),
        status,
        triggers,
        personal_code,
    }
}

/// What checking a scanned personal code found.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PersonalCodeCheck {
    pub text: String,
    pub status: PersonalCodeStatus,
    /// Why it was refused (`refused` only), fit to log.
    pub refusal: Option<String>,
    pub display_name: Option<String>,
    pub birth_year: Option<i32>,
    /// The declarant's name for a proxy declaration.
    pub declared_by: Option<String>,
    pub needs_attention: bool,
    pub triggers: Vec<Trigger>,
    pub valid_until: Option<SystemTime>,
    /// A trusted authority certified the signing device.
    pub certified: bool,
}

pub(crate) fn personal_check(
    text: &str,
    result: Result<VerifiedPersonalCode, PersonalCodeError>,
) -> PersonalCodeCheck {
    match result {
        Ok(v) => {
            let (needs_attention, triggers) = match v.summary() {
                Some(s) => {
                    let (status, triggers) = summary_fields(&s);
                    (status == DeclarationStatus::NeedsAttention, triggers)
                }
                None => (true, Vec::new()),
            };
            PersonalCodeCheck {
                text: text.to_owned(),
                status: v.status.into(),
                refusal: None,
                display_name: Some(v.code.display_name.clone()),
                birth_year: v.code.birth_year.map(i32::from),
                declared_by: v.code.declared_by.clone(),
                needs_attention,
                triggers,
                valid_until: Some(to_system_time(v.code.valid_until)),
                certified: matches!(v.device, DeviceTrust::Certified { .. })
                    && v.status == CodeStatus::Valid,
            }
        }
        Err(e) => PersonalCodeCheck {
            text: text.to_owned(),
            status: PersonalCodeStatus::Refused,
            refusal: Some(e.to_string()),
            display_name: None,
            birth_year: None,
            declared_by: None,
            needs_attention: true,
            triggers: Vec::new(),
            valid_until: None,
            certified: false,
        },
    }
}

#[uniffi::export]
impl Vaora {
    /// Declares for a person of the household (none = the owner; anyone else is a proxy
    /// declaration by the owner). Returns the stored declaration with its signed personal
    /// code. A refused answer is `VaoraError.InvalidAnswer` (code `INVALID_ANSWER`), which
    /// names the answer and the problem.
    pub fn declare(
        &self,
        person_id: Option<String>,
        answers: HealthAnswers,
    ) -> Result<DeclarationInfo, VaoraError> {
        self.with_diary("declare", |d| {
            let person = match person_id {
                Some(p) => parse_id(&p)?,
                None => d.owner_id(),
            };
            let today = d
                .clock()
                .now()
                .with_timezone(&d.clock().local_offset())
                .date_naive();
            let answers = to_answers(answers, today)?;
            let stored = d.declare_for_person(&person, answers, &DeclarePolicy::default())?;
            let code = d.personal_code_for(&stored.body)?;
            Ok(declaration_info(&stored, code))
        })
    }

    /// The newest declaration about a person (none = the owner), with a freshly signed
    /// personal code; none when the person never declared.
    pub fn latest_declaration(
        &self,
        person_id: Option<String>,
    ) -> Result<Option<DeclarationInfo>, VaoraError> {
        self.with_diary("latest_declaration", |d| {
            let person = match person_id {
                Some(p) => parse_id(&p)?,
                None => d.owner_id(),
            };
            let Some(stored) = d.latest_declaration_for(&person)? else {
                return Ok(None);
            };
            let code = d.personal_code_for(&stored.body)?;
            Ok(Some(declaration_info(&stored, code)))
        })
    }

    /// Verifies a scanned personal code offline against this diary's trusted authorities.
    pub fn verify_personal_code(&self, text: String) -> Result<PersonalCodeCheck, VaoraError> {
        self.with_diary("verify_personal_code", |d| {
            match d.classify(&[&text])?.pop() {
                Some(vaora_protocol::codes::Classified::Personal(r)) => {
                    Ok(personal_check(&text, r))
                }
                _ => Ok(personal_check(
                    &text,
                    Err(PersonalCodeError::NotPersonalCode),
                )),
            }
        })
    }
}

/// A personal code's module matrix (level M, as printed), for native drawing.
#[uniffi::export]
pub fn personal_code_matrix(text: String) -> Result<CodeMatrix, VaoraError> {
    crate::guard::contain("personal_code_matrix", || {
        let m = declare::qr::encode(&text)
            .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(crate::render::matrix(&m))
    })
}

/// A personal code as PNG bytes: `scale` pixels a module (1..=64), `quiet_zone` modules of
/// light margin (4 is standard), as `codePng`.
#[uniffi::export]
pub fn personal_code_png(text: String, scale: i32, quiet_zone: i32) -> Result<Vec<u8>, VaoraError> {
    crate::guard::contain("personal_code_png", || {
        let (scale, quiet_zone) = crate::render::png_style(scale, quiet_zone)?;
        declare::qr::code_png(&text, scale, quiet_zone)
            .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))
    })
}
