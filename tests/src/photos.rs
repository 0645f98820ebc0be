//! Real-looking photos and camera sequences, rendered deterministically.
//!
//! We have no real photos in the repository, so these stand in for the categories where
//! real photos were missed (docs/scanning.md): codes photographed through perspective,
//! lens blur and motion blur, lighting gradients, glare, over-exposure and low contrast,
//! inverted codes, small rotated codes on dark backgrounds, high versions (up to 40)
//! filling high-resolution photos, codes printed on fabric (warped and shaded), and JPEG
//! artefacts (the `image` crate's encoder at low quality; its WebP encoder is lossless, so
//! JPEG stands for every lossy format here). Each scene sits on a cluttered background
//! (posters, text lines, edges) so that finder-like clutter is part of every set.
//!
//! Not rendered: QR Model 1 (no encoder for it in our dependencies).

use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;
use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode, Version};

use crate::frames::{
    Canvas, Modules, Placement, Rng, blur, draw_code, draw_mapped, glare, noise, sample_payload,
    uneven_light,
};

/// The kinds of photo in the still-image set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    /// A poster or sticker: moderate perspective and light gradient, mild blur, JPEG.
    Printed,
    /// Version 15–40 filling much of a 1600–2600 px photo, slight perspective.
    HighVersion,
    /// Light modules on a dark ground.
    Inverted,
    /// 2–3.5 px per module, turned 15–75°, on a dark background.
    SmallRotatedDark,
    /// 12–28 grey levels between dark and light modules.
    LowContrast,
    /// Over-exposed: a strong gradient and a glare spot, highlights clipped.
    StrongLight,
    /// Printed on fabric: a wavy warp of the grid with fold shading.
    Fabric,
    /// Heavy JPEG artefacts (quality 15–35) on small modules.
    Jpeg,
    /// A 3000–4000 px phone photo with a medium code somewhere in it.
    HighResolution,
}

impl PhotoKind {
    pub const ALL: [PhotoKind; 9] = [
        PhotoKind::Printed,
        PhotoKind::HighVersion,
        PhotoKind::Inverted,
        PhotoKind::SmallRotatedDark,
        PhotoKind::LowContrast,
        PhotoKind::StrongLight,
        PhotoKind::Fabric,
        PhotoKind::Jpeg,
        PhotoKind::HighResolution,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PhotoKind::Printed => "printed",
            PhotoKind::HighVersion => "high-version",
            PhotoKind::Inverted => "inverted",
            PhotoKind::SmallRotatedDark => "small-rot-dark",
            PhotoKind::LowContrast => "low-contrast",
            PhotoKind::StrongLight => "strong-light",
            PhotoKind::Fabric => "fabric",
            PhotoKind::Jpeg => "jpeg",
            PhotoKind::HighResolution => "high-res",
        }
    }
}

/// A rendered grey photo and the payload in it.
#[derive(Debug, Clone)]
pub struct Photo {
    pub luma: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub payloads: Vec<Vec<u8>>,
}

/// A code of exactly `version` (1–40) at `ec`, its payload as long as fits.
pub fn code_of_version(
    version: i16,
    ec: EcLevel,
    rng: &mut Rng,
) -> Result<(Modules, Vec<u8>), QrError> {
    let v = usize::try_from(version).unwrap_or(1);
    let mut len = v * v * 3 + v * 20;
    loop {
        let payload = sample_payload(rng, len);
        match QrCode::with_version(&payload, Version::Normal(version), ec) {
            Ok(code) => {
                let m = Modules {
                    size: code.width(),
                    dark: code
                        .to_colors()
                        .into_iter()
                        .map(|c| c == qrcode::Color::Dark)
                        .collect(),
                };
                return Ok((m, payload));
            }
            Err(QrError::DataTooLong) if len > 1 => len = (len * 9 / 10).min(len - 1),
            Err(e) => return Err(e),
        }
    }
}

