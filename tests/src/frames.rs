//! Synthetic camera frames: QR codes rendered, then put through what a phone camera does
//! to them (perspective, turn, blur, noise, low contrast, uneven light, glare, small
//! modules, inversion, several codes), and packed into every pixel format the platforms
//! deliver, with odd row strides, pixel strides and padding.
//!
//! We have no corpus of real photos in the repository; these frames make each weakness of
//! a decoder measurable separately (bench-scan) and let tests check that every format,
//! stride and rotation reads the same payload.

use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};
use vaora_core::scan::{OwnedFrame, OwnedPlane, PixelFormat, Rotation};

/// A small deterministic PRNG (xorshift64*), so every run renders the same frames.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Roughly normal (sum of uniforms), mean 0, sd 1.
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

/// An upright grey image, values 0..=255 as f32 while effects are applied.
#[derive(Debug, Clone)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pub px: Vec<f32>,
}

impl Canvas {
    pub fn new(width: usize, height: usize, value: f32) -> Self {
        Canvas {
            width,
            height,
            px: vec![value; width * height],
        }
    }

    /// Rounded to bytes.
    pub fn to_luma(&self) -> Vec<u8> {
        self.px
            .iter()
            .map(|&v| v.round().clamp(0.0, 255.0) as u8)
            .collect()
    }
}

/// The module matrix of a QR code: `true` is dark.
#[derive(Debug, Clone)]
pub struct Modules {
    pub size: usize,
    pub dark: Vec<bool>,
}

/// Encodes `payload` at error correction `ec`.
pub fn modules(payload: &[u8], ec: EcLevel) -> Result<Modules, QrError> {
    let code = QrCode::with_error_correction_level(payload, ec)?;
    Ok(Modules {
        size: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
    })
}

/// Where and how a code sits in the canvas.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Corners of the code *including* its 4-module quiet zone, clockwise from top-left.
    pub quad: [(f64, f64); 4],
    /// Grey of dark modules and of the light ones (swap for inverted codes).
    pub dark: f32,
    pub light: f32,
}

impl Placement {
    /// A square of side `side` centred at (`cx`, `cy`), turned by `deg` degrees,
    /// with a perspective tilt `tilt` (0 = none, 0.3 = strong).
    pub fn square(cx: f64, cy: f64, side: f64, deg: f64, tilt: f64) -> Self {
        let a = deg.to_radians();
        let h = side / 2.0;
        let corners = [(-h, -h), (h, -h), (h, h), (-h, h)];
        let mut quad = [(0.0, 0.0); 4];
        for (i, &(x, y)) in corners.iter().enumerate() {
            // Tilt: shrink the right edge (a page turned away from the camera).
            let k = 1.0 - tilt * (x / side + 0.5);
            let (x, y) = (x, y * k);
            quad[i] = (
                cx + x * a.cos() - y * a.sin(),
                cy + x * a.sin() + y * a.cos(),
            );
        }
        Placement {
            quad,
            dark: 20.0,
            light: 235.0,
        }
    }
}

/// Homography mapping the unit square to `quad` (Heckbert's square-to-quad).
fn square_to_quad(q: &[(f64, f64); 4]) -> [f64; 9] {
    let (x0, y0) = q[0];
    let (x1, y1) = q[1];
    let (x2, y2) = q[2];
    let (x3, y3) = q[3];
    let sx = x0 - x1 + x2 - x3;
    let sy = y0 - y1 + y2 - y3;
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let den = dx1 * dy2 - dx2 * dy1;
    let g = (sx * dy2 - dx2 * sy) / den;
    let h = (dx1 * sy - sx * dy1) / den;
    [
        x1 - x0 + g * x1,
        x3 - x0 + h * x3,
        x0,
        y1 - y0 + g * y1,
        y3 - y0 + h * y3,
        y0,
        g,
        h,
        1.0,
    ]
}

