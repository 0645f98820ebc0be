//! Why ingest refuses a record: the texts an upload's answer carries for the fixed
//! reasons, and the fixed label `/metrics` counts each refusal under (the answer's text may
//! carry values, which must never become label values). Its own module so ingest (which
//! answers) and the metrics (which count) share it without importing each other.

/// Why a record whose id this device used before for other content is refused.
pub(crate) const REUSED: &str = "record id reused with different content";
/// Why a record whose signature does not verify is refused.
pub(crate) const BAD_SIGNATURE: &str = "the record signature does not match its content";
/// A record the batch never reached (an internal slip; never expected).
pub(crate) const NOT_PROCESSED: &str = "not processed";
/// Why an inspection from a device the authority did not certify is refused.
pub(crate) const NOT_INSPECTOR: &str = "the device is not a certified inspector";

/// A refusal's label: `bad_signature`, `id_reused`, `not_inspector`, `not_processed`,
/// else `invalid` (a body, size or time the rules refuse).
pub(crate) fn label(reason: &str) -> &'static str {
    match reason {
        BAD_SIGNATURE => "bad_signature",
        REUSED => "id_reused",
        NOT_INSPECTOR => "not_inspector",
        NOT_PROCESSED => "not_processed",
        _ => "invalid",
    }
}
