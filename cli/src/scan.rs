//! `vaora scan`: read QR codes from image files.
//!
//! Two output shapes, both contracts:
//! - `vaora scan [--trust KEYSET_FILE] IMAGE...`: one line per code,
//!   `PATH<TAB>KIND<TAB>RESULT<TAB>TEXT`; KIND and RESULT come from [`describe`] through
//!   `codes::classify` (venue code + verification result; personal code, CCCD, BHYT later).
//! - `vaora scan --batch`: image paths on stdin, one line out per path,
//!   `PATH<TAB>MICROS<TAB>TEXT1<TAB>TEXT2…`, MICROS being the decode time of the already
//!   loaded luma image. A bad image prints the path and a time of 0, and the run goes on:
//!   benchmark harnesses rely on one line per input.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use image::{DynamicImage, ImageDecoder, ImageReader};
use vaora_core::scan::{ScanOptions, ScannedCode, scan_luma};
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::venue::{SignerPolicy, TrustStore};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Read image paths from stdin, one per line, and print one result line per path.
    #[arg(long, conflicts_with = "images")]
    pub batch: bool,
    /// Verify venue codes against this key-set file (default: the diary's trust store if
    /// the diary exists, else no trusted keys).
    #[arg(long, conflicts_with = "batch")]
    pub trust: Option<std::path::PathBuf>,
    /// Images to scan (PNG, JPEG, WebP, GIF, BMP).
    #[arg(required_unless_present = "batch")]
    pub images: Vec<std::path::PathBuf>,
}