fn invert3(m: &[f64; 9]) -> [f64; 9] {
    let [a, b, c, d, e, f, g, h, i] = *m;
    let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    [
        (e * i - f * h) / det,
        (c * h - b * i) / det,
        (b * f - c * e) / det,
        (f * g - d * i) / det,
        (a * i - c * g) / det,
        (c * d - a * f) / det,
        (d * h - e * g) / det,
        (b * g - a * h) / det,
        (a * e - b * d) / det,
    ]
}

/// Draws `m` into `canvas` at `p`, 3x3 supersampled so edges are anti-aliased like a lens.
pub fn draw_code(canvas: &mut Canvas, m: &Modules, p: &Placement) {
    draw_mapped(canvas, m, p, 3, |u, v| (u, v, 1.0));
}

/// Draws `m` into `canvas` inside `p.quad`, `n` x `n` supersampled; `bend` maps each
/// sample's position in the code square (0..1, 0..1) to the position read from the module
/// grid and a brightness factor (the identity and 1.0 for a flat print).
pub fn draw_mapped(
    canvas: &mut Canvas,
    m: &Modules,
    p: &Placement,
    n: usize,
    bend: impl Fn(f64, f64) -> (f64, f64, f32),
) {
    let inv = invert3(&square_to_quad(&p.quad));
    let total = (m.size + 8) as f64;
    let xs = p.quad.map(|q| q.0);
    let ys = p.quad.map(|q| q.1);
    let lo = |v: [f64; 4]| v.iter().cloned().fold(f64::MAX, f64::min).floor().max(0.0) as usize;
    let hi = |v: [f64; 4], lim: usize| {
        (v.iter().cloned().fold(f64::MIN, f64::max).ceil().max(0.0) as usize).min(lim)
    };
    let size = m.size as isize;
    let samples = (n * n) as f32;
    for y in lo(ys)..hi(ys, canvas.height) {
        for x in lo(xs)..hi(xs, canvas.width) {
            let (mut acc, mut inside) = (0.0f32, 0.0f32);
            for sy in 0..n {
                for sx in 0..n {
                    let fx = x as f64 + (sx as f64 + 0.5) / n as f64;
                    let fy = y as f64 + (sy as f64 + 0.5) / n as f64;
                    let w = inv[6] * fx + inv[7] * fy + inv[8];
                    let u = (inv[0] * fx + inv[1] * fy + inv[2]) / w;
                    let v = (inv[3] * fx + inv[4] * fy + inv[5]) / w;
                    if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                        continue;
                    }
                    inside += 1.0;
                    let (u, v, light) = bend(u, v);
                    let (mx, my) = ((u * total) as isize - 4, (v * total) as isize - 4);
                    let dark = (0..size).contains(&mx)
                        && (0..size).contains(&my)
                        && m.dark[(my * size + mx) as usize];
                    acc += if dark { p.dark } else { p.light } * light;
                }
            }
            if inside > 0.0 {
                let i = y * canvas.width + x;
                canvas.px[i] = (acc + canvas.px[i] * (samples - inside)) / samples;
            }
        }
    }
}

/// Separable box blur of radius `r` (r = 1 is a 3x3 blur).
pub fn blur(c: &mut Canvas, r: usize) {
    if r == 0 {
        return;
    }
    let (w, h) = (c.width, c.height);
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let lo = x.saturating_sub(r);
            let hi = (x + r + 1).min(w);
            let s: f32 = c.px[y * w + lo..y * w + hi].iter().sum();
            tmp[y * w + x] = s / (hi - lo) as f32;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let lo = y.saturating_sub(r);
            let hi = (y + r + 1).min(h);
            let s: f32 = (lo..hi).map(|yy| tmp[yy * w + x]).sum();
            c.px[y * w + x] = s / (hi - lo) as f32;
        }
    }
}

/// Gaussian-ish sensor noise of standard deviation `sd` grey levels.
pub fn noise(c: &mut Canvas, sd: f64, rng: &mut Rng) {
    for v in &mut c.px {
        *v += (rng.normal() * sd) as f32;
    }
}

