//! Printable posters: a code with the lines of text a person reads before scanning
//! (for a venue: name, category, address). SVG is always available (the viewer draws
//! the text); PNG needs the `poster` feature, which embeds DejaVu Sans (free licence,
//! every Vietnamese letter) and a rasterizer, so that phones never carry them.

use super::{Ecc, QrMatrix, RenderError, svg_path, xml_escape};

/// What a poster shows, top to bottom: title, lines, the code, footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub title: String,
    pub lines: Vec<String>,
    pub footer: String,
    pub code_text: String,
}

/// Poster page size in pixels (PNG) or user units (SVG).
pub const WIDTH: u32 = 1000;
const MARGIN: u32 = 60;
const TITLE_PX: f32 = 54.0;
const LINE_PX: f32 = 34.0;
const FOOTER_PX: f32 = 28.0;

/// Greedy word wrap using a width measure.
fn wrap(text: &str, max: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if measure(&candidate) <= max || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Rough width for SVG wrapping (DejaVu Sans averages about 0.55 em per character).
fn approx_width(px: f32) -> impl Fn(&str) -> f32 {
    move |s: &str| s.chars().count() as f32 * px * 0.55
}

struct Layout {
    title: Vec<String>,
    lines: Vec<Vec<String>>,
    qr_top: u32,
    scale: u32,
    footer_top: u32,
    height: u32,
}

fn layout(p: &Poster, m: &QrMatrix, measure: &dyn Fn(&str, f32) -> f32) -> Layout {
    let max = (WIDTH - 2 * MARGIN) as f32;
    let title = wrap(&p.title, max, &|s| measure(s, TITLE_PX));
    let lines: Vec<Vec<String>> = p
        .lines
        .iter()
        .map(|l| wrap(l, max, &|s| measure(s, LINE_PX)))
        .collect();
    let mut y = MARGIN + (title.len() as f32 * TITLE_PX * 1.25) as u32;
    y += lines.iter().map(|l| l.len()).sum::<usize>() as u32 * (LINE_PX * 1.35) as u32;
    let qr_top = y + 20;
    let modules = m.width() as u32 + 8;
    let scale = ((WIDTH - 2 * MARGIN) / modules).max(1);
    let footer_top = qr_top + modules * scale + 10;
    Layout {
        title,
        lines,
        qr_top,
        scale,
        footer_top,
        height: footer_top + FOOTER_PX as u32 * 2 + MARGIN / 2,
    }
}

/// The poster as an SVG document (text drawn by the viewer, UTF-8, exact).
pub fn poster_svg(p: &Poster) -> Result<String, RenderError> {
    let m = QrMatrix::encode(&p.code_text, Ecc::M)?;
    let l = layout(p, &m, &|s, px| approx_width(px)(s));
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n",
        w = WIDTH,
        h = l.height
    );
    let mut y = MARGIN as f32;
    let mut text = |s: &str, px: f32, weight: &str, y: f32| {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{:.0}\" font-family=\"DejaVu Sans, Noto Sans, Arial, sans-serif\" font-size=\"{px}\" font-weight=\"{weight}\" text-anchor=\"middle\">{}</text>\n",
            WIDTH / 2,
            y + px,
            xml_escape(s)
        ));
    };
    for t in &l.title {
        text(t, TITLE_PX, "bold", y);
        y += TITLE_PX * 1.25;
    }
    for group in &l.lines {
        for t in group {
            text(t, LINE_PX, "normal", y);
            y += LINE_PX * 1.35;
        }
    }
    text(&p.footer, FOOTER_PX, "normal", l.footer_top as f32);
    let modules = m.width() as u32 + 8;
    let left = (WIDTH - modules * l.scale) / 2;
    svg.push_str(&format!(
        "<g transform=\"translate({left} {}) scale({})\" shape-rendering=\"crispEdges\"><path fill=\"#000\" d=\"{}\"/></g>\n</svg>\n",
        l.qr_top,
        l.scale,
        svg_path(&m, 4, 4)
    ));
    Ok(svg)
}

/// The poster as a grey PNG with rasterized text.
#[cfg(feature = "poster")]
pub fn poster_png(p: &Poster) -> Result<Vec<u8>, RenderError> {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

    static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
    let font = FontRef::try_from_slice(FONT).map_err(|e| RenderError::Font(e.to_string()))?;
    let measure = |s: &str, px: f32| {
        let sf = font.as_scaled(PxScale::from(px));
        s.chars().map(|c| sf.h_advance(sf.glyph_id(c))).sum::<f32>()
    };
    let m = QrMatrix::encode(&p.code_text, Ecc::M)?;
    let l = layout(p, &m, &measure);
    let mut img = super::GreyImage::white(WIDTH, l.height);
    let mut draw = |s: &str, px: f32, top: f32| {
        let sf = font.as_scaled(PxScale::from(px));
        let width = measure(s, px);
        let mut x = (WIDTH as f32 - width) / 2.0;
        let baseline = top + sf.ascent();
        let mut prev = None;
        for c in s.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                x += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(px, point(x, baseline));
            x += sf.h_advance(id);
            prev = Some(id);
            let Some(og) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = og.px_bounds();
            og.draw(|gx, gy, cov| {
                let px_x = b.min.x as i64 + i64::from(gx);
                let px_y = b.min.y as i64 + i64::from(gy);
                if px_x >= 0 && px_y >= 0 && (px_x as u32) < img.width && (px_y as u32) < img.height
                {
                    let i = px_y as usize * img.width as usize + px_x as usize;
                    let ink = (255.0 * (1.0 - cov.clamp(0.0, 1.0))) as u8;
                    img.pixels[i] = img.pixels[i].min(ink);
                }
            });
        }
    };
    let mut y = MARGIN as f32;
    for t in &l.title {
        draw(t, TITLE_PX, y);
        y += TITLE_PX * 1.25;
    }
    for group in &l.lines {
        for t in group {
            draw(t, LINE_PX, y);
            y += LINE_PX * 1.35;
        }
    }
    draw(&p.footer, FOOTER_PX, l.footer_top as f32);
    let modules = m.width() as u32 + 8;
    let left = (WIDTH - modules * l.scale) / 2;
    img.draw_matrix(&m, left + 4 * l.scale, l.qr_top + 4 * l.scale, l.scale);
    img.to_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_splits_long_text_on_words() {
        let lines = wrap("một hai ba bốn năm", 7.0, &|s| {
            s.chars().count() as f32
        });
        assert_eq!(lines, ["một hai", "ba bốn", "năm"]);
    }
}
