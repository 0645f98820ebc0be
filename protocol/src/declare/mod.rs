//! Health declarations for self and household members, personal QR codes, device
//! certificates and staff check-in bodies.
//!
//! This is the part of Vaora that serves people without a smartphone: a family member
//! declares for them (a proxy declaration is its own record, naming both people), the
//! personal code they carry on paper is verifiable offline at the door, and staff can
//! check in a visitor from that code or from the QR on their ID card. Specs:
//! `docs/declarations.md`, `docs/personal-code.md`, `docs/id-cards.md`.

pub mod answers;
pub mod certificate;
pub mod personal_code;
pub mod qr;
pub mod record;
pub mod staff;
pub mod summary;

pub use answers::{AnswerError, Answers, Symptom, TravelEntry};
pub use certificate::{AuthorityKey, CertificateError, DeviceCertificate};
pub use personal_code::{
    CodeStatus, DeviceTrust, PersonalCode, PersonalCodeError, VerifiedPersonalCode,
};
pub use qr::{QrError, QrMatrix};
pub use record::{DeclarationBody, DeclarationError, DeclarePolicy, DeclaredFor, PersonRef};
pub use staff::{StaffCheckInBody, StaffError, StaffPolicy, VisitorSource};
pub use summary::{Status, Summary, Trigger};
