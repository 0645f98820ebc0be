//! Issue 19, field inspection, end to end on SQLite and PostgreSQL: the authority gives a
//! single-use inspector code (API and console); a registered phone redeems it and is an
//! inspector; it downloads its ward's venue list, checks posters offline (genuine, revoked,
//! forged; registered here or not), records what it found as signed inspections and syncs
//! them. The console shows them per venue, beside the compliance list, and in the ward's
//! work list (page and CSV); withdrawing the inspector there makes the server refuse its
//! next inspection. Refused throughout: unknown, replayed and used codes, the work list
//! and inspections of a device that is not an inspector, a text that is not a venue code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use vaora_core::diary::InspectionFindings;
use vaora_core::sync::client::SyncError;
use vaora_core::sync::inspection::{download_work_list, enrol_as_inspector};
use vaora_core::sync::reqwest_transport::ReqwestTransport;
use vaora_protocol::records::{CodeFinding, InspectionVerdict, PlaceFinding};
use vaora_protocol::venue::{Authority, NewVenue, VenueCategory, VenueIssuer};
use vaora_protocol::wire::VenueRequest;
use vaora_tests::console_client::{Console, by_id, csrf, form};
use vaora_tests::sync_fixture::{Backend, Phone, ServerFixture};

const WARD: &str = "Phường Bến Nghé";

/// A registered phone that trusts the server's authority.
async fn phone(server: &ServerFixture) -> Phone {
    server.trusting_phone(Utc::now()).await.unwrap()
}

fn server_error(e: Result<impl std::fmt::Debug, SyncError>) -> (u16, String) {
    match e {
        Err(SyncError::Server { status, code, .. }) => (status, code),
        other => panic!("expected a server refusal, got {other:?}"),
    }
}

fn findings(poster: bool, scanning: bool, note: &str) -> InspectionFindings {
    InspectionFindings {
        poster_displayed: poster,
        visitors_scanning: scanning,
        staff_desk_in_use: Some(true),
        note: note.into(),
    }
}

fn enc(s: &str) -> String {
    form(&[("x", s)])[2..].replace('+', "%20")
}

