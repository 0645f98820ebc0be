//! The attempts of one scan, cheapest first, and when to stop.
//!
//! Camera path ([`ScanOptions::still`] off): reduce the frame to the working size, look
//! for finder patterns (`finder.rs`); with no two that fit one code, stop there (a frame
//! with nothing to find costs the reduction and one pass over the small copy). Otherwise
//! decode only the region the finders say holds a code: rxing's zxing-cpp port on it,
//! then rqrr on our own binarisation of it (with the polarity the finders showed), then,
//! when the finders' modules are small at the working size, the same region at a finer
//! scale.
//!
//! Still path: the same first, but never rejected and on the whole image when the
//! evidence is weak, then the thorough attempts a camera loop leaves to the next frame:
//! finer scales up to full resolution with try-harder, inverted, rqrr transposed and on a
//! global threshold, and rxing's Java-port reader last.

use std::time::Instant;

use super::finder::{self, Evidence};
use super::frame::Frame;
use super::gray::{Gray, binarize_global, binarize_mean};
use super::options::ScanOptions;
use super::result::ScanResult;
use super::rqrr_stage;
#[cfg(feature = "rxing")]
use super::rxing_stage::{self, RxReader};

/// Grey levels a pixel must be below its window mean to count as dark: enough to keep
/// flat areas white, well below half the span of a low-contrast code (about 20 levels).
/// 7 was tried: no measurable speed gain, fewer small-module codes read.
const MEAN_OFFSET: u8 = 4;

/// The working scale: reduce so that the longer side is about this many pixels.
const WORK_SIDE: usize = 640;

/// Below this many pixels per module at the working scale, the finder region is read
/// again at a finer scale.
const SMALL_MODULE: f32 = 2.5;

/// One scan's state: the frame, the options, the clock and what was found so far.
struct Scan<'f, 'o> {
    frame: &'f Frame<'f>,
    opts: &'o ScanOptions,
    start: Instant,
    result: ScanResult,
}

impl Scan<'_, '_> {
    /// Whether another attempt may start: nothing read yet (or exhaustive), budget left.
    fn go(&mut self) -> bool {
        if !self.opts.exhaustive && !self.result.codes.is_empty() {
            return false;
        }
        if self.start.elapsed() >= self.opts.budget {
            self.result.budget_exhausted = true;
            return false;
        }
        true
    }

    /// rxing on `img` (and on its negative when asked), when built in and enabled.
    #[allow(unused_variables)]
    fn rxing(&mut self, img: &Gray, normal: bool, inverted: bool, try_harder: bool) {
        #[cfg(feature = "rxing")]
        if self.opts.second_stage {
            if normal && self.go() {
                rxing_stage::attempt(img.clone(), try_harder, RxReader::Cpp, &mut self.result);
            }
            if inverted && self.go() {
                rxing_stage::attempt(img.inverted(), try_harder, RxReader::Cpp, &mut self.result);
            }
        }
    }

    /// rqrr on our square-window binarisation of `img`: upright, and transposed when
    /// `turn` (rqrr misses some 90°-turned codes), for each polarity asked.
    fn rqrr(&mut self, img: &Gray, module: Option<f32>, normal: bool, inverted: bool, turn: bool) {
        if !self.opts.first_stage || !self.go() {
            return;
        }
        let bin = binarize_mean(img, window_for(img, module), MEAN_OFFSET);
        for (transpose, invert) in [(false, false), (true, false), (false, true), (true, true)] {
            let wanted = if invert { inverted } else { normal };
            if wanted && (turn || !transpose) && self.go() {
                rqrr_stage::attempt(&bin, transpose, invert, &mut self.result);
            }
        }
    }
}

/// Reads every QR code it can find in `frame` within the options' budget.
pub(super) fn run(frame: &Frame<'_>, opts: &ScanOptions) -> ScanResult {
    let mut s = Scan {
        frame,
        opts,
        start: Instant::now(),
        result: ScanResult::default(),
    };
    if opts.budget.is_zero() {
        s.result.budget_exhausted = true;
        return s.result;
    }
    let (uw, uh) = frame.upright_size();
    let scale = (uw.max(uh) / WORK_SIDE).max(1);
    let small = Gray::from_frame(frame, scale);
    let ev = finder::find(&small);
    s.result.finders = u32::try_from(ev.finders.len()).unwrap_or(u32::MAX);
    if !ev.plausible() && !opts.still {
        s.result.rejected = true;
        return s.result;
    }
    fast(&mut s, &small, &ev, scale);
    if opts.still {
        thorough(&mut s, &small, scale);
    }
    if s.start.elapsed() >= opts.budget {
        s.result.budget_exhausted = true;
    }
    s.result
}

/// The camera path's attempts (also the still path's first ones): the region the finders
/// point at, at the working scale, then finer when its modules are small.
fn fast(s: &mut Scan<'_, '_>, small: &Gray, ev: &Evidence, scale: usize) {
    let Some((x, y, w, h)) = ev.region(small.width, small.height) else {
        return;
    };
    let (normal, inverted) = ev.polarities();
    let module = ev.smallest_module();
    // The whole copy when the region is most of it: a crop would only cost a copy.
    let crop = if w * h * 10 < small.width * small.height * 7 {
        small.crop(x, y, w, h)
    } else {
        small.clone()
    };
    s.rxing(&crop, normal, inverted, false);
    s.rqrr(&crop, module, normal, inverted, s.opts.still);
    if scale > 1 && module.is_some_and(|m| m < SMALL_MODULE) && s.go() {
        // The same region, from the frame, at half the reduction (or none).
        let finer_scale = (scale / 2).max(1);
        let sub = s
            .frame
            .sub_region(x * scale, y * scale, w * scale, h * scale);
        let finer = Gray::from_frame(&sub, finer_scale);
        let module = module.map(|m| m * scale as f32 / finer_scale as f32);
        s.rxing(&finer, normal, inverted, false);
        s.rqrr(&finer, module, normal, inverted, false);
    }
}

/// The still path's thorough attempts, on the whole image: rxing at every scale up to
/// full resolution with try-harder (both polarities), rqrr in every variant, a global
/// threshold, and rxing's Java-port reader last.
fn thorough(s: &mut Scan<'_, '_>, small: &Gray, scale: usize) {
    s.rxing(small, true, true, true);
    s.rqrr(small, None, true, true, true);
    let mut finer_scale = scale;
    while finer_scale > 1 && s.go() {
        finer_scale = (finer_scale / 2).max(1);
        let finer = Gray::from_frame(s.frame, finer_scale);
        s.rxing(&finer, true, true, true);
        s.rqrr(&finer, None, true, true, false);
    }
    if s.opts.first_stage && s.go() {
        rqrr_stage::attempt(&binarize_global(small), false, false, &mut s.result);
    }
    #[cfg(feature = "rxing")]
    if s.opts.second_stage && s.go() {
        let full = if scale == 1 {
            small.clone()
        } else {
            Gray::from_frame(s.frame, 1)
        };
        rxing_stage::attempt(full, true, RxReader::Java, &mut s.result);
    }
}

/// Mean window: larger than a finder pattern (from the finders' module size when known,
/// else 1/8 of the shorter side), odd.
fn window_for(img: &Gray, module: Option<f32>) -> usize {
    let side = img.width.min(img.height);
    let w = match module {
        Some(m) => ((m * 12.0) as usize).max(side / 8),
        None => side / 8,
    };
    (w.clamp(15, side.max(15))) | 1
}