/// A cluttered scene: a lit wall, poster rectangles, text lines and a few hard edges.
pub fn background(w: usize, h: usize, base: f32, rng: &mut Rng) -> Canvas {
    let mut c = Canvas::new(w, h, base);
    let n = 4 + (rng.next_u64() % 6) as usize;
    for _ in 0..n {
        let (x0, y0) = (rng.range(0.0, w as f64), rng.range(0.0, h as f64));
        let (rw, rh) = (
            rng.range(0.05, 0.4) * w as f64,
            rng.range(0.05, 0.4) * h as f64,
        );
        let v = rng.range(20.0, 250.0) as f32;
        fill(&mut c, x0, y0, rw, rh, v);
    }
    // Text: rows of small dark blobs, glyph-sized.
    let lines = 3 + (rng.next_u64() % 8) as usize;
    for _ in 0..lines {
        let glyph = rng.range(3.0, 14.0);
        let (mut x, y) = (rng.range(0.0, w as f64 * 0.7), rng.range(0.0, h as f64));
        let end = x + rng.range(0.2, 0.6) * w as f64;
        while x < end {
            let gw = glyph * rng.range(0.4, 0.9);
            fill(&mut c, x, y, gw, glyph, rng.range(10.0, 70.0) as f32);
            // Counters of letters like o, e, a: a light hole in the blob.
            if rng.unit() < 0.5 {
                fill(
                    &mut c,
                    x + gw * 0.3,
                    y + glyph * 0.3,
                    gw * 0.4,
                    glyph * 0.4,
                    base,
                );
            }
            x += gw * rng.range(1.2, 1.8);
        }
    }
    c
}

fn fill(c: &mut Canvas, x0: f64, y0: f64, w: f64, h: f64, v: f32) {
    let xa = (x0.max(0.0) as usize).min(c.width);
    let xb = ((x0 + w).max(0.0) as usize).min(c.width);
    let ya = (y0.max(0.0) as usize).min(c.height);
    let yb = ((y0 + h).max(0.0) as usize).min(c.height);
    for y in ya..yb {
        c.px[y * c.width + xa..y * c.width + xb].fill(v);
    }
}

/// A fabric warp: the code's grid displaced by waves of `amp` (fraction of the code's
/// side), with shading `shade` along the folds.
#[derive(Debug, Clone, Copy)]
pub struct Warp {
    pub amp: f64,
    pub freq: f64,
    pub phase: f64,
    pub shade: f32,
}

/// Draws `m` into `c` inside `p.quad`, the grid bent by `warp`, 2x2 supersampled.
pub fn draw_warped(c: &mut Canvas, m: &Modules, p: &Placement, warp: &Warp) {
    let tau = std::f64::consts::TAU;
    draw_mapped(c, m, p, 2, |u0, v0| {
        let u = u0 + warp.amp * (tau * warp.freq * v0 + warp.phase).sin();
        let v = v0 + warp.amp * (tau * warp.freq * 0.7 * u0 + warp.phase * 1.3).sin();
        let wave = 0.5 + 0.5 * (tau * warp.freq * (u0 + v0) + warp.phase).sin();
        (u, v, 1.0 - warp.shade * wave as f32)
    });
}

/// Motion blur: the mean of `len` samples along direction `deg`.
pub fn motion_blur(c: &mut Canvas, len: usize, deg: f64) {
    if len < 2 {
        return;
    }
    let (dx, dy) = (deg.to_radians().cos(), deg.to_radians().sin());
    let src = c.px.clone();
    let (w, h) = (c.width as isize, c.height as isize);
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0f32;
            for k in 0..len {
                let t = k as f64 - (len as f64 - 1.0) / 2.0;
                let sx = (x as f64 + t * dx).round() as isize;
                let sy = (y as f64 + t * dy).round() as isize;
                s += src[(sy.clamp(0, h - 1) * w + sx.clamp(0, w - 1)) as usize];
            }
            c.px[(y * w + x) as usize] = s / len as f32;
        }
    }
}

/// Round trip through a JPEG encoder at `quality` (1–100).
pub fn jpeg(luma: &[u8], w: usize, h: usize, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    let ok = JpegEncoder::new_with_quality(&mut buf, quality)
        .encode(luma, w as u32, h as u32, ExtendedColorType::L8)
        .is_ok();
    if !ok {
        return luma.to_vec();
    }
    match image::load_from_memory(&buf) {
        Ok(img) => img.into_luma8().into_raw(),
        Err(_) => luma.to_vec(),
    }
}

