//! Trust no device, attack 3 (`docs/sync-protocol.md`, threat model): every published
//! exposure window reaches every phone exactly once, whatever the interleaving of
//! publishes and polls. Two server processes share one database; publishers mark and
//! publish cases through both at once while pollers page through `/v1/exposures` on
//! both, as phones do (cursor = the last page's `next_cursor`). On PostgreSQL a window
//! whose sequence number commits after a later one's was skipped for good by a phone
//! that polled in between; SQLite (one writer at a time) is checked the same way.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::{ExposurePage, RecordStatus};
use vaora_server::{AuthorityKey, Database};
use vaora_tests::adversary::{RawDevice, checkin_body};
use vaora_tests::pg::PgCluster;
use vaora_tests::sync_fixture::{Backend, base_time, venue};

/// A `test-server` process; killed when dropped.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    fn start(database: &Database, authority: &std::path::Path) -> Self {
        let db = match database {
            Database::Sqlite(p) => format!("sqlite:{}", p.display()),
            Database::Postgres(u) => u.clone(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_test-server"))
            .args(["--database", &db, "--authority"])
            .arg(authority)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_owned();
        Self { child, url }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CASES: usize = 24;
const STAYS: usize = 12;
const POLLERS: usize = 4;

/// One phone's view of the feed: every window id it received, in order.
async fn poll(device: RawDevice, urls: Vec<String>, stop: Arc<AtomicBool>) -> Vec<Id128> {
    let mut cursor = 0i64;
    let mut got = Vec::new();
    let mut turn = 0usize;
    // After the publishers stop, drain until a page comes back empty on both servers.
    let mut quiet = 0;
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let url = &urls[turn % urls.len()];
        turn += 1;
        let (status, body) = device
            .get_from(url, &format!("/v1/exposures?since={cursor}"))
            .await
            .unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let page: ExposurePage = serde_json::from_slice(&body).unwrap();
        got.extend(page.windows.iter().map(|w| w.id));
        cursor = page.next_cursor;
        if stopping && page.windows.is_empty() {
            quiet += 1;
            if quiet >= 2 {
                return got;
            }
        } else {
            quiet = 0;
        }
    }
}

async fn feed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (database, _pg) = match backend {
        Backend::Sqlite => (Database::Sqlite(dir.path().join("server.db")), None),
        Backend::Postgres => {
            let pg = PgCluster::start().unwrap();
            (Database::Postgres(pg.url()), Some(pg))
        }
    };
    let authority_dir = dir.path().join("authority");
    // The first process makes the authority key, the second loads it.
    let first = ServerProcess::start(&database, &authority_dir);
    let second = ServerProcess::start(&database, &authority_dir);
    let urls = vec![first.url.clone(), second.url.clone()];

    // The cases' devices upload their stays (each at venues of its own).
    let t0 = base_time() - Duration::days(1);
    let mut cases = Vec::new();
    for i in 0..CASES {
        let device = RawDevice::register(&urls[i % 2]).await.unwrap();
        let records: Vec<_> = (0..STAYS)
            .map(|k| {
                let from = t0 + Duration::minutes((k * 40) as i64);
                let body = checkin_body(
                    Id128::random().unwrap(),
                    Id128::random().unwrap(),
                    "Trần Văn Bình",
                    &venue("Quán nước").unwrap(),
                    from,
                    Some(from + Duration::minutes(30)),
                );
                device.sign(RecordKind::CheckIn, body.encode())
            })
            .collect();
        let answers = device.upload(&records).await.unwrap();
        assert!(answers.iter().all(|a| *a == RecordStatus::Accepted));
        cases.push(device.id);
    }

    // Phones polling both servers while the authority publishes through both.
    let stop = Arc::new(AtomicBool::new(false));
    let mut pollers = Vec::new();
    for i in 0..POLLERS {
        let phone = RawDevice::register(&urls[i % 2]).await.unwrap();
        pollers.push(tokio::spawn(poll(phone, urls.clone(), stop.clone())));
    }
    let key = Arc::new(AuthorityKey::load(&authority_dir).unwrap());
    let authority = |url: &str| {
        let key = key.clone();
        AuthorityClient::new(url, key.key_id(), Box::new(move |m| key.sign(m))).unwrap()
    };
    let mut marked = Vec::new();
    for (i, device) in cases.iter().enumerate() {
        let case = authority(&urls[i % 2])
            .create_case(
                *device,
                None,
                t0 - Duration::hours(1),
                t0 + Duration::hours(12),
            )
            .await
            .unwrap();
        assert_eq!(case.checkins, STAYS as u64);
        marked.push(case.case_id);
    }
    // Every case published twice, through both servers, all at once: the second
    // publication of a case adds nothing.
    let mut publishers = Vec::new();
    for (i, case) in marked.iter().enumerate() {
        for url in [&urls[i % 2], &urls[(i + 1) % 2]] {
            let client = authority(url);
            let case = *case;
            publishers.push(tokio::spawn(async move {
                client.publish(case).await.unwrap().published
            }));
        }
    }
    let mut published = 0;
    for p in publishers {
        published += p.await.unwrap();
    }
    assert_eq!(published, (CASES * STAYS) as u64);
    stop.store(true, Ordering::SeqCst);

    let all: HashSet<Id128> = {
        let probe = RawDevice::register(&urls[0]).await.unwrap();
        let (_, body) = probe.get("/v1/exposures?since=0&limit=5000").await.unwrap();
        let page: ExposurePage = serde_json::from_slice(&body).unwrap();
        page.windows.iter().map(|w| w.id).collect()
    };
    assert_eq!(all.len(), CASES * STAYS);
    for p in pollers {
        let got = p.await.unwrap();
        let mut seen: HashMap<Id128, usize> = HashMap::new();
        for id in &got {
            *seen.entry(*id).or_default() += 1;
        }
        let missed = all.iter().filter(|id| !seen.contains_key(id)).count();
        let twice = seen.values().filter(|n| **n > 1).count();
        assert_eq!(
            (missed, twice),
            (0, 0),
            "a phone missed {missed} windows and got {twice} twice out of {}",
            all.len()
        );
    }
    drop((first, second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_window_reaches_every_phone_once_postgres() {
    feed(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_window_reaches_every_phone_once_sqlite() {
    feed(Backend::Sqlite).await;
}
