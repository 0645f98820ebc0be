//! Camera frames in, decoded (and classified) codes out.
//!
//! The pixel planes cross the boundary as `&[u8]` arguments, which uniffi 0.32 passes
//! without copying: Kotlin hands a direct `ByteBuffer` (what `android.media.Image` planes
//! already are), Swift a `Data` it borrows for the call. The layout (sizes, strides,
//! format, rotation, region) travels in a small record. Core checks every size, stride and
//! buffer length: a bad frame is `VaoraError.Input` with code `BAD_FRAME`, never a crash.

use std::time::Duration;

use vaora_core::scan::{self, Frame, Pixels, Plane, Rect, Rotation, ScanOptions, ScannedCode};

use crate::error::VaoraError;

/// Pixel layouts the platforms deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FrameFormat {
    /// 8-bit grey, or only the Y plane of any YUV frame (plane 0).
    Luma8,
    /// Y (plane 0) + interleaved VU (plane 1): Android's legacy camera.
    Nv21,
    /// Y (plane 0) + interleaved UV (plane 1): iOS 420f/420v bi-planar.
    Nv12,
    /// Y, U, V (planes 0, 1, 2) with their own strides: Android `YUV_420_888`, I420.
    Yuv420,
    /// B G R A, 4 bytes a pixel (plane 0): iOS `32BGRA`.
    Bgra8888,
    /// R G B A, 4 bytes a pixel (plane 0).
    Rgba8888,
}

/// Row and pixel stride of one plane, in bytes.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct PlaneStrides {
    pub row_stride: i32,
    pub pixel_stride: i32,
}

/// A region of interest in sensor coordinates (before rotation).
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct FrameRegion {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// Everything about a frame except its bytes.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FrameLayout {
    pub width: i32,
    pub height: i32,
    pub format: FrameFormat,
    /// One entry per plane used by `format` (1, 2 or 3).
    pub strides: Vec<PlaneStrides>,
    /// Clockwise rotation that makes the picture upright: 0, 90, 180 or 270.
    #[uniffi(default = 0)]
    pub rotation_degrees: i32,
    #[uniffi(default = None)]
    pub region: Option<FrameRegion>,
}

/// How hard one scan may try.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScanSettings {
    /// No new decoding attempt starts after this many milliseconds (camera loop: ~30).
    #[uniffi(default = 30)]
    pub budget_ms: i32,
    /// Keep looking after the first code, to return every code in the frame.
    #[uniffi(default = false)]
    pub exhaustive: bool,
    /// A still picture (a gallery photo), not a camera frame: every decoding attempt,
    /// including the slower ones a camera loop skips (give it a budget of ~500 ms or more).
    #[uniffi(default = false)]
    pub still_image: bool,
}

/// One decoded code.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DecodedCode {
    /// The text, when the bytes are text in a known charset.
    pub text: Option<String>,
    /// The raw bytes of the code.
    pub bytes: Vec<u8>,
}

impl From<ScannedCode> for DecodedCode {
    fn from(c: ScannedCode) -> Self {
        Self {
            text: c.text,
            bytes: c.bytes,
        }
    }
}

/// What one scan found.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScanReport {
    pub codes: Vec<DecodedCode>,
    /// Whether the budget ran out before every attempt was made.
    pub budget_exhausted: bool,
}

pub(crate) fn options(settings: &ScanSettings) -> ScanOptions {
    ScanOptions {
        budget: Duration::from_millis(u64::try_from(settings.budget_ms).unwrap_or(0)),
        exhaustive: settings.exhaustive,
        still: settings.still_image,
        ..ScanOptions::default()
    }
}

fn plane<'a>(layout: &FrameLayout, index: usize, data: &'a [u8]) -> Result<Plane<'a>, VaoraError> {
    let strides = layout.strides.get(index).ok_or_else(|| {
        VaoraError::input(
            crate::error::ErrorCode::BadFrame,
            format!("format {:?} needs strides for plane {index}", layout.format),
        )
    })?;
    Ok(Plane::new(
        data,
        size(strides.row_stride, "row stride")? as usize,
        size(strides.pixel_stride, "pixel stride")? as usize,
    ))
}

