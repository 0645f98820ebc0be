//! Diary benchmarks (numbers, not assertions): the whole check-in write, encrypted vs the
//! same write on an unencrypted diary in the same run (one person, and four people taking
//! turns); opening a 100,000-check-in diary and listing the newest 50; one person's last
//! 21 days; the first sync batch of that diary; finding a check-in by id with and without
//! its `checkin_ids` entry, and indexing the check-ins that wait; and the floor under the write
//! (`floor`): a one-row insert into a bare table on the same SQLCipher with the diary's
//! settings, with and without the Ed25519 signature and one random-key index, which is
//! what no diary schema can go below on the machine at hand.
//!
//! Usage: cargo run --release -p vaora-tests --bin bench-diary [-- --quick] [write|supersede|big|floor]...

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use vaora_core::diary::{CheckInRequest, Diary, DiaryConfig, DiaryKey, NewPerson, Page};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn pct(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e6
}

struct Stats {
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
    /// One explicit checkpoint of the log the run left behind (µs) and its frames.
    checkpoint: f64,
    frames: u32,
    /// Mean WAL frames (pages) one timed write appended, from the -wal file's growth.
    frames_per_write: f64,
}

fn stats(mut v: Vec<StdDuration>) -> Stats {
    v.sort();
    Stats {
        p50: pct(&v, 0.5),
        p99: pct(&v, 0.99),
        p999: pct(&v, 0.999),
        max: pct(&v, 1.0),
        checkpoint: f64::NAN,
        frames: 0,
        frames_per_write: f64::NAN,
    }
}

fn print_stats(name: &str, s: &Stats) {
    println!(
        "  {name}   p50 {:7.1} µs   p99 {:7.1} µs   p99.9 {:8.1} µs   max {:8.1} µs",
        s.p50, s.p99, s.p999, s.max
    );
}

fn venue(i: usize) -> VenueRef {
    VenueRef {
        id: Id128::random().ok(),
        name: format!("Cửa hàng tiện lợi số {i}"),
        address: "123 Nguyễn Huệ, Quận 1, TP. Hồ Chí Minh".into(),
        category: VenueCategory::RestaurantOrShop,
        issuer_key_id: Some("hcm-2026-01".into()),
        verified: true,
    }
}

fn open(path: &Path, key: Option<&DiaryKey>, clock: Arc<dyn Clock>) -> Res<Diary> {
    Ok(match key {
        Some(k) => Diary::open(path, k, clock, DiaryConfig::default())?,
        None => Diary::open_plaintext_for_bench(path, clock, DiaryConfig::default())?,
    })
}

/// Timed: one check-in (sign, the check-in row that holds the record, one transaction).
/// Untimed: the check-out that follows, so every timed write starts from the same state.
/// With `people` > 1, that many household members check in in turn.
fn bench_write(
    dir: &Path,
    key: Option<&DiaryKey>,
    n: usize,
    warmup: usize,
    people: usize,
) -> Res<Stats> {
    let name = format!(
        "w-{}-{people}.db",
        if key.is_some() { "enc" } else { "plain" }
    );
    let clock = Arc::new(FixedClock::new(Utc::now() - Duration::days(1)));
    let mut d = open(&dir.join(&name), key, clock.clone())?;
    let mut household = vec![d.owner_id()];
    for i in 1..people {
        household.push(
            d.add_person(NewPerson {
                display_name: format!("Người {i}"),
                ..NewPerson::default()
            })?
            .id,
        );
    }
    let mut times = Vec::with_capacity(n);
    let wal = dir.join(format!("{name}-wal"));
    let wal_len = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // A WAL frame is a 24-byte header plus one 4096-byte page.
    let (mut grown, mut counted) = (0u64, 0u64);
    for i in 0..(n + warmup) {
        clock.advance(Duration::seconds(10));
        let req = CheckInRequest {
            people: vec![household[i % people]],
            venue: venue(i),
            method: CheckInMethod::ScannedVenueCode,
            at: None,
            venue_default_stay: None,
        };
        let before = wal_len();
        let t = Instant::now();
        d.check_in(req)?;
        let e = t.elapsed();
        let after = wal_len();
        if i >= warmup {
            times.push(e);
            // The WAL is rewritten from its start after a checkpoint: count only growth.
            if after > before {
                grown += after - before;
                counted += 1;
            }
        }
        clock.advance(Duration::seconds(1));
        d.check_out(None, None)?;
    }
    let t = Instant::now();
    let frames = d.checkpoint()?;
    let checkpoint = t.elapsed().as_secs_f64() * 1e6;
    d.close()?;
    Ok(Stats {
        checkpoint,
        frames,
        frames_per_write: grown as f64 / (4096.0 + 24.0) / counted.max(1) as f64,
        ..stats(times)
    })
}

