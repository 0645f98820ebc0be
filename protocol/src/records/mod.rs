//! Signed records: what the device asserts and the server stores.
//!
//! A record is a kind, the canonical body bytes, the device's public key and an Ed25519
//! signature over `"vaora-record-v1" 0x00 kind body`. The body bytes travel and rest as
//! they were signed, so nobody ever re-encodes before verifying. The record id (the
//! first field of every body) is the sync idempotency key. Spec: `docs/records.md`.

mod checkin;
mod inspection;
mod signed;

pub use checkin::{CheckInBody, CheckInMethod, CheckInUpdateBody, UpdateReason, VenueRef};
pub use inspection::{
    CodeFinding, INSPECTION_BODY_VERSION, InspectionBody, InspectionError, InspectionVerdict,
    MAX_NOTE, PlaceFinding,
};
pub use signed::{RECORD_DOMAIN, RecordError, RecordKind, SignedRecord};
