//! The topology past one machine (issue 20), on loopback: a PostgreSQL primary and a hot
//! standby, two `vaora serve` nodes, HAProxy in front (`vaora_tests::cluster`). Phones and
//! the authority talk only to the balancer. Checked:
//!
//! - both nodes start at once on an empty database: the migrations run once and the
//!   rollup keeper's first re-base is done by one node (`/metrics`);
//! - registrations spread over the nodes; a device's requests stay on one node, so its
//!   rate limit (burst 60, then 20 a second) still holds with two nodes;
//! - a node killed (SIGKILL) in the middle of uploads: the balancer marks it down, the
//!   phones retry what failed, and every record stored exactly once; the node comes back;
//! - the exposure feed is read from the standby: with its replay paused, a phone's cursor
//!   does not move past windows it has not received, and once the standby catches up every
//!   window arrives exactly once; `/metrics` shows the standby's lag.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{RecordKind, SignedRecord};
use vaora_protocol::wire::{ExposurePage, RecordStatus};
use vaora_server::AuthorityKey;
use vaora_tests::adversary::{RawDevice, checkin_body};
use vaora_tests::cluster::{Cluster, find_vaora, metric_sum};
use vaora_tests::sync_fixture::{base_time, venue};

const PHONES: usize = 6;
const ROUNDS: usize = 8;

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn stays(device: &RawDevice, from: chrono::DateTime<chrono::Utc>, n: usize) -> Vec<SignedRecord> {
    (0..n)
        .map(|k| {
            let at = from + Duration::minutes((k * 45) as i64);
            let body = checkin_body(
                Id128::random().unwrap(),
                Id128::random().unwrap(),
                "Nguyễn Thị Lan",
                &venue("Chợ Bến Thành").unwrap(),
                at,
                Some(at + Duration::minutes(30)),
            );
            device.sign(RecordKind::CheckIn, body.encode())
        })
        .collect()
}