/// A check-in that closes the person's open one (two signed records in one transaction).
fn bench_supersede(dir: &Path, key: Option<&DiaryKey>, n: usize) -> Res<Stats> {
    let name = if key.is_some() {
        "s-enc.db"
    } else {
        "s-plain.db"
    };
    let clock = Arc::new(FixedClock::new(Utc::now() - Duration::days(1)));
    let mut d = open(&dir.join(name), key, clock.clone())?;
    let owner = d.owner_id();
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 200 {
        clock.advance(Duration::seconds(10));
        let req = CheckInRequest {
            people: vec![owner],
            venue: venue(i),
            method: CheckInMethod::ScannedVenueCode,
            at: None,
            venue_default_stay: None,
        };
        let t = Instant::now();
        d.check_in(req)?;
        if i >= 200 {
            times.push(t.elapsed());
        }
    }
    d.close()?;
    Ok(stats(times))
}

/// Builds a diary with `n` check-ins of 4 people spread over the last 20 days.
fn build_big(path: &Path, key: Option<&DiaryKey>, n: usize) -> Res<(Arc<FixedClock>, Id128)> {
    let start = Utc::now() - Duration::days(20);
    let step = Duration::milliseconds(20 * 24 * 3600 * 1000 / n as i64);
    let clock = Arc::new(FixedClock::new(start));
    let mut d = open(path, key, clock.clone())?;
    let mut people = vec![d.owner_id()];
    for name in ["Mẹ", "Bố", "Bé Bin"] {
        people.push(
            d.add_person(NewPerson {
                display_name: name.into(),
                ..NewPerson::default()
            })?
            .id,
        );
    }
    for i in 0..n {
        clock.advance(step);
        d.check_in(CheckInRequest {
            people: vec![people[i % people.len()]],
            venue: venue(i % 500),
            method: CheckInMethod::ScannedVenueCode,
            at: None,
            venue_default_stay: None,
        })?;
    }
    d.close()?;
    clock.advance(Duration::minutes(1));
    Ok((clock, people[1]))
}

/// The floor: one 200-byte row per transaction into a bare table (rowid order, nothing
/// else), opened like the diary (raw key or none, WAL, synchronous=NORMAL, the diary's
/// checkpoint size). `sign` adds the Ed25519 signature of the row, `random_index` a UNIQUE
/// index on a random 16-byte id (what a lookup by check-in id needs): each B-tree a write
/// touches is one more page in the log.
fn bench_floor(
    dir: &Path,
    key: Option<&str>,
    sign: bool,
    random_index: bool,
    n: usize,
) -> Res<Stats> {
    let name = format!(
        "floor-{}-{sign}-{random_index}.db",
        if key.is_some() { "enc" } else { "plain" }
    );
    let conn = rusqlite::Connection::open(dir.join(name))?;
    if let Some(k) = key {
        conn.pragma_update(None, "key", k)?;
    }
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        vaora_core::diary::WAL_AUTOCHECKPOINT_PAGES,
    )?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    let unique = if random_index { "UNIQUE" } else { "" };
    conn.execute_batch(&format!(
        "CREATE TABLE t (id BLOB NOT NULL {unique}, at INTEGER NOT NULL, body BLOB NOT NULL, signature BLOB) STRICT"
    ))?;
    let signer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let body = vec![42u8; 200];
    let warmup = 300;
    let mut times = Vec::with_capacity(n);
    for i in 0..(n + warmup) {
        let id = *Id128::random()?.as_bytes();
        let t = Instant::now();
        let signature = sign.then(|| ed25519_dalek::Signer::sign(&signer, &body).to_bytes());
        let tx = conn.unchecked_transaction()?;
        tx.prepare_cached("INSERT INTO t (id, at, body, signature) VALUES (?1, ?2, ?3, ?4)")?
            .execute(rusqlite::params![
                &id[..],
                i as i64,
                &body,
                signature.as_ref().map(|s| &s[..])
            ])?;
        tx.commit()?;
        if i >= warmup {
            times.push(t.elapsed());
        }
    }
    Ok(stats(times))
}

