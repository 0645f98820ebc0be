//! Sync and server benchmarks, printed as figures (run with `--release`):
//!
//! 1. upload of 10,000 queued records from a phone diary on loopback: total time and bytes
//!    on the wire per record (through a counting proxy, HTTP headers included);
//! 2. server ingest with signature verification (HTTP, batches of 1,000), records/s, on
//!    SQLite and PostgreSQL, with batch signature verification alone as the baseline; and
//!    (`--only ingest-staff`) the same with one record in five a staff check-in whose card
//!    number ingest unseals and links;
//! 3. the tracing query for one case among 1,000,000 stored check-ins (SQLite and
//!    PostgreSQL), and for a card holder's case in the same store;
//! 4. exposure matching of 100,000 windows against 5,000 local stays.
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-sync [-- --quick] [--only PART]`. `--quick` (a few
//! minutes) stores 200,000 check-ins for the tracing query and ingests 3 rounds of 10,000
//! records per backend (full: 3 rounds of 30,000), quoting the median round;
//! VAORA_BENCH_CHECKINS overrides the check-in count. The stored check-ins for the tracing
//! query are bulk-loaded in SQL (one statement, server side), not through HTTP: loading is
//! not what is measured; the case's own stays go in through the store's real insert path.

use std::time::{Duration, Instant};

use chrono::Duration as Span;
use vaora_core::sync::client::{self, CancelToken, SyncOptions};
use vaora_protocol::cards::cccd::CccdCard;
use vaora_protocol::cards::{CardHashKey, CardNumber, CardProfile};
use vaora_protocol::declare::StaffCheckInBody;
use vaora_protocol::exposure::{LocalStay, match_windows};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, CheckInMethod, RecordKind, SignedRecord};
use vaora_protocol::wire::{
    self, CBOR_CONTENT_TYPE, DEVICE_SCHEME, ExposureWindow, RegisterRequest,
};
use vaora_server::storage::{CaseCard, CaseRow, CheckInRow, Derived, NewRecord, RecordedBy};
use vaora_server::{Limits, Storage};
use vaora_tests::machine::{cpu_seconds, load_average, proc_cpu};
use vaora_tests::proxy::{FaultProxy, Rng};
use vaora_tests::sync_fixture::{Backend, Phone, ServerFixture, base_time, venue};

type Res<T> = Result<T, String>;

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let p95 = v[(v.len() * 95 / 100).min(v.len() - 1)];
    (v[v.len() / 2], p95)
}

fn limits() -> Limits {
    Limits {
        rate_burst: 1e9,
        rate_per_second: 1e9,
        ..Limits::default()
    }
}

fn checkin_record(
    identity: &DeviceIdentity,
    at: chrono::DateTime<chrono::Utc>,
    venue_id: Id128,
) -> Res<SignedRecord> {
    let mut v = venue("Quán cơm Bình Dân").map_err(|e| e.to_string())?;
    v.id = Some(venue_id);
    let body = CheckInBody {
        id: Id128::random().map_err(|e| e.to_string())?,
        person_id: Id128::random().map_err(|e| e.to_string())?,
        person_name: "Nguyễn Văn An".into(),
        venue: v,
        method: CheckInMethod::ScannedVenueCode,
        checked_in_at: at,
        checked_out_at: Some(at + Span::minutes(45)),
    };
    Ok(identity.sign_record(RecordKind::CheckIn, body.encode()))
}

/// A synthetic CCCD card (a man born 1948): the visitor of the staff check-ins.
const VISITOR_CCCD: &str = "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hai Bà Trưng, Hà Nội|20052021";

/// A staff check-in of a CCCD card holder, its number sealed to `authority` (the server's:
/// the venue code names its key, so ingest opens the seal and links the card), as a staff
/// desk at `venue_id` records it: the worst case for ingest's CPU.
fn staff_record(
    identity: &DeviceIdentity,
    authority: &vaora_protocol::venue::Authority,
    at: chrono::DateTime<chrono::Utc>,
    venue_id: Id128,
) -> Res<SignedRecord> {
    let mut v = venue("Chợ Bến Thành").map_err(|e| e.to_string())?;
    v.id = Some(venue_id);
    v.issuer_key_id = Some(authority.key_id().to_hex());
    let card = CccdCard::parse(VISITOR_CCCD, at.date_naive()).map_err(|e| e.to_string())?;
    let profile = CardProfile::from_cccd(&card, &CardHashKey::from_bytes([5; 32]), false);
    let ids = (
        Id128::random().map_err(|e| e.to_string())?,
        Id128::random().map_err(|e| e.to_string())?,
    );
    let sealed = CardNumber::parse(&card.id_number)
        .map_err(|e| e.to_string())?
        .seal(&authority.verifying_key(), &ids.0)
        .map_err(|e| e.to_string())?;
    let mut body = StaffCheckInBody::from_card(ids, &profile, v, at, Some(sealed));
    body.checkin.checked_out_at = Some(at + Span::minutes(45));
    Ok(body.sign(identity))
}

async fn upload_10k() -> Res<()> {
    let server = ServerFixture::start_with(Backend::Sqlite, limits()).await?;
    let proxy = FaultProxy::start(server.addr(), 1)
        .await
        .map_err(|e| e.to_string())?;
    let t0 = base_time();
    let phone = Phone::new(t0 + Span::hours(3)).map_err(|e| e.to_string())?;
    let shop = venue("Phở Thìn").map_err(|e| e.to_string())?;
    let owner = phone.owner();
    let mut at = t0 - Span::hours(24 * 10);
    for _ in 0..5_000 {
        phone
            .stay(&[owner], &shop, at, at + Span::minutes(1))
            .map_err(|e| e.to_string())?;
        at += Span::minutes(2);
    }
    let pending = phone
        .lock()
        .outbox_counts()
        .map_err(|e| e.to_string())?
        .pending;
    let opts = SyncOptions {
        server: Some(proxy.url()),
        batch_size: 1000,
        ..SyncOptions::default()
    };
    client::register(&phone.diary, &server.url(), &opts)
        .await
        .map_err(|e| e.to_string())?;
    let before = proxy.bytes_forwarded();
    let start = Instant::now();
    let report = client::sync(&phone.diary, &opts, &|_| {}, &CancelToken::new())
        .await
        .map_err(|e| e.to_string())?;
    let took = start.elapsed();
    let bytes = proxy.bytes_forwarded() - before;
    println!(
        "upload: {} queued records ({} accepted) from an encrypted diary, SQLite server, batches of 1000: total {:.3} s (goal < 1 s), {:.0} records/s",
        pending,
        report.uploaded,
        took.as_secs_f64(),
        pending as f64 / took.as_secs_f64()
    );
    println!(
        "upload: bytes on the wire {} = {:.1} per record both directions, HTTP headers and the key/exposure downloads included (goal <= 250)",
        bytes,
        bytes as f64 / pending as f64
    );
    Ok(())
}

async fn postmaster_of(db: &vaora_server::Database) -> Res<Option<u32>> {
    let vaora_server::Database::Postgres(url) = db else {
        return Ok(None);
    };
    let store = vaora_server::PgStore::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .map_err(|e| e.to_string())?;
    Ok(proc_cpu(&pid.to_string()).map(|c| c.1))
}

/// One signed `POST /v1/records` on a reused client (a phone keeps its connection; a new
/// client per request would also load the TLS root store each time, which is client
/// cost, not server cost).
async fn post_batch(
    http: &reqwest::Client,
    url: &str,
    device: &str,
    identity: &DeviceIdentity,
    body: Vec<u8>,
) -> Res<Vec<u8>> {
    let path = "/v1/records";
    let ts = chrono::Utc::now().timestamp_millis();
    let sig = identity.sign_bytes(&wire::request_signing_input("POST", path, ts, &body));
    let resp = http
        .post(format!("{url}{path}"))
        .header(
            reqwest::header::AUTHORIZATION,
            wire::RequestAuth::header_value(DEVICE_SCHEME, device, ts, &sig),
        )
        .header(reqwest::header::CONTENT_TYPE, CBOR_CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != 200 {
        return Err(format!("upload answered {}", resp.status()));
    }
    Ok(resp.bytes().await.map_err(|e| e.to_string())?.to_vec())
}

/// Ingest on one backend: `rounds` rounds of `n` new records each (100 venues, two weeks
/// of check-in times) into the same server, in batches of 1000, one request at a time.
/// CPU is read from /proc before and after each round: this whole process (the server
/// *and* the benchmark's HTTP client, which is small but not separated) plus, on
/// PostgreSQL, every process of the throwaway cluster (backends, WAL writer,
/// checkpointer, autovacuum). The figure is records per CPU-second of all of that.
///
/// With `staff_every = Some(k)`, every k-th record is a staff check-in of a CCCD card
/// holder with the number sealed to the server ([`staff_record`]), the others check-ins.
async fn ingest(backend: Backend, n: usize, rounds: usize, staff_every: Option<usize>) -> Res<()> {
    let server = ServerFixture::start_with(backend, limits()).await?;
    let authority = server.authority_key()?;
    let label = match staff_every {
        Some(k) => format!("{backend:?} with staff check-ins (1 in {k}, sealed CCCD numbers)"),
        None => format!("{backend:?}"),
    };
    let url = server.url();
    let identity = DeviceIdentity::generate().map_err(|e| e.to_string())?;
    let pk = identity.public_key();
    let req = RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(identity.sign_bytes(&RegisterRequest::proof_input(&pk))),
        attestation: None,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{url}/v1/devices"))
        .body(serde_json::to_vec(&req).map_err(|e| e.to_string())?)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let reg: wire::RegisterResponse =
        serde_json::from_slice(&resp.bytes().await.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let device = reg.device_id.to_hex();
    let postmaster = postmaster_of(&server.database).await?;
    let t0 = base_time();
    let venues: Vec<Id128> = (0..100)
        .map(|_| Id128::random())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut per_cpu = Vec::new();
    let mut per_wall = Vec::new();
    let mut verify_rates = Vec::new();
    let mut detail = String::new();
    for round in 0..rounds {
        let records: Vec<SignedRecord> = (0..n)
            .map(|i| {
                let k = round * n + i;
                let at = t0 - Span::minutes(k as i64 % 20_000);
                match staff_every {
                    Some(every) if k.is_multiple_of(every) => staff_record(
                        &identity,
                        authority.authority(),
                        at,
                        venues[k % venues.len()],
                    ),
                    _ => checkin_record(&identity, at, venues[k % venues.len()]),
                }
            })
            .collect::<Res<_>>()?;
        // Baseline: batch signature verification alone, same records, same process.
        let start = Instant::now();
        for chunk in records.chunks(1000) {
            let msgs: Vec<Vec<u8>> = chunk
                .iter()
                .map(|r| SignedRecord::signing_input(r.kind, &r.body))
                .collect();
            let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
            let sigs: Vec<_> = chunk
                .iter()
                .map(|r| ed25519_dalek::Signature::from_bytes(&r.signature))
                .collect();
            let keys: Vec<_> = chunk.iter().map(|_| identity.verifying_key()).collect();
            ed25519_dalek::verify_batch(&refs, &sigs, &keys).map_err(|e| e.to_string())?;
        }
        verify_rates.push(n as f64 / start.elapsed().as_secs_f64());
        let bodies: Vec<Vec<u8>> = records.chunks(1000).map(wire::encode_upload).collect();
        let cpu_before = cpu_seconds(postmaster);
        let start = Instant::now();
        for body in bodies {
            let answer = post_batch(&http, &url, &device, &identity, body).await?;
            let statuses = wire::decode_upload_answer(&answer).map_err(|e| e.to_string())?;
            if statuses.iter().any(|s| *s != wire::RecordStatus::Accepted) {
                return Err("a new record was not accepted".into());
            }
        }
        let took = start.elapsed();
        let cpu_after = cpu_seconds(postmaster);
        let (own, pg) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
        per_cpu.push(n as f64 / (own + pg).max(0.01));
        per_wall.push(n as f64 / took.as_secs_f64());
        detail.push_str(&format!(
            " [{:.0}/CPU-s: {own:.2} s process + {pg:.2} s PostgreSQL]",
            n as f64 / (own + pg).max(0.01)
        ));
    }
    let stored = server.record_count().await?;
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (cpu_rate, wall, vrate) = (med(per_cpu), med(per_wall), med(verify_rates));
    println!(
        "ingest {label}: {rounds} rounds of {n} new records ({stored} stored) over HTTP in batches of 1000, one request at a time; median {wall:.0} records/s wall; baseline verify_batch alone {vrate:.0} records/s (ratio {:.2})",
        wall / vrate
    );
    println!(
        "ingest {label}: median {cpu_rate:.0} records per CPU-second (goal >= 20000 per core), counting this process (server + HTTP client) and all PostgreSQL processes;{detail}"
    );
    Ok(())
}

/// Loads `n` check-ins of strangers at 5,000 venues over 21 days, server side, in one
/// transaction; returns 12 of the venue ids used.
async fn bulk_checkins(db: &vaora_server::Database, n: usize, base_ms: i64) -> Res<Vec<Id128>> {
    let span_min: i64 = 21 * 24 * 60;
    let venue_ids: Vec<Vec<u8>> = match db {
        vaora_server::Database::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || -> Res<Vec<Vec<u8>>> {
                let mut conn = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
                let tx = conn.transaction().map_err(|e| e.to_string())?;
                tx.execute_batch(
                    "CREATE TEMP TABLE bench_venues (n INTEGER PRIMARY KEY, id BLOB NOT NULL);
                     WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 4999)
                     INSERT INTO bench_venues SELECT i, randomblob(16) FROM s;",
                )
                .map_err(|e| e.to_string())?;
                tx.execute(
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?1),
                     x AS MATERIALIZED (SELECT abs(random()) % 5000 AS v, ?2 + (abs(random()) % ?3) * 60000 AS f FROM s)
                     INSERT INTO checkins (id, device_id, person_id, person_name, venue_id, venue_name, from_ms, until_ms)
                     SELECT randomblob(16), randomblob(16), randomblob(16), 'Trần Thị Bình',
                            (SELECT id FROM bench_venues b WHERE b.n = x.v), 'Chợ', x.f, x.f + 3600000 FROM x",
                    rusqlite::params![n as i64, base_ms, span_min],
                )
                .map_err(|e| e.to_string())?;
                let ids = {
                    let mut st = tx
                        .prepare("SELECT id FROM bench_venues ORDER BY n LIMIT 12")
                        .map_err(|e| e.to_string())?;
                    st.query_map([], |r| r.get::<_, Vec<u8>>(0))
                        .map_err(|e| e.to_string())?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())?
                };
                let odd: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM checkins WHERE until_ms - from_ms <> 3600000",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(|e| e.to_string())?;
                if odd != 0 {
                    return Err(format!("bulk load made {odd} stays of the wrong length"));
                }
                tx.commit().map_err(|e| e.to_string())?;
                conn.execute_batch("ANALYZE").map_err(|e| e.to_string())?;
                Ok(ids)
            })
            .await
            .map_err(|e| e.to_string())??
        }
        vaora_server::Database::Postgres(url) => {
            let store = vaora_server::PgStore::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            let pool = store.pool();
            sqlx::query(
                // A check-in is one `records` row with its stay (migration 5); the body
                // and signature are filler of a real record's size (~180 + 64 bytes).
                "INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms,
                                      person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
                 SELECT decode(md5('c' || g), 'hex'), decode(md5('d' || g), 'hex'), 1,
                        decode(repeat(md5('b' || g), 11), 'hex'), decode(repeat(md5('s' || g), 4), 'hex'), x.f, x.f,
                        decode(md5('p' || g), 'hex'),
                        'Trần Thị Bình', decode(md5('v' || x.v), 'hex'), 'Chợ', x.f, x.f + 3600000, -1
                 FROM generate_series(1, $1::bigint) g,
                      LATERAL (SELECT floor(random() * 5000)::int + 0 * g AS v,
                                      $2::bigint + floor(random() * $3::bigint)::bigint * 60000 + 0 * g AS f) x",
            )
            .bind(n as i64)
            .bind(base_ms)
            .bind(span_min)
            .execute(pool)
            .await
            .map_err(|e| e.to_string())?;
            let odd: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM checkins WHERE until_ms - from_ms <> 3600000",
            )
            .fetch_one(pool)
            .await
            .map_err(|e| e.to_string())?;
            let distinct: i64 = sqlx::query_scalar("SELECT count(DISTINCT venue_id) FROM checkins")
                .fetch_one(pool)
                .await
                .map_err(|e| e.to_string())?;
            if odd != 0 || distinct < 4_000.min(n as i64 / 10) {
                return Err(format!(
                    "bulk load went wrong: {odd} stays of the wrong length, {distinct} venues"
                ));
            }
            sqlx::query("ANALYZE records")
                .execute(pool)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query_scalar("SELECT decode(md5('v' || k), 'hex') FROM generate_series(0, 11) k")
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?
        }
    };
    venue_ids
        .iter()
        .map(|b| Id128::from_slice(b).map_err(|e| e.to_string()))
        .collect()
}

async fn tracing(backend: Backend, n: usize) -> Res<()> {
    let server = ServerFixture::start_with(backend, limits()).await?;
    let t0 = base_time();
    let base_ms = (t0 - Span::days(21)).timestamp_millis();
    let span_min = 21 * 24 * 60;
    let store_kind = server.database.clone();
    let start = Instant::now();
    let venues = bulk_checkins(&store_kind, n, base_ms).await?;
    // The case: one device with 12 one-hour stays at 12 of those venues, through the
    // store's own insert path.
    let mut rng = Rng::new(99);
    let case_device = Id128::random().map_err(|e| e.to_string())?;
    let mut case_rows = Vec::new();
    for venue in &venues {
        let from = base_ms + (rng.below(span_min) as i64) * 60_000;
        let id = Id128::random().map_err(|e| e.to_string())?;
        case_rows.push(NewRecord {
            id,
            device_id: case_device,
            kind: 1,
            body: id.as_bytes().to_vec(),
            signature: [0u8; 64],
            received_ms: from,
            at_ms: from,
            derived: Derived::CheckIn(CheckInRow::own(
                id,
                case_device,
                case_device,
                "Phạm Văn Dũng".into(),
                Some(*venue),
                "Chợ".into(),
                from,
                from + 60 * 60 * 1000,
            )),
        });
    }
    let stays = case_rows.len();
    let store = AnyStore::open(&store_kind).await?;
    store.insert(case_rows).await?;
    let load = start.elapsed();
    let case = CaseRow {
        id: Id128::random().map_err(|e| e.to_string())?,
        device_id: case_device,
        person_id: None,
        from_ms: base_ms,
        until_ms: base_ms + span_min as i64 * 60_000 + 3_600_000,
        created_ms: base_ms,
        card: None,
    };
    let mut times = Vec::new();
    let mut contacts = 0;
    for _ in 0..7 {
        let s = Instant::now();
        contacts = store.trace(&case).await?;
        times.push(s.elapsed());
    }
    let (med, p95) = median(times);
    println!(
        "tracing {backend:?}: {} stored check-ins at 5000 venues over 21 days (bulk-loaded in {:.1} s); one case with {stays} stays: {contacts} contacts, median {:.2} ms, p95 {:.2} ms (7 runs)",
        n + stays,
        load.as_secs_f64(),
        med.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );

    // A card holder's case: 12 visits staff recorded from one card, on 12 staff devices,
    // at the same venues, found by the card's link (issue 17), in the same store.
    let link = [0x4c; 32];
    let mut card_rows = Vec::new();
    for venue in &venues {
        let from = base_ms + (rng.below(span_min) as i64) * 60_000;
        let id = Id128::random().map_err(|e| e.to_string())?;
        let staff_device = Id128::random().map_err(|e| e.to_string())?;
        card_rows.push(NewRecord {
            id,
            device_id: staff_device,
            kind: 4,
            body: id.as_bytes().to_vec(),
            signature: [0u8; 64],
            received_ms: from,
            at_ms: from,
            derived: Derived::CheckIn(CheckInRow {
                recorded_by: RecordedBy::StaffFromCccd,
                birth_year: Some(1948),
                card_link: Some(link),
                sealed_card: Some(vec![0; 61]),
                ..CheckInRow::own(
                    id,
                    staff_device,
                    Id128::random().map_err(|e| e.to_string())?,
                    "Nguyễn Văn Đường".into(),
                    Some(*venue),
                    "Chợ".into(),
                    from,
                    from + 60 * 60 * 1000,
                )
            }),
        });
    }
    store.insert(card_rows).await?;
    let card_case = CaseRow {
        device_id: Id128::from_bytes([0; 16]),
        card: Some(CaseCard { link, kind: 1 }),
        ..case
    };
    let mut times = Vec::new();
    for _ in 0..7 {
        let s = Instant::now();
        contacts = store.trace(&card_case).await?;
        times.push(s.elapsed());
    }
    let (med, p95) = median(times);
    println!(
        "tracing {backend:?} card holder: the same store; a case by card link with {stays} visits staff recorded on {stays} devices: {contacts} contacts, median {:.2} ms, p95 {:.2} ms (7 runs; goal <= 10 ms median on PostgreSQL)",
        med.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    Ok(())
}

/// The server's store, opened once (connecting is not what the tracing figure measures).
enum AnyStore {
    Sqlite(vaora_server::SqliteStore),
    Postgres(vaora_server::PgStore),
}

impl AnyStore {
    async fn open(db: &vaora_server::Database) -> Res<Self> {
        Ok(match db {
            vaora_server::Database::Sqlite(p) => {
                Self::Sqlite(vaora_server::SqliteStore::open(p).map_err(|e| e.to_string())?)
            }
            vaora_server::Database::Postgres(u) => Self::Postgres(
                vaora_server::PgStore::connect(u)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
        })
    }

    async fn insert(&self, rows: Vec<NewRecord>) -> Res<()> {
        match self {
            Self::Sqlite(s) => s.insert_records(rows).await,
            Self::Postgres(s) => s.insert_records(rows).await,
        }
        .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn trace(&self, case: &CaseRow) -> Res<usize> {
        Ok(match self {
            Self::Sqlite(s) => s.trace(case).await,
            Self::Postgres(s) => s.trace(case).await,
        }
        .map_err(|e| e.to_string())?
        .len())
    }
}

fn matching() -> Res<()> {
    let mut rng = Rng::new(7);
    let venues: Vec<Id128> = (0..20_000)
        .map(|_| Id128::random())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let base = base_time().timestamp_millis();
    let span = 21 * 24 * 3_600_000u64;
    let windows: Vec<ExposureWindow> = (0..100_000)
        .map(|_| {
            let from = base - rng.below(span) as i64;
            Ok(ExposureWindow {
                id: Id128::random().map_err(|e| e.to_string())?,
                venue_id: venues[rng.below(venues.len() as u64) as usize],
                from: wire::from_millis(from),
                until: wire::from_millis(from + 3_600_000),
                level: 2,
                key_id: String::new(),
                signature: String::new(),
            })
        })
        .collect::<Res<_>>()?;
    let stays: Vec<LocalStay> = (0..5_000)
        .map(|_| {
            let from = base - rng.below(span) as i64;
            Ok(LocalStay {
                checkin_id: Id128::random().map_err(|e| e.to_string())?,
                person_id: Id128::random().map_err(|e| e.to_string())?,
                person_name: "Lê Văn Cường".into(),
                venue_id: venues[rng.below(venues.len() as u64) as usize],
                venue_name: "Siêu thị".into(),
                from_ms: from,
                until_ms: from + 2_700_000,
            })
        })
        .collect::<Res<_>>()?;
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..7 {
        let s = Instant::now();
        found = match_windows(&windows, &stays).len();
        times.push(s.elapsed());
    }
    let (med, p95) = median(times);
    println!(
        "matching: 100000 windows x 5000 local stays (20000 venues): {found} alerts, median {:.2} ms, p95 {:.2} ms",
        med.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    Ok(())
}

async fn run() -> Res<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let n: usize = std::env::var("VAORA_BENCH_CHECKINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 200_000 } else { 1_000_000 });
    let (ingest_n, ingest_rounds) = if quick { (10_000, 3) } else { (30_000, 3) };
    println!(
        "bench-sync{} at {} UTC, load average {}",
        if quick { " --quick" } else { "" },
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        load_average()
    );
    // `--only matching|upload|ingest|ingest-sqlite|ingest-postgres|ingest-staff|tracing`
    // runs one part (`ingest-staff`: plain and with staff check-ins, both backends;
    // `ingest-staff-sqlite` / `ingest-staff-postgres`: the same on one backend).
    let args: Vec<String> = std::env::args().collect();
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if part("matching") {
        matching()?;
    }
    if part("upload") {
        upload_10k().await?;
    }
    let staff_sqlite = part("ingest-staff") || part("ingest-staff-sqlite");
    let staff_postgres = part("ingest-staff") || part("ingest-staff-postgres");
    if part("ingest") || part("ingest-sqlite") || staff_sqlite {
        ingest(Backend::Sqlite, ingest_n, ingest_rounds, None).await?;
    }
    if staff_sqlite {
        ingest(Backend::Sqlite, ingest_n, ingest_rounds, Some(5)).await?;
    }
    if part("ingest") || part("ingest-postgres") || staff_postgres {
        ingest(Backend::Postgres, ingest_n, ingest_rounds, None).await?;
    }
    if staff_postgres {
        ingest(Backend::Postgres, ingest_n, ingest_rounds, Some(5)).await?;
    }
    if part("tracing") {
        tracing(Backend::Sqlite, n).await?;
        tracing(Backend::Postgres, n).await?;
    }
    println!("load average at the end {}", load_average());
    Ok(())
}

fn main() -> std::process::ExitCode {
    vaora_tests::async_main::run("bench-sync", run())
}
