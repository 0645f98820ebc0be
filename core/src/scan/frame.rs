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

pub use super::error::{FrameError, MAX_SIDE, PlaneName};
pub use super::layout::{Pixels, Plane, Rect, Rotation};

/// A checked, borrowed camera frame. Build it with [`Frame::new`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    pixels: Pixels<'a>,
    rotation: Rotation,
    pub(super) roi: Rect,
    /// The plane luma is sampled from, and where in a pixel it sits.
    pub(super) luma: LumaSource<'a>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum LumaSource<'a> {
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

    /// The same frame limited to the upright rectangle (`x`, `y`, `width`, `height`) of the
    /// current region (clamped to it): how a later attempt looks closer at one place
    /// without copying the rest. Never empty.
    pub fn sub_region(&self, x: usize, y: usize, width: usize, height: usize) -> Frame<'a> {
        let (uw, uh) = self.upright_size();
        let x = x.min(uw - 1);
        let y = y.min(uh - 1);
        let w = width.clamp(1, uw - x);
        let h = height.clamp(1, uh - y);
        // Upright rectangle -> region-relative sensor rectangle (inverse of luma_at).
        let (rx, ry, rw, rh) = match self.rotation {
            Rotation::R0 => (x, y, w, h),
            Rotation::R90 => (y, uw - x - w, h, w),
            Rotation::R180 => (uw - x - w, uh - y - h, w, h),
            Rotation::R270 => (uh - y - h, x, h, w),
        };
        // Every value is below the region's own u32 sizes.
        let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Frame {
            roi: Rect {
                x: self.roi.x + to_u32(rx),
                y: self.roi.y + to_u32(ry),
                width: to_u32(rw),
                height: to_u32(rh),
            },
            ..*self
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

/// BT.601 luma in integer arithmetic (the same weights the camera's Y plane uses).
#[inline]
pub fn rgb_to_luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}
