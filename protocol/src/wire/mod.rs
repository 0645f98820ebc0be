//! Wire types shared by the phone's sync client and the reference server (`docs/sync-protocol.md`).
//!
//! They live in this crate (not in the server or the phone's core) so that both sides
//! compile against one definition, and they depend on nothing but serde, CBOR and Ed25519:
//! the server links them without the diary. Control messages are JSON; the record upload,
//! which carries the bulk of the bytes, is CBOR with raw byte strings (a check-in with a
//! 125-byte body takes 195 bytes in an upload: 6 bytes of framing and the signature).
//!
//! Files: `common.rs` (domains, errors, helpers), `devices.rs` (registration, request
//! signatures), `upload.rs` (the record upload), `downloads.rs` (key set, exposure
//! windows), `authority.rs` (cases, tracing, publishing, venues), `own_venue.rs` (a venue
//! registered by its owner),
//! `inspection.rs` (inspector codes and a ward's work list).

mod authority;
mod cbor_upload;
mod common;
mod devices;
mod downloads;
mod inspection;
mod own_venue;
pub mod received;
#[cfg(test)]
mod tests;
mod upload;

pub use authority::{
    CaseRequest, CaseResponse, Contact, IdentifiedBy, InspectorRequest, InspectorResponse,
    PublishResponse, TraceResponse, VenueRequest, VenueResponse, VenueStatus,
};
pub use common::{
    AUTHORITY_SCHEME, CBOR_CONTENT_TYPE, DEVICE_SCHEME, EXPOSURE_DOMAIN, ErrorBody, KEYS_DOMAIN,
    MAX_CLOCK_SKEW_MS, REGISTER_DOMAIN, REQUEST_DOMAIN, WireError, from_millis, hex_array,
    key_id_of,
};
pub use devices::{
    ATTEST_DOMAIN, Attestation, AuthorityPublicKey, RegisterRequest, RegisterResponse, RequestAuth,
    request_signing_input,
};
pub use downloads::{CodeVisit, CodeVisits, ExposurePage, ExposureWindow, KeySet};
pub use inspection::{InspectorCode, InspectorEnrolRequest, WorkList, WorkListVenue};
pub use own_venue::{
    EnrolRequest, Enrolled, EnrolmentCode, ManageRequest, OwnVenueRequest, OwnVenueResponse,
    RemoveStaffRequest, RemovedStaff, RevokedVenue, StaffDevice, StaffList,
};
pub use upload::{
    RecordStatus, UploadItem, decode_upload, decode_upload_answer, encode_upload,
    encode_upload_answer, item_to_record,
};