/// Renders one photo of `kind`. `size` scales the photo (1.0: the kind's usual size; the
/// tests use smaller photos to stay quick in debug builds).
pub fn photo(kind: PhotoKind, size: f64, rng: &mut Rng) -> Result<Photo, QrError> {
    let pick = |rng: &mut Rng, lo: f64, hi: f64| rng.range(lo, hi);
    let (mut w, mut h) = match kind {
        PhotoKind::HighVersion => {
            let s = pick(rng, 1600.0, 2600.0);
            (s, s * 0.75)
        }
        PhotoKind::HighResolution => (4032.0, 3024.0),
        _ => {
            let s = pick(rng, 640.0, 1280.0);
            (s, s * 0.75)
        }
    };
    w *= size;
    h *= size;
    let (mut w, mut h) = (w.max(64.0) as usize, h.max(48.0) as usize);
    if rng.unit() < 0.4 {
        // Portrait photos too.
        std::mem::swap(&mut w, &mut h);
    }
    let dark_bg = matches!(kind, PhotoKind::SmallRotatedDark | PhotoKind::Inverted);
    let base = if dark_bg {
        pick(rng, 25.0, 70.0)
    } else {
        pick(rng, 120.0, 210.0)
    } as f32;
    let mut c = background(w, h, base, rng);
    let version: i16 = match kind {
        PhotoKind::HighVersion => 15 + (rng.next_u64() % 26) as i16,
        PhotoKind::HighResolution => 3 + (rng.next_u64() % 8) as i16,
        PhotoKind::SmallRotatedDark | PhotoKind::Jpeg => 1 + (rng.next_u64() % 4) as i16,
        _ => 1 + (rng.next_u64() % 10) as i16,
    };
    let ec = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][(rng.next_u64() % 4) as usize];
    let (m, payload) = code_of_version(version, ec, rng)?;
    let total = (m.size + 8) as f64;
    let short = w.min(h) as f64;
    let side = match kind {
        PhotoKind::HighVersion => short * pick(rng, 0.75, 0.95),
        PhotoKind::SmallRotatedDark => total * pick(rng, 2.0, 3.5),
        PhotoKind::Jpeg => total * pick(rng, 2.5, 4.0),
        PhotoKind::HighResolution => short * pick(rng, 0.15, 0.4),
        _ => short * pick(rng, 0.3, 0.75),
    }
    .min(short * 0.95);
    let margin = side * 0.55;
    let cx = pick(rng, margin, (w as f64 - margin).max(margin + 1.0));
    let cy = pick(rng, margin, (h as f64 - margin).max(margin + 1.0));
    let deg = match kind {
        PhotoKind::SmallRotatedDark => {
            pick(rng, 15.0, 75.0) * if rng.unit() < 0.5 { 1.0 } else { -1.0 }
        }
        _ => pick(rng, -20.0, 20.0) + [0.0, 90.0, 180.0, 270.0][(rng.next_u64() % 4) as usize],
    };
    let tilt = match kind {
        PhotoKind::HighVersion => pick(rng, 0.0, 0.08),
        _ => pick(rng, 0.0, 0.3),
    };
    let mut p = Placement::square(cx, cy, side, deg, tilt);
    let (dark, light) = match kind {
        PhotoKind::LowContrast => {
            let mid = pick(rng, 80.0, 180.0);
            let span = pick(rng, 12.0, 28.0);
            (mid - span / 2.0, mid + span / 2.0)
        }
        _ => (pick(rng, 10.0, 60.0), pick(rng, 190.0, 250.0)),
    };
    (p.dark, p.light) = (dark as f32, light as f32);
    if kind == PhotoKind::Inverted {
        std::mem::swap(&mut p.dark, &mut p.light);
    }
    if kind == PhotoKind::Fabric {
        let warp = Warp {
            amp: pick(rng, 0.004, 0.012),
            freq: pick(rng, 1.0, 2.5),
            phase: pick(rng, 0.0, std::f64::consts::TAU),
            shade: pick(rng, 0.1, 0.35) as f32,
        };
        draw_warped(&mut c, &m, &p, &warp);
    } else {
        draw_code(&mut c, &m, &p);
    }
    let module = side / total;
    match kind {
        PhotoKind::StrongLight => {
            uneven_light(&mut c, pick(rng, 0.4, 0.7), pick(rng, 0.0, 360.0));
            for v in &mut c.px {
                *v = (*v * 1.6 + 40.0).min(255.0);
            }
            glare(
                &mut c,
                cx + pick(rng, -0.3, 0.3) * side,
                cy,
                side * 0.25,
                0.6,
            );
        }
        PhotoKind::LowContrast => noise(&mut c, 1.5, rng),
        _ => uneven_light(&mut c, pick(rng, 0.1, 0.5), pick(rng, 0.0, 360.0)),
    }
    // Lens blur scaled to the module, sensor noise.
    let r = (module * pick(rng, 0.0, 0.3)) as usize;
    blur(&mut c, r);
    noise(&mut c, pick(rng, 1.0, 5.0), rng);
    let mut luma = c.to_luma();
    let quality = match kind {
        PhotoKind::Jpeg => pick(rng, 15.0, 35.0),
        _ => pick(rng, 60.0, 92.0),
    } as u8;
    luma = jpeg(&luma, w, h, quality);
    Ok(Photo {
        luma,
        width: w,
        height: h,
        payloads: vec![payload],
    })
}

