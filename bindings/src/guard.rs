//! Panic containment at the boundary.
//!
//! uniffi already turns a panic into a generic "unexpected" error, but then the app gets no
//! stable code and the panic message goes to stderr, which Android and iOS drop. Every
//! exported entry point that runs core code goes through [`contain`]: a panic becomes
//! `VaoraError::Internal` (code `INTERNAL`) and is logged through the `log` crate, which
//! [`crate::logging`] forwards to the platform logger.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::VaoraError;

/// Runs `f`, turning a panic into [`VaoraError::Internal`] and logging it.
///
/// `what` names the operation in the log line (never any user data).
pub(crate) fn contain<T>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, VaoraError>,
) -> Result<T, VaoraError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-text panic payload".to_owned());
            log::error!(target: "vaora_ffi", "contained a panic in {what}: {detail}");
            Err(VaoraError::internal(format!("contained a panic in {what}")))
        }
    }
}
