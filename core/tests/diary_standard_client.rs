//! The diary is a standard SQLCipher 4 database: an outside client (Python's `sqlcipher3`,
//! PyPI package `sqlcipher3-wheels`) opens it with `PRAGMA key = "x'<hex>'"` and reads
//! the check-ins. This is the audit and data-rescue path, so it must keep working.
//!
//! Needs `python3` with `sqlcipher3` (`pip install sqlcipher3-wheels`); when it is
//! missing the test FAILS with instructions (it never passes silently).
//! `VAORA_PYTHON` overrides the interpreter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::process::Command;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use vaora_core::diary::{CheckInRequest, Diary, DiaryConfig, DiaryKey, NewPerson, Page};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

const SCRIPT: &str = r#"
import json, sys
try:
    from sqlcipher3 import dbapi2 as sqlcipher
except ImportError as e:
    print("MISSING: " + str(e))
    sys.exit(3)
con = sqlcipher.connect(sys.argv[1])
con.execute("PRAGMA key = \"x'%s'\"" % sys.argv[2])
try:
    rows = con.execute(
        "SELECT lower(hex(c.id)), p.display_name, c.venue_name, c.checked_in_at "
        "FROM checkins c JOIN people p ON p.id = c.person_id "
        "ORDER BY c.place DESC").fetchall()
except sqlcipher.DatabaseError as e:
    print("DBERROR: " + str(e))
    sys.exit(4)
version = con.execute("PRAGMA cipher_version").fetchone()[0]
print(json.dumps({"cipher_version": version, "rows": rows}))
"#;

fn python() -> String {
    std::env::var("VAORA_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn run_script(path: &std::path::Path, key_hex: &str) -> (i32, String) {
    let out = Command::new(python())
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .arg(key_hex)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}. Install Python 3 and `pip install sqlcipher3-wheels`",
                python()
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().unwrap_or(-1);
    if code == 3 {
        panic!(
            "Python module sqlcipher3 is missing ({}): run `pip install sqlcipher3-wheels`",
            stdout.trim()
        );
    }
    (code, stdout)
}

#[test]
fn python_sqlcipher3_reads_the_check_ins_with_the_raw_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let key = DiaryKey::generate().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 10, 3, 0, 0).unwrap(),
    ));
    let mut d = Diary::open(&path, &key, clock.clone(), DiaryConfig::default()).unwrap();
    let mai = d
        .add_person(NewPerson {
            display_name: "Lê Thị Mai".into(),
            ..NewPerson::default()
        })
        .unwrap();
    for (i, name) in ["Chợ Đà Lạt", "Nhà sách Phương Nam"].iter().enumerate() {
        d.check_in(CheckInRequest {
            people: vec![d.owner_id(), mai.id],
            venue: VenueRef {
                id: None,
                name: (*name).into(),
                address: String::new(),
                category: VenueCategory::Other,
                issuer_key_id: None,
                verified: false,
            },
            method: CheckInMethod::ManualEntry,
            at: Some(clock.now() - Duration::hours(2 - i as i64)),
            venue_default_stay: None,
        })
        .unwrap();
    }
    let ours: Vec<(String, String, String, i64)> = d
        .list_checkins(Page::default())
        .unwrap()
        .iter()
        .map(|c| {
            (
                c.id.to_hex(),
                c.person_name.clone(),
                c.venue.name.clone(),
                c.checked_in_at.timestamp_millis(),
            )
        })
        .collect();
    assert_eq!(ours.len(), 4);
    d.close().unwrap();

    let (code, stdout) = run_script(&path, key.to_hex().as_str());
    assert_eq!(code, 0, "python failed: {stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(v["cipher_version"].as_str().unwrap().starts_with('4'));
    let theirs: Vec<(String, String, String, i64)> =
        serde_json::from_value(v["rows"].clone()).unwrap();
    assert_eq!(theirs, ours);

    // The same client with another key gets nothing.
    let other = DiaryKey::generate().unwrap();
    let (code, stdout) = run_script(&path, other.to_hex().as_str());
    assert_eq!(code, 4, "a wrong key must not read the diary: {stdout}");
}
