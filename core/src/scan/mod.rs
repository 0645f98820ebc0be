//! Camera frames in (luma, NV21, NV12, I420 planes, BGRA/RGBA, stride, rotation), payloads out.
//!
//! The phone calls [`scan_frame`] for every camera frame, so one call must return quickly
//! whatever the frame holds: a [`ScanOptions::budget`] bounds the work, attempts run from
//! cheapest to most expensive and stop at the first that finds a code, and every call
//! into a decoder is wrapped in `catch_unwind` (rqrr panics on some inputs).
//!
//! Two paths (see `pipeline.rs`, `docs/scanning.md` and `docs/adr/0002-qr-decoder.md`):
//! - camera ([`ScanOptions::default`]): a box-reduced working copy, a finder-pattern pass
//!   over it (`finder.rs`) that rejects a frame with nothing to find in a fraction of a
//!   millisecond, then decoders only on the region the finders point at: rxing's
//!   zxing-cpp port (with the `rxing` cargo feature), rqrr on our own binarisation, and
//!   the same region at a finer scale when its modules are small;
//! - still ([`ScanOptions::still_image`]): the same, never rejected, then the thorough
//!   attempts on the whole image up to full resolution.

pub mod error;
pub mod finder;
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

pub use error::{FrameError, MAX_SIDE, PlaneName};
pub use frame::Frame;
pub use layout::{Pixels, Plane, Rect, Rotation};
pub use options::ScanOptions;
pub use owned::{OwnedFrame, OwnedPlane, PixelFormat};
pub use result::{ScanResult, ScannedCode, Stage};
pub use text::Charset;

/// Reads every QR code it can find in `frame` within the options' budget.
pub fn scan_frame(frame: &Frame<'_>, opts: &ScanOptions) -> ScanResult {
    pipeline::run(frame, opts)
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
