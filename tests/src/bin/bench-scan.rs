//! bench-scan: decode rates and timings of our scanner, against plain rqrr, rxing alone and
//! zxing-cpp measured in the same run.
//!
//! Run: `cargo run --release -p vaora-tests --features rxing --bin bench-scan -- [N] [SECTION...]`
//! with SECTION one of `rates` (synthetic conditions, 800x600), `latency` (720p/1080p
//! camera frames with and without a code), `photos` (real-looking still photos, see
//! `tests/src/photos.rs`), `camera` (a recorded-like 30 frames/s sequence: CPU share of one
//! core); all four by default. N scenes per condition / photos per kind (default 20).
//! `attempts` (only when named, and built with `--features rxing,scan-trace`) runs every
//! still-path attempt on every photo and says which attempt reads what and what it costs:
//! the evidence behind the still path's order (docs/scanning.md).
//! zxing-cpp runs through its Python binding when a venv has it (`tests/src/zxing_cpp.rs`);
//! without it the bench prints our figures and says zxing-cpp is absent.

use std::time::Duration;

use vaora_core::scan::{ScanOptions, ScanResult, scan_luma};
use vaora_tests::frames::{
    Canvas, Condition, Placement, Rng, draw_code, modules, noise, scene, uneven_light,
};
use vaora_tests::photos::{PhotoKind, Shot, background, camera_frame, camera_sequence, photo};
use vaora_tests::zxing_cpp;

fn plain_rqrr(luma: &[u8], w: usize, h: usize) -> Vec<Vec<u8>> {
    std::panic::catch_unwind(|| {
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
        img.detect_grids()
            .iter()
            .filter_map(|g| {
                let mut out = Vec::new();
                g.decode_to(&mut out).ok().map(|_| out)
            })
            .collect()
    })
    .unwrap_or_default()
}

/// rxing alone, as TOOLCHAINS.md measured it: its `MultiFormatReader` (zxing-cpp port,
/// then the Java port) on the full image with try-harder.
#[cfg(feature = "rxing")]
fn rxing_alone(luma: &[u8], w: usize, h: usize) -> Vec<Vec<u8>> {
    use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
    let hints = DecodeHints {
        PossibleFormats: Some([BarcodeFormat::QR_CODE].into()),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let source = Luma8LuminanceSource::new(luma.to_vec(), w as u32, h as u32).ok()?;
        let mut bitmap = BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
        let r = rxing::MultiFormatReader::default()
            .decode_with_hints(&mut bitmap, &hints)
            .ok()?;
        Some(r.getRawBytes().to_vec())
    }))
    .ok()
    .flatten()
    .into_iter()
    .collect()
}

#[cfg(not(feature = "rxing"))]
fn rxing_alone(_: &[u8], _: usize, _: usize) -> Vec<Vec<u8>> {
    Vec::new()
}

fn ours(luma: &[u8], w: usize, h: usize, opts: &ScanOptions) -> ScanResult {
    scan_luma(luma, w as u32, h as u32, opts).unwrap_or_default()
}

fn bytes(r: ScanResult) -> Vec<Vec<u8>> {
    r.codes.into_iter().map(|c| c.bytes).collect()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn med_p95(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (pct(&v, 0.5), pct(&v, 0.95))
}

/// This thread's CPU time. The machine is shared with other engineers' builds, so wall
/// time would count their turns on the cores too; zxing-cpp is timed the same way.
#[allow(unsafe_code)]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid, exclusive pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Runs `f` and returns its result and the CPU milliseconds it took.
fn cpu_ms<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let s = thread_cpu();
    let v = f();
    (v, (thread_cpu() - s).as_secs_f64() * 1e3)
}

/// Median / p95 in CPU ms of `runs` calls of `f(i)`.
fn time<F: FnMut(usize)>(runs: usize, mut f: F) -> (f64, f64) {
    med_p95((0..runs).map(|i| cpu_ms(|| f(i)).1).collect())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(20);
    let all = ["rates", "latency", "photos", "camera"];
    let wanted: Vec<&str> = all
        .iter()
        .chain(&["attempts"])
        .copied()
        .filter(|s| args.iter().any(|a| a == s))
        .collect();
    let wanted = if wanted.is_empty() {
        all.to_vec()
    } else {
        wanted
    };
    println!("rxing stage compiled in: {}", cfg!(feature = "rxing"));
    match zxing_cpp::python() {
        Some(p) => println!("zxing-cpp: through {}", p.display()),
        None => println!(
            "zxing-cpp: absent (python3 -m venv target/zxing-venv && target/zxing-venv/bin/pip install zxing-cpp numpy)"
        ),
    }
    for section in wanted {
        println!();
        match section {
            "rates" => rates(n),
            "latency" => latency(),
            "photos" => photos(n),
            "attempts" => attempts(n),
            _ => camera(),
        }
    }
}

