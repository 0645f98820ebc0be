//! bench-desk: what the staff desk adds to a camera loop. Per 720p frame, the decoder alone
//! (`scan_luma`, camera options) against the decoder followed by `StaffDesk::scan` on every
//! text it read, alternated frame by frame in the same run (goal: the desk's result within
//! 10% of the decoder alone); and the time of the first answer for a new visitor (verify,
//! sign, one encrypted transaction).
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-desk -- [FRAMES]` (default 300:
//! ten seconds of a card held up at 30 frames/s).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use qrcode::EcLevel;
use vaora_core::desk::{DeskSettings, StaffDesk};
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_core::scan::{ScanOptions, scan_luma};
use vaora_protocol::clock::SystemClock;
use vaora_protocol::testing::{test_authority, test_keyset};
use vaora_protocol::venue::{NewVenue, SignerPolicy, VenueCategory, VenueIssuer};
use vaora_tests::frames::{Canvas, Placement, Rng, draw_code, modules, noise};

/// A CCCD of someone born in 1948, its last six digits from `n`.
fn cccd(n: u32) -> String {
    format!(
        "001148{:06}||Nguyễn Thị Lan|09051948|Nữ|Số 7, ngõ 42, Phố Huế, Hà Nội|20052021",
        n % 1_000_000
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(300);
    let dir = tempfile::tempdir()?;
    let diary = Diary::open(
        &dir.path().join("staff.db"),
        &DiaryKey::generate()?,
        Arc::new(SystemClock::default()),
        DiaryConfig::default(),
    )?;
    diary.apply_keyset(&test_keyset(), SignerPolicy::PinSelfSigned)?;
    let venue_code = VenueIssuer::new(test_authority())
        .issue(NewVenue {
            venue_id: None,
            name: "Chợ Đông Ba".into(),
            address: "Huế".into(),
            category: VenueCategory::Market,
            default_stay_min: 60,
            valid_from: Utc::now() - Duration::days(1),
            valid_until: Utc
                .with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
                .single()
                .ok_or("date")?,
        })?
        .to_text();
    let mut desk = StaffDesk::open(&diary, &venue_code, DeskSettings::default())?;

    // A card held up in front of a 720p camera, with sensor noise.
    let (w, h) = (1280usize, 720usize);
    let mut canvas = Canvas::new(w, h, 0.55);
    let card = modules(cccd(9876).as_bytes(), EcLevel::M)?;
    draw_code(
        &mut canvas,
        &card,
        &Placement::square(640.0, 360.0, 330.0, 8.0, 0.1),
    );
    noise(&mut canvas, 4.0, &mut Rng::new(7));
    let luma = canvas.to_luma();
    let opts = ScanOptions::default();
    let texts = |luma: &[u8]| -> Vec<String> {
        scan_luma(luma, w as u32, h as u32, &opts)
            .map(|r| {
                r.codes
                    .into_iter()
                    .filter_map(|c| String::from_utf8(c.bytes).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    if texts(&luma) != [cccd(9876)] {
        return Err("the bench frame does not decode to its card".into());
    }

    let (mut alone, mut with_desk) = (Vec::new(), Vec::new());
    let mut answers = 0usize;
    let mut accepted = 0usize;
    for i in 0..2 * frames {
        let t = Instant::now();
        let read = texts(&luma);
        if i % 2 == 1 {
            for text in &read {
                if let Some(answer) = desk.scan(&diary, text)? {
                    answers += 1;
                    accepted += usize::from(answer.is_accepted());
                }
            }
            with_desk.push(t.elapsed().as_secs_f64() * 1e3);
        } else {
            alone.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let (a, d) = (median(alone), median(with_desk));
    println!(
        "camera loop: {frames} frames of {w}x{h}, one CCCD in view, decoder alone and decoder + desk alternated"
    );
    println!("  decoder alone        median {a:.3} ms per frame");
    println!(
        "  decoder + desk.scan  median {d:.3} ms per frame, ratio {:.3} (goal: at most 1.10); {answers} answer(s) ({accepted} accepted) for {frames} sightings",
        d / a
    );

    // A new visitor each time: classify, card checks, keyed hash, open-visit probe, sign,
    // one encrypted transaction. Each card is shown once, so the repeat filter never hides it.
    let mut first = Vec::new();
    for n in 0..200 {
        let text = cccd(100_000 + n);
        let t = Instant::now();
        let result = desk
            .scan(&diary, &text)?
            .ok_or("a new card got no answer")?;
        first.push(t.elapsed().as_secs_f64() * 1e6);
        if !result.is_accepted() {
            return Err(format!("card {n} refused: {:?}", result.verdict).into());
        }
    }
    let mut sorted = first.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted[sorted.len() * 95 / 100];
    println!(
        "  new visitor accepted (verify + sign + store): median {:.1} µs, p95 {p95:.1} µs over {} visitors",
        median(first),
        sorted.len()
    );
    Ok(())
}
