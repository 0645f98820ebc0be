//! The camera loop's fast lane: one plain C function for a frame's scan, beside the uniffi
//! surface, for the JVM.
//!
//! Why: on the JVM every uniffi call lowers its `&[u8]` planes, its records and its call
//! status as JNA `Structure`s (allocated, filled and read by reflection) and lifts the
//! answer from a `RustBuffer` that needs one more call to free. That fixed cost was 27–40 µs
//! a call (`cargo xtask kotlin-test --bench-only --release`), 12–20 % of a 720p decode,
//! paid 30 times a second. This function takes only integers and the planes' base addresses
//! (JNA passes a direct `ByteBuffer` as its address, no copy) and writes the answer into a
//! caller-owned buffer, so a call crosses with no allocation on either side.
//!
//! It holds no rule of its own: the layout becomes the same [`FrameLayout`] and the scan is
//! the same [`crate::scan`] decode. It answers only success; for anything else (a bad frame,
//! a contained panic, an answer larger than the buffer) it returns a negative number and the
//! Kotlin layer makes the same call through uniffi, which answers with the typed error (or
//! the full report). The answer's layout is in `docs/bindings.md`, "The camera fast lane";
//! the Kotlin reader is `android/src/main/kotlin/app/vaora/DirectScan.kt`. Swift's calls
//! cost under 5 % already (it passes records as C structs), so it uses uniffi only.

use crate::scan::{FrameFormat, FrameLayout, FrameRegion, PlaneStrides, ScanReport, ScanSettings};

/// The answer did not fit in the caller's buffer: repeat the call through uniffi.
const TOO_SMALL: i32 = -2;
/// The call failed (bad frame, contained panic): repeat it through uniffi for the error.
const FAILED: i32 = -1;

/// `flags` bit: keep looking after the first code.
const EXHAUSTIVE: i32 = 1;
/// `flags` bit: a still picture, not a camera frame.
const STILL_IMAGE: i32 = 2;