fn unbounded(still: bool) -> ScanOptions {
    // Rates must not depend on machine load: no budget cut for the rate tables.
    ScanOptions {
        budget: Duration::from_secs(3600),
        still,
        ..ScanOptions::default()
    }
}

fn found(got: &[Vec<u8>], want: &[Vec<u8>]) -> usize {
    want.iter().filter(|p| got.contains(p)).count()
}

/// Decode rate per synthetic condition (800x600).
fn rates(n: usize) {
    println!("decode rate, {n} scenes per condition, 800x600 luma (codes found / codes present)");
    println!(
        "{:<15} {:>6} {:>9} {:>7} {:>7} {:>7} {:>7}",
        "condition", "rqrr", "our-rqrr", "rxing", "camera", "still", "zxing"
    );
    let rqrr_only = ScanOptions {
        second_stage: false,
        ..unbounded(true)
    };
    let rxing_only = ScanOptions {
        first_stage: false,
        ..unbounded(true)
    };
    let mut tot = [0usize; 7];
    for cond in Condition::ALL {
        let mut rng = Rng::new(0x5CA9 + cond as u64);
        let scenes: Vec<_> = (0..n)
            .filter_map(|_| scene(cond, 800, 600, &mut rng).ok())
            .collect();
        let lumas: Vec<Vec<u8>> = scenes.iter().map(|s| s.canvas.to_luma()).collect();
        let images: Vec<(&[u8], usize, usize)> =
            lumas.iter().map(|l| (l.as_slice(), 800, 600)).collect();
        let zx = zxing_cpp::read_all(&images, 0);
        let mut c = [0usize; 7];
        for (i, (s, luma)) in scenes.iter().zip(&lumas).enumerate() {
            let want = &s.payloads;
            c[0] += want.len();
            c[1] += found(&plain_rqrr(luma, 800, 600), want);
            c[2] += found(&bytes(ours(luma, 800, 600, &rqrr_only)), want);
            c[3] += found(&bytes(ours(luma, 800, 600, &rxing_only)), want);
            c[4] += found(&bytes(ours(luma, 800, 600, &unbounded(false))), want);
            let all = ScanOptions {
                exhaustive: true,
                ..unbounded(true)
            };
            c[5] += found(&bytes(ours(luma, 800, 600, &all)), want);
            c[6] += zx.as_ref().map_or(0, |z| found(&z[i].payloads, want));
        }
        let pc = |v: usize| 100.0 * v as f64 / c[0].max(1) as f64;
        println!(
            "{:<15} {:>5.0}% {:>8.0}% {:>6.0}% {:>6.0}% {:>6.0}% {:>6}",
            cond.name(),
            pc(c[1]),
            pc(c[2]),
            pc(c[3]),
            pc(c[4]),
            pc(c[5]),
            zx.as_ref()
                .map_or("-".to_owned(), |_| format!("{:.0}%", pc(c[6])))
        );
        for (t, v) in tot.iter_mut().zip(c) {
            *t += v;
        }
    }
    let pt = |v: usize| 100.0 * v as f64 / tot[0].max(1) as f64;
    println!(
        "{:<15} {:>5.1}% {:>8.1}% {:>6.1}% {:>6.1}% {:>6.1}% {:>5.1}%",
        "TOTAL",
        pt(tot[1]),
        pt(tot[2]),
        pt(tot[3]),
        pt(tot[4]),
        pt(tot[5]),
        pt(tot[6])
    );
    println!(
        "(rqrr = plain rqrr; our-rqrr / rxing = the still path with one decoder; camera = camera options, no budget; still = still options, every code; zxing = zxing-cpp 3, QR only)"
    );
}

