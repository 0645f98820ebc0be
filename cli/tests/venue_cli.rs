//! The venue-code commands as an operator runs them: authority init, venue create with a
//! poster, diary init, trust add, verify. Output lines checked here are the contract.

mod common;

use common::{stdout, vaora_in as vaora};

#[test]
fn authority_venue_trust_verify_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = vaora(dir, &["authority", "init", "--out", "auth"]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).starts_with("authority key "));
    assert!(dir.join("auth/authority.json").exists());
    // Never overwrites an authority.
    let again = vaora(dir, &["authority", "init", "--out", "auth"]);
    assert!(!again.status.success());

    let name = "Trạm Y tế phường Điện Biên";
    let o = vaora(
        dir,
        &[
            "venue",
            "create",
            "--authority",
            "auth",
            "--name",
            name,
            "--address",
            "Số 1 Ông Ích Khiêm, Ba Đình, Hà Nội",
            "--category",
            "clinic",
            "--default-stay-min",
            "30",
            "--valid-days",
            "10",
            "--poster",
            "poster.png",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let text = stdout(&o).trim().to_owned();
    assert!(text.starts_with("VV1:"), "{text}");
    assert_eq!(stdout(&o).lines().count(), 1);

    // The poster's code decodes to the printed text.
    let img = image::open(dir.join("poster.png")).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    let decoded: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, t)| t))
        .collect();
    assert_eq!(decoded, vec![text.clone()]);

    let svg = vaora(
        dir,
        &[
            "venue",
            "create",
            "--authority",
            "auth",
            "--name",
            name,
            "--category",
            "clinic",
            "--poster",
            "poster.svg",
        ],
    );
    assert!(svg.status.success());
    assert!(
        std::fs::read_to_string(dir.join("poster.svg"))
            .unwrap()
            .contains(name)
    );

    assert!(vaora(dir, &["diary", "init"]).status.success());
    let o = vaora(dir, &["verify", &text]);
    assert!(!o.status.success());
    assert!(stdout(&o).starts_with("venue unknown-key-id\n"));

    let o = vaora(dir, &["trust", "add", "auth/keyset.json"]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).starts_with("trusted 1 keys, 0 revoked keys, 0 revoked venues"));

    let o = vaora(dir, &["verify", &text]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.starts_with("venue valid\n"));
    assert!(out.contains(&format!("name: {name}\n")));

    let o = vaora(
        dir,
        &[
            "verify",
            "--trust",
            "auth/keyset.json",
            "--at",
            "2100-01-01T00:00:00Z",
            &text,
        ],
    );
    assert!(!o.status.success());
    assert!(stdout(&o).starts_with("venue expired\n"));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn bad_input_is_one_line_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(
        vaora(dir, &["authority", "init", "--out", "a"])
            .status
            .success()
    );
    for args in [
        vec![
            "venue",
            "create",
            "--authority",
            "a",
            "--name",
            "",
            "--category",
            "market",
        ],
        vec![
            "venue",
            "create",
            "--authority",
            "missing",
            "--name",
            "x",
            "--category",
            "market",
        ],
        vec![
            "venue",
            "create",
            "--authority",
            "a",
            "--name",
            "x",
            "--category",
            "market",
            "--poster",
            "p.gif",
        ],
        vec!["trust", "add", "a/authority.json"],
    ] {
        let o = vaora(dir, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("vaora: error: "), "{err}");
    }
}
