//! The optional second stage: rxing (the Rust port of ZXing), on a reduced copy (fast, for
//! the camera loop) or on the full-resolution luma with its try-harder search.
//!
//! Behind the `rxing` cargo feature because of its size (see docs/adr/0002-qr-decoder.md).
//! rxing handles ECI and charsets itself, so its text is taken as it gives it.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::multi::qrcode::QRCodeMultiReader;
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, RXingResultMetadataType,
    RXingResultMetadataValue,
};

use super::gray::Gray;
use super::result::{ScanResult, ScannedCode, Stage};

pub(super) fn attempt(full: Gray, try_harder: bool, result: &mut ScanResult) {
    result.attempts += 1;
    let (w, h) = (full.width as u32, full.height as u32);
    let outcome = catch_unwind(AssertUnwindSafe(move || {
        let source = Luma8LuminanceSource::new(full.data, w, h).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let hints = DecodeHints {
            PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
            TryHarder: Some(try_harder),
            ..DecodeHints::default()
        };
        QRCodeMultiReader::default()
            .decode_multiple_with_hints(&mut bitmap, &hints)
            .ok()
    }));
    match outcome {
        Ok(Some(found)) => {
            let codes = found
                .into_iter()
                .map(|r| {
                    let text = r.getText().to_owned();
                    let bytes = match r
                        .getRXingResultMetadata()
                        .get(&RXingResultMetadataType::BYTE_SEGMENTS)
                    {
                        // Byte segments are the payload when they alone make up the text
                        // (byte mode); mixed-mode codes fall back to the text's UTF-8.
                        Some(RXingResultMetadataValue::ByteSegments(segs))
                            if segments_make_text(segs, &text) =>
                        {
                            segs.concat()
                        }
                        _ => text.as_bytes().to_vec(),
                    };
                    ScannedCode {
                        bytes,
                        charset: None,
                        text: Some(text),
                        stage: Stage::Rxing,
                    }
                })
                .collect();
            result.add(codes);
        }
        Ok(None) => {}
        Err(_) => {
            result.panics += 1;
            log::debug!("rxing panicked on a frame; contained");
        }
    }
}

fn segments_make_text(segs: &[Vec<u8>], text: &str) -> bool {
    let bytes = segs.concat();
    if bytes.is_empty() {
        return false;
    }
    let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
    latin1 == text || super::text::bytes_to_text(&bytes, None).is_some_and(|(t, _)| t == text)
}
