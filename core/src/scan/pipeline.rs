//! The attempts of one scan, cheapest first, and when to stop.

use std::time::Instant;

use super::frame::Frame;
use super::gray::{Gray, binarize_global, binarize_mean};
use super::options::ScanOptions;
use super::result::ScanResult;
use super::rqrr_stage;
#[cfg(feature = "rxing")]
use super::rxing_stage;

/// Grey levels a pixel must be below its window mean to count as dark: enough to keep
/// flat areas white, well below half the span of a low-contrast code (about 20 levels).
/// 7 was tried: no measurable speed gain, fewer small-module codes read.
pub(super) const MEAN_OFFSET: u8 = 4;

/// The working scale: reduce so that the longer side is about this many pixels.
pub(super) const WORK_SIDE: usize = 640;

/// Stage 3: the ZXing port, when built in and asked for, on the image `image` makes (called
/// only when the attempt runs, so a frame already read pays for no copy).
#[allow(unused_variables)]
pub(super) fn second_stage(
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
pub(super) fn rqrr_stages(
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

/// Mean window: larger than a finder pattern at typical sizes, odd.
fn window_for(img: &Gray) -> usize {
    ((img.width.min(img.height) / 8).max(15)) | 1
}
