//! What the diary guarantees on disk: nothing readable in any file, a wrong key never
//! touches the file, damaged files are typed errors, key loss keeps the old file aside,
//! rekey switches keys in place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use vaora_core::diary::{
    CheckInRequest, Diary, DiaryConfig, DiaryError, DiaryKey, NewPerson, Page,
};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

const VENUE: &str = "Quán Cà Phê Ngựa Vằn 7731";
const MEMBER: &str = "Trần Văn Độc Nhất";

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap(),
    ))
}

/// Adds a member and checks the owner and the member in at [`VENUE`] a few times.
fn fill(d: &mut Diary) {
    let m = d
        .add_person(NewPerson {
            display_name: MEMBER.into(),
            relation: Some("uncle".into()),
            birth_year: Some(1970),
        })
        .unwrap();
    let now = d.clock().now();
    for i in 0..20 {
        d.check_in(CheckInRequest {
            people: vec![d.owner_id(), m.id],
            venue: VenueRef {
                id: None,
                name: VENUE.into(),
                address: "12 Đường Hoa Sứ".into(),
                category: VenueCategory::RestaurantOrShop,
                issuer_key_id: None,
                verified: false,
            },
            method: CheckInMethod::ManualEntry,
            at: Some(now - chrono::Duration::minutes(20 - i)),
            venue_default_stay: None,
        })
        .unwrap();
    }
}

fn diary_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every (file, needle) pair where the needle shows up in the clear.
fn leaks(dir: &Path, needles: &[Vec<u8>]) -> Vec<String> {
    let mut found = Vec::new();
    for f in diary_files(dir) {
        let bytes = std::fs::read(&f).unwrap();
        for (i, n) in needles.iter().enumerate() {
            if contains(&bytes, n) {
                found.push(format!("needle {i} in {}", f.display()));
            }
        }
    }
    found
}

#[test]
fn no_plaintext_in_any_file_while_open_and_after_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let key = DiaryKey::generate().unwrap();
    let mut d = Diary::open(&path, &key, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    let needles = vec![
        VENUE.as_bytes().to_vec(),
        MEMBER.as_bytes().to_vec(),
        d.identity().secret_bytes().to_vec(),
        key.as_bytes().to_vec(),
    ];
    // While open, the data sits in the WAL: make sure there is something to scan.
    let wal = dir.path().join("diary.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "WAL expected");
    assert!(dir.path().join("diary.db-shm").exists());
    assert_eq!(leaks(dir.path(), &needles), Vec::<String>::new());
    d.close().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 4096);
    assert_eq!(leaks(dir.path(), &needles), Vec::<String>::new());
}

/// The control for the scan above: the same data in a diary opened without a key is
/// found, so the scan really looks at the data.
#[test]
fn plaintext_scan_finds_the_data_in_an_unencrypted_diary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let mut d = Diary::open_plaintext_for_bench(&path, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    let needles = vec![VENUE.as_bytes().to_vec(), MEMBER.as_bytes().to_vec()];
    assert!(!leaks(dir.path(), &needles).is_empty());
    d.close().unwrap();
    assert_eq!(leaks(dir.path(), &needles).len(), 2);
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    diary_files(dir)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn wrong_key_is_a_typed_error_and_leaves_every_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let key = DiaryKey::generate().unwrap();
    let mut d = Diary::open(&path, &key, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    d.close().unwrap();
    let before = snapshot(dir.path());
    let other = DiaryKey::generate().unwrap();
    for _ in 0..3 {
        let err = Diary::open(&path, &other, clock(), DiaryConfig::default()).unwrap_err();
        assert!(matches!(err, DiaryError::WrongKey), "{err}");
    }
    assert_eq!(snapshot(dir.path()), before, "closed diary touched");

    // Also while the right owner has it open with a live WAL.
    let d = Diary::open(&path, &key, clock(), DiaryConfig::default()).unwrap();
    let main_before = std::fs::read(&path).unwrap();
    let wal_before = std::fs::read(dir.path().join("diary.db-wal")).unwrap();
    let err = Diary::open(&path, &other, clock(), DiaryConfig::default()).unwrap_err();
    assert!(matches!(err, DiaryError::WrongKey), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), main_before);
    assert_eq!(
        std::fs::read(dir.path().join("diary.db-wal")).unwrap(),
        wal_before
    );
    assert_eq!(d.list_checkins(Page::first(100)).unwrap().len(), 40);
    d.close().unwrap();
}