/// A frame dimension as core's unsigned type: negative is `BAD_FRAME`.
fn size(value: i32, what: &str) -> Result<u32, VaoraError> {
    u32::try_from(value).map_err(|_| {
        VaoraError::input(
            crate::error::ErrorCode::BadFrame,
            format!("negative {what}: {value}"),
        )
    })
}

fn rotation(layout: &FrameLayout) -> Result<Rotation, VaoraError> {
    Ok(Rotation::from_degrees(size(
        layout.rotation_degrees,
        "rotation",
    )?)?)
}

/// Borrows the planes as a checked core frame.
pub(crate) fn frame<'a>(
    layout: &FrameLayout,
    p0: &'a [u8],
    p1: &'a [u8],
    p2: &'a [u8],
) -> Result<Frame<'a>, VaoraError> {
    let pixels = match layout.format {
        FrameFormat::Luma8 => Pixels::Luma8(plane(layout, 0, p0)?),
        FrameFormat::Nv21 => Pixels::Nv21 {
            y: plane(layout, 0, p0)?,
            vu: plane(layout, 1, p1)?,
        },
        FrameFormat::Nv12 => Pixels::Nv12 {
            y: plane(layout, 0, p0)?,
            uv: plane(layout, 1, p1)?,
        },
        FrameFormat::Yuv420 => Pixels::Yuv420 {
            y: plane(layout, 0, p0)?,
            u: plane(layout, 1, p1)?,
            v: plane(layout, 2, p2)?,
        },
        FrameFormat::Bgra8888 => Pixels::Bgra8888(plane(layout, 0, p0)?),
        FrameFormat::Rgba8888 => Pixels::Rgba8888(plane(layout, 0, p0)?),
    };
    let rotation = rotation(layout)?;
    let roi = layout
        .region
        .map(|r| -> Result<Rect, VaoraError> {
            Ok(Rect {
                x: size(r.x, "region x")?,
                y: size(r.y, "region y")?,
                width: size(r.width, "region width")?,
                height: size(r.height, "region height")?,
            })
        })
        .transpose()?;
    Ok(Frame::new(
        size(layout.width, "width")?,
        size(layout.height, "height")?,
        pixels,
        rotation,
        roi,
    )?)
}

/// Decodes every QR code it can find in a camera frame (no diary needed). Unused planes
/// are passed empty. Kotlin: direct `ByteBuffer`s; Swift: `Data`.
#[uniffi::export]
pub fn scan_frame(
    layout: FrameLayout,
    settings: ScanSettings,
    plane0: &[u8],
    plane1: &[u8],
    plane2: &[u8],
) -> Result<ScanReport, VaoraError> {
    crate::guard::contain("scan_frame", || {
        decode(&layout, &options(&settings), plane0, plane1, plane2)
    })
}

fn decode(
    layout: &FrameLayout,
    options: &ScanOptions,
    plane0: &[u8],
    plane1: &[u8],
    plane2: &[u8],
) -> Result<ScanReport, VaoraError> {
    let frame = frame(layout, plane0, plane1, plane2)?;
    let result = scan::scan_frame(&frame, options);
    if result.panics > 0 {
        log::warn!(target: "vaora_ffi", "the decoder panicked {} time(s); contained", result.panics);
    }
    Ok(ScanReport {
        codes: result.codes.into_iter().map(Into::into).collect(),
        budget_exhausted: result.budget_exhausted,
    })
}

/// A scanner for a stream of frames that share one layout: a camera session, where the
/// size, format, strides and rotation stay put while 30 frames a second arrive. The layout
/// and settings cross the boundary once, here, so each [`FrameScanner::scan`] passes only
/// the borrowed planes: on the JVM every record argument costs a buffer allocation and a
/// free through JNA, which is most of a call's fixed cost (docs/bindings.md).
#[derive(Debug, uniffi::Object)]
pub struct FrameScanner {
    layout: FrameLayout,
    options: ScanOptions,
}