/// One latency case: a set of frames of one size and kind.
fn latency_frames(
    w: usize,
    h: usize,
    kind: &str,
    rng: &mut Rng,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    (0..10)
        .filter_map(|_| {
            let short = w.min(h) as f64;
            match kind {
                "upright" | "tilted" => {
                    let len = 40 + (rng.next_u64() % 40) as usize;
                    let payload = vaora_tests::frames::sample_payload(rng, len);
                    let m = modules(&payload, qrcode::EcLevel::M).ok()?;
                    let mut c = background(w, h, rng.range(120.0, 200.0) as f32, rng);
                    let side = short * rng.range(0.45, 0.65);
                    let (deg, tilt) = if kind == "upright" {
                        (rng.range(-4.0, 4.0), 0.0)
                    } else {
                        (rng.range(20.0, 45.0), rng.range(0.15, 0.3))
                    };
                    let p = Placement::square(w as f64 / 2.0, h as f64 / 2.0, side, deg, tilt);
                    draw_code(&mut c, &m, &p);
                    uneven_light(&mut c, 0.3, rng.range(0.0, 360.0));
                    vaora_tests::frames::blur(&mut c, 1);
                    noise(&mut c, 3.0, rng);
                    Some((c.to_luma(), Some(payload)))
                }
                "wall" => {
                    // A grey wall with sensor noise and a light gradient.
                    let mut c = Canvas::new(w, h, 170.0);
                    uneven_light(&mut c, 0.3, 30.0);
                    noise(&mut c, 6.0, rng);
                    Some((c.to_luma(), None))
                }
                _ => {
                    let mut c = background(w, h, rng.range(110.0, 200.0) as f32, rng);
                    uneven_light(&mut c, 0.3, rng.range(0.0, 360.0));
                    noise(&mut c, 4.0, rng);
                    Some((c.to_luma(), None))
                }
            }
        })
        .collect()
}

/// Frame latency at 720p and 1080p, camera options, against plain rqrr and zxing-cpp.
fn latency() {
    println!(
        "frame latency, luma frames, camera options, CPU ms median / p95 (10 frames, 60 calls each side)"
    );
    println!(
        "{:<10} {:<8} {:>17} {:>8} {:>17} {:>7}  {:>6} {:>6}",
        "frame", "kind", "ours", "read", "zxing-cpp", "read", "rqrr", "ratio"
    );
    for (w, h) in [(1280usize, 720usize), (1920, 1080)] {
        for kind in ["upright", "tilted", "wall", "clutter"] {
            let mut rng = Rng::new(7 + w as u64);
            let frames = latency_frames(w, h, kind, &mut rng);
            if frames.is_empty() {
                continue;
            }
            let camera = ScanOptions::default();
            let (om, op) = time(60, |i| {
                let f = &frames[i % frames.len()];
                std::hint::black_box(ours(&f.0, w, h, &camera));
            });
            let (bm, _) = time(10, |i| {
                let f = &frames[i % frames.len()];
                std::hint::black_box(plain_rqrr(&f.0, w, h));
            });
            let read = frames
                .iter()
                .filter(|f| {
                    f.1.as_ref()
                        .is_some_and(|p| bytes(ours(&f.0, w, h, &camera)).contains(p))
                })
                .count();
            let images: Vec<(&[u8], usize, usize)> =
                frames.iter().map(|f| (f.0.as_slice(), w, h)).collect();
            let (zx, zread) = match zxing_cpp::read_all(&images, 6) {
                Some(z) => {
                    let zread = z
                        .iter()
                        .zip(&frames)
                        .filter(|(r, f)| f.1.as_ref().is_some_and(|p| r.payloads.contains(p)))
                        .count();
                    let (zm, zp) = med_p95(z.iter().map(|r| r.median_ms).collect());
                    (
                        format!("{zm:>7.2} / {zp:>7.2}"),
                        format!("{zread}/{}", frames.len()),
                    )
                }
                None => ("absent".to_owned(), "-".to_owned()),
            };
            let has_code = frames[0].1.is_some();
            println!(
                "{:<10} {:<8} {om:>7.2} / {op:>7.2} {:>8} {zx:>17} {zread:>7}  {bm:>6.1} {:>5.1}x",
                format!("{w}x{h}"),
                kind,
                if has_code {
                    format!("{read}/{}", frames.len())
                } else {
                    "-".to_owned()
                },
                bm / om
            );
        }
    }
    println!(
        "(zxing-cpp: the per-frame medians' median / p95, 6 calls per frame; rqrr = plain rqrr median, ratio = rqrr / ours)"
    );
}

