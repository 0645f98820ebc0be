//! The hot loop of every scan: the region of interest box-averaged into a small copy,
//! read straight from the source plane's rows.

use super::frame::{Frame, LumaSource, rgb_to_luma};

impl Frame<'_> {
    /// The region of interest in sensor orientation, each output pixel the mean of a
    /// `scale` x `scale` block: `(pixels, width, height)`.
    ///
    /// This is the hot loop of every scan: it walks rows of the source plane directly
    /// (no per-pixel rotation or bounds logic) and allocates only the reduced image.
    pub fn reduce_sensor(&self, scale: usize) -> (Vec<u8>, usize, usize) {
        let scale = scale.max(1);
        let (rx, ry) = (self.roi.x as usize, self.roi.y as usize);
        let ow = (self.roi.width as usize / scale).max(1);
        let oh = (self.roi.height as usize / scale).max(1);
        // Frames smaller than one block: clamp the block to the region.
        let bw = scale.min(self.roi.width as usize);
        let bh = scale.min(self.roi.height as usize);
        let n = (bw * bh) as u32;
        let mut out = vec![0u8; ow * oh];
        let mut acc = vec![0u32; ow];
        for (oy, out_row) in out.chunks_exact_mut(ow).enumerate() {
            acc.fill(0);
            for dy in 0..bh {
                let sy = ry + oy * scale + dy;
                match self.luma {
                    LumaSource::Direct(p) => {
                        let start = sy * p.row_stride + rx * p.pixel_stride;
                        let Some(row) = p.data.get(start..) else {
                            continue;
                        };
                        if p.pixel_stride == 1 {
                            // Fixed block widths for the usual scales (720p to 12 MP photos): the compiler
                            // unrolls and vectorises those (about 4x fewer instructions
                            // than the generic loop at 720p).
                            match (scale, bw) {
                                (1, 1) => add_blocks::<1>(&mut acc, row),
                                (2, 2) => add_blocks::<2>(&mut acc, row),
                                (3, 3) => add_blocks::<3>(&mut acc, row),
                                (4, 4) => add_blocks::<4>(&mut acc, row),
                                (5, 5) => add_blocks::<5>(&mut acc, row),
                                (6, 6) => add_blocks::<6>(&mut acc, row),
                                (8, 8) => add_blocks::<8>(&mut acc, row),
                                _ => {
                                    for (a, block) in acc.iter_mut().zip(row.chunks_exact(scale)) {
                                        *a +=
                                            block[..bw].iter().map(|&v| u32::from(v)).sum::<u32>();
                                    }
                                }
                            }
                            if scale > row.len() {
                                // A region narrower than one block.
                                acc[0] += row[..bw.min(row.len())]
                                    .iter()
                                    .map(|&v| u32::from(v))
                                    .sum::<u32>();
                            }
                        } else {
                            for (ox, a) in acc.iter_mut().enumerate() {
                                for dx in 0..bw {
                                    let i = (ox * scale + dx) * p.pixel_stride;
                                    *a += u32::from(row.get(i).copied().unwrap_or(0));
                                }
                            }
                        }
                    }
                    LumaSource::Packed { plane, r, g, b } => {
                        let start = sy * plane.row_stride + rx * plane.pixel_stride;
                        let Some(row) = plane.data.get(start..) else {
                            continue;
                        };
                        for (ox, a) in acc.iter_mut().enumerate() {
                            for dx in 0..bw {
                                let i = (ox * scale + dx) * plane.pixel_stride;
                                if let Some(px) = row.get(i..i + 4) {
                                    *a += u32::from(rgb_to_luma(px[r], px[g], px[b]));
                                }
                            }
                        }
                    }
                }
            }
            // Average without a hardware division per pixel (with the eager full-size copy
            // it made 720p frames 4x slower): a shift for power-of-two blocks, else a
            // fixed-point reciprocal.
            if n.is_power_of_two() {
                let shift = n.trailing_zeros();
                let half = n / 2;
                for (o, a) in out_row.iter_mut().zip(&acc) {
                    *o = ((a + half) >> shift).min(255) as u8;
                }
            } else {
                let recip = ((1u64 << 32) + u64::from(n) / 2) / u64::from(n);
                for (o, a) in out_row.iter_mut().zip(&acc) {
                    *o = ((u64::from(*a) * recip + (1 << 31)) >> 32).min(255) as u8;
                }
            }
        }
        (out, ow, oh)
    }
}

/// Adds the sums of consecutive `S`-pixel blocks of `row` to `acc`.
#[inline]
fn add_blocks<const S: usize>(acc: &mut [u32], row: &[u8]) {
    for (a, block) in acc.iter_mut().zip(row.chunks_exact(S)) {
        let mut sum = 0u32;
        for &v in block {
            sum += u32::from(v);
        }
        *a += sum;
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::{Pixels, Plane, Rect, Rotation};
    use super::*;

    /// The reduced image equals a plain rounded block mean, for power-of-two block sizes
    /// (shift) and others (fixed-point reciprocal), on padded rows, with a region.
    #[test]
    fn reduce_matches_a_naive_block_mean() {
        let (w, h, stride) = (37usize, 23usize, 41usize);
        let mut seed = 0x9e37_79b9u32;
        let data: Vec<u8> = (0..stride * h)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed >> 24) as u8
            })
            .collect();
        for with_roi in [false, true] {
            let roi = with_roi.then_some(Rect {
                x: 3,
                y: 2,
                width: 30,
                height: 19,
            });
            let frame = Frame::new(
                w as u32,
                h as u32,
                Pixels::Luma8(Plane::new(&data, stride, 1)),
                Rotation::R0,
                roi,
            )
            .unwrap();
            let (rx, ry, rw, rh) = roi.map_or((0, 0, w, h), |r| {
                (
                    r.x as usize,
                    r.y as usize,
                    r.width as usize,
                    r.height as usize,
                )
            });
            for scale in 1..=8usize {
                let (out, ow, oh) = frame.reduce_sensor(scale);
                assert_eq!((ow, oh), (rw / scale, rh / scale), "scale {scale}");
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut sum = 0u32;
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let i = (ry + oy * scale + dy) * stride + rx + ox * scale + dx;
                                sum += u32::from(data[i]);
                            }
                        }
                        let n = (scale * scale) as f64;
                        let want = (f64::from(sum) / n).round();
                        let got = f64::from(out[oy * ow + ox]);
                        assert!(
                            (got - want).abs() <= 1.0,
                            "scale {scale} at ({ox},{oy}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
