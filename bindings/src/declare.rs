//! Health declarations (for the owner, or a proxy declaration for a household member),
//! personal codes (text, PNG, module matrix) and their verification, over
//! `vaora_protocol::declare`.

use std::time::SystemTime;

use vaora_core::diary::{DeclareError, StoredDeclaration};
use vaora_protocol::declare::personal_code::{CodeStatus, DeviceTrust};
use vaora_protocol::declare::{
    self, Answers, DeclarePolicy, PersonalCodeError, Summary, VerifiedPersonalCode,
};

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
    /// `no-risk-declared` or `needs-attention`.
    pub status: String,
    /// The answers that need attention (e.g. `symptoms`, `contact-confirmed`).
    pub triggers: Vec<String>,
    /// The personal QR code text, signed by this device.
    pub personal_code: String,
}

fn summary_fields(s: &Summary) -> (String, Vec<String>) {
    (
        s.status.as_str().to_owned(),
        s.triggers.iter().map(|t| t.as_str().to_owned()).collect(),
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
    /// `valid`, `valid-self-signed`, `expired`, or `refused`.
    pub status: String,
    /// Why it was refused (`refused` only), fit to log.
    pub refusal: Option<String>,
    pub display_name: Option<String>,
    pub birth_year: Option<u16>,
    /// The declarant's name for a proxy declaration.
    pub declared_by: Option<String>,
    pub needs_attention: bool,
    pub triggers: Vec<String>,
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
                    (status == "needs-attention", triggers)
                }
                None => (true, Vec::new()),
            };
            PersonalCodeCheck {
                text: text.to_owned(),
                status: v.status.as_str().to_owned(),
                refusal: None,
                display_name: Some(v.code.display_name.clone()),
                birth_year: v.code.birth_year,
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
            status: "refused".to_owned(),
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
    /// declaration by the owner). `answers_json` follows docs/declarations.md. Returns the
    /// stored declaration with its signed personal code.
    pub fn declare(
        &self,
        person_id: Option<String>,
        answers_json: String,
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
            let answers = Answers::from_json(&answers_json, today)
                .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))?;
            let stored = d.declare_for_person(&person, answers, &DeclarePolicy::default())?;
            let code = d.personal_code_for(&stored.body)?;
            Ok(declaration_info(&stored, code))
        })
    }

    /// The newest declaration about a person (none = the owner), with a freshly signed
    /// personal code; `NOT_FOUND` when there is none.
    pub fn latest_declaration(
        &self,
        person_id: Option<String>,
    ) -> Result<DeclarationInfo, VaoraError> {
        self.with_diary("latest_declaration", |d| {
            let person = match person_id {
                Some(p) => parse_id(&p)?,
                None => d.owner_id(),
            };
            let stored = d
                .latest_declaration_for(&person)?
                .ok_or(DeclareError::NoDeclaration)?;
            let code = d.personal_code_for(&stored.body)?;
            Ok(declaration_info(&stored, code))
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

/// A personal code as PNG bytes: `scale` pixels a module, `border` modules of margin.
#[uniffi::export]
pub fn personal_code_png(text: String, scale: u32, border: u32) -> Result<Vec<u8>, VaoraError> {
    crate::guard::contain("personal_code_png", || {
        declare::qr::code_png(&text, scale, border)
            .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))
    })
}
