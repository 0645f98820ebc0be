//! What a frame is made of: planes with their strides, the pixel layouts, the rotation
//! to upright and the region of interest.

use super::error::{FrameError, PlaneName};

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
    pub(super) fn check(
        &self,
        name: PlaneName,
        w: usize,
        h: usize,
        bpp: usize,
    ) -> Result<(), FrameError> {
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
