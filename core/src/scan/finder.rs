//! Finder-pattern evidence: a cheap look for the 1:1:3:1:1 squares every QR code has in
//! three corners, before any decoder runs.
//!
//! A camera loop mostly sees frames without a code (the user is still aiming), and each
//! decoder costs milliseconds whether or not there is anything to find. This pass reads
//! the reduced working copy once to build a coarse threshold map (8x8 blocks, each the
//! mean of its 5x5 neighbours' mid-grey, blocks flatter than [`MIN_RANGE`] not voting, as
//! ZXing's hybrid binariser does), then walks every second or third row for five runs in
//! the ratio 1:1:3:1:1, dark centre (printed codes) or light centre (inverted codes), and
//! confirms each hit across the column and the two diagonals through its centre. Text,
//! texture and sensor noise rarely pass all four directions; a real finder does at any
//! angle. The result says where codes may be and how large their modules are, so the
//! decoders run only there.

use super::gray::Gray;

/// Side of a threshold block, in pixels of the working copy.
const BLOCK: usize = 8;
/// Blocks whose grey levels span less than this do not vote for a threshold: flat paper,
/// walls and sky stay one colour instead of turning sensor noise into runs. Low-contrast
/// codes (12–30 levels between modules) still span more than this. Noisy images raise it
/// (see [`Thresholds::new`]), up to [`MAX_MIN_RANGE`].
const MIN_RANGE: u8 = 12;
const MAX_MIN_RANGE: u8 = 24;

/// One confirmed finder pattern, in pixels of the image it was found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finder {
    /// Centre.
    pub x: f32,
    pub y: f32,
    /// Estimated module size in pixels (the pattern is 7 modules across).
    pub module: f32,
    /// A light centre on a dark ring: the code is printed light on dark.
    pub inverted: bool,
}

/// What the finder pass saw in one image.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Confirmed finder patterns, duplicates merged.
    pub finders: Vec<Finder>,
}

impl Evidence {
    /// Pairs of finders that could belong to one code: same polarity, module sizes within
    /// 2x of each other (perspective), and 8 to 250 modules apart (version 1 finders are
    /// 14 modules apart, version 40 up to 240 along the diagonal).
    pub fn pairs(&self) -> impl Iterator<Item = (&Finder, &Finder)> {
        let f = &self.finders;
        f.iter().enumerate().flat_map(move |(i, a)| {
            f[i + 1..]
                .iter()
                .filter(|b| fits(a, b))
                .map(move |b| (a, b))
        })
    }

    /// Whether a code can be here at all: two finders that fit one code.
    pub fn plausible(&self) -> bool {
        self.pairs().next().is_some()
    }

    /// Whether any plausible pair is light on dark / dark on light.
    pub fn polarities(&self) -> (bool, bool) {
        let (mut normal, mut inverted) = (false, false);
        for (a, _) in self.pairs() {
            if a.inverted {
                inverted = true;
            } else {
                normal = true;
            }
        }
        (normal, inverted)
    }

    /// The smallest module size among the finders of plausible pairs.
    pub fn smallest_module(&self) -> Option<f32> {
        self.pairs()
            .flat_map(|(a, b)| [a.module, b.module])
            .min_by(f32::total_cmp)
    }

    /// Three finders that make one code's corners: pairwise plausible, the corner one
    /// (top-left in the code) at a near right angle between the two others, whose
    /// distances from it differ by under half (perspective). The best-shaped triple.
    pub fn triple(&self) -> Option<[Finder; 3]> {
        let f = &self.finders;
        let mut best: Option<(f32, [Finder; 3])> = None;
        for (i, &c) in f.iter().enumerate() {
            for (j, &a) in f.iter().enumerate() {
                for &b in f.iter().skip(j + 1) {
                    if j == i || [a, b].contains(&c) || !fits(&c, &a) || !fits(&c, &b) {
                        continue;
                    }
                    let (ax, ay, bx, by) = (a.x - c.x, a.y - c.y, b.x - c.x, b.y - c.y);
                    let (la, lb) = ((ax * ax + ay * ay).sqrt(), (bx * bx + by * by).sqrt());
                    let cos = (ax * bx + ay * by) / (la * lb).max(1e-3);
                    let skew = (la - lb).abs() / la.max(lb);
                    if cos.abs() > 0.5 || skew > 0.5 {
                        continue;
                    }
                    let score = cos.abs() + skew;
                    if best.is_none_or(|(s, _)| score < s) {
                        best = Some((score, [c, a, b]));
                    }
                }
            }
        }
        best.map(|(_, t)| t)
    }

