//! What the desk answers for one scanned text: who the visitor is, how they were
//! identified, and the verdict. One typed value, so the staff's screen (and the Kotlin and
//! Swift layers) show every outcome without parsing error messages; only a failure of the
//! diary itself is an error.

use chrono::{DateTime, Utc};
use vaora_protocol::cards::{BhytError, CardKind, CardProfile, CccdError};
use vaora_protocol::declare::{
    CertificateError, CodeStatus, PersonalCodeError, StaffCheckInBody, StaffError,
    VerifiedPersonalCode, VisitorSource,
};
use vaora_protocol::ids::Id128;

/// The visitor as the code or card names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub display_name: String,
    pub birth_year: Option<u16>,
    pub identified_by: IdentifiedBy,
}

/// How the visitor was identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifiedBy {
    /// A personal code from a health declaration. `certified`: an authority vouches for
    /// the device that made it (otherwise it is self-signed). `declared_by`: the
    /// family member who declared for the visitor (a proxy declaration).
    PersonalCode {
        certified: bool,
        declared_by: Option<String>,
        /// The declaration's risk triggers (0: none declared).
        trigger_mask: u16,
        valid_until: DateTime<Utc>,
    },
    /// The QR code of a citizen ID card (CCCD).
    Cccd,
    /// The QR code of a health insurance card (BHYT).
    Bhyt,
}

/// The desk's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded: a signed staff check-in with this id is in the sync queue.
    Accepted { checkin_id: Id128 },
    /// The visitor is already inside (an open visit at this venue): nothing new recorded.
    AlreadyInside { checkin_id: Id128 },
    /// The personal code is genuine but no longer valid.
    Expired,
    /// The personal code is self-signed and the desk requires certified codes.
    NotCertified,
    /// The personal code's signature (or its device certificate) does not verify: forged
    /// or altered.
    BadSignature,
    /// A personal code that cannot be read (damaged, truncated, an unknown version).
    Unreadable { reason: String },
    /// The card's QR does not pass the card checks. `field` names the field at fault as
    /// in `docs/id-cards.md` (`None`: the code's shape is wrong); `code` is the stable
    /// check code (`bad-date`, `wrong-field-count`, ...).
    InvalidCard {
        field: Option<String>,
        code: String,
        reason: String,
    },
    /// Not a personal code or ID card: a venue poster, a web link, other text. `kind` is
    /// the classifier's name for it (`venue`, `unknown`).
    NotADoorCode { kind: String },
}

impl Verdict {
    /// A stable name for logs, the CLI and tests in other languages.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Accepted { .. } => "accepted",
            Self::AlreadyInside { .. } => "already-inside",
            Self::Expired => "expired",
            Self::NotCertified => "not-certified",
            Self::BadSignature => "bad-signature",
            Self::Unreadable { .. } => "unreadable",
            Self::InvalidCard { .. } => "invalid-card",
            Self::NotADoorCode { .. } => "not-a-door-code",
        }
    }
}

/// One answer of the desk. `visitor` is known whenever the code or card was read and its
/// signature held (an expired or uncertified code still says whose it is); it is `None`
/// for forged, unreadable and invalid codes, whose contents cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskResult {
    pub verdict: Verdict,
    pub visitor: Option<Visitor>,
}

impl DeskResult {
    pub fn is_accepted(&self) -> bool {
        matches!(self.verdict, Verdict::Accepted { .. })
    }
}

pub(super) fn code_visitor(code: &VerifiedPersonalCode) -> Visitor {
    let c = &code.code;
    Visitor {
        display_name: c.display_name.clone(),
        birth_year: c.birth_year,
        identified_by: IdentifiedBy::PersonalCode {
            certified: code.status == CodeStatus::Valid,
            declared_by: c.declared_by.clone(),
            trigger_mask: c.trigger_mask,
            valid_until: c.valid_until,
        },
    }
}

pub(super) fn card_visitor(profile: &CardProfile, identified_by: IdentifiedBy) -> Visitor {
    Visitor {
        display_name: profile.display_name.clone(),
        birth_year: Some(profile.birth_year),
        identified_by,
    }
}

/// A personal code the protocol refused before the desk's own rules.
pub(super) fn code_refused(e: &PersonalCodeError) -> Verdict {
    match e {
        PersonalCodeError::BadSignature
        | PersonalCodeError::BadCertificate(
            CertificateError::BadSignature
            | CertificateError::WrongDevice
            | CertificateError::BadKey,
        ) => Verdict::BadSignature,
        other => Verdict::Unreadable {
            reason: other.to_string(),
        },
    }
}

/// The desk's policy refused a genuine code.
pub(super) fn staff_refused(e: &StaffError) -> Verdict {
    match e {
        StaffError::Expired => Verdict::Expired,
        StaffError::UncertifiedDevice => Verdict::NotCertified,
        other => Verdict::Unreadable {
            reason: other.to_string(),
        },
    }
}

pub(super) fn cccd_refused(e: &CccdError) -> Verdict {
    Verdict::InvalidCard {
        field: e.field().map(str::to_owned),
        code: e.code().to_owned(),
        reason: e.to_string(),
    }
}

pub(super) fn bhyt_refused(e: &BhytError) -> Verdict {
    Verdict::InvalidCard {
        field: e.field().map(str::to_owned),
        code: e.code().to_owned(),
        reason: e.to_string(),
    }
}

/// The visitor (who, and how identified) a recorded body names.
pub(super) fn body_visitor(body: &StaffCheckInBody) -> Visitor {
    let identified_by = match &body.source {
        VisitorSource::PersonalCode {
            certified,
            trigger_mask,
            valid_until,
            ..
        } => IdentifiedBy::PersonalCode {
            certified: *certified,
            // The declarant's name is not in the signed visit; only that it was a proxy.
            declared_by: None,
            trigger_mask: *trigger_mask,
            valid_until: *valid_until,
        },
        VisitorSource::IdCard { kind, .. } => match kind {
            CardKind::Cccd => IdentifiedBy::Cccd,
            CardKind::Bhyt => IdentifiedBy::Bhyt,
        },
    };
    Visitor {
        display_name: body.checkin.person_name.clone(),
        birth_year: body.birth_year,
        identified_by,
    }
}
