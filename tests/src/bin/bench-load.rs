//! `bench-load`: thousands of simulated phones against the whole topology on loopback
//! (`vaora_tests::cluster`: PostgreSQL primary and standby, NODES `vaora serve` nodes,
//! HAProxy), with one node killed (SIGKILL) and brought back in the middle of the run.
//!
//! Each phone registers (from one of many loopback addresses, as phones come from many
//! networks), then uploads batches of signed check-ins and polls the exposure feed; an
//! authority marks a case and publishes its windows every two seconds. A request that fails
//! (a cut connection, a 502 from the balancer) is retried as a phone's outbox does. Bounded
//! in time (`--seconds`) and phones (`--phones`); loopback only.
//!
//! Prints records/s, request latency p50/p99, CPU-seconds per 1,000 records by node,
//! balancer, PostgreSQL (primary, standby) and the generator itself, and how many requests
//! failed and were retried. Then checks what the issue asks: every record a phone was told
//! accepted (or duplicate, for a retry of a batch already stored) is stored exactly once,
//! and every phone has every published window exactly once. A figure, not a timed test.
//!
//! `cargo build --release -p vaora-cli && cargo run --release -p vaora-tests --bin
//! bench-load -- [--nodes 2] [--phones 2000] [--seconds 30] [--workers 48] [--batch 20]
//! [--no-kill] [--vaora PATH]`

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{RecordKind, SignedRecord};
use vaora_protocol::wire::{ExposurePage, RecordStatus};
use vaora_server::AuthorityKey;
use vaora_tests::adversary::{RawDevice, checkin_body};
use vaora_tests::cluster::{Cluster, find_vaora};
use vaora_tests::machine::{proc_cpu, tree_cpu};
use vaora_tests::sync_fixture::venue;

type Res<T> = Result<T, String>;

#[derive(Debug, Clone)]
struct Args {
    nodes: usize,
    phones: usize,
    seconds: u64,
    workers: usize,
    batch: usize,
    kill: bool,
    vaora: Option<PathBuf>,
}

fn args() -> Res<Args> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<String> {
        raw.iter()
            .position(|a| a == name)
            .and_then(|i| raw.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| -> Res<u64> {
        value(name).map_or(Ok(default), |v| {
            v.parse().map_err(|_| format!("{name}: not a number: {v}"))
        })
    };
    let nodes = num("--nodes", 2)?.clamp(1, 8) as usize;
    Ok(Args {
        nodes,
        phones: num("--phones", 2000)?.clamp(10, 100_000) as usize,
        seconds: num("--seconds", 30)?.clamp(5, 3600),
        workers: num("--workers", 48)?.clamp(1, 1000) as usize,
        batch: num("--batch", 20)?.clamp(1, 1000) as usize,
        kill: nodes > 1 && !raw.iter().any(|a| a == "--no-kill"),
        vaora: value("--vaora").map(PathBuf::from),
    })
}

/// One simulated phone: its device, its feed cursor and what it was told.
struct Phone {
    device: RawDevice,
    cursor: i64,
    windows: HashMap<Id128, u32>,
    stored: usize,
}

#[derive(Default)]
struct Tally {
    upload_us: Vec<u64>,
    poll_us: Vec<u64>,
    upload_failed: u64,
    poll_failed: u64,
    records: u64,
}

fn percentile(xs: &mut [u64], p: usize) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_unstable();
    xs[(xs.len() * p / 100).min(xs.len() - 1)] as f64 / 1000.0
}

/// CPU seconds of a PostgreSQL server, from the postmaster its data folder names.
fn postgres_cpu(data: &Path) -> f64 {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next()?.trim().parse::<u32>().ok())
        .and_then(tree_cpu)
        .unwrap_or(0.0)
}

/// CPU seconds of one process (its own, not its children's).
fn own_cpu(pid: u32) -> Option<f64> {
    proc_cpu(&pid.to_string()).map(|(cpu, _)| cpu)
}

/// CPU figures sampled during the run: the latest CPU seconds seen per node process (a killed
/// node keeps its last sample), the balancer, the databases and this process.
#[derive(Default)]
struct Cpu {
    nodes: HashMap<(usize, u32), f64>,
    balancer: f64,
    primary: f64,
    replica: f64,
    generator: f64,
}

