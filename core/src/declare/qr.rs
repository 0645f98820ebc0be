//! Drawing personal codes: the QR module matrix, a PNG, an SVG, and a printable card.
//!
//! The shared renderer (`crate::render`) is being written alongside; this small module
//! draws through the `qrcode` crate directly so personal codes work today, and is meant
//! to delegate to `crate::render` once both are on main. The printable card is for
//! someone without a phone: the SVG card carries the name, birth year, status and
//! validity as text (Vietnamese diacritics need a font, which SVG viewers have and core
//! does not ship), the PNG card carries the QR code inside a frame coloured by status.

use qrcode::{Color, EcLevel, QrCode};

use super::personal_code::VerifiedPersonalCode;
use super::summary::Status;

/// Why a code could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("the text does not fit in a QR code: {0}")]
    TooLong(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
    #[error("scale must be 1..=64 and border 0..=16")]
    BadGeometry,
}

/// A square matrix of modules, `true` = dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub width: usize,
    pub modules: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` at error-correction level M (survives a creased paper card).
    pub fn encode(text: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| QrError::TooLong(e.to_string()))?;
        let width = code.width();
        let modules = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Self { width, modules })
    }

    pub fn dark(&self, x: usize, y: usize) -> bool {
        self.modules
            .get(y * self.width + x)
            .copied()
            .unwrap_or(false)
    }

    /// 8-bit grey pixels with `scale` pixels per module and a `border` quiet zone.
    fn pixels(&self, scale: usize, border: usize) -> (usize, Vec<u8>) {
        let side = (self.width + 2 * border) * scale;
        let mut px = vec![255u8; side * side];
        for y in 0..self.width {
            for x in 0..self.width {
                if self.dark(x, y) {
                    for dy in 0..scale {
                        let row = (y + border) * scale + dy;
                        let start = row * side + (x + border) * scale;
                        px[start..start + scale].fill(0);
                    }
                }
            }
        }
        (side, px)
    }

    /// A greyscale PNG.
    pub fn to_png(&self, scale: usize, border: usize) -> Result<Vec<u8>, QrError> {
        check_geometry(scale, border)?;
        let (side, px) = self.pixels(scale, border);
        let rgb: Vec<u8> = px.iter().flat_map(|&v| [v, v, v]).collect();
        png_rgb(side, side, &rgb)
    }

    /// SVG path data for the dark modules, one unit per module, offset by `border`.
    fn svg_path(&self, border: usize, ox: usize, oy: usize) -> String {
        let mut d = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.dark(x, y) {
                    d.push_str(&format!("M{} {}h1v1h-1z", ox + x + border, oy + y + border));
                }
            }
        }
        d
    }

    /// A standalone SVG with a `border`-module quiet zone.
    pub fn to_svg(&self, border: usize) -> String {
        let side = self.width + 2 * border;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{}\"/></svg>\n",
            self.svg_path(border, 0, 0)
        )
    }
}

fn check_geometry(scale: usize, border: usize) -> Result<(), QrError> {
    if (1..=64).contains(&scale) && border <= 16 {
        Ok(())
    } else {
        Err(QrError::BadGeometry)
    }
}

fn png_rgb(width: usize, height: usize, rgb: &[u8]) -> Result<Vec<u8>, QrError> {
    let w = u32::try_from(width).map_err(|_| QrError::BadGeometry)?;
    let h = u32::try_from(height).map_err(|_| QrError::BadGeometry)?;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| QrError::Png(e.to_string()))?;
    }
    Ok(out)
}

fn status_colour(v: &VerifiedPersonalCode) -> [u8; 3] {
    match v.summary().map(|s| s.status) {
        Some(Status::NoRiskDeclared) => [0x1b, 0x8a, 0x3a],
        _ => [0xd9, 0x8c, 0x00],
    }
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A printable card as SVG: QR code, name, birth year, status, validity (UTC+7 shown).
pub fn card_svg(text: &str, code: &VerifiedPersonalCode) -> Result<String, QrError> {
    let m = QrMatrix::encode(text)?;
    let border = 4;
    let q = m.width + 2 * border;
    let width = q * 2;
    let height = q + 14;
    let [r, g, b] = status_colour(code);
    let c = &code.code;
    let summary = code
        .summary()
        .map_or_else(|| "needs-attention".to_owned(), |s| s.describe());
    let local = c.valid_until + chrono::Duration::hours(7);
    let mut lines = vec![xml_escape(&c.display_name)];
    if let Some(y) = c.birth_year {
        lines.push(format!("{y}"));
    }
    lines.push(xml_escape(&summary));
    lines.push(format!(
        "valid until {} (UTC+7)",
        local.format("%Y-%m-%d %H:%M")
    ));
    if let Some(by) = &c.declared_by {
        lines.push(format!("declared by {}", xml_escape(by)));
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
        m.svg_path(border, 0, 0)
    ))
}

/// A printable card as PNG: the QR code (quiet zone kept white) inside a frame in the
/// status colour (green: no risk declared, amber: needs attention).
pub fn card_png(text: &str, code: &VerifiedPersonalCode, scale: usize) -> Result<Vec<u8>, QrError> {
    check_geometry(scale, 4)?;
    let m = QrMatrix::encode(text)?;
    let (side, px) = m.pixels(scale, 4);
    let frame = 3 * scale;
    let total = side + 2 * frame;
    let colour = status_colour(code);
    let mut rgb = Vec::with_capacity(total * total * 3);
    for y in 0..total {
        for x in 0..total {
            let inside = (frame..frame + side).contains(&x) && (frame..frame + side).contains(&y);
            if inside {
                let v = px[(y - frame) * side + (x - frame)];
                rgb.extend_from_slice(&[v, v, v]);
            } else {
                rgb.extend_from_slice(&colour);
            }
        }
    }
    png_rgb(total, total, &rgb)
}
