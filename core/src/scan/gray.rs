//! Small owned grey images: the downscaled working copy and its binarisation.
//!
//! rqrr spends most of its time finding the grid, and that time grows with the pixel
//! count (it clones the image per candidate finder triple), so the decoder works on a
//! box-filtered copy at a reduced scale first. rqrr's own threshold is a running mean
//! along rows, which fails on low contrast, uneven light and 90°-turned codes; we
//! binarise with a square-window mean from an integral image instead, which treats rows
//! and columns alike and follows light fall-off across the code.

use super::frame::{Frame, Rotation};

/// An owned 8-bit grey image, rows packed.
#[derive(Debug, Clone)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Gray {
    /// The upright region of `frame`, each output pixel the mean of a `scale` x `scale`
    /// block. Reduces in sensor orientation (row-wise, fast), then turns the small copy.
    pub fn from_frame(frame: &Frame<'_>, scale: usize) -> Gray {
        let (data, w, h) = frame.reduce_sensor(scale);
        let sensor = Gray {
            width: w,
            height: h,
            data,
        };
        match frame.rotation() {
            Rotation::R0 => sensor,
            r => sensor.rotated(r),
        }
    }

    /// This image turned clockwise by `r`.
    pub fn rotated(&self, r: Rotation) -> Gray {
        let (w, h) = (self.width, self.height);
        let (ow, oh) = match r {
            Rotation::R0 | Rotation::R180 => (w, h),
            Rotation::R90 | Rotation::R270 => (h, w),
        };
        let mut data = Vec::with_capacity(w * h);
        for y in 0..oh {
            for x in 0..ow {
                // Same mapping as Frame::luma_at: upright (x, y) -> sensor (sx, sy).
                let (sx, sy) = match r {
                    Rotation::R0 => (x, y),
                    Rotation::R90 => (y, ow - 1 - x),
                    Rotation::R180 => (ow - 1 - x, oh - 1 - y),
                    Rotation::R270 => (oh - 1 - y, x),
                };
                data.push(self.get(sx, sy));
            }
        }
        Gray {
            width: ow,
            height: oh,
            data,
        }
    }

    /// The rectangle (`x`, `y`, `w`, `h`) of this image, clamped to it (never empty).
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Gray {
        let x = x.min(self.width - 1);
        let y = y.min(self.height - 1);
        let w = w.clamp(1, self.width - x);
        let h = h.clamp(1, self.height - y);
        let mut data = Vec::with_capacity(w * h);
        for row in self.data.chunks_exact(self.width).skip(y).take(h) {
            data.extend_from_slice(&row[x..x + w]);
        }
        Gray {
            width: w,
            height: h,
            data,
        }
    }

    /// Each `f` x `f` block averaged into one pixel (`f` >= 1; never empty).
    pub fn downscaled(&self, f: usize) -> Gray {
        let f = f.max(1);
        if f == 1 {
            return self.clone();
        }
        let (ow, oh) = ((self.width / f).max(1), (self.height / f).max(1));
        let mut acc = vec![0u32; ow];
        let mut data = Vec::with_capacity(ow * oh);
        let n = (f.min(self.width) * f.min(self.height)) as u32;
        for oy in 0..oh {
            acc.fill(0);
            for row in self.data.chunks_exact(self.width).skip(oy * f).take(f) {
                for (a, block) in acc.iter_mut().zip(row.chunks(f)) {
                    *a += block.iter().map(|&v| u32::from(v)).sum::<u32>();
                }
            }
            data.extend(acc.iter().map(|&a| ((a + n / 2) / n).min(255) as u8));
        }
        Gray {
            width: ow,
            height: oh,
            data,
        }
    }

    /// Light and dark swapped (light-on-dark codes for decoders that read only dark on light).
    pub fn inverted(&self) -> Gray {
        Gray {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(|&p| 255 - p).collect(),
        }
    }

    /// Pixel at (x, y); callers stay in bounds, out of bounds reads as white.
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.data.get(y * self.width + x).copied().unwrap_or(255)
    }
}

