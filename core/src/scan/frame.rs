//! Camera frames exactly as the platforms hand them over, checked before any pixel is read.
//!
//! Android's `ImageProxy` (YUV_420_888: three planes, each with a row stride and a pixel
//! stride, NV21/NV12 being the interleaved special cases) and iOS's `CVPixelBuffer`
//! (BGRA8888, or bi-planar NV12) all carry padding at row ends and sometimes a shorter last
//! row. A frame borrows those buffers as they are: every size, stride and length is
//! checked once, with checked arithmetic, in [`Frame::new`], so the decoder's sampling
//! code can index without further checks and never reads out of bounds. The luma of the
//! YUV formats is read in place through [`Frame::luma_at`]; nothing copies the whole frame.
//! [`OwnedFrame`] is the variant the FFI uses when the bytes arrive as owned vectors.

use thiserror::Error;

/// Largest side we accept: bigger than any phone camera stream, small enough that
/// `width * height * 4` cannot overflow on 32-bit targets.
pub const MAX_SIDE: u32 = 16_384;

/// Which plane of a frame a [`FrameError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaneName {
    /// The luma plane, or the single plane of packed formats.
    Y,
    /// The U (Cb) plane of three-plane YUV.
    U,
    /// The V (Cr) plane of three-plane YUV.
    V,
    /// The interleaved chroma plane of NV12 (UV) or NV21 (VU).
    Chroma,
}

impl std::fmt::Display for PlaneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PlaneName::Y => "Y",
            PlaneName::U => "U",
            PlaneName::V => "V",
            PlaneName::Chroma => "chroma",
        })
    }
}

/// Why a frame was refused. Each variant says which value is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// Width or height is zero.
    #[error("frame has zero size ({width}x{height})")]
    ZeroSize { width: u32, height: u32 },
    /// Width or height is above [`MAX_SIDE`].
    #[error("frame size {width}x{height} is above the limit of {MAX_SIDE} per side")]
    TooLarge { width: u32, height: u32 },
    /// Rotation is not 0, 90, 180 or 270.
    #[error("rotation {degrees} is not 0, 90, 180 or 270")]
    BadRotation { degrees: u32 },
    /// Pixel stride below the size of one pixel of this format.
    #[error("{plane} plane: pixel stride {pixel_stride} is below {min}")]
    PixelStrideTooSmall {
        plane: PlaneName,
        pixel_stride: usize,
        min: usize,
    },
    /// Row stride too small to hold one row of the plane.
    #[error("{plane} plane: row stride {row_stride} is below the {min} bytes one row needs")]
    RowStrideTooSmall {
        plane: PlaneName,
        row_stride: usize,
        min: usize,
    },
    /// Buffer shorter than the plane's rows and strides need.
    #[error("{plane} plane: buffer has {len} bytes, needs at least {needed}")]
    BufferTooShort {
        plane: PlaneName,
        len: usize,
        needed: usize,
    },
    /// Sizes and strides multiply beyond the address space.
    #[error("{plane} plane: sizes and strides overflow")]
    Overflow { plane: PlaneName },
    /// The region of interest is empty or reaches outside the frame.
    #[error(
        "region of interest {x},{y} {width}x{height} is empty or outside the {frame_width}x{frame_height} frame"
    )]
    BadRegion {
        x: u32,
        y: u32,
        width: u32,
        height: u32,
        frame_width: u32,
        frame_height: u32,
    },
    /// Format named by the FFI is not one we know.
    #[error("unknown pixel format {0}")]
    UnknownFormat(String),
    /// The FFI gave a number of planes that does not fit the format.
    #[error("pixel format {format} needs {needed} planes, got {got}")]
    PlaneCount {
        format: &'static str,
        needed: usize,
        got: usize,
    },
}

/// How the camera's sensor image must be turned (clockwise) to be upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    #[default]
    R0,
    R90,
    R180,
    R270,
}

impl Rotation {
    /// From the degrees the platforms report (`ImageInfo.rotationDegrees`).
    pub fn from_degrees(degrees: u32) -> Result<Self, FrameError> {
        match degrees {
            0 => Ok(Rotation::R0),
            90 => Ok(Rotation::R90),
            180 => Ok(Rotation::R180),
            270 => Ok(Rotation::R270),
            _ => Err(FrameError::BadRotation { degrees }),
        }
    }

