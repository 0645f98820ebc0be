//! The declaration commands as a family and a venue's staff run them: household member
//! from a card, proxy declaration, personal code, verify, staff check-in. Output lines
//! checked here are the contract (issue 4).

mod common;

use common::{stderr as err, stdout as out, vaora_in as vaora};

const CARD: &str =
    "001048009876||Nguyễn Văn Đường|09051948|Nam|Số 7, ngõ 42, Phố Huế, Hà Nội|20052021";

#[test]
fn family_declares_for_grandfather_and_staff_checks_him_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(
        vaora(dir, &["authority", "init", "--out", "auth"])
            .status
            .success()
    );
    assert!(vaora(dir, &["diary", "init"]).status.success());
    assert!(
        vaora(dir, &["trust", "add", "auth/keyset.json"])
            .status
            .success()
    );
    let o = vaora(
        dir,
        &[
            "venue",
            "create",
            "--authority",
            "auth",
            "--name",
            "Nhà văn hóa Bến Nghé",
            "--address",
            "Quận 1",
            "--category",
            "community-house",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let venue = out(&o).trim().to_owned();

    let o = vaora(
        dir,
        &[
            "household",
            "add",
            "--from-card",
            CARD,
            "--relation",
            "ông nội",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert!(out(&o).starts_with("added ") && out(&o).trim_end().ends_with(" Nguyễn Văn Đường"));

    std::fs::write(
        dir.join("answers.json"),
        r#"{"travel": [{"place": "Chợ Đông Ba", "province": "046"}], "symptoms": ["cough"],
            "contact_confirmed": false, "contact_suspected": false, "contact_outbreak_area": false,
            "vaccine_doses": 2, "last_dose_on": "2021-10-01"}"#,
    )
    .unwrap();
    let o = vaora(
        dir,
        &[
            "declare",
            "--for",
            "Nguyễn Văn Đường",
            "--answers",
            "answers.json",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let text = out(&o);
    assert!(text.lines().next().unwrap().starts_with("declared "));
    assert!(text.contains("summary: needs-attention: cough\n"));
    assert!(text.contains("declared by: Tôi\n"));

    let o = vaora(dir, &["declarations", "list"]);
    assert_eq!(out(&o).lines().count(), 1);
    assert!(out(&o).contains("Nguyễn Văn Đường  proxy by Tôi  needs-attention: cough"));

    let o = vaora(
        dir,
        &[
            "personal-code",
            "--for",
            "Nguyễn Văn Đường",
            "--out",
            "code.png",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let code = out(&o).lines().last().unwrap().to_owned();
    assert!(code.starts_with("VAORA:P1:"), "{code}");
    assert!(
        std::fs::read(dir.join("code.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );

    let o = vaora(dir, &["verify", &code]);
    assert!(o.status.success(), "{o:?}");
    let v = out(&o);
    assert_eq!(v.lines().next(), Some("personal valid-self-signed"));
    assert!(v.contains("name: Nguyễn Văn Đường\n") && v.contains("proxy: yes\n"));

    let o = vaora(
        dir,
        &["staff-checkin", "--venue-code", &venue, "--scanned", &code],
    );
    assert!(o.status.success(), "{o:?}");
    assert!(out(&o).contains(
        " Nguyễn Văn Đường at Nhà văn hóa Bến Nghé via personal code (self-signed, proxy)"
    ));

    // Refusals: one line on stderr, non-zero exit.
    let o = vaora(
        dir,
        &[
            "staff-checkin",
            "--venue-code",
            &venue,
            "--scanned",
            &code,
            "--require-certified",
        ],
    );
    assert!(!o.status.success());
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    let o = vaora(dir, &["verify", &CARD.replace("09051948", "31021948")]);
    assert!(!o.status.success());
    assert_eq!(out(&o).lines().next(), Some("cccd bad-date"));
    let o = vaora(dir, &["declare", "--answers", "missing.json"]);
    assert!(!o.status.success());
    assert_eq!(err(&o).lines().count(), 1);
}
