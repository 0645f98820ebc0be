//! `vaora demo` as a user runs it: the whole story on the embedded default must succeed and
//! tell the facts that matter (the poster scanned back to a verified venue, the family
//! checked in offline, the proxy personal code verifies, the trace found the second phone's
//! person and the neighbour staff recorded from her card, one alert from the first case and
//! one from the card holder's), with nothing left behind and no secrets printed.

use std::process::Command;

#[test]
#[allow(clippy::unwrap_used)] // test
fn demo_tells_the_whole_story() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vaora"))
        .arg("demo")
        .current_dir(tmp.path())
        .env("TMPDIR", tmp.path())
        .env_remove("VAORA_DIARY")
        .env_remove("VAORA_KEY_FILE")
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    assert!(o.status.success(), "stdout:\n{out}\nstderr:\n{err}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let has = |prefix: &str| lines.iter().any(|l| l.starts_with(prefix));

    // Fifteen numbered steps, each with its time in ms.
    let steps: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(steps.len(), 15, "{out}");
    assert!(steps.iter().all(|l| l.ends_with(" ms)")), "{out}");

    assert!(has("listening on http://127.0.0.1:"), "{out}");
    assert!(
        has("scanned ") && out.contains(": venue valid Phở Hòa Pasteur"),
        "the poster scanned back to a verified venue:\n{out}"
    );
    let checked_in = lines
        .iter()
        .filter(|l| l.starts_with("checked in ") && l.contains(" at Phở Hòa Pasteur "))
        .count();
    assert_eq!(
        checked_in, 4,
        "three family members and the second phone:\n{out}"
    );
    assert!(has("3 checked out at "), "{out}");
    assert!(out.contains("proxy: yes"), "{out}");
    assert!(out.contains("verify: valid-self-signed"), "{out}");
    assert!(has("uploaded 2 duplicate 0 rejected 0"), "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("contact ") && l.contains(" Lê Minh at Phở Hòa Pasteur ")),
        "the trace found the second phone's person:\n{out}"
    );
    assert!(has("published 1"), "{out}");
    assert!(has("exposure windows 1; new alerts 1"), "{out}");
    // Issue 17: the neighbour without a phone, checked in by the venue's staff from her
    // CCCD, is among the first phone's contacts; her card holder's case alerts the
    // second phone, which overlapped her.
    assert!(
        has("staff desk at Phở Hòa Pasteur: accepted Phạm Thị Lan (born 1952, CCCD) "),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("contact ")
            && l.contains(" Phạm Thị Lan at Phở Hòa Pasteur ")
            && l.ends_with("(staff: CCCD, born 1952)")),
        "the trace found the neighbour:\n{out}"
    );
    assert!(
        has("case ") && out.contains("for the holder of CCCD 079 152 001 234: 1 visit"),
        "{out}"
    );
    assert!(
        !out.contains("079152001234"),
        "the card number printed whole:\n{out}"
    );
    let alerts: Vec<&&str> = lines.iter().filter(|l| l.starts_with("alert ")).collect();
    assert_eq!(alerts.len(), 2, "{out}");
    assert!(
        alerts
            .iter()
            .all(|a| a.starts_with("alert Lê Minh at Phở Hòa Pasteur ")),
        "{out}"
    );
    // Issue 19: an inspector certified with a one-time code checks the shop's poster
    // offline, records the visit, and the console's compliance page shows it.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("inspection ") && l.ends_with(" Phở Hòa Pasteur compliant")),
        "{out}"
    );
    assert!(
        has("poster at the door: code genuine, registered for this ward"),
        "{out}"
    );
    assert!(
        has("console compliance page: Phở Hòa Pasteur | Phường Bến Nghé | ")
            && out.contains(" | Compliant | scans in line with peers"),
        "{out}"
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("done: 15 steps in "), "{out}");
    assert!(last.ends_with("; contacts 4; alerts 2"), "{out}");

    // No secret material: no hex run as long as a key (64+ hex digits) in the output.
    let long_hex = out
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() >= 64);
    assert!(!long_hex, "{out}");
    // Everything was in a temporary folder that is gone now.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
