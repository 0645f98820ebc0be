//! The per-venue scan rollup (`server/src/storage/rollup.rs`) against a direct sum over
//! the daily aggregates and against a count of the check-ins this test stored, on SQLite
//! and PostgreSQL: built (by the keeper's re-base) from check-ins already stored, kept up
//! by ingest, re-based on a later day (check-ins stored for that day before the re-base
//! included), late uploads for past days counted, windows that end before or after the
//! rollup's day or exceed 21 days served by the fallback, and a re-base two days on (a
//! two-column shift on PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use vaora_protocol::ids::Id128;
use vaora_server::storage::{NewRecord, ScanWindow, VenueRow, day_of_ms};
use vaora_server::{PgStore, SqliteStore, Storage};
use vaora_tests::stored_records::stored_checkin;

const DAY: i64 = 86_400_000;
/// 2026-11-20 12:00 UTC.
const NOON: i64 = 1_763_640_000_000;

fn venue(name: &str, ward: &str, category: u8) -> VenueRow {
    VenueRow {
        id: Id128::random().unwrap(),
        name: name.into(),
        category,
        ward: ward.into(),
        address: "1 Lê Lợi".into(),
        code_text: "VN1:test".into(),
        registered_ms: NOON,
        revoked: false,
        contact: String::new(),
        manage_hash: None,
    }
}

/// The check-ins stored so far (venue, day) and the venues, to count independently.
struct Model {
    venues: Vec<VenueRow>,
    scans: Vec<(Option<Id128>, i64)>,
}

impl Model {
    async fn store<S: Storage>(&mut self, store: &S, at: &[(Option<usize>, i64)]) {
        let records: Vec<NewRecord> = at
            .iter()
            .map(|(v, ms)| stored_checkin(v.map(|i| self.venues[i].id), *ms).unwrap())
            .collect();
        for (v, ms) in at {
            self.scans
                .push((v.map(|i| self.venues[i].id), day_of_ms(*ms)));
        }
        // A re-upload of the same batch counts nothing more.
        store.insert_records(records.clone()).await.unwrap();
        store.insert_records(records).await.unwrap();
    }

    fn expected(&self, from: i64, to: i64, ward: &str) -> Vec<(Id128, u64)> {
        let mut out: Vec<(Id128, u64)> = self
            .venues
            .iter()
            .filter(|v| ward.is_empty() || v.ward == ward)
            .map(|v| {
                let n = self
                    .scans
                    .iter()
                    .filter(|(id, d)| *id == Some(v.id) && (from..=to).contains(d))
                    .count();
                (v.id, n as u64)
            })
            .collect();
        out.sort();
        out
    }
}

fn ids(rows: Vec<(VenueRow, u64)>) -> Vec<(Id128, u64)> {
    let mut out: Vec<(Id128, u64)> = rows.into_iter().map(|(v, n)| (v.id, n)).collect();
    out.sort();
    out
}

async fn check<S: Storage>(store: &S, model: &Model, from: i64, to: i64, ward: &str) {
    let window = ScanWindow {
        from_day: from,
        to_day: to,
        ward: ward.into(),
        category: None,
    };
    let served = ids(store.venue_scan_counts(&window).await.unwrap());
    let summed = ids(store.venue_scan_counts_summed(&window).await.unwrap());
    let what = format!("days {from}..={to}, ward {ward:?}");
    assert_eq!(served, summed, "rollup vs direct sum, {what}");
    assert_eq!(
        served,
        model.expected(from, to, ward),
        "vs stored check-ins, {what}"
    );
}