async fn story(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let authority = server.authority().unwrap();
    let transport = ReqwestTransport::new().unwrap();
    let (pho, pho_code) = server.register_venue_with_code("Phở Hòa").await.unwrap();
    let (cafe, _) = server
        .register_venue_with_code("Cà phê Sáng")
        .await
        .unwrap();
    let far = authority
        .register_venue(&VenueRequest {
            name: "Tiệm Vàng Kim".into(),
            address: "1 Hai Bà Trưng".into(),
            ward: "Phường Tân Định".into(),
            category: Some("restaurant-shop".into()),
            stay_minutes: Some(60),
        })
        .await
        .unwrap();
    let (gone, gone_code) = server
        .register_venue_with_code("Quán Đã Đóng")
        .await
        .unwrap();
    assert!(server.revoke_venue(gone.id.unwrap()).await.unwrap());
    // A poster signed by a key nobody trusts (a forgery of Phở Hòa's).
    let forged = VenueIssuer::new(Authority::generate(0, i64::from(u32::MAX)).unwrap())
        .issue(NewVenue {
            venue_id: pho.id,
            name: "Phở Hòa".into(),
            address: String::new(),
            category: VenueCategory::RestaurantOrShop,
            default_stay_min: 60,
            valid_from: Utc::now() - Duration::days(1),
            valid_until: Utc::now() + Duration::days(30),
        })
        .unwrap()
        .to_text();

    let inspector = phone(&server).await;
    let stranger = phone(&server).await;

    // Codes: an unknown one is refused; the authority's works once, for one phone.
    let unknown = enrol_as_inspector(
        &transport,
        &inspector.diary,
        &format!("VI1:{}", "0".repeat(32)),
    )
    .await;
    assert_eq!(server_error(unknown), (410, "enrolment_invalid".into()));
    let code = authority.inspector_code().await.unwrap();
    assert!(
        code.code.starts_with("VI1:") && code.code.len() == 36,
        "{}",
        code.code
    );
    assert!(code.expires_at > Utc::now() && code.expires_at <= Utc::now() + Duration::minutes(16));
    let enrolled = enrol_as_inspector(&transport, &inspector.diary, &code.code)
        .await
        .unwrap();
    assert!(enrolled.inspector);
    let inspector_id = inspector.lock().registration().unwrap().unwrap().device_id;
    assert_eq!(enrolled.device_id, inspector_id);
    let replayed = enrol_as_inspector(&transport, &stranger.diary, &code.code).await;
    assert_eq!(server_error(replayed), (410, "enrolment_invalid".into()));

    // Only inspectors get the work list.
    let refused = download_work_list(&transport, &stranger.diary, WARD, 14).await;
    assert_eq!(server_error(refused), (403, "not_inspector".into()));
    assert!(stranger.lock().work_list().unwrap().is_empty());

    // Offline, before any list: the code is checked, the place is not.
    let check = inspector.lock().check_poster(&pho_code).unwrap();
    assert_eq!(
        (check.code, check.place, check.venue_id),
        (
            CodeFinding::Genuine,
            PlaceFinding::NotChecked,
            pho.id.unwrap()
        )
    );
    let list = download_work_list(&transport, &inspector.diary, WARD, 14)
        .await
        .unwrap();
    let names: Vec<&str> = list.venues.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(list.venues.len(), 2, "{names:?}");
    assert!(names.contains(&"Phở Hòa") && names.contains(&"Cà phê Sáng"));
    assert!(
        list.venues
            .iter()
            .all(|v| v.due && v.last_verdict.is_none())
    );
    assert_eq!(inspector.lock().work_list().unwrap().len(), 2);
    {
        let d = inspector.lock();
        let here = d.check_poster(&pho_code).unwrap();
        assert_eq!(
            (here.code, here.place),
            (CodeFinding::Genuine, PlaceFinding::Registered)
        );
        assert_eq!(here.ward.as_deref(), Some(WARD));
        let elsewhere = d.check_poster(&far.code).unwrap();
        assert_eq!(
            (elsewhere.code, elsewhere.place),
            (CodeFinding::Genuine, PlaceFinding::NotRegistered)
        );
        let fake = d.check_poster(&forged).unwrap();
        assert_eq!(fake.code, CodeFinding::NotGenuine);
        assert!(d.check_poster("hello").is_err());
    }
    // The revocation reaches the phone with its next key set (sync); offline it is
    // then "revoked".
    inspector.sync_to(&url).await.unwrap();
    assert_eq!(
        inspector.lock().check_poster(&gone_code).unwrap().code,
        CodeFinding::Revoked
    );

    // What the inspector found, signed and queued; synced.
    let (at_pho, _) = inspector
        .lock()
        .record_inspection(
            &pho_code,
            &findings(true, false, "Áp phích bị che <b>khuất</b>"),
        )
        .unwrap();
    assert_eq!(at_pho.verdict(), InspectionVerdict::NonCompliant);
    let (at_far, _) = inspector
        .lock()
        .record_inspection(&far.code, &findings(true, true, ""))
        .unwrap();
    assert_eq!(at_far.verdict(), InspectionVerdict::CodeProblem);
    assert!(
        inspector
            .lock()
            .record_inspection("not a code", &findings(true, true, ""))
            .is_err()
    );
    assert!(
        inspector
            .lock()
            .record_inspection(&pho_code, &findings(true, true, &"x".repeat(501)))
            .is_err()
    );
    assert_eq!(inspector.lock().inspections().unwrap().len(), 2);
    let report = inspector.sync_to(&url).await.unwrap();
    assert_eq!(report.uploaded, 2, "{:?}", report.rejected);
    assert!(report.rejected.is_empty());

    // A device that is not an inspector: recorded on its phone, refused by the server.
    stranger
        .lock()
        .record_inspection(&pho_code, &findings(true, true, "tôi là thanh tra"))
        .unwrap();
    let report = stranger.sync_to(&url).await.unwrap();
    assert_eq!(report.uploaded, 0);
    assert_eq!(report.rejected.len(), 1);
    assert!(
        report.rejected[0]
            .reason
            .contains("not a certified inspector"),
        "{}",
        report.rejected[0].reason
    );

    // The server's counts (GET /metrics): two inspections accepted, one refused.
    let metrics = vaora_tests::console_client::http()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"vaora_records_total{kind="inspection",outcome="accepted"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"vaora_records_total{kind="inspection",outcome="rejected"} 1"#),
        "{metrics}"
    );
    // The reason is a fixed label, never the answer's text.
    assert!(
        metrics.contains(
            r#"vaora_records_rejected_total{kind="inspection",reason="not_inspector"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="/v1/inspections/work-list",status="403"}"#));

    // The work list now: Phở Hòa inspected (not due, its verdict), the café still due.
    let list = download_work_list(&transport, &inspector.diary, WARD, 14)
        .await
        .unwrap();
    let of = |id| list.venues.iter().find(|v| Some(v.venue_id) == id).unwrap();
    assert!(!of(pho.id).due);
    assert_eq!(of(pho.id).last_verdict.as_deref(), Some("non-compliant"));
    assert!(of(cafe.id).due);
    assert_eq!(
        list.venues[0].venue_id,
        cafe.id.unwrap(),
        "never inspected first"
    );

    // The console.
    let key = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&key, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await.unwrap();
    let pho_hex = pho.id.unwrap().to_hex();
    let (status, page) = console.get(&format!("/console/venues/{pho_hex}")).await;
    assert_eq!(status, StatusCode::OK);
    // The A4 poster, ready to print.
    assert!(page.contains(&format!("/venues/{pho_hex}/poster.pdf")));
    let pdf = console
        .http
        .get(format!("{url}/console/venues/{pho_hex}/poster.pdf"))
        .header(COOKIE, &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(
        pdf.starts_with(b"%PDF-") && pdf.len() > 10_000,
        "{} bytes",
        pdf.len()
    );
    let table = &page[page.find("id=\"inspections\"").expect("inspections table")..];
    assert!(table.contains("Không đạt"), "the verdict");
    assert!(table.contains("khuất"), "the note");
    assert!(!table.contains("<b>khuất"), "the note, escaped");
    assert!(table.contains(&inspector_id.to_hex()));
    assert!(
        !table.contains("tôi là thanh tra"),
        "a stranger's inspection"
    );
    // The compliance list (venues without scans) shows each one's latest inspection.
    let (_, compliance) = console.get("/console/compliance?days=7").await;
    let row = &compliance[compliance
        .find(&format!("/venues/{pho_hex}"))
        .expect("Phở Hòa flagged")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Không đạt"), "{row}");
    // Beside it, every venue inspected in the period, with what its scans say: Phở Hòa
    // (no scans) and the venue elsewhere (not flagged: another ward has no peers).
    let inspected = &compliance[compliance
        .find("id=\"inspected-list\"")
        .expect("inspected list")..];
    let row = &inspected[inspected.find(&format!("/venues/{pho_hex}")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Không đạt") && row.contains("class=\"bad\""),
        "{row}"
    );
    assert!(inspected.contains("Tiệm Vàng Kim") && inspected.contains("Mã có vấn đề"));
    let (_, csv) = console.get("/console/compliance.csv?days=7").await;
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",last_inspected_at,last_verdict")
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&pho_hex) && l.ends_with(",non-compliant"))
    );
    // The ward's work list, page and CSV.
    let (_, work) = console
        .get(&format!("/console/inspections?ward={}&days=14", enc(WARD)))
        .await;
    assert_eq!(by_id(&work, "due-count"), "1");
    assert!(work.contains(&inspector_id.to_hex()), "the inspector list");
    let (_, csv) = console
        .get(&format!(
            "/console/inspections.csv?ward={}&days=14&due=1",
            enc(WARD)
        ))
        .await;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].starts_with(&cafe.id.unwrap().to_hex()) && rows[0].ends_with(",due"));

    // The console's own inspector code (a page with the code as text and QR).
    let (_, page) = console.get("/console/inspections").await;
    let resp = console
        .http
        .post(format!("{url}/console/inspectors/code"))
        .header(COOKIE, &console.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", &csrf(&page))]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let shown = resp.text().await.unwrap();
    let console_code = by_id(&shown, "inspector-code").to_owned();
    assert!(console_code.starts_with("VI1:"), "{console_code}");
    assert!(shown.contains("id=\"inspector-qr\""));
    let again = enrol_as_inspector(&transport, &stranger.diary, &console_code).await;
    assert!(again.unwrap().inspector);

    // Withdrawn in the console: the inspector's next inspection is refused.
    let location = console
        .post(
            "/console/inspections",
            &format!("/console/inspectors/{}/withdraw", inspector_id.to_hex()),
            &[],
        )
        .await;
    assert!(location.ends_with("/console/inspections"), "{location}");
    inspector
        .lock()
        .record_inspection(&pho_code, &findings(true, true, ""))
        .unwrap();
    let report = inspector.sync_to(&url).await.unwrap();
    assert_eq!((report.uploaded, report.rejected.len()), (0, 1));
    let refused = download_work_list(&transport, &inspector.diary, WARD, 14).await;
    assert_eq!(server_error(refused), (403, "not_inspector".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspectors_check_posters_and_the_console_follows_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspectors_check_posters_and_the_console_follows_postgres() {
    story(Backend::Postgres).await;
}
