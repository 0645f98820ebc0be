//! The server's inspection list (`vaora_server::compliance::inspection`: the console's rule
//! applied to each backend's narrow per-venue counts, then the flagged venues read back)
//! against the console's own Rust rule (`vaora_console::compliance::inspect`) applied to
//! counts this test keeps itself, on SQLite and PostgreSQL, over the per-venue rollup and
//! over the daily aggregates, with ward and category filters; and the narrow counts
//! themselves (`Storage::peer_counts`) against the test's.
//!
//! The data is generated (several seeds) so that every corner of the rule occurs, and the
//! test asserts that it does: ties, peer groups of even and odd size (medians ending in .5),
//! a median exactly at `MIN_PEER_MEDIAN`, counts exactly at a quarter of the median, zero-scan
//! venues, quiet peer groups (median below `MIN_PEER_MEDIAN`) where a low count is not
//! flagged, revoked venues (never peers), and check-ins outside the window.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::DateTime;
use vaora_console::backend::{VenueScanCount, VenueSummary};
use vaora_console::compliance::{FEW_SHARE, Finding, MIN_PEER_MEDIAN, inspect};
use vaora_protocol::ids::Id128;
use vaora_protocol::venue::VenueCategory;
use vaora_server::compliance::inspection;
use vaora_server::storage::{ScanWindow, VenueRow, day_of_ms};
use vaora_server::{PgStore, SqliteStore, Storage};
use vaora_tests::stored_records::stored_checkin;

const DAY: i64 = 86_400_000;
/// 2026-11-20 12:00 UTC.
const NOON: i64 = 1_763_640_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the test stored: venues (revoked or not) and the day of every check-in per venue.
#[derive(Default)]
struct Model {
    venues: Vec<VenueRow>,
    days: BTreeMap<Id128, Vec<i64>>,
}

impl Model {
    /// The rows `inspect` gets: active venues matching the filters, scans in the window.
    fn counts(&self, from: i64, to: i64, ward: &str, category: Option<u8>) -> Vec<VenueScanCount> {
        self.venues
            .iter()
            .filter(|v| !v.revoked)
            .filter(|v| ward.is_empty() || v.ward == ward)
            .filter(|v| category.is_none_or(|c| c == v.category))
            .map(|v| VenueScanCount {
                venue: VenueSummary {
                    id: v.id.to_hex(),
                    name: v.name.clone(),
                    category: VenueCategory::from_code(v.category).unwrap(),
                    ward: v.ward.clone(),
                    address: v.address.clone(),
                    registered_at: DateTime::from_timestamp_millis(v.registered_ms).unwrap(),
                    revoked: false,
                    self_registered: false,
                    contact: String::new(),
                },
                scans: self
                    .days
                    .get(&v.id)
                    .map_or(0, |d| d.iter().filter(|d| (from..=to).contains(*d)).count())
                    as u64,
            })
            .collect()
    }
}

/// One peer group's scan counts in the 14-day window ending on day `t`.
fn group_counts(rng: &mut Rng, fixed: &[&[u64]], g: usize) -> Vec<u64> {
    if let Some(f) = fixed.get(g) {
        return f.to_vec();
    }
    let size = 1 + rng.below(9) as usize; // 1..=9 peers: even and odd
    let level = [0, 1, 3, 4, 6, 8, 13, 20][rng.below(8) as usize];
    (0..size)
        .map(|_| match rng.below(10) {
            0 | 1 => 0,
            2 | 3 => rng.below(4),         // low, often a tie with others
            4 => level / 4 + rng.below(2), // around a quarter of the level
            _ => level + rng.below(2) * 2, // busy, with ties
        })
        .collect()
}

/// Boundary groups first, then random ones: the median at exactly 4.0 with a count at
/// exactly a quarter (not flagged), just below (flagged), an even group with a .5 median,
/// a quiet group whose low count is not judged, an all-zero group, a single venue.
const FIXED: &[&[u64]] = &[
    &[4, 4, 1, 9],     // median 4.0: 1 is not < 1.0
    &[8, 8, 1, 30, 2], // median 8.0: 1 < 2.0 flagged, 2 is not
    &[1, 4, 5, 9],     // median 4.5: 1 < 1.125 flagged
    &[3, 3, 0, 1, 3],  // median 3.0 < 4: only the zero is flagged
    &[0, 0],           // median 0.0: both have no scans
    &[7],              // alone: its own median
];