/// Stores the story's check-ins; returns the day the rollup should end on and how many
/// stored scans of known venues fall on it (the rollup's `d0` column total).
async fn rollup_story<S: Storage>(store: &S) -> (i64, i64) {
    let mut model = Model {
        venues: vec![
            venue("A", "W1", 2),
            venue("B", "W1", 2),
            venue("C", "W2", 3),
            venue("Quiet", "W2", 3),
        ],
        scans: Vec::new(),
    };
    for v in &model.venues {
        store.insert_venue(v.clone()).await.unwrap();
    }
    let t = day_of_ms(NOON);
    // Stored before the rollup is first used: it is built from the daily aggregates.
    model
        .store(
            store,
            &[
                (Some(0), NOON),
                (Some(0), NOON - DAY),
                (Some(0), NOON - 13 * DAY),
                (Some(0), NOON - 20 * DAY),
                (Some(0), NOON - 21 * DAY),
                (Some(1), NOON - 5 * DAY),
                (Some(2), NOON - 2 * DAY),
                (None, NOON),
            ],
        )
        .await;
    // Before the first build every window is summed from the daily aggregates.
    check(store, &model, t - 13, t, "").await;
    // The keeper (`spawn_rollup_keeper`) builds it; requests never re-base.
    assert!(store.rebase_scan_rollup(t).await.unwrap());
    assert!(!store.rebase_scan_rollup(t).await.unwrap(), "already on t");
    for days in [1, 7, 14, 21] {
        check(store, &model, t - days + 1, t, "").await;
    }
    check(store, &model, t - 13, t, "W1").await;
    check(store, &model, t - 21, t, "").await; // 22 days: the fallback

    // Ingest on the rollup's day, for the next day (before any re-base), and late uploads.
    model
        .store(
            store,
            &[
                (Some(0), NOON + 1000),
                (Some(1), NOON + DAY),
                (Some(2), NOON + DAY + 5000),
                (Some(2), NOON - 3 * DAY),
                (Some(1), NOON - 30 * DAY),
            ],
        )
        .await;
    check(store, &model, t - 13, t, "").await;
    check(store, &model, t, t, "W2").await;
    // The day changes: until the keeper re-bases, windows ending on t + 1 are summed;
    // then they are read from the re-based rollup.
    check(store, &model, t + 1 - 13, t + 1, "").await;
    assert!(store.rebase_scan_rollup(t + 1).await.unwrap());
    for days in [1, 14, 21] {
        check(store, &model, t + 1 - days + 1, t + 1, "").await;
    }
    // Ingest after the re-base, including a late upload for the old day.
    model
        .store(
            store,
            &[
                (Some(1), NOON + DAY + 9000),
                (Some(0), NOON + 2000),
                (Some(3), NOON - 20 * DAY),
            ],
        )
        .await;
    check(store, &model, t + 1 - 13, t + 1, "").await;
    check(store, &model, t - 19, t + 1, "W2").await;
    // A window ending before the rollup's day is summed directly.
    check(store, &model, t - 13, t, "").await;
    // Forcing a rebuild (bulk loads) changes nothing.
    store.rebuild_scan_rollup(t + 1).await.unwrap();
    check(store, &model, t - 6, t + 1, "").await;
    // Two days pass before the next re-base (PostgreSQL shifts the columns by two and
    // counts both new days from the daily aggregates); check-ins of both days and a late
    // one for the old rollup day arrive first.
    model
        .store(
            store,
            &[
                (Some(0), NOON + 2 * DAY),
                (Some(3), NOON + 2 * DAY + 1000),
                (Some(1), NOON + 3 * DAY),
                (Some(2), NOON + DAY + 7000),
            ],
        )
        .await;
    assert!(store.rebase_scan_rollup(t + 3).await.unwrap());
    for days in [1, 2, 3, 14, 21] {
        check(store, &model, t + 3 - days + 1, t + 3, "").await;
    }
    check(store, &model, t + 3 - 13, t + 3, "W2").await;
    let on_last_day = model
        .scans
        .iter()
        .filter(|(v, d)| v.is_some() && *d == t + 3)
        .count();
    (t + 3, on_last_day as i64)
}

#[tokio::test]
async fn rollup_agrees_with_daily_sums_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = SqliteStore::open(&path).unwrap();
    let (day, scans) = rollup_story(&store).await;
    // The rollup itself (not only the fallback) served the windows ending on its day.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let read: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT day FROM scan_rollup), (SELECT sum(d0) FROM venue_recent_scans)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(read, (day, scans));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_agrees_with_daily_sums_postgres() {
    let cluster = vaora_tests::pg::PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    let (day, scans) = rollup_story(&store).await;
    let read: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT day FROM scan_rollup), (SELECT sum(d0)::bigint FROM venue_recent_scans)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(read, (day, scans));
}
