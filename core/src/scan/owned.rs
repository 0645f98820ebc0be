//! Frames whose bytes arrive as owned vectors (the FFI): the format named by string, the
//! planes, and the same checks as a borrowed [`Frame`] when borrowed.

use super::error::FrameError;
use super::frame::Frame;
use super::layout::{Pixels, Plane, Rect, Rotation};

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