/// Light falling off linearly along direction `angle_deg` to `1 - falloff` at the far side.
pub fn uneven_light(c: &mut Canvas, falloff: f64, angle_deg: f64) {
    let (dx, dy) = (angle_deg.to_radians().cos(), angle_deg.to_radians().sin());
    let (w, h) = (c.width as f64, c.height as f64);
    let span = (w * dx.abs() + h * dy.abs()).max(1.0);
    let base = if dx < 0.0 { -w * dx } else { 0.0 } + if dy < 0.0 { -h * dy } else { 0.0 };
    for y in 0..c.height {
        for x in 0..c.width {
            let t = ((x as f64 * dx + y as f64 * dy + base) / span).clamp(0.0, 1.0);
            c.px[y * c.width + x] *= (1.0 - falloff * t) as f32;
        }
    }
}

/// A bright specular spot of radius `r` at (`cx`, `cy`) that saturates towards white.
pub fn glare(c: &mut Canvas, cx: f64, cy: f64, r: f64, strength: f32) {
    for y in 0..c.height {
        for x in 0..c.width {
            let d2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
            let g = (-d2 / (2.0 * r * r)).exp() as f32 * strength;
            let i = y * c.width + x;
            c.px[i] = c.px[i] + (255.0 - c.px[i]) * g;
        }
    }
}

/// The imaging conditions the decode-rate bench measures one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Clean,
    Rotated,
    Turned90,
    Perspective,
    Blur,
    Noise,
    LowContrast,
    UnevenLight,
    Glare,
    SmallModules,
    Inverted,
    Dense,
    SeveralCodes,
    Mixed,
}

impl Condition {
    pub const ALL: [Condition; 14] = [
        Condition::Clean,
        Condition::Rotated,
        Condition::Turned90,
        Condition::Perspective,
        Condition::Blur,
        Condition::Noise,
        Condition::LowContrast,
        Condition::UnevenLight,
        Condition::Glare,
        Condition::SmallModules,
        Condition::Inverted,
        Condition::Dense,
        Condition::SeveralCodes,
        Condition::Mixed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Rotated => "rotated",
            Condition::Turned90 => "turned-90",
            Condition::Perspective => "perspective",
            Condition::Blur => "blur",
            Condition::Noise => "noise",
            Condition::LowContrast => "low-contrast",
            Condition::UnevenLight => "uneven-light",
            Condition::Glare => "glare",
            Condition::SmallModules => "small-modules",
            Condition::Inverted => "inverted",
            Condition::Dense => "dense-v10",
            Condition::SeveralCodes => "several-codes",
            Condition::Mixed => "mixed",
        }
    }
}

/// A rendered scene and the payloads in it.
#[derive(Debug, Clone)]
pub struct Scene {
    pub canvas: Canvas,
    pub payloads: Vec<Vec<u8>>,
}

/// A payload like a venue code: prefix, base45-ish text, varying length.
pub fn sample_payload(rng: &mut Rng, len: usize) -> Vec<u8> {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut p = b"VAORA1:".to_vec();
    for _ in 0..len {
        p.push(ALPHA[(rng.next_u64() % ALPHA.len() as u64) as usize]);
    }
    p
}