/// One frame of a recorded-like camera sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shot {
    /// The user is still aiming: a room, a wall, a page of text, no code.
    Empty,
    /// A code swept past: strong motion blur.
    MotionBlurred,
    /// A code half out of the frame.
    Partial,
    /// A code held still.
    Full,
}

impl Shot {
    pub fn name(self) -> &'static str {
        match self {
            Shot::Empty => "empty",
            Shot::MotionBlurred => "motion-blurred",
            Shot::Partial => "partial",
            Shot::Full => "full",
        }
    }
}

/// The shot sequence of a 4-second aim-and-scan at 30 frames/s: 60 empty frames, 20
/// motion-blurred, 15 partial, 25 full (120 frames), in runs as a hand moves.
pub fn camera_sequence() -> Vec<Shot> {
    let mut seq = Vec::new();
    for (shot, n) in [
        (Shot::Empty, 30),
        (Shot::MotionBlurred, 10),
        (Shot::Partial, 8),
        (Shot::Empty, 20),
        (Shot::MotionBlurred, 10),
        (Shot::Partial, 7),
        (Shot::Full, 25),
        (Shot::Empty, 10),
    ] {
        seq.extend(std::iter::repeat_n(shot, n));
    }
    seq
}

/// A `w` x `h` camera frame (upright luma) of `shot`, and the payload when a code is in it.
pub fn camera_frame(
    shot: Shot,
    w: usize,
    h: usize,
    rng: &mut Rng,
) -> Result<(Vec<u8>, Option<Vec<u8>>), QrError> {
    let base = rng.range(110.0, 200.0) as f32;
    let mut c = background(w, h, base, rng);
    let mut payload = None;
    if shot != Shot::Empty {
        let (m, p) = code_of_version(2 + (rng.next_u64() % 5) as i16, EcLevel::M, rng)?;
        let short = w.min(h) as f64;
        let side = short * rng.range(0.45, 0.7);
        let (cx, cy) = if shot == Shot::Partial {
            // Centre near an edge: half of the code or more is outside.
            (
                w as f64 * rng.range(-0.05, 0.1),
                h as f64 * rng.range(0.3, 0.7),
            )
        } else {
            (
                w as f64 * rng.range(0.4, 0.6),
                h as f64 * rng.range(0.4, 0.6),
            )
        };
        let mut pl = Placement::square(cx, cy, side, rng.range(-25.0, 25.0), rng.range(0.0, 0.2));
        pl.dark = rng.range(15.0, 50.0) as f32;
        pl.light = rng.range(200.0, 245.0) as f32;
        draw_code(&mut c, &m, &pl);
        payload = Some(p);
    }
    uneven_light(&mut c, rng.range(0.1, 0.4), rng.range(0.0, 360.0));
    match shot {
        Shot::MotionBlurred => motion_blur(
            &mut c,
            rng.range(12.0, 30.0) as usize,
            rng.range(0.0, 180.0),
        ),
        _ => blur(&mut c, 1),
    }
    noise(&mut c, rng.range(2.0, 5.0), rng);
    Ok((c.to_luma(), payload))
}