#[uniffi::export]
impl FrameScanner {
    /// Checks what can be checked without pixels (rotation, a stride record per plane).
    #[uniffi::constructor]
    pub fn new(
        layout: FrameLayout,
        settings: ScanSettings,
    ) -> Result<std::sync::Arc<Self>, VaoraError> {
        rotation(&layout)?;
        let planes = match layout.format {
            FrameFormat::Luma8 | FrameFormat::Bgra8888 | FrameFormat::Rgba8888 => 1,
            FrameFormat::Nv21 | FrameFormat::Nv12 => 2,
            FrameFormat::Yuv420 => 3,
        };
        if layout.strides.len() < planes {
            return Err(VaoraError::input(
                crate::error::ErrorCode::BadFrame,
                format!(
                    "format {:?} needs strides for {planes} plane(s)",
                    layout.format
                ),
            ));
        }
        Ok(std::sync::Arc::new(Self {
            options: options(&settings),
            layout,
        }))
    }

    /// Decodes one frame of this layout; planes as in [`scan_frame`], unused ones empty.
    pub fn scan(
        &self,
        plane0: &[u8],
        plane1: &[u8],
        plane2: &[u8],
    ) -> Result<ScanReport, VaoraError> {
        crate::guard::contain("FrameScanner.scan", || {
            decode(&self.layout, &self.options, plane0, plane1, plane2)
        })
    }
}

/// Timings of the same decode run inside Rust, for the boundary benchmark.
#[cfg(feature = "test-hooks")]
#[derive(Debug, Clone, uniffi::Record)]
pub struct NativeScanTimings {
    /// Microseconds per `scan_frame` call, one entry per iteration.
    pub micros: Vec<u64>,
    pub codes_found: u32,
}

/// Runs the core decode `iterations` times on one borrowed luma plane, timing each call in
/// Rust: the baseline that the Kotlin and Swift benchmarks compare their FFI calls with.
/// Test builds only.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
pub fn test_hook_native_scan_timings(
    layout: FrameLayout,
    settings: ScanSettings,
    plane0: &[u8],
    iterations: u32,
) -> Result<NativeScanTimings, VaoraError> {
    crate::guard::contain("test_hook_native_scan_timings", || {
        let frame = frame(&layout, plane0, &[], &[])?;
        let opts = options(&settings);
        let mut micros = Vec::with_capacity(iterations as usize);
        let mut found = 0;
        for _ in 0..iterations {
            let start = std::time::Instant::now();
            let result = scan::scan_frame(&frame, &opts);
            micros.push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
            found = u32::try_from(result.codes.len()).unwrap_or(u32::MAX);
        }
        Ok(NativeScanTimings {
            micros,
            codes_found: found,
        })
    })
}

/// Times the exported [`scan_frame`] itself (frame checks, decode, result conversion,
/// panic guard) and the bare core decode, alternately, inside Rust: `micros` holds
/// `iterations` pairs, exported first in each. With the foreign call's own time it splits
/// the foreign call's extra into the Rust wrapper's share and the foreign side's (JNA,
/// generated code). Test builds only.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
pub fn test_hook_exported_scan_timings(
    layout: FrameLayout,
    settings: ScanSettings,
    plane0: &[u8],
    iterations: u32,
) -> Result<NativeScanTimings, VaoraError> {
    let mut micros = Vec::with_capacity(2 * iterations as usize);
    let mut found = 0;
    let core_frame = frame(&layout, plane0, &[], &[])?;
    let opts = options(&settings);
    for _ in 0..iterations {
        let start = std::time::Instant::now();
        let report = scan_frame(layout.clone(), settings.clone(), plane0, &[], &[])?;
        micros.push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
        found = u32::try_from(report.codes.len()).unwrap_or(u32::MAX);
        let start = std::time::Instant::now();
        let result = scan::scan_frame(&core_frame, &opts);
        micros.push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
        found = found.min(u32::try_from(result.codes.len()).unwrap_or(u32::MAX));
    }
    Ok(NativeScanTimings {
        micros,
        codes_found: found,
    })
}
