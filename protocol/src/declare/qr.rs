//! Drawing personal codes: the QR module matrix, a PNG, an SVG, and a printable card.
//!
//! The matrix, PNG and SVG come from the shared renderer (`crate::render`), always at
//! error-correction level M with a 4-module quiet zone. The printable card is for
//! someone without a phone: the SVG card carries the name, birth year, status and
//! validity as text (Vietnamese diacritics need a font, which SVG viewers have and core
//! does not ship), the PNG card carries the QR code inside a frame coloured by status.

use crate::render::{self, CodeStyle, Ecc};

pub use crate::render::{QrMatrix, RenderError as QrError};

use super::personal_code::VerifiedPersonalCode;
use super::summary::Status;

/// Personal codes use error-correction level M (survives a creased paper card).
pub const PERSONAL_CODE_ECC: Ecc = Ecc::M;

/// Quiet zone (modules) around a printed personal code.
const QUIET_ZONE: u32 = 4;

/// The module matrix of a personal code, at [`PERSONAL_CODE_ECC`].
pub fn encode(text: &str) -> Result<QrMatrix, QrError> {
    QrMatrix::encode(text, PERSONAL_CODE_ECC)
}

/// A personal code as a greyscale PNG: `scale` pixels a module, `border` modules of
/// quiet zone (scale 1..=64, border 0..=16).
pub fn code_png(text: &str, scale: u32, border: u32) -> Result<Vec<u8>, QrError> {
    render::code_png(
        text,
        PERSONAL_CODE_ECC,
        CodeStyle {
            scale,
            quiet_zone: border,
        },
    )
}

/// A personal code as a standalone SVG with a `border`-module quiet zone.
pub fn code_svg(text: &str, border: u32) -> Result<String, QrError> {
    render::code_svg(
        text,
        PERSONAL_CODE_ECC,
        CodeStyle {
            quiet_zone: border,
            ..CodeStyle::default()
        },
    )
}

fn png_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, QrError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc
        .write_header()
        .map_err(|e| QrError::Png(e.to_string()))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| QrError::Png(e.to_string()))?;
    writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}

fn status_colour(v: &VerifiedPersonalCode) -> [u8; 3] {
    match v.summary().map(|s| s.status) {
        Some(Status::NoRiskDeclared) => [0x1b, 0x8a, 0x3a],
        _ => [0xd9, 0x8c, 0x00],
    }
}

/// A printable card as SVG: QR code, name, birth year, status, validity (UTC+7 shown).
pub fn card_svg(text: &str, code: &VerifiedPersonalCode) -> Result<String, QrError> {
    let m = encode(text)?;
    let q = m.width() + 2 * QUIET_ZONE as usize;
    let width = q * 2;
    let height = q + 14;
    let [r, g, b] = status_colour(code);
    let c = &code.code;
    let summary = code
        .summary()
        .map_or_else(|| "needs-attention".to_owned(), |s| s.describe());
    let local = c.valid_until + chrono::Duration::hours(7);
    let mut lines = vec![render::xml_escape(&c.display_name)];
    if let Some(y) = c.birth_year {
        lines.push(format!("{y}"));
    }
    lines.push(render::xml_escape(&summary));
    lines.push(format!(
        "valid until {} (UTC+7)",
        local.format("%Y-%m-%d %H:%M")
    ));
    if let Some(by) = &c.declared_by {
        lines.push(format!("declared by {}", render::xml_escape(by)));
    }
    let texts: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" font-family=\"sans-serif\">{l}</text>",
                q + 1,
                8 + i * 6,
                if i == 0 { 4 } else { 3 }
            )
        })
        .collect();
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" shape-rendering=\"crispEdges\"><rect width=\"{width}\" height=\"{height}\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"0.3\"/><rect y=\"{}\" width=\"{width}\" height=\"14\" fill=\"rgb({r},{g},{b})\"/><path fill=\"#000\" d=\"{}\"/>{texts}</svg>\n",
        q,
        render::svg_path(&m, QUIET_ZONE, QUIET_ZONE)
    ))
}

/// A printable card as PNG: the QR code (quiet zone kept white) inside a frame in the
/// status colour (green: no risk declared, amber: needs attention).
pub fn card_png(text: &str, code: &VerifiedPersonalCode, scale: usize) -> Result<Vec<u8>, QrError> {
    let scale = u32::try_from(scale).unwrap_or(u32::MAX);
    let grey = render::code_image(
        &encode(text)?,
        CodeStyle {
            scale,
            quiet_zone: QUIET_ZONE,
        },
    )?;
    let side = grey.width as usize;
    let frame = 3 * scale as usize;
    let total = side + 2 * frame;
    let colour = status_colour(code);
    let mut rgb = Vec::with_capacity(total * total * 3);
    for y in 0..total {
        for x in 0..total {
            let inside = (frame..frame + side).contains(&x) && (frame..frame + side).contains(&y);
            if inside {
                let v = grey.pixels[(y - frame) * side + (x - frame)];
                rgb.extend_from_slice(&[v, v, v]);
            } else {
                rgb.extend_from_slice(&colour);
            }
        }
    }
    let total = u32::try_from(total).map_err(|_| QrError::BadOption("card too large"))?;
    png_rgb(total, total, &rgb)
}
