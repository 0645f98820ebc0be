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
//! Still path: never rejected; rxing on the region first, then the thorough attempts a
//! camera loop leaves to the next frame (see [`thorough`]): every rxing attempt before
//! any rqrr one, because rxing's cost follows the pixel count (about a millisecond at
//! the working size) while rqrr's follows each grid it locates (it fits the perspective
//! cell by cell: 3–10 ms for a version 4–10 grid, read or not), and one rqrr attempt
//! per polarity, turned only when it located nothing. What a photo with nothing
//! readable costs is what sets the still path's p95 (docs/scanning.md).

use std::time::Instant;

use super::finder::{self, Evidence};
use super::frame::Frame;
use super::gray::{Gray, binarize_mean};
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

    /// Records one attempt, started at `t` (see [`clock`]), when built with `scan-trace`
    /// (bench-scan's `attempts`).
    #[allow(unused_variables)]
    fn record(
        &mut self,
        decoder: &'static str,
        place: &'static str,
        read: usize,
        t: Option<Instant>,
    ) {
        #[cfg(feature = "scan-trace")]
        self.result.trace.push(super::result::AttemptTrace {
            decoder,
            place,
            read,
            micros: t.map_or(0, |t| {
                u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX)
            }),
        });
    }

    /// rxing on `img` (and on its negative when asked), when built in and enabled.
    #[allow(unused_variables)]
    fn rxing(
        &mut self,
        img: &Gray,
        normal: bool,
        inverted: bool,
        try_harder: bool,
        place: &'static str,
    ) {
        #[cfg(feature = "rxing")]
        if self.opts.second_stage {
            if normal && self.go() {
                let t = clock();
                let read =
                    rxing_stage::attempt(img.clone(), try_harder, RxReader::Cpp, &mut self.result);
                self.record("rxing", place, read, t);
            }
            if inverted && self.go() {
                let t = clock();
                let read = rxing_stage::attempt(
                    img.inverted(),
                    try_harder,
                    RxReader::Cpp,
                    &mut self.result,
                );
                self.record("rxing-negative", place, read, t);
            }
        }
    }

    /// rqrr on our square-window binarisation of `img`, for each polarity asked: upright
    /// unless `upright` is off (an earlier attempt read this image so); with `turn`,
    /// transposed too where no upright attempt located a grid (rqrr's row-wise search
    /// misses some 90°-turned finder patterns; an attempt that located nothing cost
    /// little, one that located a grid and could not read it would mostly fit the same
    /// grid again), or always when rxing does not run.
    fn rqrr(
        &mut self,
        img: &Gray,
        module: Option<f32>,
        polarities: (bool, bool),
        (upright, turn): (bool, bool),
        place: &'static str,
    ) {
        if !self.opts.first_stage || !self.go() {
            return;
        }
        let mut t = clock();
        let bin = binarize_mean(img, window_for(img, module), MEAN_OFFSET);
        for (invert, wanted) in [(false, polarities.0), (true, polarities.1)] {
            if !wanted || !self.go() {
                continue;
            }
            let mut located = 0;
            if upright {
                let tried = rqrr_stage::attempt(&bin, false, invert, &mut self.result);
                let name = if invert { "rqrr-negative" } else { "rqrr" };
                self.record(name, place, tried.read, t);
                located = tried.located;
            }
            // Without rxing, rqrr is all there is: turned whatever the upright one found.
            if turn && (located == 0 || !rxing_runs(self.opts)) && self.go() {
                t = clock();
                let turned = rqrr_stage::attempt(&bin, true, invert, &mut self.result);
                let name = if invert {
                    "rqrr-negative-turned"
                } else {
                    "rqrr-turned"
                };
                self.record(name, place, turned.read, t);
            }
            t = clock();
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
    // Rounded: a 1000 px photo works at 500, not at full size.
    let scale = ((uw.max(uh) + WORK_SIDE / 2) / WORK_SIDE).max(1);
    let small = Gray::from_frame(frame, scale);
    let ev = finder::find(&small);
    s.result.finders = u32::try_from(ev.finders.len()).unwrap_or(u32::MAX);
    if !ev.plausible() && !opts.still {
        s.result.rejected = true;
        return s.result;
    }
    fast(&mut s, &small, &ev, scale);
    if opts.still {
        thorough(&mut s, &small, &ev, scale);
    }
    if s.start.elapsed() >= opts.budget {
        s.result.budget_exhausted = true;
    }
    s.result
}

/// The camera path's attempts: the region the finders point at, at the working scale, then
/// finer when its modules are small. The still path takes only the first, rxing on the
/// region, and leaves rqrr to [`thorough`] (unless rxing is not built in).
fn fast(s: &mut Scan<'_, '_>, small: &Gray, ev: &Evidence, scale: usize) {
    let Some((x, y, w, h)) = ev.region(small.width, small.height) else {
        return;
    };
    let (normal, inverted) = ev.polarities();
    let mut module = ev.smallest_module();
    // The whole copy when the region is most of it: a crop would only cost a copy.
    let crop = if w * h * 10 < small.width * small.height * 7 {
        small.crop(x, y, w, h)
    } else {
        small.clone()
    };
    let crop = coarser(crop, &mut module);
    let stretch = low_contrast(small, ev);
    if stretch.is_some() {
        s.rxing(
            &stretched(crop.clone(), stretch),
            normal,
            inverted,
            false,
            "region",
        );
    } else {
        s.rxing(&crop, normal, inverted, false, "region");
    }
    // The still path leaves rqrr to `thorough`, after every rxing attempt, unless rqrr is
    // its only decoder (a build without rxing): then this coarser read stays first.
    if !s.opts.still || !rxing_runs(s.opts) {
        s.rqrr(&crop, module, (normal, inverted), (true, false), "region");
    }
    if s.opts.still {
        // (The still path looks closer in `thorough`, at the resolution the modules need.)
        return;
    }
    if scale > 1 && module.is_some_and(|m| m < SMALL_MODULE) && s.go() {
        // The same region, from the frame, at half the reduction (or none).
        let finer_scale = (scale / 2).max(1);
        let sub = s
            .frame
            .sub_region(x * scale, y * scale, w * scale, h * scale);
        let finer = Gray::from_frame(&sub, finer_scale);
        let module = module.map(|m| m * scale as f32 / finer_scale as f32);
        s.rxing(&finer, normal, inverted, false, "finer");
        s.rqrr(&finer, module, (normal, inverted), (true, false), "finer");
    }
}

/// The still path's thorough attempts, bounded so that a photo with nothing readable
/// costs a few working-size reads, not a search of every scale: rxing with try-harder on
/// the working copy (the negative too unless the finders saw only dark-on-light codes);
/// then, where finder evidence is (at the working scale, or at up to twice its
/// resolution when the working copy showed none), that region at a resolution where its
/// modules are about 3 px: rxing with try-harder, rqrr (see [`Scan::rqrr`]), rxing's
/// Java-port reader; with no evidence at all, rqrr on the working copy (it reads codes
/// the finder pass misses, such as some on fabric; the negative is left to rxing).
fn thorough(s: &mut Scan<'_, '_>, small: &Gray, ev: &Evidence, scale: usize) {
    // The negative too when the finders saw a light-on-dark code, or saw nothing.
    let inverted_too = !ev.plausible() || ev.polarities().1;
    s.rxing(small, true, inverted_too, true, "working-copy");
    let finer;
    let (img, ev, img_scale) = if !ev.plausible() && scale > 1 && s.go() {
        // At most twice the working resolution: a 2000 px photo is searched at 1000, not
        // at full size (the search's cost follows the pixel count).
        let finer_scale = scale.div_ceil(2);
        finer = Gray::from_frame(s.frame, finer_scale);
        (&finer, finder::find(&finer), finer_scale)
    } else {
        (small, ev.clone(), scale)
    };
    s.result.finders = s
        .result
        .finders
        .max(u32::try_from(ev.finders.len()).unwrap_or(u32::MAX));
    let Some((x, y, w, h)) = ev.region(img.width, img.height) else {
        s.rqrr(small, None, (true, false), (true, true), "working-copy");
        return;
    };
    // The region at a resolution where its smallest modules are about 3 px.
    let module = ev.smallest_module().unwrap_or(3.0);
    let want = ((img_scale as f32 * module / 3.0).floor() as usize).clamp(1, img_scale);
    let region = if want == img_scale {
        img.crop(x, y, w, h)
    } else {
        let sub = s
            .frame
            .sub_region(x * img_scale, y * img_scale, w * img_scale, h * img_scale);
        Gray::from_frame(&sub, want)
    };
    let mut module = Some(module * img_scale as f32 / want as f32);
    let (normal, inverted) = ev.polarities();
    let region = stretched(coarser(region, &mut module), low_contrast(img, &ev));
    s.rxing(&region, normal, inverted, true, "still-region");
    // Without rxing, `fast` already read this very region upright at this scale.
    let read_upright = !rxing_runs(s.opts) && std::ptr::eq(img, small) && want == img_scale;
    let upright = !read_upright;
    s.rqrr(
        &region,
        module,
        (normal, inverted),
        (upright, true),
        "still-region",
    );
    #[cfg(feature = "rxing")]
    if s.opts.second_stage && s.go() {
        let t = clock();
        let read = rxing_stage::attempt(region, true, RxReader::Java, &mut s.result);
        s.record("rxing-java", "still-region", read, t);
    }
}

/// The time now in `scan-trace` builds, for [`Scan::record`]; in every other build
/// nothing, so the camera path reads no clock per attempt.
fn clock() -> Option<Instant> {
    cfg!(feature = "scan-trace").then(Instant::now)
}

/// Whether the rxing attempts run: built in and enabled.
fn rxing_runs(opts: &ScanOptions) -> bool {
    cfg!(feature = "rxing") && opts.second_stage
}

/// `img` reduced so that modules of `module` pixels become 4 to 8 pixels: both decoders
/// read such modules as well as larger ones (rqrr misses more below 4), and their time
/// grows with the pixel count (rqrr's preparation alone is most of a failed attempt on a
/// large region).
fn coarser(img: Gray, module: &mut Option<f32>) -> Gray {
    let Some(m) = *module else {
        return img;
    };
    let f = (m / 4.0).floor() as usize;
    if f < 2 {
        return img;
    }
    *module = Some(m / f as f32);
    img.downscaled(f)
}

/// The 1st and 99th percentile grey levels of `img`.
fn levels(img: &Gray) -> (u8, u8) {
    let mut hist = [0usize; 256];
    for &p in &img.data {
        hist[usize::from(p)] += 1;
    }
    let n = img.data.len();
    let level = |target: usize| {
        let mut acc = 0;
        for (v, &c) in hist.iter().enumerate() {
            acc += c;
            if acc > target {
                return v as u8;
            }
        }
        255
    };
    (level(n / 100), level(n - n / 100 - 1))
}

/// The code's own grey levels when the finders show where it is (its core, see
/// [`Evidence::core`]) and they span fewer than 64 levels, else `None`.
fn low_contrast(img: &Gray, ev: &Evidence) -> Option<(u8, u8)> {
    let (x, y, w, h) = ev.core(img.width, img.height)?;
    let (lo, hi) = levels(&img.crop(x, y, w, h));
    (hi > lo && hi - lo < 64).then_some((lo, hi))
}

/// `img` with the grey levels `lo..=hi` stretched to the full range: rxing's binariser
/// takes a block spanning fewer than 24 levels for flat, so a low-contrast code is blank
/// to it.
fn stretched(mut img: Gray, span: Option<(u8, u8)>) -> Gray {
    let Some((lo, hi)) = span else {
        return img;
    };
    let width = u32::from(hi - lo).max(1);
    for p in &mut img.data {
        let v = u32::from(p.saturating_sub(lo)).min(width);
        *p = (v * 255 / width) as u8;
    }
    img
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