/// Borrows `len` bytes at `ptr + offset`, or nothing when `len` is 0.
///
/// # Safety
/// When `len > 0`, `ptr + offset .. ptr + offset + len` must be readable for the call.
unsafe fn plane<'a>(ptr: *const u8, offset: i32, len: i32) -> Option<&'a [u8]> {
    let (offset, len) = (usize::try_from(offset).ok()?, usize::try_from(len).ok()?);
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees the range is readable (a direct buffer's storage,
    // alive and not written during the call).
    Some(unsafe { std::slice::from_raw_parts(ptr.add(offset), len) })
}

fn format(code: i32) -> Option<FrameFormat> {
    Some(match code {
        0 => FrameFormat::Luma8,
        1 => FrameFormat::Nv21,
        2 => FrameFormat::Nv12,
        3 => FrameFormat::Yuv420,
        4 => FrameFormat::Bgra8888,
        5 => FrameFormat::Rgba8888,
        _ => return None,
    })
}

/// Writes `report` as: exhausted (1 byte), code count (u16 LE), then per code a text flag
/// (1 byte), text length (u32 LE) and UTF-8, byte length (u32 LE) and bytes. `None` when it
/// does not fit in `cap` bytes.
fn encode(report: &ScanReport, cap: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    out.push(u8::from(report.budget_exhausted));
    out.extend_from_slice(&u16::try_from(report.codes.len()).ok()?.to_le_bytes());
    for code in &report.codes {
        let text = code.text.as_deref().unwrap_or("").as_bytes();
        out.push(u8::from(code.text.is_some()));
        out.extend_from_slice(&u32::try_from(text.len()).ok()?.to_le_bytes());
        out.extend_from_slice(text);
        out.extend_from_slice(&u32::try_from(code.bytes.len()).ok()?.to_le_bytes());
        out.extend_from_slice(&code.bytes);
    }
    (out.len() <= cap).then_some(out)
}

/// Scans one frame and writes the answer to `out` (see [`encode`]); returns the answer's
/// length, or −1 (failed: ask uniffi's `scan_frame` for the typed error) or −2 (`out` too
/// small: ask uniffi's `scan_frame`). Planes a format does not use are passed with length
/// 0. `region_width < 0` means no region.
///
/// # Safety
/// Each plane's `[ptr + offset, ptr + offset + len)` must be readable and `out[0..out_cap)`
/// writable for the duration of the call, and no other thread may write them meanwhile:
/// what JNA guarantees for direct `ByteBuffer` arguments the caller keeps alive.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vaora_scan_frame_direct(
    width: i32,
    height: i32,
    format_code: i32,
    rotation_degrees: i32,
    region_x: i32,
    region_y: i32,
    region_width: i32,
    region_height: i32,
    row_stride0: i32,
    pixel_stride0: i32,
    row_stride1: i32,
    pixel_stride1: i32,
    row_stride2: i32,
    pixel_stride2: i32,
    budget_ms: i32,
    flags: i32,
    plane0: *const u8,
    offset0: i32,
    len0: i32,
    plane1: *const u8,
    offset1: i32,
    len1: i32,
    plane2: *const u8,
    offset2: i32,
    len2: i32,
    out: *mut u8,
    out_cap: i32,
) -> i32 {
    let Some(format) = format(format_code) else {
        return FAILED;
    };
    let stride = |row_stride, pixel_stride| PlaneStrides {
        row_stride,
        pixel_stride,
    };
    let layout = FrameLayout {
        width,
        height,
        format,
        strides: vec![
            stride(row_stride0, pixel_stride0),
            stride(row_stride1, pixel_stride1),
            stride(row_stride2, pixel_stride2),
        ],
        rotation_degrees,
        region: (region_width >= 0).then_some(FrameRegion {
            x: region_x,
            y: region_y,
            width: region_width,
            height: region_height,
        }),
    };
    let settings = ScanSettings {
        budget_ms,
        exhaustive: flags & EXHAUSTIVE != 0,
        still_image: flags & STILL_IMAGE != 0,
    };
    // SAFETY: the caller's contract above.
    let planes = unsafe {
        (
            plane(plane0, offset0, len0),
            plane(plane1, offset1, len1),
            plane(plane2, offset2, len2),
        )
    };
    let (Some(p0), Some(p1), Some(p2)) = planes else {
        return FAILED;
    };
    let Ok(report) = crate::scan::scan_frame(layout, settings, p0, p1, p2) else {
        return FAILED;
    };
    let Ok(cap) = usize::try_from(out_cap) else {
        return FAILED;
    };
    let Some(answer) = encode(&report, cap) else {
        return TOO_SMALL;
    };
    if out.is_null() {
        return FAILED;
    }
    // SAFETY: `answer.len() <= out_cap` and the caller guarantees `out[0..out_cap)` is
    // writable; the two cannot overlap (`answer` is ours).
    unsafe { std::ptr::copy_nonoverlapping(answer.as_ptr(), out, answer.len()) };
    i32::try_from(answer.len()).unwrap_or(FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::DecodedCode;

    fn call(w: i32, h: i32, fmt: i32, rot: i32, plane0: &[u8], out: &mut [u8]) -> i32 {
        // SAFETY: the slices outlive the call.
        unsafe {
            vaora_scan_frame_direct(
                w,
                h,
                fmt,
                rot,
                0,
                0,
                -1,
                0,
                w,
                1,
                0,
                0,
                0,
                0,
                1000,
                0,
                plane0.as_ptr(),
                0,
                i32::try_from(plane0.len()).unwrap_or(i32::MAX),
                std::ptr::null(),
                0,
                0,
                std::ptr::null(),
                0,
                0,
                out.as_mut_ptr(),
                i32::try_from(out.len()).unwrap_or(i32::MAX),
            )
        }
    }

    #[test]
    fn an_empty_frame_answers_no_code_and_bad_input_answers_failed() {
        let w = 64;
        let pixels = vec![200u8; 64 * 48];
        let mut out = [0xAAu8; 64];
        assert_eq!(call(w, 48, 0, 0, &pixels, &mut out), 3);
        assert_eq!(&out[..3], &[0, 0, 0]);
        // A plane shorter than the layout, an unknown format, a bad rotation: failed.
        assert_eq!(call(w, 48, 0, 0, &pixels[..100], &mut out), FAILED);
        assert_eq!(call(w, 48, 9, 0, &pixels, &mut out), FAILED);
        assert_eq!(call(w, 48, 0, 45, &pixels, &mut out), FAILED);
        // A negative length never becomes a slice.
        // SAFETY: `pixels` and `out` outlive the call.
        let negative = unsafe {
            vaora_scan_frame_direct(
                w,
                48,
                0,
                0,
                0,
                0,
                -1,
                0,
                w,
                1,
                0,
                0,
                0,
                0,
                1000,
                0,
                pixels.as_ptr(),
                0,
                -5,
                std::ptr::null(),
                0,
                0,
                std::ptr::null(),
                0,
                0,
                out.as_mut_ptr(),
                64,
            )
        };
        assert_eq!(negative, FAILED);
    }

    #[test]
    fn the_answer_layout_and_a_short_buffer() {
        let report = ScanReport {
            codes: vec![
                DecodedCode {
                    text: Some("Ấp".to_owned()),
                    bytes: vec![1, 2],
                },
                DecodedCode {
                    text: None,
                    bytes: vec![0xFF],
                },
            ],
            budget_exhausted: true,
        };
        let bytes = encode(&report, 1024).unwrap_or_default();
        let text = "Ấp".as_bytes();
        let mut want = vec![1u8, 2, 0, 1];
        want.extend_from_slice(&u32::try_from(text.len()).unwrap_or(0).to_le_bytes());
        want.extend_from_slice(text);
        want.extend_from_slice(&[2, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0xFF]);
        assert_eq!(bytes, want);
        assert_eq!(encode(&report, want.len()), Some(want.clone()));
        assert_eq!(encode(&report, want.len() - 1), None);
    }
}
