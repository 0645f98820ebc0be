//! SQLCipher's crypto provider differs per platform build (OpenSSL on Linux, LibTomCrypt on
//! Android, CommonCrypto on iOS), but a diary is one file format: SQLCipher 4 defaults
//! (AES-256-CBC, HMAC-SHA512, PBKDF2-HMAC-SHA512 with 256,000 iterations, 4 KiB pages).
//! These tests run in every build: they check which provider this build really uses, that
//! the committed files written by each provider open here page by page (HMAC-checked), and
//! that what this build writes is encrypted and opens again. Run them for LibTomCrypt with
//! `bindings/size/measure.sh`'s flags (see docs/bindings.md, "Library size").

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::FixedOffset;
use rusqlite::{Connection, OpenFlags};
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey, NewPerson};
use vaora_protocol::clock::SystemClock;

#[path = "common/fixture_spec.rs"]
mod fixture_spec;
use fixture_spec::{KEYS, ROWS, body};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected_provider() -> &'static str {
    if cfg!(feature = "libtomcrypt") {
        "libtomcrypt"
    } else if cfg!(target_vendor = "apple") {
        "commoncrypto"
    } else {
        "openssl"
    }
}

fn provider(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA cipher_provider", [], |r| r.get(0))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn this_build_uses_the_expected_provider() {
    let conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "key", KEYS[0].1).unwrap();
    assert_eq!(provider(&conn).unwrap(), expected_provider());
}

#[test]
fn files_written_by_every_provider_open_here() {
    let mut opened = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((_, key)) = KEYS
            .iter()
            .find(|(kind, _)| name.ends_with(&format!("-{kind}.db")))
        else {
            continue;
        };
        let raw = std::fs::read(&path).unwrap();
        assert!(
            !raw.starts_with(b"SQLite format 3\0"),
            "{name} is not encrypted"
        );
        assert!(!contains(&raw, b"VAORA-PLAIN"), "{name} holds plaintext");
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.pragma_update(None, "key", key).unwrap();
        let bad_pages: Vec<String> = conn
            .prepare("PRAGMA cipher_integrity_check")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(bad_pages.is_empty(), "{name}: {bad_pages:?}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, ROWS, "{name}");
        let row: String = conn
            .query_row("SELECT body FROM t WHERE id = 137", [], |r| r.get(0))
            .unwrap();
        assert_eq!(row, body(137), "{name}");
        opened.push(name);
    }
    opened.sort();
    // Both providers that can be built on Linux wrote fixtures, with both kinds of key.
    for provider in ["libtomcrypt", "openssl"] {
        for (kind, _) in KEYS {
            let file = format!("{provider}-{kind}.db");
            assert!(
                opened.contains(&file),
                "missing fixture {file}; opened {opened:?}"
            );
        }
    }
}

#[test]
fn a_wrong_key_is_refused() {
    let path = fixtures().join("openssl-rawkey.db");
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.pragma_update(
        None,
        "key",
        "x'1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100'",
    )
    .unwrap();
    assert!(
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
}

#[test]
fn a_diary_written_here_is_encrypted_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let key = [7u8; 32];
    let clock = || Arc::new(SystemClock::new(FixedOffset::east_opt(7 * 3600).unwrap()));
    let name = "Nguyễn Thị VAORA-PLAIN";
    {
        let mut diary = Diary::open(
            &path,
            &DiaryKey::from_bytes(key),
            clock(),
            DiaryConfig::default(),
        )
        .unwrap();
        diary
            .add_person(NewPerson {
                display_name: name.into(),
                relation: None,
                birth_year: None,
            })
            .unwrap();
    }
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.starts_with(b"SQLite format 3\0"));
    assert!(!contains(&raw, b"VAORA-PLAIN"));
    let diary = Diary::open(
        &path,
        &DiaryKey::from_bytes(key),
        clock(),
        DiaryConfig::default(),
    )
    .unwrap();
    let people = diary.list_people().unwrap();
    assert!(
        people.iter().any(|p| p.display_name == name),
        "member lost on reopen"
    );
    drop(diary);
    let wrong = Diary::open(
        &path,
        &DiaryKey::from_bytes([8u8; 32]),
        clock(),
        DiaryConfig::default(),
    );
    assert!(wrong.is_err(), "a wrong key opened the diary");
}