async fn load<S: Storage>(store: &S, model: &mut Model, seed: u64, t: i64) {
    let mut rng = Rng(seed);
    let mut records = Vec::new();
    let wards = ["Phường Bến Nghé", "Xã An Phú", "W3"];
    let categories = [2u8, 3, 7];
    let mut g = 0;
    for ward in wards {
        for &category in &categories {
            let ward = format!("{ward} s{seed}");
            let counts = group_counts(&mut rng, FIXED, g);
            g += 1;
            for (i, scans) in counts.iter().enumerate() {
                let v = VenueRow {
                    id: Id128::random().unwrap(),
                    name: format!("Venue {seed}-{g}-{i}"),
                    category,
                    ward: ward.clone(),
                    address: format!("{i} Lê Lợi"),
                    code_text: "VN1:test".into(),
                    registered_ms: NOON,
                    revoked: false,
                    contact: String::new(),
                    manage_hash: None,
                };
                store.insert_venue(v.clone()).await.unwrap();
                // Scans spread over the 14 days ending on t, plus some before the window
                // (days t-20..t-14: inside a 21-day window only).
                let mut days = Vec::new();
                for _ in 0..*scans {
                    days.push(t - rng.below(14) as i64);
                }
                for _ in 0..rng.below(3) {
                    days.push(t - 14 - rng.below(7) as i64);
                }
                for d in &days {
                    let ms = d * DAY + (rng.below(86_000) as i64) * 1000;
                    assert_eq!(day_of_ms(ms), *d);
                    records.push(stored_checkin(Some(v.id), ms).unwrap());
                }
                model.days.insert(v.id, days);
                model.venues.push(v);
            }
            // A busy revoked venue in every group: never a peer, never listed.
            let revoked = VenueRow {
                id: Id128::random().unwrap(),
                name: format!("Revoked {seed}-{g}"),
                category,
                ward: ward.clone(),
                address: String::new(),
                code_text: "VN1:test".into(),
                registered_ms: NOON,
                revoked: true,
                contact: String::new(),
                manage_hash: None,
            };
            store.insert_venue(revoked.clone()).await.unwrap();
            assert!(store.revoke_venue_row(revoked.id, NOON).await.unwrap());
            for k in 0..50 {
                records.push(stored_checkin(Some(revoked.id), t * DAY - k * 3_600_000).unwrap());
            }
            model.venues.push(revoked);
        }
    }
    for batch in records.chunks(200) {
        store.insert_records(batch.to_vec()).await.unwrap();
    }
}

/// Venue id, scans, peer median, finding.
type Entry = (String, u64, f64, Finding);
type Listed = Vec<Entry>;

fn listed(mut rows: Listed) -> Listed {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// The server's list equals the Rust rule's over the model's counts, its narrow counts equal
/// the model's, and (for good measure) the Rust rule over the store's listed counts gives
/// the same list; returns the expected list.
async fn agree<S: Storage>(
    store: &S,
    model: &Model,
    from: i64,
    to: i64,
    ward: &str,
    category: Option<u8>,
) -> Listed {
    let what = format!("days {from}..={to}, ward {ward:?}, category {category:?}");
    let window = ScanWindow {
        from_day: from,
        to_day: to,
        ward: ward.into(),
        category,
    };
    let rows = model.counts(from, to, ward, category);
    let checked = rows.len() as u64;
    let mut kept: Vec<(String, u64)> = rows.iter().map(|r| (r.venue.id.clone(), r.scans)).collect();
    kept.sort();
    let expected = listed(
        inspect(rows)
            .into_iter()
            .map(|f| (f.row.venue.id, f.row.scans, f.peer_median, f.finding))
            .collect(),
    );
    let list = inspection(store, &window).await.unwrap();
    assert_eq!(list.checked, checked, "checked, {what}");
    let got = listed(
        list.flagged
            .iter()
            .map(|f| {
                assert!(!f.venue.revoked, "{what}");
                assert!(!f.venue.name.is_empty(), "{what}");
                (f.venue.id.to_hex(), f.scans, f.peer_median, f.finding)
            })
            .collect(),
    );
    assert_eq!(got, expected, "server vs Rust rule, {what}");
    let mut narrow: Vec<(String, u64)> = store
        .peer_counts(&window)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.venue_id.to_hex(), c.scans))
        .collect();
    narrow.sort();
    assert_eq!(narrow, kept, "narrow counts, {what}");
    let from_store = store
        .venue_scan_counts(&window)
        .await
        .unwrap()
        .into_iter()
        .map(|(v, scans)| VenueScanCount {
            venue: VenueSummary {
                id: v.id.to_hex(),
                name: v.name,
                category: VenueCategory::from_code(v.category).unwrap(),
                ward: v.ward,
                address: v.address,
                registered_at: DateTime::from_timestamp_millis(v.registered_ms).unwrap(),
                revoked: v.revoked,
                self_registered: v.manage_hash.is_some(),
                contact: v.contact,
            },
            scans,
        })
        .collect();
    let rust_on_store = listed(
        inspect(from_store)
            .into_iter()
            .map(|f| (f.row.venue.id, f.row.scans, f.peer_median, f.finding))
            .collect(),
    );
    assert_eq!(
        rust_on_store, expected,
        "Rust rule on the store's counts, {what}"
    );
    expected
}

