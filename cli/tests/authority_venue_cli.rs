//! `vaora authority venue` against a real `vaora serve`: the last two lines are the venue
//! id and the signed code, the code verifies with the authority key, the poster file is
//! written (PNG or SVG by its name), and a refused request is one line on stderr.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use vaora_protocol::venue::{SignerPolicy, TrustStore, VenueCategory, VenueCode, Verification};

mod common;

use common::vaora;

/// A `vaora serve` child, killed on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &str, auth: &str) -> (Served, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vaora"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            db,
            "--authority",
            auth,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (served, url)
}

/// A fresh authority in `dir/auth` and a `vaora serve` over it: the authority's path,
/// the server and its URL.
fn authority_and_server(dir: &std::path::Path) -> (String, Served, String) {
    let auth = dir.join("auth").to_str().unwrap().to_owned();
    assert!(
        vaora(&["authority", "init", "--out", &auth])
            .status
            .success()
    );
    let db = format!("sqlite:{}", dir.join("server.db").display());
    let (server, url) = serve(&db, &auth);
    (auth, server, url)
}

/// The venue code on the last line, checked against the venue id on the line before.
fn id_and_code_last<'a>(lines: &[&'a str]) -> (vaora_protocol::venue::VenueInfo, &'a str) {
    let (id, code) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    let info = VenueCode::parse(code).unwrap().info;
    assert_eq!(info.venue_id.to_hex(), id);
    (info, code)
}

/// The code verifies with the authority key in `auth` (the server's).
fn assert_verifies(auth: &str, code: &str) {
    let authority = vaora_protocol::venue::Authority::load_dir(std::path::Path::new(auth)).unwrap();
    let mut trust = TrustStore::new();
    trust
        .apply_keyset(
            &authority.self_signed_keyset(chrono::Utc::now().timestamp()),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    assert_eq!(
        trust.verify_text(code, chrono::Utc::now()).result,
        Verification::Valid
    );
}

#[test]
fn registers_a_venue_and_prints_id_and_code_last() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _server, url) = authority_and_server(dir.path());
    let auth_s = auth.as_str();
    let png = dir.path().join("poster.png");
    let out = vaora(&[
        "authority",
        "venue",
        "--server",
        &url,
        "--authority",
        auth_s,
        "--name",
        "Nhà thuốc Long Châu 12",
        "--address",
        "12 Hai Bà Trưng",
        "--category",
        "pharmacy",
        "--stay-minutes",
        "20",
        "--poster-out",
        png.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let (info, code) = id_and_code_last(&lines);
    assert_eq!(info.name, "Nhà thuốc Long Châu 12");
    assert_eq!(info.category, VenueCategory::Pharmacy);
    assert_eq!(info.default_stay_min, 20);
    assert_verifies(&auth, code);
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));

    let svg = dir.path().join("poster.svg");
    let out = vaora(&[
        "authority",
        "venue",
        "--server",
        &url,
        "--authority",
        auth_s,
        "--name",
        "Trạm xe buýt Bến Thành",
        "--poster-out",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    // Refused by the server (unknown category): one line on stderr, non-zero exit.
    let out = vaora(&[
        "authority",
        "venue",
        "--server",
        &url,
        "--authority",
        auth_s,
        "--name",
        "Ki-ốt",
        "--category",
        "spaceport",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("spaceport"), "{stderr}");
}

/// `vaora authority case --card`: a card holder's case prints the case id on the last
/// line (like `--device`); a number that is no card number is refused, nothing printed
/// on stdout.
#[test]
fn marks_a_card_holders_case_and_prints_its_id_last() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _server, url) = authority_and_server(dir.path());
    let auth_s = auth.as_str();
    let case = |card: &str| {
        vaora(&[
            "authority",
            "case",
            "--server",
            &url,
            "--authority",
            auth_s,
            "--card",
            card,
            "--from",
            "2026-11-25T00:00:00Z",
            "--to",
            "2026-11-26T00:00:00Z",
        ])
    };
    let out = case("001 048 009 876");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"case check-ins 0"), "{stdout}");
    let id = lines.last().unwrap();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{stdout}"
    );
    let bad = case("12345");
    assert!(!bad.status.success());
    assert!(bad.stdout.is_empty());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("bad_card") || err.contains("card number"),
        "{err}"
    );
}

