//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against the console mounted on loopback over the in-memory test double.
//! Screenshots of every page land in `<target>/console-screenshots/`.

mod support;

use chrono::Duration;
use fantoccini::Locator;
use support::*;
use vaora_console::token;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_out_and_refusals() {
    let s = serve().await;
    let b = browser().await;

    // Not signed in: every page sends the browser to the sign-in form (Vietnamese by default).
    b.client
        .goto(&format!("{}/compliance", s.base))
        .await
        .unwrap();
    assert_eq!(b.path().await, "/console/login");
    assert_eq!(b.text("h1").await, "Đăng nhập");
    b.shot("01-login-vi").await;

    // A garbage token, a token signed by a device key, an expired token: all refused.
    b.sign_in(&s.base, "not-a-token").await;
    assert!(b.text("#login-error").await.contains("not a console token"));
    let device_key =
        vaora_protocol::venue::Authority::from_secret(&[0x07; 32], 0, 4_102_444_800).unwrap();
    let by_device = token::issue_with_nonce(&device_key, now() + Duration::hours(1), [2; 16]);
    b.sign_in(&s.base, &by_device).await;
    assert!(
        b.text("#login-error")
            .await
            .contains("not signed by an authority key")
    );
    let expired = token::issue_with_nonce(&authority_key(), now() - Duration::minutes(1), [3; 16]);
    b.sign_in(&s.base, &expired).await;
    assert!(b.text("#login-error").await.contains("expired"));
    b.shot("02-login-refused").await;
    assert_eq!(b.path().await, "/console/login");

    // The right token signs in (the cookie's HttpOnly and SameSite=Strict attributes are
    // checked on the raw response in console_http.rs: the page's CSP forbids scripts, the
    // WebDriver's included).
    b.sign_in(&s.base, &valid_token()).await;
    assert_eq!(b.path().await, "/console");

    b.shot("03a-after-sign-in").await;
    // Overview figures come from the backend.
    assert_eq!(b.text("#stat-venues").await, "6");
    assert_eq!(b.text("#stat-devices").await, "5");
    assert!(b.text("#by-ward").await.contains(WARD));
    b.shot("03-overview-vi").await;

    // English on request, remembered across pages.
    b.client.goto(&format!("{}?lang=en", s.base)).await.unwrap();
    assert_eq!(b.text("h1").await, "Overview");
    b.client.goto(&format!("{}/venues", s.base)).await.unwrap();
    assert_eq!(b.text("h1").await, "Venues");
    b.client.goto(&format!("{}?lang=vi", s.base)).await.unwrap();

    // Phone-sized overview.
    b.client.set_window_size(390, 844).await.unwrap();
    b.shot("04-overview-phone").await;
    b.client.set_window_size(1280, 1000).await.unwrap();

    // Sign out: the session is gone on the server too.
    b.click("#sign-out").await;
    assert_eq!(b.path().await, "/console/login");
    b.client.goto(&s.base).await.unwrap();
    assert_eq!(b.path().await, "/console/login");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_venue_download_poster_and_escape_names() {
    let s = serve().await;
    let b = browser().await;
    b.sign_in(&s.base, &valid_token()).await;

    b.client.goto(&format!("{}/venues", s.base)).await.unwrap();
    b.fill("#venue-register input[name=name]", "Nhà thuốc Minh Châu")
        .await;
    b.fill("#venue-register input[name=ward]", "Phường Đa Kao")
        .await;
    b.fill("#venue-register input[name=address]", "12 Đinh Tiên Hoàng")
        .await;
    b.click_here("#venue-register select[name=category] option[value=pharmacy]")
        .await;
    b.shot("05-venues-register").await;
    b.click("#register").await;
    assert!(b.path().await.starts_with("/console/venues/"));
    assert_eq!(b.text("#venue-name").await, "Nhà thuốc Minh Châu");
    // Base45 codes may hold runs of spaces: the page must show them as they are (the
    // text an operator copies, and the text read here, would otherwise lose one).
    assert_eq!(b.css_value("#venue-code", "white-space").await, "pre-wrap");
    let code = b.text("#venue-code").await;
    assert!(!code.is_empty());
    b.shot("06-venue-registered").await;

    // Download the PNG poster through the browser and decode it back to the same code.
    b.click_here("#poster-png").await;
    let png = b.download(".png").await;
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the poster");
    let (_, decoded) = grids[0].decode().unwrap();
    assert_eq!(decoded, code);
    b.click_here("#poster-svg").await;
    let svg = b.download(".svg").await;
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));

    // Search finds it; revoking marks it revoked and drops it from the default list.
    b.client
        .goto(&format!("{}/venues?q=minh+ch%C3%A2u", s.base))
        .await
        .unwrap();
    assert!(b.text("#venue-list").await.contains("Nhà thuốc Minh Châu"));
    b.click("#venue-list a.venue-link").await;
    b.click("#revoke").await;
    assert_eq!(b.text("#venue-status").await, "Đã thu hồi");
    b.client
        .goto(&format!("{}/venues?q=minh+ch%C3%A2u", s.base))
        .await
        .unwrap();
    assert!(b.client.find(Locator::Id("venue-list")).await.is_err());

    // A venue named like a script shows as text and runs nothing.
    let evil = "<script>alert(1)</script>";
    b.client.goto(&format!("{}/venues", s.base)).await.unwrap();
    b.fill("#venue-register input[name=name]", evil).await;
    b.fill("#venue-register input[name=ward]", "<b>Phường</b>")
        .await;
    b.click("#register").await;
    assert_eq!(b.text("#venue-name").await, evil);
    assert_eq!(b.text("#venue-ward").await, "<b>Phường</b>");
    assert!(b.client.get_alert_text().await.is_err(), "no alert dialog");
    let source = b.client.source().await.unwrap();
    assert!(source.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!source.contains("<script>alert(1)"));
    b.shot("07-venue-escaped").await;
    b.client.goto(&format!("{}/venues", s.base)).await.unwrap();
    assert!(b.text("#venue-list").await.contains(evil));
    assert!(b.client.get_alert_text().await.is_err(), "no alert dialog");
    b.shot("08-venues-list").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_list_finds_silent_and_quiet_venues() {
    let s = serve().await;
    let b = browser().await;
    b.sign_in(&s.base, &valid_token()).await;
    b.client
        .goto(&format!("{}/compliance", s.base))
        .await
        .unwrap();
    let list = b.text("#compliance-list").await;
    assert!(list.contains(SILENT_MARKET), "{list}");
    assert!(list.contains(QUIET_MARKET), "{list}");
    assert!(
        !list.contains("Chợ Bến Thành"),
        "busy market is not flagged"
    );
    b.shot("09-compliance").await;

    // Filter by ward and category; sort by scans descending puts the quiet one first.
    b.fill("#compliance-filter input[name=ward]", WARD).await;
    b.click_here("#compliance-filter select[name=category] option[value=market]")
        .await;
    b.click("#compliance-filter button").await;
    b.click("#sort-scans").await; // ascending already: the link asks for descending
    let first = b.text("#compliance-list tbody tr:first-child").await;
    assert!(first.contains(QUIET_MARKET), "{first}");

    b.click_here("#compliance-csv").await;
    let csv = String::from_utf8(b.download("compliance.csv").await).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "venue_id,name,category,ward,address,scans,peer_median,finding,last_inspected_at,last_verdict"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(SILENT_MARKET) && l.ends_with(",0,21.0,no-scans,,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(QUIET_MARKET) && l.ends_with(",2,21.0,few-scans,,")),
        "{csv}"
    );

    b.client.set_window_size(390, 844).await.unwrap();
    b.shot("10-compliance-phone").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_case_trace_export_and_publish() {
    let s = serve().await;
    let b = browser().await;
    b.sign_in(&s.base, &valid_token()).await;
    b.client.goto(&format!("{}/cases", s.base)).await.unwrap();
    b.fill("#case-mark input[name=device_id]", CASE_DEVICE)
        .await;
    b.fill("#case-mark input[name=from]", "2026-11-24 00:00")
        .await;
    b.fill("#case-mark input[name=until]", "2026-11-24 23:59")
        .await;
    b.click("#mark-case").await;
    assert!(b.path().await.starts_with("/console/cases/"));

    // The contact at the cafe overlapped 09:30-10:00 (UTC+7); the later visitor did not.
    let contacts = b.text("#contact-list").await;
    assert!(contacts.contains(CONTACT_DEVICE), "{contacts}");
    assert!(contacts.contains("Bà Lan"));
    assert!(contacts.contains("2026-11-24 09:30") && contacts.contains("2026-11-24 10:00"));
    // At the market the later device overlapped 11:15-11:30.
    assert!(contacts.contains(LATER_DEVICE) && contacts.contains("2026-11-24 11:15"));
    assert_eq!(
        b.client
            .find_all(Locator::Css("#contact-list tbody tr"))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(b.text("#timeline").await.contains(CAFE));
    b.shot("11-case-traced").await;

    b.click_here("#contacts-csv").await;
    let csv = String::from_utf8(b.download(".csv").await).unwrap();
    assert!(csv.starts_with(
        "device_id,person,venue_id,venue_name,overlap_from,overlap_until,overlap_minutes"
    ));
    assert!(csv.contains(&format!("{CONTACT_DEVICE},Bà Lan,")));
    assert!(
        csv.contains("2026-11-24T02:30:00+00:00,2026-11-24T03:00:00+00:00,30"),
        "{csv}"
    );

    b.click("#publish").await;
    assert!(b.text("#case-status").await.starts_with("Đã công bố"));
    let windows = b.text("#window-list").await;
    assert!(windows.contains(CAFE) && windows.contains("Chợ Bến Thành"));
    b.shot("12-case-published").await;
    b.client.goto(&format!("{}/cases", s.base)).await.unwrap();
    assert!(b.text("#published-list").await.contains(CAFE));
    b.shot("13-cases").await;
    b.close().await;
}