fn sample(cluster: &Cluster, cpu: &mut Cpu) {
    for i in 0..cluster.node_count() {
        if let Some(pid) = cluster.node_pid(i)
            && let Some(t) = own_cpu(pid)
        {
            cpu.nodes.insert((i, pid), t);
        }
    }
    if let Some(t) = cluster.balancer_pid().and_then(own_cpu) {
        cpu.balancer = t;
    }
    let (primary, replica) = cluster.data_dirs();
    cpu.primary = primary.as_deref().map_or(0.0, postgres_cpu);
    cpu.replica = replica.as_deref().map_or(0.0, postgres_cpu);
    cpu.generator = own_cpu(std::process::id()).unwrap_or(0.0);
}

fn batch(device: &RawDevice, at: chrono::DateTime<Utc>, n: usize) -> Res<Vec<SignedRecord>> {
    (0..n)
        .map(|k| {
            let from = at + Duration::minutes((k * 7) as i64);
            let body = checkin_body(
                Id128::random().map_err(|e| e.to_string())?,
                Id128::random().map_err(|e| e.to_string())?,
                "Lê Văn Tám",
                &venue("Siêu thị Co.op").map_err(|e| e.to_string())?,
                from,
                Some(from + Duration::minutes(20)),
            );
            Ok(device.sign(RecordKind::CheckIn, body.encode()))
        })
        .collect()
}

/// Pages through the feed from the phone's cursor; counts every window received.
async fn poll(phone: &mut Phone, tally: &mut Tally) {
    loop {
        let start = Instant::now();
        let got = phone
            .device
            .get(&format!("/v1/exposures?since={}&limit=500", phone.cursor))
            .await;
        let page: ExposurePage = match got {
            Ok((200, body)) => match serde_json::from_slice(&body) {
                Ok(p) => p,
                Err(_) => {
                    tally.poll_failed += 1;
                    return;
                }
            },
            _ => {
                tally.poll_failed += 1;
                return;
            }
        };
        tally.poll_us.push(start.elapsed().as_micros() as u64);
        for w in &page.windows {
            *phone.windows.entry(w.id).or_default() += 1;
        }
        phone.cursor = page.next_cursor;
        if !page.more {
            return;
        }
    }
}

/// One worker: its phones in turn, an upload each (retried until stored), a feed poll
/// every fourth upload, until the deadline.
async fn work(
    mut phones: Vec<Phone>,
    batch_size: usize,
    deadline: Instant,
    uploaded: Arc<Mutex<Vec<Id128>>>,
) -> (Vec<Phone>, Tally) {
    let mut tally = Tally::default();
    let base = Utc::now() - Duration::days(2);
    let mut turn = 0usize;
    while Instant::now() < deadline && !phones.is_empty() {
        let i = turn % phones.len();
        turn += 1;
        let phone = &mut phones[i];
        let Ok(records) = batch(
            &phone.device,
            base + Duration::minutes(turn as i64),
            batch_size,
        ) else {
            continue;
        };
        loop {
            let start = Instant::now();
            match phone.device.upload(&records).await {
                Ok(answers) => {
                    tally.upload_us.push(start.elapsed().as_micros() as u64);
                    let stored = answers
                        .iter()
                        .filter(|a| matches!(a, RecordStatus::Accepted | RecordStatus::Duplicate))
                        .count();
                    phone.stored += stored;
                    tally.records += stored as u64;
                    if let Ok(mut u) = uploaded.lock() {
                        u.push(phone.device.id);
                    }
                    break;
                }
                Err(_) => {
                    tally.upload_failed += 1;
                    tokio::time::sleep(StdDuration::from_millis(50)).await;
                }
            }
        }
        if turn.is_multiple_of(4) {
            poll(phone, &mut tally).await;
        }
    }
    (phones, tally)
}

