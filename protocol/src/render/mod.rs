//! QR rendering for any payload text (venue codes, personal codes): the module matrix,
//! a PNG (grey, with quiet zone and integer scale) and an SVG. Printable posters (PNG with
//! rasterized Vietnamese text) live in [`poster`]; the PNG half needs the `poster` feature
//! because it embeds a font, which phones must not carry.
//!
//! The QR is built with the `qrcode` crate, which picks the densest mode per segment:
//! base45 payloads stay in alphanumeric mode.

pub mod poster;

use qrcode::{Color, EcLevel, QrCode};

/// Why a text could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("text does not fit in a QR code: {0}")]
    TooLong(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
    #[error("bad render option: {0}")]
    BadOption(&'static str),
    #[error("font: {0}")]
    Font(String),
}

/// Error-correction level (M is what posters use: 15% damage, small codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecc {
    L,
    M,
    Q,
    H,
}

impl From<Ecc> for EcLevel {
    fn from(e: Ecc) -> Self {
        match e {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        }
    }
}

/// The dark/light modules of a QR code, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    version: u8,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (as UTF-8 bytes, densest modes) at the given error correction.
    pub fn encode(text: &str, ecc: Ecc) -> Result<Self, RenderError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), ecc.into())
            .map_err(|e| RenderError::TooLong(e.to_string()))?;
        let version = match code.version() {
            qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => u8::try_from(v).unwrap_or(0),
        };
        Ok(Self {
            width: code.width(),
            version,
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// QR version (1..=40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Is the module at column `x`, row `y` dark? Outside the code is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }
}

/// A grey image: one byte per pixel, 0 = black, 255 = white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl GreyImage {
    pub fn white(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            pixels: vec![255; width as usize * height as usize],
        }
    }

    /// Paints the matrix at (`left`, `top`) with `scale` pixels per module (no quiet zone).
    pub fn draw_matrix(&mut self, m: &QrMatrix, left: u32, top: u32, scale: u32) {
        for y in 0..m.width() {
            for x in 0..m.width() {
                if !m.is_dark(x, y) {
                    continue;
                }
                let px0 = left as usize + x * scale as usize;
                let py0 = top as usize + y * scale as usize;
                for py in py0..py0 + scale as usize {
                    for px in px0..px0 + scale as usize {
                        if px < self.width as usize && py < self.height as usize {
                            self.pixels[py * self.width as usize + px] = 0;
                        }
                    }
                }
            }
        }
    }

    /// 8-bit greyscale PNG bytes.
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.width, self.height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| RenderError::Png(e.to_string()))?;
        w.write_image_data(&self.pixels)
            .map_err(|e| RenderError::Png(e.to_string()))?;
        w.finish().map_err(|e| RenderError::Png(e.to_string()))?;
        Ok(out)
    }
}

/// Size options for a rendered code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeStyle {
    /// Pixels (PNG) or user units (SVG) per module, 1..=64.
    pub scale: u32,
    /// Quiet zone in modules (the QR standard asks for 4).
    pub quiet_zone: u32,
}

impl Default for CodeStyle {
    fn default() -> Self {
        Self {
            scale: 8,
            quiet_zone: 4,
        }
    }
}

impl CodeStyle {
    fn check(&self) -> Result<(), RenderError> {
        if !(1..=64).contains(&self.scale) {
            return Err(RenderError::BadOption("scale must be 1..=64"));
        }
        if self.quiet_zone > 16 {
            return Err(RenderError::BadOption("quiet zone must be 0..=16 modules"));
        }
        Ok(())
    }
}

/// The code alone as a grey image.
pub fn code_image(m: &QrMatrix, style: CodeStyle) -> Result<GreyImage, RenderError> {
    style.check()?;
    let side = (m.width() as u32 + 2 * style.quiet_zone) * style.scale;
    let mut img = GreyImage::white(side, side);
    let offset = style.quiet_zone * style.scale;
    img.draw_matrix(m, offset, offset, style.scale);
    Ok(img)
}

/// The code alone as PNG bytes.
pub fn code_png(text: &str, ecc: Ecc, style: CodeStyle) -> Result<Vec<u8>, RenderError> {
    code_image(&QrMatrix::encode(text, ecc)?, style)?.to_png()
}

/// The dark modules as one SVG path (unit squares), offset by `left`,`top` modules.
pub(crate) fn svg_path(m: &QrMatrix, left: u32, top: u32) -> String {
    let mut d = String::new();
    for y in 0..m.width() {
        for x in 0..m.width() {
            if m.is_dark(x, y) {
                d.push_str(&format!("M{} {}h1v1h-1z", x as u32 + left, y as u32 + top));
            }
        }
    }
    d
}

/// The code alone as an SVG document.
pub fn code_svg(text: &str, ecc: Ecc, style: CodeStyle) -> Result<String, RenderError> {
    style.check()?;
    let m = QrMatrix::encode(text, ecc)?;
    let side = m.width() as u32 + 2 * style.quiet_zone;
    let px = side * style.scale;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{px}\" height=\"{px}\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
<rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{}\"/></svg>\n",
        svg_path(&m, style.quiet_zone, style.quiet_zone)
    ))
}

/// Escapes text for SVG/XML character data and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_quiet_zone_and_scale() {
        let m = QrMatrix::encode("HELLO VAORA", Ecc::M).unwrap();
        let img = code_image(
            &m,
            CodeStyle {
                scale: 3,
                quiet_zone: 4,
            },
        )
        .unwrap();
        assert_eq!(img.width, (m.width() as u32 + 8) * 3);
        // Quiet zone is white; the top-left finder corner is dark.
        assert!(
            img.pixels[..img.width as usize * 12]
                .iter()
                .all(|p| *p == 255)
        );
        assert_eq!(img.pixels[12 * img.width as usize + 12], 0);
        assert!(
            code_png(
                "x",
                Ecc::M,
                CodeStyle {
                    scale: 0,
                    quiet_zone: 4
                }
            )
            .is_err()
        );
    }

    #[test]
    fn svg_escapes_and_draws_modules() {
        let svg = code_svg("A", Ecc::M, CodeStyle::default()).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("M4 4h1v1h-1z"));
        assert_eq!(xml_escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