/// Uploads `records` until the server has them all, retrying whatever failed (a cut
/// connection, a 502 from the balancer): how a phone's outbox behaves. Returns how many
/// attempts failed.
async fn upload_until_stored(device: &RawDevice, records: &[SignedRecord]) -> usize {
    let mut failed = 0;
    let deadline = Instant::now() + StdDuration::from_secs(60);
    loop {
        match device.upload(records).await {
            Ok(answers) => {
                assert!(
                    answers
                        .iter()
                        .all(|a| matches!(a, RecordStatus::Accepted | RecordStatus::Duplicate)),
                    "{answers:?}"
                );
                return failed;
            }
            Err(e) => {
                failed += 1;
                assert!(Instant::now() < deadline, "uploads kept failing: {e}");
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    }
}

fn node_metric(cluster: &Cluster, i: usize, prefix: &str) -> f64 {
    metric_sum(&blocking(|| cluster.metrics(i)).unwrap(), prefix)
}

async fn feed_page(device: &RawDevice, cursor: i64) -> ExposurePage {
    let (status, body) = device
        .get(&format!("/v1/exposures?since={cursor}&limit=1000"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn phones_are_served_through_a_node_crash_and_a_lagging_replica() {
    let vaora = find_vaora().unwrap();
    let mut cluster = blocking(|| Cluster::start(&vaora, 2)).unwrap();
    let url = cluster.url();

    // Both nodes started at once on an empty database: each has had its first rollup
    // round, and exactly one of them built the rollup.
    let rollup = "vaora_keeper_runs_total{keeper=\"rollup\"";
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while (0..2).any(|i| node_metric(&cluster, i, rollup) < 1.0) {
        assert!(
            Instant::now() < deadline,
            "a node never ran its rollup keeper"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    let worked: f64 = (0..2)
        .map(|i| {
            node_metric(
                &cluster,
                i,
                "vaora_keeper_runs_total{keeper=\"rollup\",outcome=\"worked\"",
            )
        })
        .sum();
    assert_eq!(worked, 1.0, "the first re-base is done once, by one node");

    // Phones register through the balancer (round robin: no device yet).
    let mut phones = Vec::new();
    for _ in 0..PHONES {
        phones.push(std::sync::Arc::new(
            RawDevice::register(&url).await.unwrap(),
        ));
    }
    let registered = "vaora_requests_total{method=\"POST\",route=\"/v1/devices\",status=\"201\"";
    for i in 0..2 {
        assert!(
            node_metric(&cluster, i, registered) >= 1.0,
            "node {} registered no device",
            i + 1
        );
    }

    // One device, one node: its budget (burst 60, then 20 a second) holds with two nodes
    // behind the balancer. Requests until the first refusal (at most 300: even at 40 ms a
    // request the bucket runs dry first), then every one of them was counted by one node.
    let eager = &phones[0];
    let mut sent = 0.0;
    let mut limited = false;
    while !limited && sent < 300.0 {
        let (status, _) = eager.get("/v1/keys").await.unwrap();
        sent += 1.0;
        limited = status == 429;
    }
    assert!(limited, "300 requests in a row were never limited");
    let keys = "vaora_requests_total{method=\"GET\",route=\"/v1/keys\"";
    let per_node: Vec<f64> = (0..2).map(|i| node_metric(&cluster, i, keys)).collect();
    assert!(
        per_node.contains(&0.0) && per_node.iter().sum::<f64>() == sent,
        "a device's {sent} requests were spread over the nodes: {per_node:?}"
    );

    // Uploads while node 1 is killed and brought back.
    let t0 = base_time() - Duration::days(1);
    let mut sent: HashMap<Id128, usize> = HashMap::new();
    let mut failed = 0;
    for round in 0..ROUNDS {
        if round == 2 {
            blocking(|| cluster.kill_node(0)).unwrap();
        }
        if round == 5 {
            blocking(|| cluster.wait_balancer(0, "DOWN", StdDuration::from_secs(20))).unwrap();
            blocking(|| cluster.restart_node(0)).unwrap();
            blocking(|| cluster.wait_balancer(0, "UP", StdDuration::from_secs(20))).unwrap();
        }
        let mut tasks = Vec::new();
        for phone in &phones {
            let records = stays(phone, t0 + Duration::hours(round as i64), 3);
            *sent.entry(phone.id).or_default() += records.len();
            let phone = phone.clone();
            tasks.push(tokio::spawn(async move {
                upload_until_stored(&phone, &records).await
            }));
        }
        for t in tasks {
            failed += t.await.unwrap();
        }
    }
    let pool = sqlx::PgPool::connect(&cluster.primary_url()).await.unwrap();
    for phone in &phones {
        let (rows, distinct): (i64, i64) =
            sqlx::query_as("SELECT count(*), count(DISTINCT id) FROM records WHERE device_id = $1")
                .bind(phone.id.as_bytes().to_vec())
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (rows, distinct),
            (sent[&phone.id] as i64, sent[&phone.id] as i64)
        );
    }
    eprintln!("cluster: {failed} upload attempts failed and were retried around the kill");

    // The feed comes from the standby. Pause its replay: a publication on the primary
    // does not show, and the phone's cursor stays where it was.
    let replica = sqlx::PgPool::connect(&cluster.replica_url()).await.unwrap();
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&replica)
        .await
        .unwrap();
    let key = AuthorityKey::load(&cluster.authority_dir()).unwrap();
    let key_id = key.key_id();
    let authority = AuthorityClient::new(&url, key_id, Box::new(move |m| key.sign(m))).unwrap();
    let case = authority
        .create_case(
            phones[1].id,
            None,
            t0 - Duration::hours(1),
            t0 + Duration::hours(ROUNDS as i64 + 2),
        )
        .await
        .unwrap();
    let published = authority.publish(case.case_id).await.unwrap().published;
    assert_eq!(published, (ROUNDS * 3) as u64);
    let reader = &phones[2];
    let paused = feed_page(reader, 0).await;
    assert!(
        paused.windows.is_empty(),
        "the paused standby served new windows"
    );
    assert_eq!(
        paused.next_cursor, 0,
        "the cursor moved past windows not received"
    );
    // The lag shows in the metrics (measured every 2 s).
    let deadline = Instant::now() + StdDuration::from_secs(20);
    while node_metric(&cluster, 1, "vaora_replica_lag_bytes") <= 0.0 {
        assert!(Instant::now() < deadline, "no replica lag in /metrics");
        tokio::time::sleep(StdDuration::from_millis(250)).await;
    }
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&replica)
        .await
        .unwrap();
    let mut cursor = 0;
    let mut got: HashMap<Id128, usize> = HashMap::new();
    let deadline = Instant::now() + StdDuration::from_secs(20);
    while got.len() < published as usize {
        assert!(Instant::now() < deadline, "the standby never caught up");
        let page = feed_page(reader, cursor).await;
        for w in &page.windows {
            *got.entry(w.id).or_default() += 1;
        }
        cursor = page.next_cursor;
        if page.windows.is_empty() {
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
    }
    assert!(got.values().all(|n| *n == 1), "a window came twice");
    assert!(feed_page(reader, cursor).await.windows.is_empty());
}
