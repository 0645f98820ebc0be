//! bench-console: the ≤ 300 ms page budget of the authority console.
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-console [-- RUNS]` (default 30) for
//! the console's own share (below), and `… --bin bench-console -- --postgres [--quick]` for
//! the whole server: a throwaway PostgreSQL cluster with the server's real migrations,
//! 100,000 venues and 10,000,000 check-ins (`--quick`: 10,000 and 1,000,000) loaded server
//! side with `generate_series` (minutes, not hours), the daily aggregates filled with the
//! migration's own backfill statements, then the compliance calls alone (every venue's
//! count vs the inspection list over the rollup and over the daily sums; `--explain` prints
//! the rollup read's plan), and the
//! overview, compliance, venue search and a case's trace page timed through the real axum
//! router (`vaora_server::app`) with a signed-in session: median and p95 over RUNS requests
//! (default 20). The cluster and its data are deleted at the end.
//!
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
use vaora_protocol::clock::FixedClock;
use vaora_protocol::venue::{Authority, VenueCategory};
use vaora_tests::machine::load_average;

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
    async fn register_own_venue(
        &self,
        _: NewOwnVenue,
        _: Option<std::net::IpAddr>,
    ) -> Result<OwnVenue, BackendError> {
        Err(refused())
    }
    async fn manage_own_venue(
        &self,
        _: &str,
        _: &str,
        _: OwnerAction,
    ) -> Result<OwnerView, BackendError> {
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
    async fn venue_inspections(&self, _: &str) -> Result<Vec<FieldInspection>, BackendError> {
        Err(refused())
    }
    async fn latest_inspections(&self, _: &[String]) -> Result<Vec<FieldInspection>, BackendError> {
        // The compliance page of this bench shows venues never inspected.
        Ok(Vec::new())
    }
    async fn recent_inspections(
        &self,
        _: DateTime<Utc>,
        _: &str,
    ) -> Result<Vec<InspectedVenue>, BackendError> {
        // The compliance page of this bench has no field inspections.
        Ok(Vec::new())
    }
    async fn work_list(&self, _: &str, _: u32) -> Result<Vec<WorkListEntry>, BackendError> {
        Err(refused())
    }
    async fn inspectors(&self) -> Result<Vec<InspectorEntry>, BackendError> {
        Err(refused())
    }
    async fn new_inspector_code(&self) -> Result<InspectorCode, BackendError> {
        Err(refused())
    }
    async fn withdraw_inspector(&self, _: &str) -> Result<(), BackendError> {
        Err(refused())
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
                    self_registered: false,
                    contact: String::new(),
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: Option<usize> = args
        .iter()
        .find(|a| !a.starts_with("--") && !a.starts_with("postgres://"))
        .map(|s| s.parse())
        .transpose()?;
    if args.iter().any(|a| a == "--postgres") {
        let quick = args.iter().any(|a| a == "--quick");
        let explain = args.iter().any(|a| a == "--explain");
        let hold = args.iter().any(|a| a == "--hold");
        // `--url URL`: time an already loaded database (e.g. one held with `--hold`).
        let url = args
            .iter()
            .position(|a| a == "--url")
            .and_then(|i| args.get(i + 1))
            .cloned();
        return postgres::run(quick, explain, hold, url, runs.unwrap_or(20)).await;
    }
    let runs = runs.unwrap_or(30);
    let now = DateTime::from_timestamp(1_795_600_000, 0).ok_or_else(|| anyhow::anyhow!("time"))?;
    let authority = vaora_protocol::testing::test_authority();
    let config = ConsoleConfig {
        authority_keys: vec![token::verifying_key(&authority.public_key())?],
        clock: Arc::new(FixedClock::new(now)),
        secure_cookies: false,
        trusted_proxies: Vec::new(),
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

/// The whole server on PostgreSQL at the issue's scale.
mod postgres {
    use super::*;
    use vaora_server::compliance::inspection;
    use vaora_server::storage::postgres::{AGGREGATE_BACKFILL, peer_counts_sql};
    use vaora_server::storage::{CaseRow, ScanWindow, Storage, day_of_ms};
    use vaora_server::{AuthorityKey, Database, Limits, PgStore, ServerConfig};

    const WARDS: i64 = 300;

    async fn exec(
        pool: &sqlx::PgPool,
        what: &str,
        sql: &'static str,
        args: &[i64],
    ) -> anyhow::Result<()> {
        let start = Instant::now();
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(*a);
        }
        q.execute(pool).await?;
        println!("  {what}: {:.1} s", start.elapsed().as_secs_f64());
        Ok(())
    }

    /// Median and p95 (ms) of `runs` calls after one warm-up, and the last call's result.
    async fn time_calls<F, Fut>(runs: usize, call: F) -> anyhow::Result<(f64, f64, usize)>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<usize>>,
    {
        let mut times = Vec::with_capacity(runs);
        let mut last = call().await?;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            last = call().await?;
            times.push(start.elapsed());
        }
        let (m50, m95) = stats(times);
        Ok((m50, m95, last))
    }

    pub async fn run(
        quick: bool,
        explain: bool,
        hold: bool,
        existing: Option<String>,
        runs: usize,
    ) -> anyhow::Result<()> {
        let (venues, checkins, devices): (i64, i64, i64) = if quick {
            (10_000, 1_000_000, 100_000)
        } else {
            (100_000, 10_000_000, 1_000_000)
        };
        println!(
            "bench-console --postgres{}: {venues} venues, {checkins} check-ins, {devices} devices; {} UTC, load average {}",
            if quick { " --quick" } else { "" },
            Utc::now().format("%Y-%m-%d %H:%M"),
            load_average()
        );
        let cluster = match existing {
            Some(_) => None,
            None => Some(vaora_tests::pg::PgCluster::start().map_err(anyhow::Error::msg)?),
        };
        let url = match (&cluster, existing) {
            (Some(c), _) => c.url(),
            (None, Some(url)) => url,
            (None, None) => anyhow::bail!("no database"),
        };
        let store = PgStore::connect(&url).await?;
        let pool = store.pool().clone();
        let now_ms = Utc::now().timestamp_millis();
        let load = Instant::now();
        if cluster.is_some() {
            println!("loading (server side, generate_series):");
            // 1 in 1,000 venues revoked; check-ins go to the first 97% only, so 3% never scan.
            exec(
            &pool,
            "venues",
            "INSERT INTO venues (id, name, category, ward, address, code_text, registered_at, revoked_at)
             SELECT decode(md5('venue' || g), 'hex'), 'Địa điểm số ' || g, 1 + g % 12,
                    'Phường ' || (g % $2), (g % 500) || ' Đường Lê Lợi', 'VV1:BENCH',
                    $3 - g * 1000, CASE WHEN g % 1000 = 0 THEN $3 END
             FROM generate_series(1, $1) g",
            &[venues, WARDS, now_ms],
        )
        .await?;
            exec(
                &pool,
                "devices",
                "INSERT INTO devices (id, public_key, registered_at)
             SELECT decode(md5('d' || g), 'hex'), decode(md5('k' || g) || md5('K' || g), 'hex'), $2
             FROM generate_series(1, $1) g",
                &[devices, now_ms],
            )
            .await?;
            // Bulk-load practice: the secondary indexes of `records`, where check-ins are
            // stored (exactly as the migrations made them, read back from pg_indexes), are
            // dropped and rebuilt after the load.
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT indexname::text, indexdef FROM pg_indexes
             WHERE tablename = 'records' AND indexname <> 'records_pkey'",
            )
            .fetch_all(&pool)
            .await?;
            for (name, _) in &indexes {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
                    .execute(&pool)
                    .await?;
            }
            let active = venues * 97 / 100;
            let chunk = 1_000_000.min(checkins);
            let mut first = 1;
            while first <= checkins {
                let last = (first + chunk - 1).min(checkins);
                exec(
                &pool,
                &format!("check-ins {first}..={last}"),
                // A check-in is one `records` row with its stay (migration 5); the body
                // and signature are filler of a real record's size (~180 + 64 bytes).
                "INSERT INTO records (id, device_id, kind, body, signature, received_at,
                                      person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
                 SELECT decode(md5('c' || g), 'hex'), decode(md5('d' || x.d), 'hex'), 1,
                        decode(repeat(md5('b' || g), 11), 'hex'), decode(repeat(md5('s' || g), 4), 'hex'), x.f,
                        decode(md5('p' || x.d), 'hex'), 'Trần Thị Bình',
                        decode(md5('venue' || x.v), 'hex'), 'Địa điểm số ' || x.v, x.f, x.f + 2700000, -1
                 FROM generate_series($1, $2) g,
                      LATERAL (SELECT 1 + floor(random() * $3)::bigint + 0 * g AS v,
                                      1 + floor(random() * $4)::bigint + 0 * g AS d,
                                      $5 - floor(random() * 28 * 86400000)::bigint + 0 * g AS f) x",
                &[first, last, active, devices, now_ms],
            )
            .await?;
                first = last + 1;
            }
            let (odd, used): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE until_ms - from_ms <> 2700000), count(DISTINCT venue_id) FROM checkins",
        )
        .fetch_one(&pool)
        .await?;
            anyhow::ensure!(
                odd == 0 && used > active * 9 / 10,
                "bulk load went wrong: {odd} stays of the wrong length, {used} venues used"
            );
            let start = Instant::now();
            for (_, def) in &indexes {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "SET maintenance_work_mem = '512MB'; {def}"
                )))
                .execute(&pool)
                .await?;
            }
            println!(
                "  rebuilt {} check-in indexes: {:.1} s",
                indexes.len(),
                start.elapsed().as_secs_f64()
            );
            let start = Instant::now();
            sqlx::raw_sql(AGGREGATE_BACKFILL).execute(&pool).await?;
            println!(
                "  daily aggregates (migration 2's backfill): {:.1} s",
                start.elapsed().as_secs_f64()
            );
        } else {
            println!("using the loaded database at {url} (migrations applied)");
        }
        // The per-venue rollup: what the server's keeper task does at startup and just
        // after each UTC midnight (never a request).
        let today = day_of_ms(now_ms);
        let start = Instant::now();
        store.rebuild_scan_rollup(today).await?;
        println!(
            "  per-venue rollup re-base (background keeper: startup and each UTC midnight): {:.1} s",
            start.elapsed().as_secs_f64()
        );
        exec(&pool, "VACUUM ANALYZE", "VACUUM ANALYZE", &[]).await?;
        let size: String =
            sqlx::query_scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
                .fetch_one(&pool)
                .await?;
        println!(
            "loaded in {:.0} s, database {size}",
            load.elapsed().as_secs_f64()
        );
        if hold {
            // For trying statements by hand (psql) on the loaded data: the cluster stays up
            // until the marker file is removed, then the timing goes on as usual.
            let marker =
                std::env::temp_dir().join(format!("bench-console-hold-{}", std::process::id()));
            std::fs::write(&marker, &url)?;
            println!("holding: {url}; remove {} to go on", marker.display());
            while marker.exists() {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }

        // Where the compliance page's time goes, server calls alone (no page): every active
        // venue with its count, against the inspection list (narrow counts, the rule in
        // Rust, the flagged venues read back), over the rollup and over the daily
        // aggregates (a window ending yesterday: what requests get while the keeper
        // re-bases just after midnight).
        println!("store calls, {runs} runs each after one warm-up (14-day window):");
        let window = |from_day, to_day| ScanWindow {
            from_day,
            to_day,
            ward: String::new(),
            category: None,
        };
        let (on_rollup, summed) = (window(today - 13, today), window(today - 14, today - 1));
        let all_counts = || store.venue_scan_counts(&on_rollup);
        let in_rust = || inspection(&store, &on_rollup);
        let in_rust_summed = || inspection(&store, &summed);
        let (m50, m95, n) = time_calls(runs, || async { Ok(all_counts().await?.len()) }).await?;
        println!(
            "  venue_scan_counts (rollup, every venue)      median {m50:8.1} ms  p95 {m95:8.1} ms  ({n} rows)"
        );
        let (m50, m95, n) =
            time_calls(runs, || async { Ok(in_rust().await?.flagged.len()) }).await?;
        println!(
            "  inspection (rollup, rule in Rust)            median {m50:8.1} ms  p95 {m95:8.1} ms  ({n} rows)"
        );
        let (m50, m95, n) = time_calls(runs.min(5), || async {
            Ok(in_rust_summed().await?.flagged.len())
        })
        .await?;
        println!(
            "  inspection (daily sums, rule in Rust)        median {m50:8.1} ms  p95 {m95:8.1} ms  ({n} rows, {} runs)",
            runs.min(5)
        );
        if explain {
            let sql = peer_counts_sql(14);
            let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "EXPLAIN (ANALYZE, BUFFERS) {sql}"
            )))
            .bind("")
            .bind(None::<i64>)
            .fetch_all(&pool)
            .await?;
            println!("EXPLAIN ANALYZE of the inspection's rollup read (14 days):");
            for line in plan {
                println!("    {line}");
            }
        }

        // A case on device 1 over the last 14 days, marked through the store.
        let case_device = vaora_protocol::ids::Id128::from_slice(
            &sqlx::query_scalar::<_, Vec<u8>>("SELECT decode(md5('d1'), 'hex')")
                .fetch_one(&pool)
                .await?,
        )?;
        let case = CaseRow {
            id: vaora_protocol::ids::Id128::random()?,
            device_id: case_device,
            person_id: None,
            from_ms: now_ms - 14 * 86_400_000,
            until_ms: now_ms,
            created_ms: now_ms,
            card: None,
        };
        store.create_case(case.clone()).await?;

        let dir = tempfile::tempdir()?;
        let authority_dir = dir.path().join("authority");
        let authority = AuthorityKey::load_or_create(&authority_dir)?;
        let signer = Authority::load_dir(&authority_dir)?;
        let config = ServerConfig {
            listen: "127.0.0.1:0".into(),
            database: Database::Postgres(url.clone()),
            replica: None,
            console: Default::default(),
            attestation: Default::default(),
            authority_dir: authority_dir.clone(),
            limits: Limits::default(),
        };
        let app = vaora_server::app(store, authority, &config)?;
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1)));
        let tok = token::issue(&signer, Utc::now(), 1)?;
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
        let time_page = |path: String| {
            let app = app.clone();
            let cookie = cookie.clone();
            async move {
                let mut times = Vec::with_capacity(runs);
                let mut size = 0;
                // One warm-up request (plans, caches), then the timed runs.
                for i in 0..=runs {
                    let req = Request::get(path.as_str())
                        .header(header::COOKIE, &cookie)
                        .body(Body::empty())?;
                    let start = Instant::now();
                    let res = app.clone().oneshot(req).await?;
                    anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
                    let body = axum::body::to_bytes(res.into_body(), 64 << 20).await?;
                    if i > 0 {
                        times.push(start.elapsed());
                    }
                    size = body.len();
                }
                anyhow::Ok((stats(times), size))
            }
        };
        println!(
            "pages through the real router, {runs} runs each after one warm-up (release build):"
        );
        let ((b50, b95), _) = time_page("/console/static/console.css".into()).await?;
        println!(
            "  baseline /console/static/console.css      median {b50:8.3} ms  p95 {b95:8.3} ms"
        );
        for path in [
            "/console".to_owned(),
            "/console/compliance".to_owned(),
            "/console/compliance?days=21&sort=name".to_owned(),
            "/console/compliance?sort=scans&dir=desc&page=2".to_owned(),
            "/console/compliance?ward=Ph%C6%B0%E1%BB%9Dng%2017".to_owned(),
            "/console/venues?q=s%E1%BB%91%2012345".to_owned(),
            "/console/venues".to_owned(),
            format!("/console/cases/{}", case.id.to_hex()),
        ] {
            let ((m50, m95), size) = time_page(path.clone()).await?;
            let shown = if path.starts_with("/console/cases/") {
                "/console/cases/{id} (trace)".to_owned()
            } else {
                path.clone()
            };
            println!(
                "  {shown:<44} median {m50:8.1} ms  p95 {m95:8.1} ms  ({size} bytes){}",
                if m95 > 300.0 { "  OVER 300 ms" } else { "" }
            );
        }
        // The next midnight's re-base (PostgreSQL: a one-day shift of the columns), the
        // time ingest is held; it moves the rollup off today, so it comes last.
        let keeper = PgStore::connect(&url).await?;
        let start = Instant::now();
        keeper.rebase_scan_rollup(today + 1).await?;
        println!(
            "  daily re-base one day on (background keeper, ingest held meanwhile): {:.1} s",
            start.elapsed().as_secs_f64()
        );
        println!("load average at the end {}", load_average());
        drop(cluster);
        Ok(())
    }
}
