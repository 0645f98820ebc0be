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
    poster_image(p)?.to_png()
}

/// A4 in PostScript points (210 × 297 mm).
#[cfg(feature = "poster")]
const A4: (f32, f32) = (595.28, 841.89);
/// The printed margin: 12 mm, inside what office printers leave white anyway.
#[cfg(feature = "poster")]
const PRINT_MARGIN: f32 = 34.0;

/// The poster as a one-page A4 PDF ready to print: the same rasterized page as the PNG,
/// scaled to fit inside 12 mm margins and centred, as a lossless grey image (the QR's
/// modules stay sharp: a module is several printer dots at the PNG's resolution). Text is
/// part of the image, so no font is embedded and every Vietnamese letter prints as drawn.
#[cfg(feature = "poster")]
pub fn poster_pdf(p: &Poster) -> Result<Vec<u8>, RenderError> {
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};

    let img = poster_image(p)?;
    let (w, h) = (img.width as f32, img.height as f32);
    let scale = ((A4.0 - 2.0 * PRINT_MARGIN) / w).min((A4.1 - 2.0 * PRINT_MARGIN) / h);
    let (draw_w, draw_h) = (w * scale, h * scale);
    let (x, y) = ((A4.0 - draw_w) / 2.0, (A4.1 - draw_h) / 2.0);

    let (catalog, pages, page, image, content) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let name = Name(b"Poster");
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut pg = pdf.page(page);
    pg.media_box(Rect::new(0.0, 0.0, A4.0, A4.1));
    pg.parent(pages);
    pg.contents(content);
    pg.resources().x_objects().pair(name, image);
    pg.finish();
    let pixels = miniz_oxide::deflate::compress_to_vec_zlib(&img.pixels, 6);
    let mut xobject = pdf.image_xobject(image, &pixels);
    xobject.filter(Filter::FlateDecode);
    xobject.width(
        i32::try_from(img.width).map_err(|_| RenderError::BadOption("poster image too large"))?,
    );
    xobject.height(
        i32::try_from(img.height).map_err(|_| RenderError::BadOption("poster image too large"))?,
    );
    xobject.color_space().device_gray();
    xobject.bits_per_component(8);
    xobject.finish();
    let mut c = Content::new();
    c.save_state();
    c.transform([draw_w, 0.0, 0.0, draw_h, x, y]);
    c.x_object(name);
    c.restore_state();
    pdf.stream(content, &c.finish());
    Ok(pdf.finish())
}

/// The poster page rasterized (grey, [`WIDTH`] pixels wide).
#[cfg(feature = "poster")]
fn poster_image(p: &Poster) -> Result<super::GreyImage, RenderError> {
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
    Ok(img)
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

    /// The A4 PDF holds exactly the PNG poster's pixels, on one A4 page.
    #[cfg(feature = "poster")]
    #[test]
    fn the_pdf_poster_is_one_a4_page_with_the_png_posters_pixels() {
        let p = Poster {
            title: "Phở Hòa Pasteur".into(),
            lines: vec!["Quán ăn / cửa hàng".into(), "260C Pasteur, Quận 3".into()],
            footer: "Quét mã bằng Vaora".into(),
            code_text: "VV1:TESTPAYLOAD".into(),
        };
        let pdf = poster_pdf(&p).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/MediaBox [0 0 595.28 841.89]"),
            "{}",
            &text[..400]
        );
        assert!(text.contains("/Count 1"));
        assert!(text.contains("/ColorSpace /DeviceGray"));
        let at_image = text.find("/Subtype /Image").unwrap();
        let start = at_image
            + pdf[at_image..]
                .windows(7)
                .position(|w| w == b"stream\n")
                .unwrap()
            + 7;
        let end = start
            + pdf[start..]
                .windows(10)
                .position(|w| w == b"\nendstream")
                .unwrap();
        let pixels = miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[start..end]).unwrap();

        let png = poster_png(&p).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(pixels, buf[..info.buffer_size()]);
    }
}