/// Renders one scene of `condition` into a `width` x `height` upright canvas.
pub fn scene(
    condition: Condition,
    width: usize,
    height: usize,
    rng: &mut Rng,
) -> Result<Scene, QrError> {
    let mut c = Canvas::new(width, height, rng.range(150.0, 200.0) as f32);
    let (w, h) = (width as f64, height as f64);
    let short = w.min(h);
    let deg = rng.range(-12.0, 12.0);
    let len = 40 + (rng.next_u64() % 60) as usize;
    let payload = sample_payload(rng, len);
    let m = modules(&payload, EcLevel::M)?;
    let mut side = short * rng.range(0.45, 0.7);
    let (cx, cy) = (
        w / 2.0 + rng.range(-0.1, 0.1) * w,
        h / 2.0 + rng.range(-0.1, 0.1) * h,
    );
    let mut payloads = vec![payload.clone()];
    match condition {
        Condition::Clean => draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg, 0.0)),
        Condition::Rotated => draw_code(
            &mut c,
            &m,
            &Placement::square(cx, cy, side * 0.85, rng.range(20.0, 70.0), 0.0),
        ),
        Condition::Turned90 => draw_code(
            &mut c,
            &m,
            &Placement::square(cx, cy, side, 90.0 + deg / 3.0, 0.0),
        ),
        Condition::Perspective => draw_code(
            &mut c,
            &m,
            &Placement::square(cx, cy, side, deg, rng.range(0.2, 0.35)),
        ),
        Condition::Blur => {
            draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg, 0.05));
            let module_px = side / (m.size + 8) as f64;
            blur(&mut c, ((module_px * 0.45) as usize).max(1));
        }
        Condition::Noise => {
            draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg, 0.05));
            noise(&mut c, rng.range(15.0, 25.0), rng);
        }
        Condition::LowContrast => {
            let mut p = Placement::square(cx, cy, side, deg, 0.05);
            let mid = rng.range(90.0, 160.0) as f32;
            let span = rng.range(18.0, 30.0) as f32;
            p.dark = mid - span / 2.0;
            p.light = mid + span / 2.0;
            c = Canvas::new(width, height, p.light);
            draw_code(&mut c, &m, &p);
            noise(&mut c, 2.0, rng);
        }
        Condition::UnevenLight => {
            draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg, 0.05));
            uneven_light(&mut c, rng.range(0.5, 0.7), rng.range(0.0, 360.0));
        }
        Condition::Glare => {
            draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg, 0.05));
            glare(
                &mut c,
                cx + rng.range(-0.2, 0.2) * side,
                cy + rng.range(-0.2, 0.2) * side,
                side * 0.12,
                0.85,
            );
        }
        Condition::SmallModules => {
            // About 2.2 px per module.
            side = (m.size + 8) as f64 * rng.range(2.0, 2.6);
            draw_code(&mut c, &m, &Placement::square(cx, cy, side, deg / 2.0, 0.0));
            blur(&mut c, 0);
        }
        Condition::Inverted => {
            let mut p = Placement::square(cx, cy, side, deg, 0.05);
            std::mem::swap(&mut p.dark, &mut p.light);
            draw_code(&mut c, &m, &p);
        }
        Condition::Dense => {
            let long = sample_payload(rng, 170);
            let dm = modules(&long, EcLevel::M)?;
            payloads = vec![long];
            draw_code(
                &mut c,
                &dm,
                &Placement::square(cx, cy, short * 0.8, deg, 0.05),
            );
        }
        Condition::SeveralCodes => {
            let second = sample_payload(rng, 30);
            let m2 = modules(&second, EcLevel::M)?;
            side = (w / 2.0).min(h) * 0.75;
            draw_code(
                &mut c,
                &m,
                &Placement::square(w * 0.27, h / 2.0, side, deg, 0.0),
            );
            draw_code(
                &mut c,
                &m2,
                &Placement::square(w * 0.73, h / 2.0, side, -deg, 0.0),
            );
            payloads.push(second);
        }
        Condition::Mixed => {
            draw_code(
                &mut c,
                &m,
                &Placement::square(cx, cy, side, rng.range(0.0, 360.0), rng.range(0.0, 0.25)),
            );
            uneven_light(&mut c, rng.range(0.2, 0.5), rng.range(0.0, 360.0));
            blur(&mut c, 1);
            noise(&mut c, rng.range(4.0, 10.0), rng);
        }
    }
    Ok(Scene {
        canvas: c,
        payloads,
    })
}

/// How to pack an upright grey image into a sensor frame.
#[derive(Debug, Clone, Copy)]
pub struct Packing {
    pub format: PixelFormat,
    /// Extra bytes after each row (odd values give odd strides).
    pub row_padding: usize,
    /// Pixel stride of the luma plane for YUV formats (1 normally; 2 tests generic strides).
    pub luma_pixel_stride: usize,
    /// The frame's rotation: the sensor image is the upright one turned back by this.
    pub rotation: Rotation,
}