fn median_ms(mut v: Vec<StdDuration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    // Optional part names (write, supersede, big) run only those parts; none runs all.
    let parts: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let part = |name: &str| parts.is_empty() || parts.contains(&name);
    let (n_write, n_big, reps) = if quick {
        (1000, 10_000, 20)
    } else {
        (5000, 100_000, 50)
    };
    let dir = tempfile::tempdir()?;
    let key = DiaryKey::generate()?;
    println!("bench-diary (synchronous=NORMAL, WAL; SQLCipher 4 raw key vs no key, same library)");

    if part("write") {
        let enc = bench_write(dir.path(), Some(&key), n_write, 300, 1)?;
        let plain = bench_write(dir.path(), None, n_write, 300, 1)?;
        println!(
            "\ncheck-in write: sign + the check-in row that holds the record, one transaction (n={n_write})"
        );
        print_stats("encrypted", &enc);
        print_stats("plaintext", &plain);
        println!(
            "  ratio       p50 {:7.2}x     p99 {:7.2}x   (goal: encrypted ≤ 100 µs p50, ≤ 300 µs p99)",
            enc.p50 / plain.p50,
            enc.p99 / plain.p99
        );
        println!(
            "  WAL frames (pages) written per check-in: encrypted {:.2}, plaintext {:.2}",
            enc.frames_per_write, plain.frames_per_write
        );
        println!(
            "  checkpoint, run off the write path (Diary::checkpoint) after the loop: \
             encrypted {:.2} ms for {} frames, plaintext {:.2} ms for {} frames",
            enc.checkpoint / 1e3,
            enc.frames,
            plain.checkpoint / 1e3,
            plain.frames
        );
        let enc4 = bench_write(dir.path(), Some(&key), n_write, 300, 4)?;
        let plain4 = bench_write(dir.path(), None, n_write, 300, 4)?;
        println!("the same write, four people of one household taking turns (n={n_write})");
        print_stats("encrypted", &enc4);
        print_stats("plaintext", &plain4);
        println!(
            "  WAL frames (pages) written per check-in: encrypted {:.2}, plaintext {:.2}",
            enc4.frames_per_write, plain4.frames_per_write
        );
    }
    if part("supersede") {
        let enc_s = bench_supersede(dir.path(), Some(&key), n_write)?;
        let plain_s = bench_supersede(dir.path(), None, n_write)?;
        println!("check-in that also closes the open one (2 signed records, one transaction)");
        print_stats("encrypted", &enc_s);
        print_stats("plaintext", &plain_s);
    }
    if part("floor") {
        let key_literal = format!("x'{}'", key.to_hex().as_str());
        println!(
            "\nfloor: one 200-byte row per transaction into a bare table, the diary's settings (n={n_write})"
        );
        for (sign, index, label) in [
            (false, false, "bare row                     "),
            (true, false, "bare row + signature         "),
            (true, true, "+ random-id UNIQUE index     "),
        ] {
            let enc = bench_floor(dir.path(), Some(&key_literal), sign, index, n_write)?;
            let plain = bench_floor(dir.path(), None, sign, index, n_write)?;
            println!(
                "  {label} encrypted p50 {:6.1} µs p99 {:6.1} µs   plaintext p50 {:6.1} µs p99 {:6.1} µs",
                enc.p50, enc.p99, plain.p50, plain.p99
            );
        }
    }
    if !part("big") {
        return Ok(());
    }
    println!("\nbuilding diaries with {n_big} check-ins (4 people, 20 days)…");
    let big_enc = dir.path().join("big-enc.db");
    let big_plain = dir.path().join("big-plain.db");
    let built = Instant::now();
    let (clock_e, person_e) = build_big(&big_enc, Some(&key), n_big)?;
    let build_s = built.elapsed().as_secs_f64();
    let (clock_p, person_p) = build_big(&big_plain, None, n_big)?;
    println!("  built the encrypted one in {build_s:.1} s");

    let mut open_enc = Vec::new();
    let mut open_plain = Vec::new();
    let mut open_only = Vec::new();
    let mut person_enc = Vec::new();
    let mut person_all = Vec::new();
    let mut rows_all = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let d = open(&big_enc, Some(&key), clock_e.clone())?;
        open_only.push(t.elapsed());
        let list = d.list_checkins(Page::first(50))?;
        open_enc.push(t.elapsed());
        assert_eq!(list.len(), 50);

        let since = clock_e.now() - Duration::days(21);
        let t = Instant::now();
        let l = d.list_person(&person_e, Some(since), Page::first(50))?;
        person_enc.push(t.elapsed());
        assert_eq!(l.len(), 50);
        let t = Instant::now();
        let all = d.list_person(&person_e, Some(since), Page::first(u32::MAX))?;
        person_all.push(t.elapsed());
        rows_all = all.len();
        d.close()?;

        let t = Instant::now();
        let d = open(&big_plain, None, clock_p.clone())?;
        let list = d.list_checkins(Page::first(50))?;
        open_plain.push(t.elapsed());
        assert_eq!(list.len(), 50);
        let _ = d.list_person(&person_p, None, Page::first(1))?;
        d.close()?;
    }
    // The first sync batch of a diary whose 100,000 records all wait (the worst case:
    // check-in records are found by a scan of the check-in rows, see diary::outbox).
    let mut queue = Vec::new();
    {
        let d = open(&big_enc, Some(&key), clock_e.clone())?;
        for _ in 0..5 {
            let t = Instant::now();
            let batch = d.pending_records(500)?;
            queue.push(t.elapsed());
            assert_eq!(batch.len(), 500);
        }
        d.close()?;
    }
    let oe = median_ms(open_enc);
    let op = median_ms(open_plain);
    println!(
        "\nopen a diary of {n_big} check-ins + list the newest 50 (median of {reps}, warm cache)"
    );
    println!(
        "  encrypted   {oe:7.2} ms   (goal ≤ 2 ms; of which the open alone {:.2} ms)",
        median_ms(open_only)
    );
    println!("  plaintext   {op:7.2} ms   ratio {:.2}x", oe / op);
    println!("one person's last 21 days (encrypted, median of {reps})");
    println!(
        "  newest 50                {:8.1} µs",
        median_ms(person_enc) * 1e3
    );
    println!(
        "  all {rows_all:>6} rows          {:8.1} ms",
        median_ms(person_all)
    );
    println!(
        "first sync batch (500 of {n_big} pending records, encrypted, median of 5)  {:.1} ms",
        median_ms(queue)
    );
    let ids = bench_find_by_id(&big_enc, &key, clock_e, reps)?;
    println!("find a check-in by id (Diary::checkin, encrypted, median of {reps})");
    println!(
        "  with its checkin_ids entry              {:8.1} µs",
        ids.indexed * 1e3
    );
    println!(
        "  the newest of {} check-ins without one  {:8.1} µs   (a walk over them)",
        ids.tail_len,
        ids.tail * 1e3
    );
    println!(
        "  indexing those {} (as open, checkpoint and close do) {:.1} ms",
        ids.tail_len, ids.index
    );
    Ok(())
}

