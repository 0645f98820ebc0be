//! `vaora demo` as a user runs it: the whole story on the embedded default must succeed and
//! tell the facts that matter (the poster scanned back to a verified venue, the family
//! checked in offline, the proxy personal code verifies, the trace found the second phone's
//! person, exactly one exposure alert), with nothing left behind and no secrets printed.

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

    // Eleven numbered steps, each with its time in ms.
    let steps: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(steps.len(), 11, "{out}");
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
    let alerts: Vec<&&str> = lines.iter().filter(|l| l.starts_with("alert ")).collect();
    assert_eq!(alerts.len(), 1, "{out}");
    assert!(
        alerts[0].starts_with("alert Lê Minh at Phở Hòa Pasteur "),
        "{out}"
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("done: 11 steps in "), "{out}");
    assert!(last.ends_with("; alerts 1"), "{out}");

    // No secret material: no hex run as long as a key (64+ hex digits) in the output.
    let long_hex = out
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() >= 64);
    assert!(!long_hex, "{out}");
    // Everything was in a temporary folder that is gone now.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