/// Real-looking still photos: decode rate per kind and time per photo, still options.
fn photos(n: usize) {
    println!(
        "still photos, {n} per kind (tests/src/photos.rs), still options; ms per photo (each the median of 3 calls after one, as zxing-cpp's): median / p95 over photos"
    );
    println!(
        "{:<15} {:>6} {:>6} {:>6} {:>17} {:>17}",
        "kind", "ours", "rxing", "zxing", "ours ms", "zxing ms"
    );
    let still = ScanOptions::still_image();
    let (mut tot, mut ot, mut zt) = ([0usize; 5], Vec::new(), Vec::new());
    for kind in PhotoKind::ALL {
        let set = photo_set(kind, n);
        let images: Vec<(&[u8], usize, usize)> = set
            .iter()
            .map(|p| (p.luma.as_slice(), p.width, p.height))
            .collect();
        let zx = zxing_cpp::read_all(&images, 3);
        let mut c = [0usize; 5];
        let mut times = Vec::new();
        for (i, p) in set.iter().enumerate() {
            // As zxing-cpp is timed: one call for the result, then the median of 3.
            let r = bytes(ours(&p.luma, p.width, p.height, &still));
            let (ms, _) = med_p95(
                (0..3)
                    .map(|_| cpu_ms(|| ours(&p.luma, p.width, p.height, &still)).1)
                    .collect(),
            );
            times.push(ms);
            let o = found(&r, &p.payloads);
            let x = found(&rxing_alone(&p.luma, p.width, p.height), &p.payloads);
            c[0] += p.payloads.len();
            c[1] += o;
            c[2] += x;
            c[3] += zx
                .as_ref()
                .map_or(0, |z| found(&z[i].payloads, &p.payloads));
            // Read by rxing alone but not by us: what the pipeline must never lose.
            c[4] += usize::from(x > o);
        }
        let zms: Vec<f64> = zx.iter().flatten().map(|r| r.median_ms).collect();
        ot.extend(&times);
        zt.extend(&zms);
        let (om, op) = med_p95(times);
        let (zm, zp) = med_p95(zms);
        let pc = |v: usize| 100.0 * v as f64 / c[0].max(1) as f64;
        println!(
            "{:<15} {:>5.0}% {:>5.0}% {:>6} {om:>7.2} / {op:>7.2} {zm:>7.2} / {zp:>7.2}{}",
            kind.name(),
            pc(c[1]),
            pc(c[2]),
            zx.as_ref()
                .map_or("-".to_owned(), |_| format!("{:.0}%", pc(c[3]))),
            if c[4] > 0 {
                format!("  ({} read by rxing alone, not by us)", c[4])
            } else {
                String::new()
            }
        );
        for (t, v) in tot.iter_mut().zip(c) {
            *t += v;
        }
    }
    let pt = |v: usize| 100.0 * v as f64 / tot[0].max(1) as f64;
    let (om, op) = med_p95(ot);
    let (zm, zp) = med_p95(zt);
    println!(
        "{:<15} {:>5.1}% {:>5.1}% {:>5.1}% {om:>7.2} / {op:>7.2} {zm:>7.2} / {zp:>7.2}  ({} photos rxing alone read and we did not)",
        "TOTAL",
        pt(tot[1]),
        pt(tot[2]),
        pt(tot[3]),
        tot[4]
    );
}

/// The photo sets of [`photos`], the same seeds: `n` per kind, a quarter of that at 12 MP.
fn photo_set(kind: PhotoKind, n: usize) -> Vec<vaora_tests::photos::Photo> {
    let mut rng = Rng::new(0xF070 + kind as u64);
    let count = if kind == PhotoKind::HighResolution {
        n.div_ceil(4)
    } else {
        n
    };
    (0..count)
        .filter_map(|_| photo(kind, 1.0, &mut rng).ok())
        .collect()
}