/// A black/white image: `true` is a dark module.
#[derive(Debug, Clone)]
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    pub dark: Vec<bool>,
}

/// Adaptive mean threshold: a pixel is dark when it is below the mean of the square
/// window around it by more than `offset` grey levels.
///
/// `window` is the side of the square (odd, clamped to the image). A small positive
/// offset keeps flat areas (paper, walls) white instead of turning sensor noise into
/// speckle that rqrr would chase as finder candidates.
pub fn binarize_mean(img: &Gray, window: usize, offset: u8) -> Bitmap {
    let (w, h) = (img.width, img.height);
    // Integral image with a zero border row/column: (w+1) x (h+1) sums of u64
    // (a 16384^2 image of 255s needs 36 bits, more than u32 holds).
    let iw = w + 1;
    let mut integral = vec![0u64; iw * (h + 1)];
    for (y, row) in img.data.chunks_exact(w).enumerate() {
        let (above, below) = integral.split_at_mut((y + 1) * iw);
        let above = &above[y * iw..];
        let below = &mut below[..iw];
        let mut row_sum = 0u64;
        for x in 0..w {
            row_sum += u64::from(row[x]);
            below[x + 1] = above[x + 1] + row_sum;
        }
    }
    let r = (window / 2).max(1);
    // The window's columns for every x, once: [x0, x1) clipped to the image.
    let cols: Vec<(usize, usize)> = (0..w)
        .map(|x| (x.saturating_sub(r), (x + r + 1).min(w)))
        .collect();
    let mut dark = Vec::with_capacity(w * h);
    let off = u64::from(offset);
    for (y, row) in img.data.chunks_exact(w).enumerate() {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        let top = &integral[y0 * iw..(y0 + 1) * iw];
        let bottom = &integral[y1 * iw..(y1 + 1) * iw];
        let rows = (y1 - y0) as u64;
        dark.extend(row.iter().zip(&cols).map(|(&p, &(x0, x1))| {
            let count = (x1 - x0) as u64 * rows;
            let sum = bottom[x1] + top[x0] - top[x1] - bottom[x0];
            (u64::from(p) + off) * count < sum
        }));
    }
    Bitmap {
        width: w,
        height: h,
        dark,
    }
}

/// Global threshold at the mean of the darkest and lightest values (Otsu-lite):
/// the fallback for clean, evenly lit codes large in the frame, where a local window
/// smaller than a module would hollow out big dark areas.
pub fn binarize_global(img: &Gray) -> Bitmap {
    let mut hist = [0u64; 256];
    for &p in &img.data {
        hist[p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    // Otsu's between-class variance maximum.
    let (mut best_t, mut best_var) = (128usize, -1.0f64);
    let (mut w0, mut sum0) = (0u64, 0f64);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / w1 as f64;
        let var = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if var > best_var {
            best_var = var;
            best_t = t;
        }
    }
    Bitmap {
        width: img.width,
        height: img.height,
        dark: img.data.iter().map(|&p| (p as usize) <= best_t).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_threshold_follows_a_light_gradient() {
        // A dark square on a background that brightens left to right, darker than the
        // square's own level on the left: a global threshold cannot separate both.
        let (w, h) = (60, 20);
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let bg = 60 + (x * 3) as u8;
                let dark = (25..35).contains(&x) && (5..15).contains(&y);
                data.push(if dark { bg - 40 } else { bg });
            }
        }
        let img = Gray {
            width: w,
            height: h,
            data,
        };
        let bin = binarize_mean(&img, 21, 5);
        assert!(bin.dark[10 * w + 30], "centre of the square is dark");
        // Away from the square and the image border (the window is clipped there).
        assert!(!bin.dark[10 * w + 12], "left background stays light");
        assert!(!bin.dark[10 * w + 47], "right background stays light");
    }
}