/// What finding a check-in by id costs (`diary::id_index`), in ms.
struct FindById {
    indexed: f64,
    tail: f64,
    tail_len: usize,
    index: f64,
}

/// Finds a check-in with its `checkin_ids` entry, then adds the most check-ins that wait
/// without one (one less than a check-in indexes itself) and finds the newest of them
/// (the longest walk), then indexes them.
fn bench_find_by_id(
    path: &Path,
    key: &DiaryKey,
    clock: Arc<FixedClock>,
    reps: usize,
) -> Res<FindById> {
    let mut d = open(path, Some(key), clock.clone())?;
    let middle = d.list_checkins(Page {
        offset: 1000,
        limit: 1,
    })?[0]
        .id;
    let time = |d: &Diary, id: &Id128| -> Res<f64> {
        let mut v = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let c = d.checkin(id)?;
            v.push(t.elapsed());
            assert_eq!(c.id, *id);
        }
        Ok(median_ms(v))
    };
    let indexed = time(&d, &middle)?;
    let owner = d.owner_id();
    let tail_len = usize::try_from(vaora_core::diary::MAX_UNINDEXED)? - 1;
    let mut newest = None;
    for i in 0..tail_len {
        clock.advance(Duration::seconds(10));
        let c = d.check_in(CheckInRequest {
            people: vec![owner],
            venue: venue(i),
            method: CheckInMethod::ScannedVenueCode,
            at: None,
            venue_default_stay: None,
        })?;
        newest = Some(c[0].id);
    }
    let newest = newest.ok_or("no check-in")?;
    let tail = time(&d, &newest)?;
    // Indexing the tail, as opening, checkpoint and close do (here without a checkpoint).
    let t = Instant::now();
    d.apply_auto_checkouts()?;
    let index = t.elapsed().as_secs_f64() * 1e3;
    d.close()?;
    Ok(FindById {
        indexed,
        tail,
        tail_len,
        index,
    })
}
