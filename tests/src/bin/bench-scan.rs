//! bench-scan: decode rate per synthetic condition and frame latency, ours vs plain rqrr.
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-scan [--features rxing] [-- N]`
//! (N scenes per condition, default 40). Plain rqrr (its own thresholding on the full
//! frame) is measured in the same run as the baseline.

use std::time::{Duration, Instant};

use vaora_core::scan::{ScanOptions, scan_luma};
use vaora_tests::frames::{Canvas, Condition, Rng, noise, scene, uneven_light};

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

fn ours(luma: &[u8], w: usize, h: usize, opts: &ScanOptions) -> Vec<Vec<u8>> {
    scan_luma(luma, w as u32, h as u32, opts)
        .map(|r| r.codes.into_iter().map(|c| c.bytes).collect())
        .unwrap_or_default()
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> (f64, f64) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (pct(&t, 0.5), pct(&t, 0.95))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(40);
    // `latency` alone skips the decode-rate table.
    let latency_only = args.iter().any(|a| a == "latency");
    let camera = ScanOptions::default();
    // Rates must not depend on machine load: no budget cut for the rate table.
    let unbounded = ScanOptions {
        budget: Duration::from_secs(3600),
        ..ScanOptions::default()
    };
    let still = ScanOptions {
        exhaustive: true,
        ..unbounded.clone()
    };
    let rqrr_only = ScanOptions {
        second_stage: false,
        ..unbounded.clone()
    };
    let rxing_only = ScanOptions {
        first_stage: false,
        ..unbounded.clone()
    };
    println!("rxing stage compiled in: {}", cfg!(feature = "rxing"));
    if latency_only {
        latency(&camera);
        return;
    }
    println!("decode rate, {n} scenes per condition, 800x600 luma (codes found / codes present)");
    println!(
        "{:<15} {:>6} {:>9} {:>7} {:>7} {:>9} {:>8} {:>8}",
        "condition", "rqrr", "our-rqrr", "rxing", "ours", "ours-all", "rqrr ms", "ours ms"
    );
    let (mut tot, mut tot_b, mut tot_o, mut tot_s) = (0usize, 0usize, 0usize, 0usize);
    let (mut tot_q, mut tot_x) = (0usize, 0usize);
    for cond in Condition::ALL {
        let mut rng = Rng::new(0x5CA9 + cond as u64);
        let (mut expected, mut base, mut our, mut all) = (0, 0, 0, 0);
        let (mut rq, mut rx) = (0, 0);
        let (mut tb, mut to) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..n {
            let Ok(s) = scene(cond, 800, 600, &mut rng) else {
                continue;
            };
            let luma = s.canvas.to_luma();
            let (w, h) = (s.canvas.width, s.canvas.height);
            let t = Instant::now();
            let b = plain_rqrr(&luma, w, h);
            tb += t.elapsed();
            let t = Instant::now();
            let o = ours(&luma, w, h, &unbounded);
            to += t.elapsed();
            let a = ours(&luma, w, h, &still);
            let q = ours(&luma, w, h, &rqrr_only);
            let x = ours(&luma, w, h, &rxing_only);
            for p in &s.payloads {
                expected += 1;
                base += usize::from(b.contains(p));
                our += usize::from(o.contains(p));
                all += usize::from(a.contains(p));
                rq += usize::from(q.contains(p));
                rx += usize::from(x.contains(p));
            }
        }
        tot += expected;
        tot_b += base;
        tot_o += our;
        tot_s += all;
        tot_q += rq;
        tot_x += rx;
        let pc = |v: usize| 100.0 * v as f64 / expected as f64;
        println!(
            "{:<15} {:>5.0}% {:>8.0}% {:>6.0}% {:>6.0}% {:>8.0}% {:>8.2} {:>8.2}",
            cond.name(),
            pc(base),
            pc(rq),
            pc(rx),
            pc(our),
            pc(all),
            tb.as_secs_f64() * 1e3 / n as f64,
            to.as_secs_f64() * 1e3 / n as f64,
        );
    }
    let pt = |v: usize| 100.0 * v as f64 / tot as f64;
    println!(
        "{:<15} {:>5.0}% {:>8.0}% {:>6.0}% {:>6.0}% {:>8.0}%",
        "TOTAL",
        pt(tot_b),
        pt(tot_q),
        pt(tot_x),
        pt(tot_o),
        pt(tot_s)
    );
    println!(
        "(our-rqrr = our preprocessing + rqrr only; rxing = rxing stage alone; ours = full pipeline, stop at the first attempt that reads; ours-all = every attempt; no time budget here; ms = mean per scene)"
    );

    println!();
    latency(&camera);
}

/// Frame latency at 720p and 1080p, with and without a code, against plain rqrr.
fn latency(camera: &ScanOptions) {
    println!("frame latency, luma frames, ms (median / p95), camera options");
    for (w, h) in [(1280usize, 720usize), (1920, 1080)] {
        for with_code in [true, false] {
            if std::env::var("BENCH_SCAN_ONLY").is_ok_and(|o| o != format!("{h}{with_code}")) {
                continue;
            }
            let mut rng = Rng::new(7);
            let frames: Vec<Vec<u8>> = (0..10)
                .filter_map(|_| {
                    if with_code {
                        scene(Condition::Mixed, w, h, &mut rng)
                            .ok()
                            .map(|s| s.canvas.to_luma())
                    } else {
                        // A grey wall with sensor noise and a light gradient, no code.
                        let mut c = Canvas::new(w, h, 170.0);
                        uneven_light(&mut c, 0.3, 30.0);
                        noise(&mut c, 6.0, &mut rng);
                        Some(c.to_luma())
                    }
                })
                .collect();
            let mut i = 0;
            let (om, op) = time(60, || {
                let f = &frames[i % frames.len()];
                i += 1;
                std::hint::black_box(ours(f, w, h, camera));
            });
            let mut j = 0;
            let (bm, bp) = time(20, || {
                let f = &frames[j % frames.len()];
                j += 1;
                std::hint::black_box(plain_rqrr(f, w, h));
            });
            // Which attempt read each frame (1 = the first one) and how many it took.
            let attempts: Vec<String> = frames
                .iter()
                .map(|f| {
                    scan_luma(f, w as u32, h as u32, camera)
                        .map(|r| {
                            let found = r.codes.first().map_or("-", |c| match c.stage {
                                vaora_core::scan::Stage::Rqrr => "q",
                                vaora_core::scan::Stage::Rxing => "x",
                            });
                            format!("{}{found}", r.attempts)
                        })
                        .unwrap_or_default()
                })
                .collect();
            println!(
                "{w}x{h} {:<8} attempts per frame (q = rqrr read it, x = rxing, - = none): {}",
                if with_code { "code" } else { "no code" },
                attempts.join(" ")
            );
            println!(
                "{w}x{h} {:<8} ours {om:>7.2} / {op:>7.2}   plain rqrr {bm:>7.2} / {bp:>7.2}   ratio {:.1}x",
                if with_code { "code" } else { "no code" },
                bm / om
            );
        }
    }
}
