//! bench-console: the console's own share of the ≤ 300 ms page budget with 100,000 venues.
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-console [-- RUNS]` (default 30).
//! The backend here hands over precomputed rows (what the server's daily-aggregate query
//! returns), so the figures are the console's part only: receiving 100,000 scan counts,
//! applying the inspection rule, sorting, rendering 500 rows (compliance) and rendering the
//! overview, through the real router. The baseline, measured in the same run, is the
//! stylesheet route (router, session-free middleware, no backend). The PostgreSQL side
//! (aggregate query over 10,000,000 check-ins) is for the server's bench; see docs/console.md.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use chrono::{DateTime, NaiveDate, Utc};
use tower::ServiceExt;
use vaora_console::backend::*;
use vaora_console::{ConsoleConfig, token};
use vaora_core::FixedClock;
use vaora_core::venue::{Authority, VenueCategory};

const VENUES: usize = 100_000;
const WARDS: usize = 300;

struct Precomputed {
    rows: Vec<VenueScanCount>,
    overview: Overview,
}

fn refused() -> BackendError {
    BackendError::Invalid("not part of this bench".into())
}

impl ConsoleBackend for Precomputed {
    async fn overview(&self, _: NaiveDate, _: u32) -> Result<Overview, BackendError> {
        Ok(self.overview.clone())
    }
    async fn search_venues(&self, _: &VenueFilter) -> Result<Vec<VenueSummary>, BackendError> {
        Err(refused())
    }
    async fn venue(&self, _: &str) -> Result<VenueDetail, BackendError> {
        Err(refused())
    }
    async fn register_venue(&self, _: NewVenue) -> Result<VenueDetail, BackendError> {
        Err(refused())
    }
    async fn revoke_venue(&self, _: &str) -> Result<(), BackendError> {
        Err(refused())
    }
    async fn poster(&self, _: &str, _: PosterFormat) -> Result<Vec<u8>, BackendError> {
        Err(refused())
    }
    async fn scan_counts(&self, _: &ScanCountQuery) -> Result<Vec<VenueScanCount>, BackendError> {
        Ok(self.rows.clone())
    }
    async fn mark_case(&self, _: NewCase) -> Result<CaseSummary, BackendError> {
        Err(refused())
    }
    async fn cases(&self) -> Result<Vec<CaseSummary>, BackendError> {
        Ok(Vec::new())
    }
    async fn trace(&self, _: &str) -> Result<Trace, BackendError> {
        Err(refused())
    }
    async fn publish(&self, _: &str) -> Result<Vec<PublishedWindow>, BackendError> {
        Err(refused())
    }
    async fn published(&self) -> Result<Vec<PublishedWindow>, BackendError> {
        Ok(Vec::new())
    }
}

fn data(now: DateTime<Utc>) -> Precomputed {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rows: Vec<VenueScanCount> = (0..VENUES)
        .map(|i| {
            let r = next();
            let category = VenueCategory::ALL[i % VenueCategory::ALL.len()];
            // Most venues are scanned; 3% silent, 3% quiet.
            let scans = match r % 100 {
                0..=2 => 0,
                3..=5 => 1 + r % 3,
                _ => 20 + r % 200,
            };
            VenueScanCount {
                venue: VenueSummary {
                    id: format!("{i:032x}"),
                    name: format!("Địa điểm số {i}"),
                    category,
                    ward: format!("Phường {}", i % WARDS),
                    address: format!("{} Đường Lê Lợi", i % 500),
                    registered_at: now,
                    revoked: false,
                },
                scans,
            }
        })
        .collect();
    let today = now.date_naive();
    let overview = Overview {
        venues_by_category: VenueCategory::ALL
            .iter()
            .map(|c| (*c, (VENUES / 12) as u64))
            .collect(),
        venues_by_ward: (0..WARDS)
            .map(|w| (format!("Phường {w}"), (VENUES / WARDS) as u64))
            .collect(),
        checkins_per_day: (0..21)
            .map(|d| {
                (
                    today - chrono::Duration::days(20 - d),
                    450_000 + (d as u64) * 1000,
                )
            })
            .collect(),
        registered_devices: 2_000_000,
        open_cases: 12,
    };
    Precomputed { rows, overview }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(30);
    let now = DateTime::from_timestamp(1_795_600_000, 0).ok_or_else(|| anyhow::anyhow!("time"))?;
    let authority = Authority::test_authority();
    let config = ConsoleConfig {
        authority_keys: vec![token::verifying_key(&authority.public_key())?],
        clock: Arc::new(FixedClock::new(now)),
        secure_cookies: false,
    };
    let app = axum::Router::new().nest(
        "/console",
        vaora_console::router(Arc::new(data(now)), config),
    );
    let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1)));
    let tok = token::issue(&authority, now, 1)?;
    let mut login = Request::post("/console/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={tok}")))?;
    login.extensions_mut().insert(peer);
    let res = app.clone().oneshot(login).await?;
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("sign-in failed"))?
        .to_owned();

    let time_page = |path: &'static str| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let mut times = Vec::with_capacity(runs);
            let mut size = 0;
            for _ in 0..runs {
                let req = Request::get(path)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())?;
                let start = Instant::now();
                let res = app.clone().oneshot(req).await?;
                anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
                let body = axum::body::to_bytes(res.into_body(), 64 << 20).await?;
                times.push(start.elapsed());
                size = body.len();
            }
            anyhow::Ok((stats(times), size))
        }
    };
    println!(
        "console pages, {VENUES} venues in {WARDS} wards, {runs} runs each (release build, one core)"
    );
    let ((b50, b95), _) = time_page("/console/static/console.css").await?;
    println!("baseline  /console/static/console.css   median {b50:8.3} ms  p95 {b95:8.3} ms");
    for path in [
        "/console/compliance",
        "/console/compliance?sort=name",
        "/console",
    ] {
        let ((m50, m95), size) = time_page(path).await?;
        println!(
            "{path:<40} median {m50:8.3} ms  p95 {m95:8.3} ms  ({size} bytes, {:.0}x baseline)",
            m50 / b50.max(1e-6)
        );
    }
    Ok(())
}