/// Returns the model and the rollup's day, for the backends' own checks.
async fn inspection_matches_rust_rule<S: Storage>(store: &S) -> (Model, i64) {
    let t = day_of_ms(NOON);
    let mut model = Model::default();
    for seed in [
        0x2545_f491_4f6c_dd1d,
        0x9e37_79b9_7f4a_7c15,
        0xdead_beef_cafe_f00d,
    ] {
        load(store, &mut model, seed, t).await;
    }
    // The keeper's job, done here: the rollup ends on t.
    assert!(store.rebase_scan_rollup(t).await.unwrap());
    assert!(!store.rebase_scan_rollup(t).await.unwrap(), "already on t");

    let mut all = Vec::new();
    for days in [1, 7, 14, 21] {
        // Over the rollup (ends on its day) and over the daily aggregates (ends a day
        // earlier, or is longer than the rollup).
        all.extend(agree(store, &model, t - days + 1, t, "", None).await);
        agree(store, &model, t - days, t - 1, "", None).await;
    }
    agree(store, &model, t - 21, t, "", None).await;
    let ward = model.venues[0].ward.clone();
    agree(store, &model, t - 13, t, &ward, None).await;
    agree(store, &model, t - 13, t, "", Some(3)).await;
    agree(store, &model, t - 14, t - 1, &ward, Some(2)).await;
    agree(store, &model, t - 13, t, "no such ward", None).await;

    // The data reached every corner of the rule.
    let has = |f: &dyn Fn(&Entry) -> bool| all.iter().any(f);
    assert!(has(&|r| r.3 == Finding::NoScans));
    assert!(has(&|r| r.3 == Finding::FewScans));
    assert!(
        has(&|r| r.3 == Finding::FewScans && r.2.fract() == 0.5),
        "even group"
    );
    assert!(has(&|r| r.3 == Finding::NoScans && r.2 < MIN_PEER_MEDIAN));
    assert!(has(&|r| r.3 == Finding::NoScans && r.2 >= MIN_PEER_MEDIAN));
    // The fixed groups of the first seed, venue by venue: a count exactly at a quarter of
    // the median is not flagged, one just below is.
    let rows = model.counts(t - 13, t, "", None);
    let flagged = inspect(rows.clone());
    let finding = |i: usize| {
        flagged
            .iter()
            .find(|f| f.row.venue.id == rows[i].venue.id)
            .map(|f| (f.finding, f.peer_median))
    };
    let first: Vec<u64> = rows.iter().take(9).map(|r| r.scans).collect();
    assert_eq!(first, [FIXED[0], FIXED[1]].concat(), "fixed groups");
    assert_eq!(MIN_PEER_MEDIAN * FEW_SHARE, 1.0);
    assert_eq!(finding(2), None, "1 vs median 4.0");
    assert_eq!(
        finding(6),
        Some((Finding::FewScans, 8.0)),
        "1 vs median 8.0"
    );
    assert_eq!(finding(8), None, "2 vs median 8.0");

    kept_up_after_the_build(store, &mut model, t).await;
    (model, t)
}

