//! One rqrr attempt on a bitmap we binarised ourselves, with its panics contained.
//!
//! We hand rqrr a ready bitmap (`prepare_from_bitmap`), which skips its own row-wise
//! threshold. Transposing and inverting are done in the fill closure, so a retry costs
//! no extra image copy of ours.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::gray::Bitmap;
use super::result::{ScanResult, ScannedCode, Stage};

/// What one rqrr attempt did.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tried {
    /// Grids rqrr located: a grid costs most of an attempt (rqrr fits its perspective
    /// cell by cell), and none located means the attempt was cheap.
    pub located: usize,
    /// Codes read (ones read before included).
    pub read: usize,
}

/// Runs rqrr over `bin` (optionally transposed / inverted) and adds what it reads.
pub(super) fn attempt(
    bin: &Bitmap,
    transpose: bool,
    invert: bool,
    result: &mut ScanResult,
) -> Tried {
    result.attempts += 1;
    let (w, h) = if transpose {
        (bin.height, bin.width)
    } else {
        (bin.width, bin.height)
    };
    let detected = catch_unwind(AssertUnwindSafe(|| {
        let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
            let i = if transpose {
                x * bin.width + y
            } else {
                y * bin.width + x
            };
            bin.dark.get(i).copied().unwrap_or(false) != invert
        });
        let grids = img.detect_grids();
        let located = grids.len();
        let mut found = Vec::new();
        let mut panics = 0u32;
        for grid in &grids {
            let mut bytes = Vec::new();
            match catch_unwind(AssertUnwindSafe(|| grid.decode_to(&mut bytes))) {
                Ok(Ok(_meta)) => found.push(bytes),
                Ok(Err(_)) => {}
                Err(_) => panics += 1,
            }
        }
        (found, panics, located)
    }));
    match detected {
        Ok((found, panics, located)) => {
            result.panics += panics;
            // rqrr drops ECI designators, so the charset is guessed (see text.rs).
            let read = result.add(
                found
                    .into_iter()
                    .map(|b| ScannedCode::from_bytes(b, None, Stage::Rqrr))
                    .collect(),
            );
            Tried { located, read }
        }
        Err(_) => {
            result.panics += 1;
            log::debug!("rqrr panicked on a frame; contained");
            Tried::default()
        }
    }
}