    /// The bounding box of a [`triple`](Self::triple)'s finder centres and the fourth
    /// corner: inside the code, where its own dark and light levels can be read.
    pub fn core(&self, width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
        let [c, a, b] = self.triple()?;
        let xs = [c.x, a.x, b.x, a.x + b.x - c.x];
        let ys = [c.y, a.y, b.y, a.y + b.y - c.y];
        let lo = |v: [f32; 4]| v.into_iter().fold(f32::MAX, f32::min).max(0.0) as usize;
        let hi = |v: [f32; 4], lim: usize| {
            (v.into_iter().fold(f32::MIN, f32::max).max(0.0) as usize).min(lim)
        };
        let (x0, y0, x1, y1) = (lo(xs), lo(ys), hi(xs, width), hi(ys, height));
        (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
    }

    /// The part of a `width` x `height` image that holds the code: with a [`triple`](Self::triple)
    /// (and at most one other finder),
    /// its four corners (the fourth completes the parallelogram) grown by the finders'
    /// half width, the quiet zone and a margin for perspective; else every plausible
    /// pair's bounding box grown by its distance and a quiet zone on every side (the third
    /// finder and the far corner can be anywhere within that). `(x, y, width, height)`, or
    /// `None` when no pair is plausible.
    pub fn region(&self, width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
        let clamp = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi);
        let rect = |x0: f32, y0: f32, x1: f32, y1: f32| {
            let (x0, y0) = (clamp(x0, width), clamp(y0, height));
            let (x1, y1) = (clamp(x1.ceil(), width), clamp(y1.ceil(), height));
            (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
        };
        // Five finders or more can be two codes: then the region holds every pair.
        if let Some([c, a, b]) = self.triple().filter(|_| self.finders.len() <= 4) {
            let d = (c.x, c.y);
            let far = (a.x + b.x - d.0, a.y + b.y - d.1);
            let xs = [c.x, a.x, b.x, far.0];
            let ys = [c.y, a.y, b.y, far.1];
            let m = c.module.max(a.module).max(b.module);
            let span = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
            let grow = 9.0 * m + 0.15 * span;
            let min = |v: [f32; 4]| v.into_iter().fold(f32::MAX, f32::min);
            let max = |v: [f32; 4]| v.into_iter().fold(f32::MIN, f32::max);
            return rect(
                min(xs) - grow,
                min(ys) - grow,
                max(xs) + grow,
                max(ys) + grow,
            );
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        let mut any = false;
        for (a, b) in self.pairs() {
            any = true;
            let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
            let grow = d + 8.0 * a.module.max(b.module);
            x0 = x0.min(a.x.min(b.x) - grow);
            y0 = y0.min(a.y.min(b.y) - grow);
            x1 = x1.max(a.x.max(b.x) + grow);
            y1 = y1.max(a.y.max(b.y) + grow);
        }
        if !any {
            return None;
        }
        rect(x0, y0, x1, y1)
    }
}

/// Whether two finders can belong to one code (see [`Evidence::pairs`]).
fn fits(a: &Finder, b: &Finder) -> bool {
    let ratio = a.module.max(b.module) / a.module.min(b.module);
    let m = (a.module + b.module) / 2.0;
    let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt() / m;
    a.inverted == b.inverted && ratio <= 2.0 && (8.0..=250.0).contains(&d)
}

/// Per-block thresholds: a pixel is dark when below its block's value.
struct Thresholds {
    blocks_w: usize,
    t: Vec<u8>,
    /// Grey levels a finder's centre must differ from its ring by, at least: the noise
    /// of this image (half the median block's range) or [`MIN_CONTRAST`].
    min_contrast: u32,
}

impl Thresholds {
    fn new(img: &Gray) -> Self {
        let (w, h) = (img.width, img.height);
        let bw = w.div_ceil(BLOCK);
        let bh = h.div_ceil(BLOCK);
        let mut lo = vec![255u8; bw * bh];
        let mut hi = vec![0u8; bw * bh];
        // Every second row of a block is enough for its range, at half the reads.
        for by in 0..bh {
            let lo_row = &mut lo[by * bw..(by + 1) * bw];
            let hi_row = &mut hi[by * bw..(by + 1) * bw];
            for y in (by * BLOCK..((by + 1) * BLOCK).min(h)).step_by(2) {
                let row = &img.data[y * w..(y + 1) * w];
                for ((l, u), chunk) in lo_row
                    .iter_mut()
                    .zip(hi_row.iter_mut())
                    .zip(row.chunks(BLOCK))
                {
                    let (cl, cu) = chunk
                        .iter()
                        .fold((255u8, 0u8), |(a, b), &p| (a.min(p), b.max(p)));
                    *l = (*l).min(cl);
                    *u = (*u).max(cu);
                }
            }
        }
        // Sensor noise alone gives every block some range: the median block's range, half
        // again, is what a block must beat to vote (most blocks of a scene are flat).
        let mut ranges: Vec<u8> = hi.iter().zip(&lo).map(|(u, l)| u - l).collect();
        let mid = ranges.len() / 2;
        let median = u32::from(*ranges.select_nth_unstable(mid).1);
        let min_range = (median + median / 2).clamp(u32::from(MIN_RANGE), u32::from(MAX_MIN_RANGE));
        // Summed-area tables of the voting blocks' mid-greys and of their count.
        let sw = bw + 1;
        let mut sum = vec![0u32; sw * (bh + 1)];
        let mut cnt = vec![0u32; sw * (bh + 1)];
        for by in 0..bh {
            let (mut rs, mut rc) = (0u32, 0u32);
            for bx in 0..bw {
                let i = by * bw + bx;
                if u32::from(hi[i] - lo[i]) >= min_range {
                    rs += (u32::from(hi[i]) + u32::from(lo[i])) / 2;
                    rc += 1;
                }
                sum[(by + 1) * sw + bx + 1] = sum[by * sw + bx + 1] + rs;
                cnt[(by + 1) * sw + bx + 1] = cnt[by * sw + bx + 1] + rc;
            }
        }
        let mut t = vec![0u8; bw * bh];
        for by in 0..bh {
            let (y0, y1) = (by.saturating_sub(2), (by + 3).min(bh));
            for bx in 0..bw {
                let (x0, x1) = (bx.saturating_sub(2), (bx + 3).min(bw));
                let area = |a: &[u32]| {
                    a[y1 * sw + x1] + a[y0 * sw + x0] - a[y0 * sw + x1] - a[y1 * sw + x0]
                };
                let n = area(&cnt);
                // No voting block near: nothing here is dark (threshold 0).
                t[by * bw + bx] = area(&sum).checked_div(n).map_or(0, |v| v as u8);
            }
        }
        Thresholds {
            blocks_w: bw,
            t,
            min_contrast: (median / 2).max(MIN_CONTRAST),
        }
    }

    #[inline]
    fn dark(&self, img: &Gray, x: usize, y: usize) -> bool {
        let p = img.data[y * img.width + x];
        p < self.t[(y / BLOCK) * self.blocks_w + x / BLOCK]
    }
}

/// Module size of five runs in the ratio 1:1:3:1:1, or `None`. Tolerant, because a
/// box-reduced image blurs edges by a pixel and the cross-checks that follow are strict
/// about the geometry.
fn finder_ratio(r: [u32; 5]) -> Option<f32> {
    // Cheap integer tests first: most windows of five runs fail them.
    if r[2] < r[0].max(r[1]).max(r[3]).max(r[4]) {
        return None;
    }
    let total: u32 = r.iter().sum();
    if total < 7 {
        return None;
    }
    let m = total as f32 / 7.0;
    let tol = (m * 0.6).max(0.75);
    let one = |v: u32| (v as f32 - m).abs() <= tol;
    (one(r[0])
        && one(r[1])
        && (r[2] as f32 - 3.0 * m).abs() <= (m * 1.5).max(1.5)
        && one(r[3])
        && one(r[4]))
    .then_some(m)
}

/// Walks from (`x`, `y`) in direction (`dx`, `dy`) and back, counting the five runs of a
/// finder centred there; returns the runs' module size and the centre's offset along the
/// direction (in steps), or `None`.
fn cross_check(
    img: &Gray,
    th: &Thresholds,
    (x, y): (usize, usize),
    (dx, dy): (isize, isize),
    centre_dark: bool,
    max_run: u32,
) -> Option<(f32, f32)> {
    let (w, h) = (img.width as isize, img.height as isize);
    // runs[0..3] going forward: centre part, ring, outer; likewise backward.
    let walk = |sign: isize| -> Option<[u32; 3]> {
        let mut runs = [0u32; 3];
        let (mut cx, mut cy) = (x as isize, y as isize);
        let mut stage = 0usize;
        if sign < 0 {
            cx -= dx;
            cy -= dy;
        }
        while (0..w).contains(&cx) && (0..h).contains(&cy) {
            let dark = th.dark(img, cx as usize, cy as usize);
            let want = if stage == 1 {
                !centre_dark
            } else {
                centre_dark
            };
            if dark == want {
                runs[stage] += 1;
                if runs[stage] > max_run {
                    return None;
                }
            } else {
                stage += 1;
                if stage == 3 {
                    return Some(runs);
                }
                runs[stage] = 1;
            }
            cx += dx * sign;
            cy += dy * sign;
        }
        None
    };
    let fwd = walk(1)?;
    let back = walk(-1)?;
    let runs = [back[2], back[1], back[0] + fwd[0], fwd[1], fwd[2]];
    let m = finder_ratio(runs)?;
    let centre = (fwd[0] as f32 - back[0] as f32) / 2.0 - 0.5;
    Some((m, centre))
}

/// Finds the finder patterns of `img`.
pub fn find(img: &Gray) -> Evidence {
    let mut ev = Evidence::default();
    if img.width < 21 || img.height < 21 {
        return ev;
    }
    let th = Thresholds::new(img);
    // A finder's centre is 3 modules high: every third row meets it down to 1 px modules.
    let step = 3;
    let w = img.width;
    let mut dark = vec![false; w];
    let mut y = 1;
    while y < img.height {
        let row = &img.data[y * w..(y + 1) * w];
        let t_row = &th.t[(y / BLOCK) * th.blocks_w..];
        for ((px, d), &t) in row.chunks(BLOCK).zip(dark.chunks_mut(BLOCK)).zip(t_row) {
            for (p, d) in px.iter().zip(d) {
                *d = *p < t;
            }
        }
        let mut runs = [0u32; 5];
        let mut colour = dark[0];
        let mut n = 0usize; // completed runs so far
        let mut len = 0u32;
        // One step past the row's end closes its last run.
        for (x, &d) in dark
            .iter()
            .chain(std::iter::once(&!dark[w - 1]))
            .enumerate()
        {
            if d == colour {
                len += 1;
                continue;
            }
            runs.copy_within(1..5, 0);
            runs[4] = len;
            n += 1;
            colour = d;
            len = 1;
            // The run just finished is the last of five: the middle one (two back) has
            // its colour, the opposite of the run starting here.
            if n >= 5
                && let Some(m) = finder_ratio(runs)
            {
                let end = x - runs[4] as usize - runs[3] as usize;
                let cx = end - runs[2] as usize / 2 - 1;
                if contrast(row, end, runs) >= th.min_contrast
                    && let Some(f) = confirm(img, &th, cx, y, m, !d)
                {
                    ev.add(f);
                }
            }
        }
        y += step;
    }
    ev
}

/// Grey levels between a finder's centre and its inner ring, at least: sensor noise split
/// by a local threshold makes 1:1:3:1:1 runs too, but with fewer levels between them than
/// the noise spans (the threshold rises with the noise, see `Thresholds::min_contrast`).
const MIN_CONTRAST: u32 = 9;

/// Mean grey difference between the centre run (ending before `end`) and the two runs
/// around it, in a row whose last five runs are `runs`.
fn contrast(row: &[u8], end: usize, runs: [u32; 5]) -> u32 {
    let mean = |a: usize, b: usize| {
        let s: u32 = row[a..b].iter().map(|&v| u32::from(v)).sum();
        s / (b - a).max(1) as u32
    };
    let c0 = end - runs[2] as usize;
    let centre = mean(c0, end);
    let ring_l = mean(c0 - runs[1] as usize, c0);
    let ring_r = mean(end, end + runs[3] as usize);
    let ring = (ring_l + ring_r) / 2;
    centre.abs_diff(ring)
}

/// Confirms a row hit at (`cx`, `y`) across the column, back along the row through the
/// refined centre, and on both diagonals; returns the finder with its refined centre.
fn confirm(img: &Gray, th: &Thresholds, cx: usize, y: usize, m: f32, dark: bool) -> Option<Finder> {
    if th.dark(img, cx, y) != dark {
        return None;
    }
    let max_run = (m * 5.0) as u32 + 3;
    let (mv, oy) = cross_check(img, th, (cx, y), (0, 1), dark, max_run)?;
    if mv > m * 2.0 || mv < m / 2.0 {
        return None;
    }
    let cy = (y as f32 + oy).round().clamp(0.0, (img.height - 1) as f32) as usize;
    let (mh, ox) = cross_check(img, th, (cx, cy), (1, 0), dark, max_run)?;
    let cx = (cx as f32 + ox).round().clamp(0.0, (img.width - 1) as f32) as usize;
    // Diagonals: a real finder is a square ring, so both show the pattern too (longer by
    // up to sqrt 2); a pair of bars or a letter does not.
    let (md1, _) = cross_check(img, th, (cx, cy), (1, 1), dark, max_run * 2)?;
    let (md2, _) = cross_check(img, th, (cx, cy), (1, -1), dark, max_run * 2)?;
    let module = (mv + mh) / 2.0;
    for md in [md1, md2] {
        if md > module * 2.5 || md < module / 2.0 {
            return None;
        }
    }
    Some(Finder {
        x: cx as f32 + 0.5,
        y: cy as f32 + 0.5,
        module,
        inverted: !dark,
    })
}

impl Evidence {
    /// Adds `f`, merged with a finder already seen at the same place.
    fn add(&mut self, f: Finder) {
        if let Some(old) = self.finders.iter_mut().find(|o| {
            o.inverted == f.inverted
                && (o.x - f.x).abs() < 3.0 * o.module
                && (o.y - f.y).abs() < 3.0 * o.module
        }) {
            old.x = (old.x + f.x) / 2.0;
            old.y = (old.y + f.y) / 2.0;
            old.module = (old.module + f.module) / 2.0;
        } else if self.finders.len() < 64 {
            self.finders.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finder pattern drawn at (`x0`, `y0`) with `m` pixels per module on `bg`.
    fn draw_finder(img: &mut Gray, x0: usize, y0: usize, m: usize, dark: u8, light: u8) {
        for my in 0..7 {
            for mx in 0..7 {
                let ring = mx.min(my).min(6 - mx).min(6 - my);
                let v = if ring == 1 { light } else { dark };
                for dy in 0..m {
                    for dx in 0..m {
                        img.data[(y0 + my * m + dy) * img.width + x0 + mx * m + dx] = v;
                    }
                }
            }
        }
    }

    fn blank(w: usize, h: usize, v: u8) -> Gray {
        Gray {
            width: w,
            height: h,
            data: vec![v; w * h],
        }
    }

    #[test]
    fn three_finders_are_found_with_their_polarity() {
        // Inverted: the modules that are dark in print are light, on a dark ground.
        for (bg, dark, light, inverted) in [(200, 30, 200, false), (40, 210, 40, true)] {
            let mut img = blank(200, 160, bg);
            for (x, y) in [(20, 20), (120, 20), (20, 110)] {
                draw_finder(&mut img, x, y, 4, dark, light);
            }
            let ev = find(&img);
            assert_eq!(ev.finders.len(), 3, "{:?}", ev.finders);
            assert!(ev.finders.iter().all(|f| f.inverted == inverted));
            assert!(ev.finders.iter().all(|f| (f.module - 4.0).abs() < 1.0));
            assert!(ev.plausible());
            let (x, y, w, h) = ev.region(200, 160).unwrap();
            assert!(x <= 20 && y <= 20 && x + w >= 150 && y + h >= 138);
        }
    }

    #[test]
    fn flat_noise_and_stripes_are_no_evidence() {
        let mut img = blank(320, 240, 128);
        let mut s = 0x2545_f491u32;
        for v in &mut img.data {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            *v = 100 + (s >> 26) as u8;
        }
        // Vertical stripes of width 3, 3, 9: pass along rows, never down the column.
        for y in 60..180 {
            for x in 0..320 {
                if (x % 15) < 3 {
                    img.data[y * 320 + x] = 20;
                }
            }
        }
        let ev = find(&img);
        assert!(!ev.plausible(), "{:?}", ev.finders);
    }
}