#[test]
fn damaged_files_are_corrupt_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let key = DiaryKey::generate().unwrap();
    let mut d = Diary::open(&path, &key, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    d.close().unwrap();
    let good = std::fs::read(&path).unwrap();
    let open = |p: &Path| Diary::open(p, &key, clock(), DiaryConfig::default());

    // Too short, and not a whole number of pages.
    for len in [100usize, 4096 + 1000] {
        let p = dir.path().join(format!("cut{len}.db"));
        std::fs::write(&p, &good[..len]).unwrap();
        let err = open(&p).unwrap_err();
        assert!(matches!(err, DiaryError::Corrupt(_)), "{len}: {err}");
        assert_eq!(std::fs::read(&p).unwrap(), &good[..len], "left as it was");
    }

    // A plain (unencrypted) SQLite file.
    let plain = dir.path().join("plain.db");
    Diary::open_plaintext_for_bench(&plain, clock(), DiaryConfig::default())
        .unwrap()
        .close()
        .unwrap();
    let err = open(&plain).unwrap_err();
    assert!(matches!(err, DiaryError::Corrupt(_)), "{err}");

    // A damaged page inside a diary whose key is right: the page HMAC catches it.
    let mut bad = good.clone();
    let last_page = bad.len() - 4096;
    for b in &mut bad[last_page + 100..last_page + 200] {
        *b ^= 0x5a;
    }
    let p = dir.path().join("flipped.db");
    std::fs::write(&p, &bad).unwrap();
    let outcome = open(&p).and_then(|d| {
        d.list_checkins(Page::first(1000))?;
        d.verify_all()?;
        Ok(())
    });
    assert!(
        matches!(outcome, Err(DiaryError::Corrupt(_))),
        "{outcome:?}"
    );
}

#[test]
fn key_loss_recovery_moves_the_old_file_aside_and_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let old_key = DiaryKey::generate().unwrap();
    let mut d = Diary::open(&path, &old_key, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    d.close().unwrap();
    let old_bytes = std::fs::read(&path).unwrap();

    let new_key = DiaryKey::generate().unwrap();
    assert!(matches!(
        Diary::open(&path, &new_key, clock(), DiaryConfig::default()),
        Err(DiaryError::WrongKey)
    ));
    let (fresh, moved) =
        Diary::recover_after_key_loss(&path, &new_key, clock(), DiaryConfig::default()).unwrap();
    let moved = moved.expect("the old file was moved");
    assert!(
        moved
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains(".unreadable-")
    );
    assert_eq!(
        std::fs::read(&moved).unwrap(),
        old_bytes,
        "kept byte for byte"
    );
    assert!(fresh.list_checkins(Page::default()).unwrap().is_empty());
    assert_eq!(fresh.list_people().unwrap().len(), 1);
    fresh.close().unwrap();

    // The old diary still opens with the old key where it was moved to.
    let old = Diary::open(&moved, &old_key, clock(), DiaryConfig::default()).unwrap();
    assert_eq!(old.list_checkins(Page::first(100)).unwrap().len(), 40);
    old.close().unwrap();

    // A second recovery at the same second does not overwrite the first moved file.
    let (again, moved2) =
        Diary::recover_after_key_loss(&path, &old_key, clock(), DiaryConfig::default()).unwrap();
    again.close().unwrap();
    let moved2 = moved2.unwrap();
    assert_ne!(moved2, moved);
    assert_eq!(std::fs::read(&moved).unwrap(), old_bytes);
}

#[test]
fn rekey_in_place_old_key_fails_new_key_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let k1 = DiaryKey::generate().unwrap();
    let k2 = DiaryKey::generate().unwrap();
    let mut d = Diary::open(&path, &k1, clock(), DiaryConfig::default()).unwrap();
    fill(&mut d);
    d.rekey(&k2).unwrap();
    // Still usable after rekey in the same session.
    assert_eq!(d.list_checkins(Page::first(100)).unwrap().len(), 40);
    d.close().unwrap();
    assert!(matches!(
        Diary::open(&path, &k1, clock(), DiaryConfig::default()),
        Err(DiaryError::WrongKey)
    ));
    let d = Diary::open(&path, &k2, clock(), DiaryConfig::default()).unwrap();
    assert_eq!(d.list_checkins(Page::first(100)).unwrap().len(), 40);
    assert_eq!(d.verify_all().unwrap(), 40 + 38);
    d.close().unwrap();
    let needles = vec![VENUE.as_bytes().to_vec(), MEMBER.as_bytes().to_vec()];
    assert_eq!(leaks(dir.path(), &needles), Vec::<String>::new());
}

#[test]
fn a_nonexistent_diary_is_created_and_a_missing_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = DiaryKey::generate().unwrap();
    let path = dir.path().join("new.db");
    let d = Diary::open(&path, &key, clock(), DiaryConfig::default()).unwrap();
    d.close().unwrap();
    assert!(path.exists());
    let nested = dir.path().join("no/such/folder/d.db");
    assert!(Diary::open(&nested, &key, clock(), DiaryConfig::default()).is_err());
}
