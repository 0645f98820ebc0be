//! One rqrr attempt on a bitmap we binarised ourselves, with its panics contained.
//!
//! We hand rqrr a ready bitmap (`prepare_from_bitmap`), which skips its own row-wise
//! threshold. Transposing and inverting are done in the fill closure, so a retry costs
//! no extra image copy of ours.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::gray::Bitmap;
use super::result::{ScanResult, ScannedCode, Stage};

/// Runs rqrr over `bin` (optionally transposed / inverted) and adds what it reads.
pub(super) fn attempt(bin: &Bitmap, transpose: bool, invert: bool, result: &mut ScanResult) {
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
        (found, panics)
    }));
    match detected {
        Ok((found, panics)) => {
            result.panics += panics;
            // rqrr drops ECI designators, so the charset is guessed (see text.rs).
            result.add(
                found
                    .into_iter()
                    .map(|b| ScannedCode::from_bytes(b, None, Stage::Rqrr))
                    .collect(),
            );
        }
        Err(_) => {
            result.panics += 1;
            log::debug!("rqrr panicked on a frame; contained");
        }
    }
}