/// Turns upright pixels into sensor orientation for `rotation` (sensor turned clockwise
/// by `rotation` is upright).
fn to_sensor(luma: &[u8], w: usize, h: usize, rotation: Rotation) -> (Vec<u8>, usize, usize) {
    match rotation {
        Rotation::R0 => (luma.to_vec(), w, h),
        Rotation::R180 => (luma.iter().rev().copied().collect(), w, h),
        Rotation::R90 | Rotation::R270 => {
            // Sensor is h wide, w high.
            let (sw, sh) = (h, w);
            let mut out = vec![0u8; sw * sh];
            for sy in 0..sh {
                for sx in 0..sw {
                    // Upright (x, y) from sensor (sx, sy), the inverse of Frame::luma_at.
                    // Turning the sensor image clockwise by 90 puts sensor (sx, sy)
                    // at upright (sh - 1 - sy, sx); by 270 at (sy, sw - 1 - sx).
                    let (x, y) = if rotation == Rotation::R90 {
                        (sh - 1 - sy, sx)
                    } else {
                        (sy, sw - 1 - sx)
                    };
                    out[sy * sw + sx] = luma[y * w + x];
                }
            }
            (out, sw, sh)
        }
    }
}

/// Packs an upright grey image into a frame of `packing`'s format, strides and rotation.
/// Colour formats get a mild tint so that the RGB-to-luma weights matter.
pub fn pack(luma: &[u8], w: usize, h: usize, packing: &Packing) -> OwnedFrame {
    let (s, sw, sh) = to_sensor(luma, w, h, packing.rotation);
    let pad = packing.row_padding;
    let (cw, ch) = (sw.div_ceil(2), sh.div_ceil(2));
    let y_plane = |ps: usize| {
        let stride = (sw - 1) * ps + 1 + pad;
        let mut data = vec![0xA5u8; stride * sh];
        for y in 0..sh {
            for x in 0..sw {
                data[y * stride + x * ps] = s[y * sw + x];
            }
        }
        OwnedPlane {
            data,
            row_stride: stride,
            pixel_stride: ps,
        }
    };
    let chroma = |ps: usize| {
        let stride = (cw - 1) * ps + ps.min(2) + pad;
        OwnedPlane {
            data: vec![128u8; stride * ch],
            row_stride: stride,
            pixel_stride: ps,
        }
    };
    let packed = |order: [usize; 3]| {
        let stride = sw * 4 + pad;
        let mut data = vec![0u8; stride * sh];
        for y in 0..sh {
            for x in 0..sw {
                let g = s[y * sw + x];
                // Solve for an RGB with this BT.601 luma and a slight blue tint.
                let b = g.saturating_add(12);
                let rg = ((u32::from(g) * 256).saturating_sub(29 * u32::from(b))) / 227;
                let rg = rg.min(255) as u8;
                let px = [rg, rg, b];
                let i = y * stride + x * 4;
                data[i + order[0]] = px[0];
                data[i + order[1]] = px[1];
                data[i + order[2]] = px[2];
                data[i + 3] = 255;
            }
        }
        OwnedPlane {
            data,
            row_stride: stride,
            pixel_stride: 4,
        }
    };
    let planes = match packing.format {
        PixelFormat::Luma8 => vec![y_plane(packing.luma_pixel_stride)],
        PixelFormat::Nv21 | PixelFormat::Nv12 => {
            vec![y_plane(packing.luma_pixel_stride), chroma(2)]
        }
        PixelFormat::Yuv420 => vec![y_plane(packing.luma_pixel_stride), chroma(1), chroma(1)],
        PixelFormat::Bgra8888 => vec![packed([2, 1, 0])],
        PixelFormat::Rgba8888 => vec![packed([0, 1, 2])],
    };
    OwnedFrame {
        width: sw as u32,
        height: sh as u32,
        format: packing.format,
        planes,
        rotation_degrees: packing.rotation.degrees(),
        roi: None,
    }
}