/// Changes after the rollup was built reach its rows (PostgreSQL keeps one row per active
/// venue with its peer group, written by registration, dropped by revocation, counted by
/// ingest): a venue registered after check-ins already named it (those never count), a
/// venue registered with none, a peer revoked, new and late check-ins, and check-ins of revoked and unknown venues.
async fn kept_up_after_the_build<S: Storage>(store: &S, model: &mut Model, t: i64) {
    let at = |d: i64, k: i64| d * DAY + k * 60_000;
    let first = model.venues[0].clone();
    let new_venue = |name: &str| VenueRow {
        id: Id128::random().unwrap(),
        name: name.into(),
        category: first.category,
        ward: first.ward.clone(),
        address: "2 Lê Lợi".into(),
        code_text: "VN1:test".into(),
        registered_ms: NOON,
        revoked: false,
        contact: String::new(),
        manage_hash: None,
    };
    // Check-ins naming a venue before it is registered: not counted (a device may name any
    // venue id; only the registry decides what counts).
    let early = new_venue("Registered after its check-ins");
    let early_days = [t, t - 3, t - 15, t - 30, t];
    let records: Vec<_> = early_days
        .iter()
        .enumerate()
        .map(|(k, d)| stored_checkin(Some(early.id), at(*d, k as i64)).unwrap())
        .collect();
    store.insert_records(records).await.unwrap();
    store.insert_venue(early.clone()).await.unwrap();
    model.days.insert(early.id, Vec::new());
    model.venues.push(early.clone());
    let fresh = new_venue("Registered, never scanned");
    store.insert_venue(fresh.clone()).await.unwrap();
    model.venues.push(fresh);
    // A peer with scans leaves the group.
    assert!(store.revoke_venue_row(first.id, NOON).await.unwrap());
    model.venues[0].revoked = true;
    // New check-ins on the rollup's day, late ones for earlier days, for the new venue, a
    // busy venue of another group, the revoked venue and a venue nobody registered.
    let busy = model
        .venues
        .iter()
        .filter(|v| !v.revoked && v.ward != first.ward)
        .max_by_key(|v| model.days.get(&v.id).map_or(0, Vec::len))
        .unwrap()
        .id;
    let mut records = Vec::new();
    for (k, (venue, day)) in [
        (early.id, t),
        (early.id, t - 5),
        (busy, t),
        (busy, t - 1),
        (busy, t - 20),
        (busy, t - 25),
        (first.id, t),
        (Id128::random().unwrap(), t),
    ]
    .into_iter()
    .enumerate()
    {
        records.push(stored_checkin(Some(venue), at(day, 100 + k as i64)).unwrap());
        if let Some(days) = model.days.get_mut(&venue) {
            days.push(day);
        }
    }
    store.insert_records(records).await.unwrap();
    for days in [1, 2, 7, 14, 21] {
        agree(store, model, t - days + 1, t, "", None).await;
        agree(store, model, t - days, t - 1, "", None).await;
    }
    agree(store, model, t - 13, t, &first.ward, None).await;
    agree(store, model, t - 13, t, &first.ward, Some(first.category)).await;
}

#[tokio::test]
async fn inspection_matches_the_rust_rule_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    inspection_matches_rust_rule(&store).await;
}

/// The scans of active venues on day `t`, as the model has them (the rollup's `d0` total).
fn active_scans_on(model: &Model, t: i64) -> i64 {
    model
        .venues
        .iter()
        .filter(|v| !v.revoked)
        .map(|v| {
            model
                .days
                .get(&v.id)
                .map_or(0, |d| d.iter().filter(|d| **d == t).count())
        })
        .sum::<usize>() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspection_matches_the_rust_rule_postgres() {
    let cluster = vaora_tests::pg::PgCluster::start().expect("PostgreSQL for the test");
    let store = PgStore::connect(&cluster.url()).await.unwrap();
    let (model, t) = inspection_matches_rust_rule(&store).await;
    // The rollup itself (not the fallback) is on t, holds one row per active venue with
    // that venue's peer group, and its d0 column counts exactly the active venues' scans.
    let active = model.venues.iter().filter(|v| !v.revoked).count() as i64;
    let (day, rows, matching, d0): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT day FROM scan_rollup),
                (SELECT count(*) FROM venue_recent_scans),
                (SELECT count(*) FROM venue_recent_scans r JOIN venues v ON v.id = r.venue_id
                 WHERE v.revoked_at IS NULL AND v.ward = r.ward AND v.category = r.category),
                (SELECT sum(d0)::bigint FROM venue_recent_scans)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (day, rows, matching, d0),
        (t, active, active, active_scans_on(&model, t))
    );
}
