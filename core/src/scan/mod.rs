//! Camera frames in (luma, NV21, NV12, I420 planes, BGRA/RGBA, stride, rotation), payloads out.
//!
//! The phone calls [`scan_frame`] for every camera frame, so one call must return quickly
//! whatever the frame holds: a [`ScanOptions::budget`] bounds the work, attempts run from
//! cheapest to most expensive and stop at the first that finds a code, and every call
//! into a decoder is wrapped in `catch_unwind` (rqrr panics on some inputs).
//!
//! Stages, in order (see `docs/scanning.md` and `docs/adr/0002-qr-decoder.md`):
//! 1. rqrr on a box-downscaled copy binarised with a square-window mean (rows and columns
//!    alike, follows uneven light), then the same bitmap transposed (rqrr misses some
//!    90°-turned codes), then inverted (light-on-dark codes).
//! 2. rqrr at full scale for small modules, and with a global (Otsu) threshold.
//! 3. With the `rxing` cargo feature: the ZXing port on the full-resolution luma — run
//!    first by default (`second_stage_first`), as it is the cheaper stage when it reads.

pub mod error;
pub mod frame;
pub mod gray;
pub mod layout;
mod options;
pub mod owned;
mod pipeline;
mod reduce;
mod result;
mod rqrr_stage;
#[cfg(feature = "rxing")]
mod rxing_stage;
pub mod text;

use std::time::Instant;

pub use error::{FrameError, MAX_SIDE, PlaneName};
pub use frame::Frame;
pub use layout::{Pixels, Plane, Rect, Rotation};
pub use options::ScanOptions;
pub use owned::{OwnedFrame, OwnedPlane, PixelFormat};
pub use result::{ScanResult, ScannedCode, Stage};
pub use text::Charset;

use gray::Gray;
use pipeline::{WORK_SIDE, rqrr_stages, second_stage};

/// Reads every QR code it can find in `frame` within the options' budget.
pub fn scan_frame(frame: &Frame<'_>, opts: &ScanOptions) -> ScanResult {
    let start = Instant::now();
    let mut result = ScanResult::default();
    let (uw, uh) = frame.upright_size();
    let scale = (uw.max(uh) / WORK_SIDE).max(1);

    if opts.budget.is_zero() {
        result.budget_exhausted = true;
        return result;
    }
    // The reduced copy both the fast rxing read and the rqrr stages start from, made once.
    let reduced = std::cell::OnceCell::new();
    let small = || reduced.get_or_init(|| Gray::from_frame(frame, scale));
    let rxing_first = cfg!(feature = "rxing") && opts.second_stage && opts.second_stage_first;
    if rxing_first {
        // The cheap read first: rxing on the reduced copy, without its try-harder search.
        // A code held up to the camera has modules of several pixels even at half size;
        // this is what keeps a 720p frame near 1 ms when it reads.
        second_stage(|| small().clone(), opts, false, start, &mut result);
    }
    if opts.first_stage
        && (opts.exhaustive || result.codes.is_empty())
        && start.elapsed() < opts.budget
    {
        rqrr_stages(frame, small(), opts, scale, start, &mut result);
    }
    // Last, the thorough read: full resolution with try-harder (small or distant codes).
    // The full-size copy is made only if this read runs.
    let full = || {
        if scale == 1 {
            small().clone()
        } else {
            Gray::from_frame(frame, 1)
        }
    };
    second_stage(full, opts, true, start, &mut result);
    if start.elapsed() >= opts.budget {
        result.budget_exhausted = true;
    }
    result
}

/// Convenience for a packed 8-bit grey image (CLI, tests).
pub fn scan_luma(
    data: &[u8],
    width: u32,
    height: u32,
    opts: &ScanOptions,
) -> Result<ScanResult, FrameError> {
    let frame = Frame::new(
        width,
        height,
        Pixels::Luma8(Plane::new(data, width as usize, 1)),
        Rotation::R0,
        None,
    )?;
    Ok(scan_frame(&frame, opts))
}