    /// Degrees clockwise.
    pub fn degrees(self) -> u32 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }
}

/// A rectangle in sensor (unrotated) pixel coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// One plane of pixels: the bytes, the distance between rows and between pixels.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub row_stride: usize,
    pub pixel_stride: usize,
}

impl<'a> Plane<'a> {
    /// A plane of tightly packed pixels with the given row stride.
    pub fn new(data: &'a [u8], row_stride: usize, pixel_stride: usize) -> Self {
        Plane {
            data,
            row_stride,
            pixel_stride,
        }
    }

    /// Checks the plane can hold `w` x `h` pixels of `bpp` bytes each.
    fn check(&self, name: PlaneName, w: usize, h: usize, bpp: usize) -> Result<(), FrameError> {
        if self.pixel_stride < bpp {
            return Err(FrameError::PixelStrideTooSmall {
                plane: name,
                pixel_stride: self.pixel_stride,
                min: bpp,
            });
        }
        let overflow = || FrameError::Overflow { plane: name };
        // Bytes one row needs: the last pixel's start plus its size (the stride after it is padding).
        let row_bytes = (w - 1)
            .checked_mul(self.pixel_stride)
            .and_then(|v| v.checked_add(bpp))
            .ok_or_else(overflow)?;
        if self.row_stride < row_bytes {
            return Err(FrameError::RowStrideTooSmall {
                plane: name,
                row_stride: self.row_stride,
                min: row_bytes,
            });
        }
        // The last row may stop right after its last pixel (Android does this).
        let needed = (h - 1)
            .checked_mul(self.row_stride)
            .and_then(|v| v.checked_add(row_bytes))
            .ok_or_else(overflow)?;
        if self.data.len() < needed {
            return Err(FrameError::BufferTooShort {
                plane: name,
                len: self.data.len(),
                needed,
            });
        }
        Ok(())
    }
}

/// The pixel layouts camera APIs deliver.
#[derive(Debug, Clone, Copy)]
pub enum Pixels<'a> {
    /// 8-bit grey (also any YUV frame of which only the Y plane is passed).
    Luma8(Plane<'a>),
    /// Y plane plus interleaved VU (Android's legacy camera default).
    Nv21 { y: Plane<'a>, vu: Plane<'a> },
    /// Y plane plus interleaved UV (iOS bi-planar, many Android encoders).
    Nv12 { y: Plane<'a>, uv: Plane<'a> },
    /// Three planes with their own strides: I420 and Android's YUV_420_888.
    Yuv420 {
        y: Plane<'a>,
        u: Plane<'a>,
        v: Plane<'a>,
    },
    /// 4 bytes per pixel, B G R A (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8888(Plane<'a>),
    /// 4 bytes per pixel, R G B A (Android `ImageFormat.FLEX_RGBA_8888`, bitmaps).
    Rgba8888(Plane<'a>),
}

impl Pixels<'_> {
    /// A short name for logs and errors.
    pub fn format_name(&self) -> &'static str {
        match self {
            Pixels::Luma8(_) => "luma8",
            Pixels::Nv21 { .. } => "nv21",
            Pixels::Nv12 { .. } => "nv12",
            Pixels::Yuv420 { .. } => "yuv420",
            Pixels::Bgra8888(_) => "bgra8888",
            Pixels::Rgba8888(_) => "rgba8888",
        }
    }
}

/// A checked, borrowed camera frame. Build it with [`Frame::new`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    pixels: Pixels<'a>,
    rotation: Rotation,
    roi: Rect,
    /// The plane luma is sampled from, and where in a pixel it sits.
    luma: LumaSource<'a>,
}

#[derive(Debug, Clone, Copy)]
enum LumaSource<'a> {
    /// Luma byte at `row * row_stride + col * pixel_stride`.
    Direct(Plane<'a>),
    /// Packed colour: offsets of R, G and B inside the pixel.
    Packed {
        plane: Plane<'a>,
        r: usize,
        g: usize,
        b: usize,
    },
}

