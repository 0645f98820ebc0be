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

/// Half the largest mean window: 4095^2 pixels of 255 sum to less than 2^32.
const MAX_HALF_WINDOW: usize = 2047;

/// Adaptive mean threshold: a pixel is dark when it is below the mean of the square
/// window around it by more than `offset` grey levels.
///
/// `window` is the side of the square (odd, clamped to the image). A small positive
/// offset keeps flat areas (paper, walls) white instead of turning sensor noise into
/// speckle that rqrr would chase as finder candidates.
pub fn binarize_mean(img: &Gray, window: usize, offset: u8) -> Bitmap {
    let (w, h) = (img.width, img.height);
    // Integral image with a zero border row/column: (w+1) x (h+1) sums, in u32 with
    // wrapping arithmetic. A 16384^2 image of 255s needs 36 bits, but a window's sum
    // (at most 255 x 4095^2 < 2^32: the window is capped at 4095 px) comes out exact,
    // and half the width of u64 halves the memory this pass streams through.
    let iw = w + 1;
    let mut integral = vec![0u32; iw * (h + 1)];
    for (y, row) in img.data.chunks_exact(w).enumerate() {
        let (above, below) = integral.split_at_mut((y + 1) * iw);
        let above = &above[y * iw..];
        let below = &mut below[..iw];
        let mut row_sum = 0u32;
        for x in 0..w {
            row_sum = row_sum.wrapping_add(u32::from(row[x]));
            below[x + 1] = above[x + 1].wrapping_add(row_sum);
        }
    }
    let r = (window / 2).clamp(1, MAX_HALF_WINDOW);
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
            let sum = bottom[x1]
                .wrapping_add(top[x0])
                .wrapping_sub(top[x1])
                .wrapping_sub(bottom[x0]);
            (u64::from(p) + off) * count < u64::from(sum)
        }));
    }
    Bitmap {
        width: w,
        height: h,
        dark,
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

    /// The mean of the window straight from the pixels, as `binarize_mean` decides.
    fn dark_by_hand(img: &Gray, window: usize, offset: u8, x: usize, y: usize) -> bool {
        let r = (window / 2).clamp(1, MAX_HALF_WINDOW);
        let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(img.width));
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(img.height));
        let mut sum = 0u64;
        for yy in y0..y1 {
            for xx in x0..x1 {
                sum += u64::from(img.get(xx, yy));
            }
        }
        let count = ((x1 - x0) * (y1 - y0)) as u64;
        (u64::from(img.get(x, y)) + u64::from(offset)) * count < sum
    }

    #[test]
    fn mean_threshold_is_exact_where_the_integral_wraps() {
        // 4200 x 4100 pixels near white sum to ~4.3e9 > 2^32: the u32 integral wraps
        // part way down, and the window sums must still come out exact.
        let (w, h) = (4200, 4100);
        let data: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (2000..2100).contains(&x) && (3900..4000).contains(&y) {
                    200
                } else {
                    250 - ((x * 7 + y * 13) % 5) as u8
                }
            })
            .collect();
        let img = Gray {
            width: w,
            height: h,
            data,
        };
        let window = 9001; // wider than the image and than the cap
        let bin = binarize_mean(&img, window, 4);
        let small = binarize_mean(&img, 31, 4);
        for &(x, y) in &[
            (2050, 3950),
            (10, 10),
            (4199, 4099),
            (2100, 3999),
            (3000, 4050),
        ] {
            assert_eq!(
                bin.dark[y * w + x],
                dark_by_hand(&img, window, 4, x, y),
                "({x}, {y})"
            );
            assert_eq!(
                small.dark[y * w + x],
                dark_by_hand(&img, 31, 4, x, y),
                "({x}, {y})"
            );
        }
        assert!(bin.dark[3950 * w + 2050], "the darker square is dark");
        assert!(!bin.dark[10 * w + 10], "the light ground stays light");
    }
}