/// Every still-path attempt on every photo (`exhaustive`, so nothing stops at the first
/// read), recorded by `scan-trace`: per attempt, the photos it read, the photos no other
/// attempt read, and its wall time (single-threaded, so close to CPU time).
#[cfg(feature = "scan-trace")]
fn attempts(n: usize) {
    #[derive(Default)]
    struct Row {
        runs: usize,
        read: usize,
        only: usize,
        micros: Vec<f64>,
    }
    println!(
        "still path, every attempt on every photo, {n} per kind (tests/src/photos.rs); place / decoder, in pipeline order"
    );
    let every = ScanOptions {
        exhaustive: true,
        ..unbounded(true)
    };
    let still = unbounded(true);
    let mut rows: Vec<((&str, &str), Row)> = Vec::new();
    let (mut total, mut by_any, mut by_still) = (0usize, 0usize, 0usize);
    // The still path as it runs, per photo: CPU ms, what it was, and its attempts.
    let mut slowest: Vec<(f64, String)> = Vec::new();
    for kind in PhotoKind::ALL {
        for (i, p) in photo_set(kind, n).into_iter().enumerate() {
            total += 1;
            let r = ours(&p.luma, p.width, p.height, &every);
            by_any += usize::from(found(&bytes(r.clone()), &p.payloads) > 0);
            let (as_run, ms) = cpu_ms(|| ours(&p.luma, p.width, p.height, &still));
            let steps: Vec<String> = as_run
                .trace
                .iter()
                .map(|a| {
                    let mark = if a.read > 0 { "*" } else { "" };
                    format!(
                        "{}/{} {:.1}{mark}",
                        a.place,
                        a.decoder,
                        a.micros as f64 / 1e3
                    )
                })
                .collect();
            let read = found(&bytes(as_run), &p.payloads) > 0;
            by_still += usize::from(read);
            let what = format!("{} #{i} {}x{}", kind.name(), p.width, p.height);
            let read = if read { "read" } else { "not read" };
            slowest.push((ms, format!("{what}, {read}: {}", steps.join(", "))));
            let readers = r.trace.iter().filter(|a| a.read > 0).count();
            for a in &r.trace {
                let key = (a.place, a.decoder);
                let i = match rows.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        rows.push((key, Row::default()));
                        rows.len() - 1
                    }
                };
                let row = &mut rows[i].1;
                row.runs += 1;
                row.read += usize::from(a.read > 0);
                row.only += usize::from(a.read > 0 && readers == 1);
                row.micros.push(a.micros as f64);
            }
        }
    }
    println!(
        "{:<34} {:>5} {:>5} {:>5} {:>12} {:>9}",
        "attempt", "runs", "read", "only", "median ms", "total ms"
    );
    for ((place, decoder), row) in rows {
        let sum: f64 = row.micros.iter().sum();
        let (median, _) = med_p95(row.micros);
        println!(
            "{:<34} {:>5} {:>5} {:>5} {:>12.2} {:>9.1}",
            format!("{place} / {decoder}"),
            row.runs,
            row.read,
            row.only,
            median / 1e3,
            sum / 1e3
        );
    }
    println!(
        "{total} photos: {by_any} read by some attempt, {by_still} by the still path as it runs (first read ends it); only = photos no other attempt read"
    );
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "the slowest 5% on the still path as it runs (CPU ms of one call; attempts in wall ms, * = read):"
    );
    for (ms, line) in slowest.iter().take(total.div_ceil(20)) {
        println!("  {ms:6.2}  {line}");
    }
}

#[cfg(not(feature = "scan-trace"))]
fn attempts(_: usize) {
    println!(
        "attempts: build with --features rxing,scan-trace (every attempt recorded in ScanResult::trace)"
    );
}

/// A recorded-like camera sequence at 30 frames/s: what share of one core the scanner takes.
fn camera() {
    let (w, h) = (1280usize, 720usize);
    let seq = camera_sequence();
    let mut rng = Rng::new(0xCA3E);
    let frames: Vec<(Shot, Vec<u8>, Option<Vec<u8>>)> = seq
        .iter()
        .filter_map(|&s| camera_frame(s, w, h, &mut rng).ok().map(|(l, p)| (s, l, p)))
        .collect();
    let camera = ScanOptions::default();
    println!(
        "camera loop: {} frames of {w}x{h} at 30 frames/s (tests/src/photos.rs), camera options, 3 passes",
        frames.len()
    );
    let mut per_shot: Vec<(Shot, Vec<f64>, usize, usize)> = Vec::new();
    let mut total = 0.0f64;
    for pass in 0..3 {
        for (shot, luma, payload) in &frames {
            let (r, ms) = cpu_ms(|| ours(luma, w, h, &camera));
            total += ms;
            let read = payload
                .as_ref()
                .is_some_and(|p| r.codes.iter().any(|c| &c.bytes == p));
            let entry = match per_shot.iter_mut().position(|e| e.0 == *shot) {
                Some(i) => &mut per_shot[i],
                None => {
                    per_shot.push((*shot, Vec::new(), 0, 0));
                    let last = per_shot.len() - 1;
                    &mut per_shot[last]
                }
            };
            entry.1.push(ms);
            if pass == 0 {
                entry.2 += usize::from(read);
                entry.3 += 1;
            }
        }
    }
    for (shot, times, read, count) in per_shot {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let (m, p) = med_p95(times);
        println!(
            "  {:<15} {count:>3} frames, read {read:>3}, ms median {m:>6.2} p95 {p:>6.2} mean {mean:>6.2}",
            shot.name()
        );
    }
    let per_frame = total / (3 * frames.len()) as f64;
    println!(
        "  mean {per_frame:.2} ms per frame -> {:.1}% of one core at 30 frames/s (goal: under 10%)",
        per_frame * 30.0 / 10.0
    );
}