impl<'a> Frame<'a> {
    /// Checks every size, stride and buffer length, then borrows the frame.
    ///
    /// `roi` is in sensor coordinates (before rotation); `None` means the whole frame.
    pub fn new(
        width: u32,
        height: u32,
        pixels: Pixels<'a>,
        rotation: Rotation,
        roi: Option<Rect>,
    ) -> Result<Self, FrameError> {
        if width == 0 || height == 0 {
            return Err(FrameError::ZeroSize { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(FrameError::TooLarge { width, height });
        }
        let w = width as usize;
        let h = height as usize;
        // 4:2:0 chroma covers odd sizes by rounding up.
        let cw = w.div_ceil(2);
        let ch = h.div_ceil(2);
        let luma = match pixels {
            Pixels::Luma8(y) => {
                y.check(PlaneName::Y, w, h, 1)?;
                LumaSource::Direct(y)
            }
            Pixels::Nv21 { y, vu: c } | Pixels::Nv12 { y, uv: c } => {
                y.check(PlaneName::Y, w, h, 1)?;
                c.check(PlaneName::Chroma, cw, ch, 2)?;
                LumaSource::Direct(y)
            }
            Pixels::Yuv420 { y, u, v } => {
                y.check(PlaneName::Y, w, h, 1)?;
                u.check(PlaneName::U, cw, ch, 1)?;
                v.check(PlaneName::V, cw, ch, 1)?;
                LumaSource::Direct(y)
            }
            Pixels::Bgra8888(p) => {
                p.check(PlaneName::Y, w, h, 4)?;
                LumaSource::Packed {
                    plane: p,
                    r: 2,
                    g: 1,
                    b: 0,
                }
            }
            Pixels::Rgba8888(p) => {
                p.check(PlaneName::Y, w, h, 4)?;
                LumaSource::Packed {
                    plane: p,
                    r: 0,
                    g: 1,
                    b: 2,
                }
            }
        };
        let roi = match roi {
            None => Rect {
                x: 0,
                y: 0,
                width,
                height,
            },
            Some(r) => {
                let fits_x = r.x.checked_add(r.width).is_some_and(|e| e <= width);
                let fits_y = r.y.checked_add(r.height).is_some_and(|e| e <= height);
                if r.width == 0 || r.height == 0 || !fits_x || !fits_y {
                    return Err(FrameError::BadRegion {
                        x: r.x,
                        y: r.y,
                        width: r.width,
                        height: r.height,
                        frame_width: width,
                        frame_height: height,
                    });
                }
                r
            }
        };
        Ok(Frame {
            width,
            height,
            pixels,
            rotation,
            roi,
            luma,
        })
    }

    /// Sensor width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Sensor height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel layout.
    pub fn pixels(&self) -> &Pixels<'a> {
        &self.pixels
    }

    /// How the sensor image is turned to be upright.
    pub fn rotation(&self) -> Rotation {
        self.rotation
    }

    /// The region decoded, in sensor coordinates (the whole frame when none was given).
    pub fn roi(&self) -> Rect {
        self.roi
    }

    /// Width and height of the region after rotation: the upright image the decoder sees.
    pub fn upright_size(&self) -> (usize, usize) {
        let (w, h) = (self.roi.width as usize, self.roi.height as usize);
        match self.rotation {
            Rotation::R0 | Rotation::R180 => (w, h),
            Rotation::R90 | Rotation::R270 => (h, w),
        }
    }

    /// Luma of the upright region at (`x`, `y`), `x < upright width`, `y < upright height`.
    ///
    /// Coordinates outside are clamped to the edge, so a caller bug degrades the image
    /// instead of reading out of bounds.
    #[inline]
    pub fn luma_at(&self, x: usize, y: usize) -> u8 {
        let (uw, uh) = self.upright_size();
        let x = x.min(uw - 1);
        let y = y.min(uh - 1);
        // Upright -> region coordinates (rotation is clockwise to upright).
        let (rx, ry) = match self.rotation {
            Rotation::R0 => (x, y),
            Rotation::R90 => (y, uw - 1 - x),
            Rotation::R180 => (uw - 1 - x, uh - 1 - y),
            Rotation::R270 => (uh - 1 - y, x),
        };
        let sx = self.roi.x as usize + rx;
        let sy = self.roi.y as usize + ry;
        match self.luma {
            LumaSource::Direct(p) => {
                let i = sy * p.row_stride + sx * p.pixel_stride;
                p.data.get(i).copied().unwrap_or(0)
            }
            LumaSource::Packed { plane, r, g, b } => {
                let i = sy * plane.row_stride + sx * plane.pixel_stride;
                match plane.data.get(i..i + 4) {
                    Some(px) => rgb_to_luma(px[r], px[g], px[b]),
                    None => 0,
                }
            }
        }
    }
}

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
                            for (a, block) in acc.iter_mut().zip(row.chunks_exact(scale)) {
                                *a += block[..bw].iter().map(|&v| u32::from(v)).sum::<u32>();
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

/// BT.601 luma in integer arithmetic (the same weights the camera's Y plane uses).
#[inline]
pub fn rgb_to_luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

/// The formats the FFI names by string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    Luma8,
    Nv21,
    Nv12,
    Yuv420,
    Bgra8888,
    Rgba8888,
}

impl std::str::FromStr for PixelFormat {
    type Err = FrameError;
    fn from_str(s: &str) -> Result<Self, FrameError> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "luma8" | "y8" | "grey" | "gray" => PixelFormat::Luma8,
            "nv21" => PixelFormat::Nv21,
            "nv12" => PixelFormat::Nv12,
            "i420" | "yuv420" | "yuv_420_888" => PixelFormat::Yuv420,
            "bgra8888" | "bgra" => PixelFormat::Bgra8888,
            "rgba8888" | "rgba" => PixelFormat::Rgba8888,
            _ => return Err(FrameError::UnknownFormat(s.chars().take(32).collect())),
        })
    }
}

