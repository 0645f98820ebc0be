//! The optional second stage: rxing (the Rust port of ZXing), on the reduced copy or a crop
//! of it (fast, for the camera loop) or at full resolution with its try-harder search.
//!
//! Two of rxing's QR readers: `cpp_port::QrReader`, its port of zxing-cpp's detector
//! (finder sets ranked by geometry, a grid sampled piecewise between alignment patterns,
//! so large high-version and slightly curved codes read; QR Model 1 too), used first; and
//! the older Java-port `QRCodeReader`, only as the still path's last resort (what rxing's
//! own `MultiFormatReader` falls back to). The Java-port multi reader we used before
//! refuses finder triples of unequal size and missed codes the single readers read.
//!
//! Behind the `rxing` cargo feature because of its size (see docs/adr/0002-qr-decoder.md).
//! rxing handles ECI and charsets itself, so its text is taken as it gives it.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, RXingResult,
    RXingResultMetadataType, RXingResultMetadataValue, Reader,
};

use super::gray::Gray;
use super::result::{ScanResult, ScannedCode, Stage};

/// Which of rxing's readers an attempt uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RxReader {
    /// The zxing-cpp port: every code in the image.
    Cpp,
    /// The Java port's single-code reader (its own finder selection).
    Java,
}

/// One rxing attempt on `img`, panics contained; returns how many codes it read.
pub(super) fn attempt(
    img: Gray,
    try_harder: bool,
    reader: RxReader,
    result: &mut ScanResult,
) -> usize {
    result.attempts += 1;
    let (w, h) = (img.width as u32, img.height as u32);
    let outcome = catch_unwind(AssertUnwindSafe(move || {
        let source = Luma8LuminanceSource::new(img.data, w, h).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let hints = DecodeHints {
            PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
            TryHarder: Some(try_harder),
            ..DecodeHints::default()
        };
        match reader {
            RxReader::Cpp => QrReader
                .decode_multiple_with_hints(&mut bitmap, &hints)
                .ok(),
            RxReader::Java => QRCodeReader
                .decode_with_hints(&mut bitmap, &hints)
                .ok()
                .map(|r| vec![r]),
        }
    }));
    match outcome {
        Ok(Some(found)) => result.add(found.into_iter().map(code).collect()),
        Ok(None) => 0,
        Err(_) => {
            result.panics += 1;
            log::debug!("rxing panicked on a frame; contained");
            0
        }
    }
}

/// Our code from rxing's result: its text, and the payload bytes where rxing gives them.
fn code(r: RXingResult) -> ScannedCode {
    let text = r.getText().to_owned();
    let bytes = match r
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::BYTE_SEGMENTS)
    {
        // Java port: byte segments are the payload when they alone make up the text
        // (byte mode); mixed-mode codes fall back to the text's UTF-8.
        Some(RXingResultMetadataValue::ByteSegments(segs)) if segments_make_text(segs, &text) => {
            segs.concat()
        }
        // zxing-cpp port: the raw bytes are the decoded content of all segments.
        _ if !r.getRawBytes().is_empty() => r.getRawBytes().to_vec(),
        _ => text.as_bytes().to_vec(),
    };
    ScannedCode {
        bytes,
        charset: None,
        text: Some(text),
        stage: Stage::Rxing,
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