/// `vaora venue register` (issue 19): an owner registers a venue with no authority key;
/// the last two lines are the venue id and the signed code (which the server's authority
/// key verifies), the management secret is printed once, the poster is written; past
/// five venues for one phone the server's refusal is one line on stderr, nothing on stdout.
#[test]
fn an_owner_registers_a_venue_without_an_authority_key() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _server, url) = authority_and_server(dir.path());
    let png = dir.path().join("own.png");
    let register = |name: &str, poster: Option<&str>| {
        let mut args = vec![
            "venue",
            "register",
            "--server",
            &url,
            "--name",
            name,
            "--address",
            "5 Lý Quốc Sư",
            "--ward",
            "Phường Hàng Trống",
            "--category",
            "restaurant-shop",
            "--stay-minutes",
            "40",
            "--contact",
            "0912 000 111",
        ];
        if let Some(p) = poster {
            args.extend(["--poster-out", p]);
        }
        vaora(&args)
    };
    let out = register("Phở 10 Lý Quốc Sư", Some(png.to_str().unwrap()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let (info, code) = id_and_code_last(&lines);
    assert_eq!(info.name, "Phở 10 Lý Quốc Sư");
    assert_eq!(info.category, VenueCategory::RestaurantOrShop);
    assert_eq!(info.default_stay_min, 40);
    assert_verifies(&auth, code);
    let secret_line = lines
        .iter()
        .find(|l| l.starts_with("manage secret "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let secret = secret_line["manage secret ".len()..]
        .split(' ')
        .next()
        .unwrap();
    assert!(secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(
        std::fs::read(&png)
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );

    // Four more for the same phone are fine; the sixth is refused.
    for i in 2..=5 {
        assert!(
            register(&format!("Phở chi nhánh {i}"), None)
                .status
                .success()
        );
    }
    let out = register("Phở chi nhánh 6", None);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("contact_limit") || stderr.contains("5 venues"),
        "{stderr}"
    );
}

/// `vaora authority inspector` (issue 19): certifies a registered device and prints
/// `inspector DEVICE_ID`; `--revoke` withdraws it; an unknown device is refused on stderr.
#[test]
fn certifies_a_registered_device_as_an_inspector() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _server, url) = authority_and_server(dir.path());
    let device = registered_device(dir.path(), &url);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "authority",
            "inspector",
            "--server",
            &url,
            "--authority",
            &auth,
            "--device",
        ];
        args.extend_from_slice(extra);
        vaora(&args)
    };
    let out = run(&[&device]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("inspector {device}")
    );
    let again = run(&[&device]);
    assert_eq!(
        String::from_utf8(again.stdout).unwrap().trim(),
        format!("inspector {device}"),
        "certifying twice changes nothing"
    );
    let revoked = run(&[&device, "--revoke"]);
    assert_eq!(
        String::from_utf8(revoked.stdout).unwrap().trim(),
        format!("not an inspector {device}")
    );
    let unknown = run(&["00000000000000000000000000000000"]);
    assert!(!unknown.status.success());
    assert!(unknown.stdout.is_empty());
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("unknown_device")
    );
}
/// A fresh diary in `dir` registered with the server at `url` (`vaora diary init`,
/// `vaora register`): its device id (the last line).
fn registered_device(dir: &std::path::Path, url: &str) -> String {
    let diary = dir.join("inspector.db");
    let key = dir.join("inspector.key");
    let (diary, key) = (diary.to_str().unwrap(), key.to_str().unwrap());
    let init = vaora(&["--diary", diary, "--key-file", key, "diary", "init"]);
    assert!(init.status.success(), "{init:?}");
    let out = vaora(&[
        "--diary",
        diary,
        "--key-file",
        key,
        "register",
        "--server",
        url,
    ]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned()
}

/// `vaora inspect` and `vaora inspector` (issue 19) on an inspector's diary: a poster's
/// code checked offline and recorded (`inspection <id> <venue name> <verdict>` last); the
/// server refuses it until the device redeems the authority's one-time code (`vaora
/// authority inspector-code`, single use); with the ward's work list the place is checked
/// too; a text that is not a venue code is refused.
#[test]
fn inspects_a_poster_and_syncs_the_inspection() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _server, url) = authority_and_server(dir.path());
    let pdf = dir.path().join("pho.pdf");
    let out = vaora(&[
        "authority",
        "venue",
        "--server",
        &url,
        "--authority",
        &auth,
        "--name",
        "Phở Hòa",
        "--ward",
        "Phường Bến Nghé",
        "--poster-out",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    // The poster as one A4 page ready to print.
    let printed = std::fs::read(&pdf).unwrap();
    assert!(printed.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&printed).contains("/MediaBox [0 0 595.28 841.89]"));
    let text = String::from_utf8(out.stdout).unwrap();
    let code = text.lines().last().unwrap().trim().to_owned();
    let device = registered_device(dir.path(), &url);
    let diary = dir.path().join("inspector.db");
    let key = dir.path().join("inspector.key");
    let (diary, key) = (diary.to_str().unwrap(), key.to_str().unwrap());
    let keyset = format!("{auth}/keyset.json");
    let on_diary = |args: &[&str]| {
        let mut all = vec!["--diary", diary, "--key-file", key];
        all.extend_from_slice(args);
        vaora(&all)
    };
    let text_of = |o: &std::process::Output| String::from_utf8(o.stdout.clone()).unwrap();
    assert!(on_diary(&["trust", "add", &keyset]).status.success());

    // Not yet an inspector: recorded on the phone, refused by the server.
    let first = on_diary(&[
        "inspect",
        "--venue-code",
        &code,
        "--poster",
        "yes",
        "--scanning",
        "yes",
    ]);
    assert!(first.status.success(), "{first:?}");
    let out = text_of(&first);
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("inspection ") && last.ends_with(" Phở Hòa compliant"),
        "{out}"
    );
    assert!(out.contains("code genuine not-checked"), "{out}");
    let sync = text_of(&on_diary(&["sync", "--server", &url]));
    assert!(sync.contains("uploaded 0 duplicate 0 rejected 1"), "{sync}");
    assert!(sync.contains("not a certified inspector"), "{sync}");
    let list = on_diary(&["inspector", "work-list", "--ward", "Phường Bến Nghé"]);
    assert!(!list.status.success());
    assert!(String::from_utf8_lossy(&list.stderr).contains("not_inspector"));

    // The authority's one-time code, redeemed once.
    let issued = vaora(&[
        "authority",
        "inspector-code",
        "--server",
        &url,
        "--authority",
        &auth,
    ]);
    let issued = text_of(&issued);
    let one_time = issued
        .lines()
        .find_map(|l| l.strip_prefix("inspector code "))
        .unwrap_or_else(|| panic!("{issued}"))
        .to_owned();
    assert!(issued.contains("valid until "), "{issued}");
    let enrolled = on_diary(&["inspector", "enrol", "--code", &one_time]);
    assert_eq!(text_of(&enrolled).trim(), format!("inspector {device}"));
    let again = on_diary(&["inspector", "enrol", "--code", &one_time]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("enrolment_invalid"));

    // With the ward's list the place is checked; the inspection is accepted.
    let list = text_of(&on_diary(&[
        "inspector",
        "work-list",
        "--ward",
        "Phường Bến Nghé",
    ]));
    assert!(list.starts_with("work list 1 venues (1 due)"), "{list}");
    let second = on_diary(&[
        "inspect",
        "--venue-code",
        &code,
        "--poster",
        "no",
        "--scanning",
        "yes",
        "--desk",
        "no",
        "--note",
        "Áp phích bị gỡ",
    ]);
    let out = text_of(&second);
    assert!(out.contains("code genuine registered"), "{out}");
    assert!(out.trim_end().ends_with(" Phở Hòa non-compliant"), "{out}");
    let sync = text_of(&on_diary(&["sync", "--server", &url]));
    assert!(sync.contains("uploaded 1 duplicate 0 rejected 0"), "{sync}");
    let mine = text_of(&on_diary(&["inspector", "list"]));
    assert_eq!(mine.lines().count(), 2, "{mine}");

    let bad = on_diary(&[
        "inspect",
        "--venue-code",
        "hello",
        "--poster",
        "yes",
        "--scanning",
        "yes",
    ]);
    assert!(!bad.status.success());
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a venue code"));
}