/// An owned plane, for frames that cross the FFI as byte vectors.
#[derive(Debug, Clone)]
pub struct OwnedPlane {
    pub data: Vec<u8>,
    pub row_stride: usize,
    pub pixel_stride: usize,
}

/// An owned frame: same checks as [`Frame`] when borrowed with [`OwnedFrame::frame`].
#[derive(Debug, Clone)]
pub struct OwnedFrame {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub planes: Vec<OwnedPlane>,
    pub rotation_degrees: u32,
    pub roi: Option<Rect>,
}

impl OwnedFrame {
    /// Borrows the owned bytes as a checked [`Frame`].
    pub fn frame(&self) -> Result<Frame<'_>, FrameError> {
        let p = |i: usize| {
            self.planes
                .get(i)
                .map(|o| Plane::new(&o.data, o.row_stride, o.pixel_stride))
        };
        let needed = match self.format {
            PixelFormat::Luma8 | PixelFormat::Bgra8888 | PixelFormat::Rgba8888 => 1,
            PixelFormat::Nv21 | PixelFormat::Nv12 => 2,
            PixelFormat::Yuv420 => 3,
        };
        let count_err = || FrameError::PlaneCount {
            format: match self.format {
                PixelFormat::Luma8 => "luma8",
                PixelFormat::Nv21 => "nv21",
                PixelFormat::Nv12 => "nv12",
                PixelFormat::Yuv420 => "yuv420",
                PixelFormat::Bgra8888 => "bgra8888",
                PixelFormat::Rgba8888 => "rgba8888",
            },
            needed,
            got: self.planes.len(),
        };
        if self.planes.len() != needed {
            return Err(count_err());
        }
        let pixels = match (self.format, p(0), p(1), p(2)) {
            (PixelFormat::Luma8, Some(y), _, _) => Pixels::Luma8(y),
            (PixelFormat::Bgra8888, Some(y), _, _) => Pixels::Bgra8888(y),
            (PixelFormat::Rgba8888, Some(y), _, _) => Pixels::Rgba8888(y),
            (PixelFormat::Nv21, Some(y), Some(vu), _) => Pixels::Nv21 { y, vu },
            (PixelFormat::Nv12, Some(y), Some(uv), _) => Pixels::Nv12 { y, uv },
            (PixelFormat::Yuv420, Some(y), Some(u), Some(v)) => Pixels::Yuv420 { y, u, v },
            _ => return Err(count_err()),
        };
        Frame::new(
            self.width,
            self.height,
            pixels,
            Rotation::from_degrees(self.rotation_degrees)?,
            self.roi,
        )
    }
}

#[cfg(test)]
mod tests {
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
            for scale in 1..=6usize {
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
