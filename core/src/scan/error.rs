//! Why a frame was refused: one typed error per wrong value, and the size limit.

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
