//! What a scan returns: the codes read, which decoder read each, and how the call went.

use super::text::{self, Charset};

/// Which decoder read a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Our preprocessing + rqrr.
    Rqrr,
    /// The optional ZXing-port stage.
    Rxing,
}

/// One code read from a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    /// The payload bytes (concatenated data segments).
    pub bytes: Vec<u8>,
    /// The payload as text, when it is text in a charset we know.
    pub text: Option<String>,
    /// The charset `text` was decoded with.
    pub charset: Option<Charset>,
    /// The decoder that read it.
    pub stage: Stage,
}

impl ScannedCode {
    pub(super) fn from_bytes(bytes: Vec<u8>, eci: Option<u32>, stage: Stage) -> Self {
        let (text, charset) = match text::bytes_to_text(&bytes, eci) {
            Some((t, c)) => (Some(t), Some(c)),
            None => (None, None),
        };
        ScannedCode {
            bytes,
            text,
            charset,
            stage,
        }
    }
}

/// One decoder attempt, recorded with the `scan-trace` feature.
#[cfg(feature = "scan-trace")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptTrace {
    /// The decoder call: `rxing`, `rxing-negative`, `rxing-java`, `rqrr`, `rqrr-turned`,
    /// `rqrr-negative`, `rqrr-negative-turned`.
    pub decoder: &'static str,
    /// Where in the pipeline: `region` (the camera path's first look), `finer` (the
    /// camera path's second), `working-copy` or `still-region` (the still path's).
    pub place: &'static str,
    /// Codes this attempt read, counting ones an earlier attempt had read too.
    pub read: usize,
    /// Wall time of the attempt (its binarisation included for the first rqrr call).
    pub micros: u64,
}

/// What one call found and how it went.
#[derive(Debug, Clone, Default)]
pub struct ScanResult {
    /// Every distinct code read, in the order found.
    pub codes: Vec<ScannedCode>,
    /// Decoder attempts run.
    pub attempts: u32,
    /// Attempts skipped because the budget was spent.
    pub budget_exhausted: bool,
    /// Decoder panics caught and contained.
    pub panics: u32,
    /// Finder patterns seen at the working scale (the evidence pass, `finder.rs`).
    pub finders: u32,
    /// Rejected before any decoder ran: no two finder patterns that fit one code (camera
    /// frames only; still images always go on to the decoders).
    pub rejected: bool,
    /// Every decoder attempt in order (`scan-trace` builds only).
    #[cfg(feature = "scan-trace")]
    pub trace: Vec<AttemptTrace>,
}

impl ScanResult {
    /// Adds the codes not read before; returns how many it was given.
    pub(super) fn add(&mut self, found: Vec<ScannedCode>) -> usize {
        let given = found.len();
        for code in found {
            if !self.codes.iter().any(|c| c.bytes == code.bytes) {
                self.codes.push(code);
            }
        }
        given
    }
}