pub fn run(global: &crate::context::GlobalOpts, args: &ScanArgs) -> anyhow::Result<()> {
    if args.batch {
        return batch(std::io::stdin().lock(), &mut std::io::stdout().lock());
    }
    let trust = trust_store(global, args.trust.as_deref())?;
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    let mut failed = 0usize;
    for path in &args.images {
        match load_luma(path) {
            Ok((luma, w, h)) => {
                let result = scan_luma(&luma, w, h, &ScanOptions::still_image())?;
                if result.codes.is_empty() {
                    writeln!(out, "{}\tnone", path.display())?;
                }
                for code in &result.codes {
                    writeln!(
                        out,
                        "{}\t{}\t{}",
                        path.display(),
                        describe(code, &trust, now).join("\t"),
                        escape(&code_text(code))
                    )?;
                }
            }
            Err(e) => {
                failed += 1;
                let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
                eprintln!("vaora: {}: {}", path.display(), chain.join(": "));
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} images could not be read", args.images.len());
    }
    Ok(())
}

/// Where venue codes are verified: a key-set file, else the diary's trust store when
/// there is a diary, else an empty store (every venue code is `unknown-key-id`).
fn trust_store(
    global: &crate::context::GlobalOpts,
    keyset: Option<&Path>,
) -> anyhow::Result<TrustStore> {
    if let Some(path) = keyset {
        let mut store = TrustStore::new();
        store.apply_keyset(
            &crate::trust::read_keyset(path)?,
            SignerPolicy::PinSelfSigned,
        )?;
        return Ok(store);
    }
    if global.diary.exists() {
        let diary = global.open_diary()?;
        let store = diary.trust_store()?;
        diary.close()?;
        return Ok(store);
    }
    Ok(TrustStore::new())
}

/// The classification columns printed before a code's text: kind (`venue`, `personal`,
/// `cccd`, `bhyt`, `unknown`) and verification result (`-` for kinds without one).
pub fn describe(
    code: &ScannedCode,
    trust: &TrustStore,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let classified = classify(&code_text(code), trust, now);
    let result = match &classified {
        Classified::Venue(v) => v.result.as_str(),
        _ => "-",
    };
    vec![classified.kind().to_owned(), result.to_owned()]
}

/// The text of a code; a payload that is not text is shown as Latin-1, byte for byte.
pub fn code_text(code: &ScannedCode) -> String {
    match &code.text {
        Some(t) => t.clone(),
        None => code.bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Escapes backslash, tab, LF and CR so one code stays one field.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
    }
    s
}

/// The batch loop: never stops on a bad image or a bad line.
pub fn batch<R: BufRead, W: Write>(input: R, out: &mut W) -> anyhow::Result<()> {
    let opts = ScanOptions::still_image();
    for line in input.split(b'\n') {
        let line = line.context("reading image paths from stdin")?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.is_empty() {
            continue;
        }
        let path_text = String::from_utf8_lossy(line).into_owned();
        let mut fields = vec![path_text.clone()];
        match load_luma(Path::new(&path_text)) {
            Ok((luma, w, h)) => {
                let start = Instant::now();
                let result = scan_luma(&luma, w, h, &opts);
                let micros = start.elapsed().as_micros();
                fields.push(micros.to_string());
                if let Ok(result) = result {
                    fields.extend(result.codes.iter().map(|c| escape(&code_text(c))));
                }
            }
            Err(e) => {
                log::debug!("batch: image not readable: {e:#}");
                fields.push("0".to_owned());
            }
        }
        writeln!(out, "{}", fields.join("\t"))?;
        out.flush()?;
    }
    Ok(())
}

/// Loads an image as upright 8-bit luma, applying the EXIF orientation when present.
pub fn load_luma(path: &Path) -> anyhow::Result<(Vec<u8>, u32, u32)> {
    let reader = ImageReader::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .with_guessed_format()
        .context("reading the image header")?;
    let mut decoder = reader.into_decoder().context("unsupported image format")?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).context("decoding the image")?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let luma = img.into_luma8();
    let (w, h) = luma.dimensions();
    Ok((luma.into_raw(), w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a PNG of `payload` as a QR code, 6 px per module, 4-module quiet zone.
    fn code_png(dir: &Path, name: &str, payload: &[u8]) -> std::path::PathBuf {
        let code = qrcode::QrCode::new(payload).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let scale = 6u32;
        let side = (n as u32 + 8) * scale;
        let img = image::GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
            let dark = mx >= 0
                && my >= 0
                && (mx as usize) < n
                && (my as usize) < n
                && colors[my as usize * n + mx as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        let path = dir.join(name);
        img.save(&path).unwrap();
        path
    }

    #[test]
    fn batch_prints_one_line_per_path_and_survives_bad_images() {
        let dir = tempfile::tempdir().unwrap();
        let payload = "Phở\\tab\there\nline\rend";
        let good = code_png(dir.path(), "good.png", payload.as_bytes());
        let blank = dir.path().join("blank.png");
        image::GrayImage::from_pixel(120, 80, image::Luma([200]))
            .save(&blank)
            .unwrap();
        let bad = dir.path().join("bad.png");
        std::fs::write(&bad, b"not an image").unwrap();
        let missing = dir.path().join("missing.jpg");
        let input = format!(
            "{}\n{}\n\n{}\r\n{}\n",
            good.display(),
            missing.display(),
            bad.display(),
            blank.display()
        );
        let mut out = Vec::new();
        batch(input.as_bytes(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert_eq!(lines[0][0], good.display().to_string());
        assert!(lines[0][1].parse::<u64>().is_ok());
        assert_eq!(lines[0][2], "Phở\\\\tab\\there\\nline\\rend");
        assert_eq!(lines[0].len(), 3);
        assert_eq!(
            lines[1],
            vec![missing.display().to_string(), "0".to_owned()]
        );
        assert_eq!(lines[2], vec![bad.display().to_string(), "0".to_owned()]);
        assert_eq!(lines[3].len(), 2);
        assert_eq!(lines[3][0], blank.display().to_string());
    }

    #[test]
    fn escape_covers_the_four_characters() {
        assert_eq!(escape("a\\b\tc\nd\re"), "a\\\\b\\tc\\nd\\re");
        assert_eq!(escape("Phở"), "Phở");
    }
}