/// Registers `n` phones from `n / 16` loopback addresses (the per-address registration
/// budget is 20), 32 at a time.
async fn register(url: &str, n: usize) -> Res<Vec<Phone>> {
    let mut phones = Vec::with_capacity(n);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut clients = Vec::new();
    for a in 0..n.div_ceil(16) {
        let ip = Ipv4Addr::new(127, 10, (a / 250) as u8, (a % 250 + 1) as u8);
        clients.push(
            reqwest::Client::builder()
                .local_address(IpAddr::V4(ip))
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    for chunk in (0..n).collect::<Vec<_>>().chunks(32) {
        let mut tasks = Vec::new();
        for &i in chunk {
            let client = clients[i / 16].clone();
            let url = url.to_owned();
            tasks.push(tokio::spawn(async move {
                let identity = DeviceIdentity::generate().map_err(|e| e.to_string())?;
                RawDevice::register_via(&url, identity, client).await
            }));
        }
        for t in tasks {
            let device = t.await.map_err(|e| e.to_string())??;
            phones.push(Phone {
                device,
                cursor: 0,
                windows: HashMap::new(),
                stored: 0,
            });
        }
    }
    Ok(phones)
}

async fn run() -> Res<()> {
    let args = args()?;
    let vaora = match &args.vaora {
        Some(v) => v.clone(),
        None => find_vaora()?,
    };
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(&vaora, args.nodes))?;
    let url = cluster.url();
    println!(
        "bench-load: {} node(s), {} phones, {} s, {} workers, {} check-ins per upload, kill {}; vaora {}",
        args.nodes,
        args.phones,
        args.seconds,
        args.workers,
        args.batch,
        if args.kill { "node 1" } else { "none" },
        vaora.display()
    );
    let t = Instant::now();
    let phones = register(&url, args.phones).await?;
    println!(
        "registered {} phones in {:.1} s",
        phones.len(),
        t.elapsed().as_secs_f64()
    );

    // Workers own disjoint sets of phones.
    let mut sets: Vec<Vec<Phone>> = (0..args.workers).map(|_| Vec::new()).collect();
    for (i, p) in phones.into_iter().enumerate() {
        sets[i % args.workers].push(p);
    }
    let mut before = Cpu::default();
    sample(&cluster, &mut before);
    let started = Instant::now();
    let deadline = started + StdDuration::from_secs(args.seconds);
    let uploaded = Arc::new(Mutex::new(Vec::<Id128>::new()));
    let workers: Vec<_> = sets
        .into_iter()
        .map(|set| tokio::spawn(work(set, args.batch, deadline, uploaded.clone())))
        .collect();

    // The authority publishes a case every two seconds, through the balancer.
    let key = Arc::new(AuthorityKey::load(&cluster.authority_dir()).map_err(|e| e.to_string())?);
    let publisher = {
        let (url, key, uploaded) = (url.clone(), key.clone(), uploaded.clone());
        tokio::spawn(async move {
            let mut failed = 0u64;
            let mut cases = 0u64;
            while Instant::now() < deadline {
                tokio::time::sleep(StdDuration::from_secs(2)).await;
                let device = uploaded.lock().ok().and_then(|u| u.last().copied());
                let Some(device) = device else { continue };
                let k = key.clone();
                let Ok(client) =
                    AuthorityClient::new(&url, k.key_id(), Box::new(move |m| k.sign(m)))
                else {
                    failed += 1;
                    continue;
                };
                let now = Utc::now();
                match client
                    .create_case(device, None, now - Duration::days(3), now)
                    .await
                {
                    Ok(case) => {
                        // Publishing again adds nothing: retry until it answers.
                        for _ in 0..20 {
                            if client.publish(case.case_id).await.is_ok() {
                                cases += 1;
                                break;
                            }
                            failed += 1;
                            tokio::time::sleep(StdDuration::from_millis(100)).await;
                        }
                    }
                    Err(_) => failed += 1,
                }
            }
            (cases, failed)
        })
    };

    // Kill node 1 a third of the way in; bring it back at two thirds.
    let mut cpu = Cpu::default();
    let mut killed_at = None;
    let mut back_at = None;
    while Instant::now() < deadline {
        tokio::time::sleep(StdDuration::from_millis(250)).await;
        tokio::task::block_in_place(|| sample(&cluster, &mut cpu));
        let at = started.elapsed().as_secs_f64();
        if args.kill && killed_at.is_none() && at >= args.seconds as f64 / 3.0 {
            tokio::task::block_in_place(|| cluster.kill_node(0))?;
            killed_at = Some(at);
        }
        if killed_at.is_some() && back_at.is_none() && at >= 2.0 * args.seconds as f64 / 3.0 {
            tokio::task::block_in_place(|| cluster.restart_node(0))?;
            back_at = Some(started.elapsed().as_secs_f64());
        }
    }
    let mut phones = Vec::new();
    let mut tally = Tally::default();
    for w in workers {
        let (set, t) = w.await.map_err(|e| e.to_string())?;
        phones.extend(set);
        tally.upload_us.extend(t.upload_us);
        tally.poll_us.extend(t.poll_us);
        tally.upload_failed += t.upload_failed;
        tally.poll_failed += t.poll_failed;
        tally.records += t.records;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::task::block_in_place(|| sample(&cluster, &mut cpu));
    let (cases, authority_failed) = publisher.await.map_err(|e| e.to_string())?;

    // Figures.
    let per_k = |seconds: f64| seconds / (tally.records.max(1) as f64 / 1000.0);
    println!(
        "records stored: {} in {:.1} s: {:.0} records/s",
        tally.records,
        elapsed,
        tally.records as f64 / elapsed
    );
    let (u50, u99) = (
        percentile(&mut tally.upload_us, 50),
        percentile(&mut tally.upload_us, 99),
    );
    let (p50, p99) = (
        percentile(&mut tally.poll_us, 50),
        percentile(&mut tally.poll_us, 99),
    );
    println!(
        "upload latency: p50 {u50:.1} ms, p99 {u99:.1} ms (n={}); feed poll: p50 {p50:.1} ms, p99 {p99:.1} ms (n={})",
        tally.upload_us.len(),
        tally.poll_us.len()
    );
    let mut node_cpu = vec![0f64; args.nodes];
    for ((i, pid), t) in &cpu.nodes {
        let base = before.nodes.get(&(*i, *pid)).copied().unwrap_or(0.0);
        node_cpu[*i] += t - base;
    }
    let nodes: Vec<String> = node_cpu
        .iter()
        .enumerate()
        .map(|(i, t)| format!("node{} {:.3}", i + 1, per_k(*t)))
        .collect();
    println!(
        "cpu-seconds per 1000 records: {}, balancer {:.3}, postgres primary {:.3}, standby {:.3}, load generator {:.3}",
        nodes.join(", "),
        per_k(cpu.balancer - before.balancer),
        per_k(cpu.primary - before.primary),
        per_k(cpu.replica - before.replica),
        per_k(cpu.generator - before.generator),
    );
    println!(
        "failed and retried: {} uploads, {} feed polls, {} authority calls; {cases} cases published",
        tally.upload_failed, tally.poll_failed, authority_failed
    );
    // What the nodes counted themselves (a restarted node counts from its restart).
    let mut counted = [0f64; 3];
    for i in 0..cluster.node_count() {
        if let Ok(m) = tokio::task::block_in_place(|| cluster.metrics(i)) {
            for (slot, outcome) in ["accepted", "duplicate", "rejected"].iter().enumerate() {
                counted[slot] += vaora_tests::cluster::metric_sum(
                    &m,
                    &format!("vaora_records_total{{kind=\"check-in\",outcome=\"{outcome}\""),
                );
            }
        }
    }
    println!(
        "nodes' /metrics (since each node's last start): {} check-ins accepted, {} duplicate, {} rejected",
        counted[0], counted[1], counted[2]
    );
    if let Some(k) = killed_at {
        println!(
            "kill: node 1 SIGKILLed at {k:.1} s, back (healthy) at {:.1} s",
            back_at.unwrap_or(f64::NAN)
        );
    }

    // What the phones were told, against what the primary holds.
    let pool = sqlx::PgPool::connect(&cluster.primary_url())
        .await
        .map_err(|e| e.to_string())?;
    let rows: Vec<(Vec<u8>, i64)> =
        sqlx::query_as("SELECT device_id, count(*) FROM records GROUP BY device_id")
            .fetch_all(&pool)
            .await
            .map_err(|e| e.to_string())?;
    let stored: HashMap<Vec<u8>, i64> = rows.into_iter().collect();
    let mismatched = phones
        .iter()
        .filter(|p| {
            stored
                .get(p.device.id.as_bytes().as_slice())
                .copied()
                .unwrap_or(0)
                != p.stored as i64
        })
        .count();
    let all: HashSet<Vec<u8>> = sqlx::query_scalar::<_, Vec<u8>>("SELECT id FROM exposure_windows")
        .fetch_all(&pool)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    // Every phone drains the feed (from the standby, which may lag a moment).
    let drain_until = Instant::now() + StdDuration::from_secs(60);
    let mut drain = Tally::default();
    for phone in &mut phones {
        while phone.windows.len() < all.len() && Instant::now() < drain_until {
            poll(phone, &mut drain).await;
            if phone.windows.len() < all.len() {
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
        }
    }
    let short = phones
        .iter()
        .filter(|p| {
            p.windows.len() != all.len()
                || !p
                    .windows
                    .keys()
                    .all(|id| all.contains(id.as_bytes().as_slice()))
        })
        .count();
    let twice = phones
        .iter()
        .filter(|p| p.windows.values().any(|n| *n > 1))
        .count();
    println!(
        "check: {mismatched} phones whose stored records differ from what they were told (of {}); {} windows published; {short} phones missing a window, {twice} with a window twice",
        phones.len(),
        all.len()
    );
    drop(cluster);
    if mismatched + short + twice > 0 {
        return Err("the kill test lost or repeated something".into());
    }
    println!("check: nothing lost, nothing twice");
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
