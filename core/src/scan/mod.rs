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

pub mod frame;
pub mod gray;
mod rqrr_stage;
#[cfg(feature = "rxing")]
mod rxing_stage;
pub mod text;

use std::time::{Duration, Instant};

pub use frame::{
    Frame, FrameError, MAX_SIDE, OwnedFrame, OwnedPlane, PixelFormat, Pixels, Plane, PlaneName,
    Rect, Rotation,
};
pub use text::Charset;

use gray::{Gray, binarize_global, binarize_mean};

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
    fn from_bytes(bytes: Vec<u8>, eci: Option<u32>, stage: Stage) -> Self {
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

/// How hard one call may try.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// No new attempt starts after this much time has passed (a running attempt finishes).
    pub budget: Duration,
    /// Run the rqrr stages (off only to measure the second stage alone).
    pub first_stage: bool,
    /// Run the rxing stage when the crate is built with the `rxing` feature.
    pub second_stage: bool,
    /// Run the rxing stage before the rqrr stages (it is the cheaper one when it reads).
    pub second_stage_first: bool,
    /// Keep trying after a code was found, to collect every code in the frame.
    pub exhaustive: bool,
}

impl Default for ScanOptions {
    /// A camera-loop setting: a frame costs at most about one frame interval.
    fn default() -> Self {
        ScanOptions {
            budget: Duration::from_millis(30),
            first_stage: true,
            second_stage: true,
            second_stage_first: true,
            exhaustive: false,
        }
    }
}

impl ScanOptions {
    /// For still images (CLI, gallery import): a generous budget.
    pub fn still_image() -> Self {
        ScanOptions {
            budget: Duration::from_secs(5),
            ..ScanOptions::default()
        }
    }
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
}

impl ScanResult {
    fn add(&mut self, found: Vec<ScannedCode>) {
        for code in found {
            if !self.codes.iter().any(|c| c.bytes == code.bytes) {
                self.codes.push(code);
            }
        }
    }
}

/// Grey levels a pixel must be below its window mean to count as dark: enough to keep
/// flat areas white, well below half the span of a low-contrast code (about 20 levels).
/// 7 was tried: no measurable speed gain, fewer small-module codes read.
const MEAN_OFFSET: u8 = 4;

/// The working scale: reduce so that the longer side is about this many pixels.
const WORK_SIDE: usize = 640;

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

/// Stage 3: the ZXing port, when built in and asked for, on the image `image` makes (called
/// only when the attempt runs, so a frame already read pays for no copy).
#[allow(unused_variables)]
fn second_stage(
    image: impl FnOnce() -> Gray,
    opts: &ScanOptions,
    try_harder: bool,
    start: Instant,
    result: &mut ScanResult,
) {
    #[cfg(feature = "rxing")]
    if opts.second_stage
        && (opts.exhaustive || result.codes.is_empty())
        && start.elapsed() < opts.budget
    {
        rxing_stage::attempt(image(), try_harder, result);
    }
}

/// Stages 1 and 2: rqrr on our own bitmaps, cheapest first.
fn rqrr_stages(
    frame: &Frame<'_>,
    small: &Gray,
    opts: &ScanOptions,
    scale: usize,
    start: Instant,
    result: &mut ScanResult,
) {
    let done = |r: &ScanResult| !opts.exhaustive && !r.codes.is_empty();
    let over = |r: &mut ScanResult| {
        if start.elapsed() >= opts.budget {
            r.budget_exhausted = true;
            true
        } else {
            false
        }
    };
    // Stage 1: reduced copy, square-window mean threshold.
    let window = window_for(small);
    let bin = binarize_mean(small, window, MEAN_OFFSET);
    for (transpose, invert) in [(false, false), (true, false), (false, true), (true, true)] {
        if done(result) || over(result) {
            return;
        }
        rqrr_stage::attempt(&bin, transpose, invert, result);
    }

    // Stage 2: larger scale for small modules, then a global threshold.
    if scale > 1 {
        if done(result) || over(result) {
            return;
        }
        let full = Gray::from_frame(frame, (scale / 2).max(1));
        let bin = binarize_mean(&full, window_for(&full), MEAN_OFFSET);
        rqrr_stage::attempt(&bin, false, false, result);
        if !done(result) && !over(result) {
            rqrr_stage::attempt(&bin, false, true, result);
        }
    }
    if done(result) || over(result) {
        return;
    }
    rqrr_stage::attempt(&binarize_global(small), false, false, result);
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

/// Mean window: larger than a finder pattern at typical sizes, odd.
fn window_for(img: &Gray) -> usize {
    ((img.width.min(img.height) / 8).max(15)) | 1
}
