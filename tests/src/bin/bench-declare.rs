//! Benchmarks for the declaration side: personal-code signing and offline verification
//! (the staff door check), CCCD/BHYT parsing and personal-code PNG rendering. Prints the
//! median and p95 of each, and each median as a ratio of a baseline measured in the same
//! run: one bare Ed25519 record verification (`SignedRecord::verify`), the floor of any
//! signed-code check.
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-declare`.

use std::hint::black_box;
use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use vaora_protocol::cards::bhyt::BhytCard;
use vaora_protocol::cards::cccd::CccdCard;
use vaora_protocol::declare::{PersonalCode, qr};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::RecordKind;

/// A named operation, how many times to run it, and the operation itself.
type BenchRow<'a> = (&'a str, usize, Box<dyn FnMut() -> bool + 'a>);

fn measure<T>(iterations: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    for _ in 0..iterations.min(20) {
        black_box(f());
    }
    let mut samples: Vec<f64> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    (median, p95)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = DeviceIdentity::from_secret_bytes(&[9; 32])?;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 25, 1, 0, 0)
        .single()
        .ok_or("time")?;
    let code = PersonalCode {
        display_name: "Nguyễn Thị Ngọc Ánh".into(),
        birth_year: Some(1961),
        declaration_id: Id128::from_bytes([4; 16]),
        declared_at: at,
        trigger_mask: 0b11,
        declared_by: Some("Nguyễn Văn Khoa".into()),
        valid_until: at + Duration::hours(24),
        device_key: device.public_key(),
        certificate: None,
    };
    let text = code.sign(&device)?;
    let now = at + Duration::hours(1);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).ok_or("date")?;
    let cccd = "079185001234|123456789|Nguyễn Thị Hoa|15031985|Nữ|12 Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh|01072021";
    let bhyt = format!(
        "DN4797900000001|{}|07/08/1962|2|{}|79-024|01/01/2026|31/12/2026|15/12/2025|4b4d|-|a1b2c3|$",
        hex::encode("Lê Thị Bích Ngọc".as_bytes()),
        hex::encode("Ấp 3, Xã Tân Thạnh Đông, Củ Chi".as_bytes())
    );
    let record = device.sign_record(RecordKind::Declaration, vec![7; 120]);

    let n = 2000;
    let (base_med, base_p95) = measure(n, || record.verify().is_ok());
    println!("baseline Ed25519 record verify: median {base_med:.1} µs, p95 {base_p95:.1} µs");
    let rows: Vec<BenchRow> = vec![
        (
            "personal code verify",
            n,
            Box::new(|| PersonalCode::verify(&text, now, &[]).is_ok()),
        ),
        (
            "personal code sign",
            n,
            Box::new(|| code.sign(&device).is_ok()),
        ),
        (
            "CCCD parse",
            n,
            Box::new(|| CccdCard::parse(cccd, today).is_ok()),
        ),
        (
            "BHYT parse",
            n,
            Box::new(|| BhytCard::parse(&bhyt, today).is_ok()),
        ),
        (
            "personal code PNG render",
            200,
            Box::new(|| qr::code_png(&text, 8, 4).is_ok()),
        ),
    ];
    for (name, iters, mut f) in rows {
        let (med, p95) = measure(iters, &mut f);
        println!(
            "{name}: median {med:.1} µs, p95 {p95:.1} µs, {:.2}× baseline",
            med / base_med
        );
    }
    println!("personal code text: {} characters", text.len());
    Ok(())
}
