//! Venue-code timings: `cargo run --release -p vaora-tests --bin bench-venue`.
//! Prints median and p95 per operation, and the ratio of a full text verification to a
//! bare Ed25519 strict verification of the same body (the baseline, same run).

use std::hint::black_box;
use std::time::Instant;

use chrono::Duration;
use ed25519_dalek::{Signature, VerifyingKey};
use vaora_protocol::render::poster::{Poster, poster_png};
use vaora_protocol::render::{CodeStyle, Ecc, QrMatrix, code_png};
use vaora_protocol::venue::payload::VenueCode;
use vaora_protocol::venue::{NewVenue, VenueCategory, VenueIssuer};
use vaora_tests::venue_vectors::{LONG_ADDRESS, LONG_NAME, now};

fn measure(name: &str, runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..runs.min(20) {
        f();
    }
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!("{name:<40} median {median:>10.1} µs   p95 {p95:>10.1} µs   ({runs} runs)");
    median
}

fn main() {
    let issuer = VenueIssuer::new(vaora_protocol::testing::test_authority());
    let venue = NewVenue {
        venue_id: None,
        name: LONG_NAME.into(),
        address: LONG_ADDRESS.into(),
        category: VenueCategory::RestaurantOrShop,
        default_stay_min: 60,
        valid_from: now() - Duration::days(1),
        valid_until: now() + Duration::days(30),
    };
    let Ok(code) = issuer.issue(venue.clone()) else {
        eprintln!("issue failed");
        std::process::exit(1);
    };
    let text = code.to_text();
    let store = vaora_protocol::testing::test_trust_store();
    let key = VerifyingKey::from_bytes(&vaora_protocol::testing::test_authority().public_key());
    let Ok(key) = key else { std::process::exit(1) };
    let message = VenueCode::signing_input(&code.body);
    let sig = Signature::from_bytes(&code.signature);

    let base = measure("baseline: ed25519 verify_strict", 2000, || {
        black_box(key.verify_strict(black_box(&message), &sig).is_ok());
    });
    let full = measure("parse + verify venue text (60/80 chars)", 2000, || {
        black_box(store.verify_text(black_box(&text), now()));
    });
    measure("parse only", 2000, || {
        let _ = black_box(VenueCode::parse(black_box(&text)));
    });
    measure("issue (pack + CBOR + sign)", 2000, || {
        let _ = black_box(issuer.issue(venue.clone()));
    });
    measure("QR matrix (version 10, M)", 300, || {
        let _ = black_box(QrMatrix::encode(&text, Ecc::M));
    });
    measure("code PNG (scale 8, quiet 4)", 100, || {
        let _ = black_box(code_png(&text, Ecc::M, CodeStyle::default()));
    });
    let poster = Poster {
        title: LONG_NAME.into(),
        lines: vec![
            VenueCategory::RestaurantOrShop.label_vi().into(),
            LONG_ADDRESS.into(),
        ],
        footer: "Quét mã để khai báo vào / ra".into(),
        code_text: text.clone(),
    };
    measure("poster PNG (1000 px wide, text + code)", 20, || {
        let _ = black_box(poster_png(&poster));
    });
    println!(
        "ratio full verify / bare ed25519 verify: {:.2}",
        full / base
    );
}
