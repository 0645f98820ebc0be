//! Issue 19: the public venue registration page (`/register`, no sign-in) on the real
//! server, SQLite and PostgreSQL, over loopback HTTP as a browser posts the form: in
//! Vietnamese and English, with the console's security headers; a name with diacritics
//! and markup comes back escaped with its signed code, the management secret and the
//! poster downloads, whose PNG scans back to the code; a refusal is a clear error page;
//! the owner manages the venue on `/manage` with the secret (staff enrolment code and its
//! QR, a staff phone enrolled then removed, the code revoked); and the authority sees the
//! venue in the console as registered by its owner, with the contact.

// A story test: failing loudly at the step that broke is its job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use vaora_protocol::venue::{Authority, VenueCode};
use vaora_tests::console_client::{Console, by_id, form, http};
use vaora_tests::sync_fixture::{Backend, ServerFixture};

/// The `data:` URI payload of the link or image with this id.
fn data_uri<'a>(html: &'a str, id: &str, attr: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\"data:")).unwrap();
    let rest = &rest[start + attr.len() + 2..];
    let comma = rest.find(',').unwrap();
    &rest[comma + 1..rest.find('"').unwrap()]
}

async fn page(backend: Backend) {
    let server = ServerFixture::start(backend).await.unwrap();
    let url = server.url();
    let client = http();

    // The form, in Vietnamese by default and in English on request, with the CSP.
    let resp = client.get(format!("{url}/register")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'none'"), "{csp}");
    let vi = resp.text().await.unwrap();
    assert!(vi.contains("Đăng ký địa điểm của bạn"));
    assert!(vi.contains("id=\"self-register\""));
    let en = client
        .get(format!("{url}/register?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Register your venue"));
    // The stylesheet it links is served at the root too.
    let css = client
        .get(format!("{url}/static/console.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);

    // A shop registers itself; its name has diacritics and markup.
    let name = "Bún chả <script>alert(1)</script> Hàng Mành";
    let post = |fields: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let resp = client
                .post(format!("{url}/register"))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form(&pairs))
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let fields = |name: &str, contact: &str, stay: &str| {
        vec![
            ("name", name.to_owned()),
            ("category", "restaurant-shop".to_owned()),
            ("address", "1 Hàng Mành, Hoàn Kiếm".to_owned()),
            ("ward", "Phường Hàng Gai".to_owned()),
            ("stay_minutes", stay.to_owned()),
            ("contact", contact.to_owned()),
        ]
    };
    let (status, done) = post(fields(name, "0904 123 456", "45")).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(!done.contains("<script>alert"), "the name is escaped");
    assert!(done.contains("Bún chả &lt;script&gt;") || done.contains("Bún chả &#60;script&#62;"));
    let code = by_id(&done, "venue-code").to_owned();
    let secret = by_id(&done, "manage-secret").to_owned();
    assert_eq!(secret.len(), 32);
    let info = VenueCode::parse(&code).unwrap().info;
    assert_eq!(info.name, name);
    assert_eq!(info.default_stay_min, 45);

    // The PNG and A4 PDF downloads scan back to the code; the SVG is the same poster.
    let b64 = base64::engine::general_purpose::STANDARD;
    let png = b64.decode(data_uri(&done, "poster-png", "href")).unwrap();
    let texts = vaora_tests::posters::codes_in_png(&png);
    assert_eq!(texts, vec![code.clone()]);
    let pdf = b64.decode(data_uri(&done, "poster-pdf", "href")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(vaora_tests::posters::codes_in_pdf(&pdf), vec![code.clone()]);
    let svg =
        String::from_utf8(b64.decode(data_uri(&done, "poster-svg", "href")).unwrap()).unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(
        data_uri(&done, "poster", "src"),
        data_uri(&done, "poster-svg", "href")
    );

    // Refusals: a clear page, nothing registered.
    let (status, bad) = post(fields("Quán không số", "không có", "60")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("Số điện thoại liên hệ phải có"), "{bad}");
    let english = client
        .post(format!("{url}/register?lang=en"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form(&[
            ("name", "Quán không số"),
            ("category", "other"),
            ("ward", "Phường Hàng Gai"),
            ("stay_minutes", "60"),
            ("contact", "không có"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), StatusCode::BAD_REQUEST);
    let english = english.text().await.unwrap();
    assert!(english.contains("must be a phone number"), "{english}");
    let (status, _) = post(fields("Quán vội", "0904 123 457", "0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(fields("", "0904 123 457", "60")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The authority sees it, registered by its owner, with the contact.
    let authority = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&authority, Utc::now(), 1).unwrap();
    let console = Console::login(&url, &token).await.unwrap();
    let (_, owners) = console.get("/console/venues?by=owner").await;
    assert!(owners.contains("Hàng Mành"), "{owners}");
    assert!(owners.contains("0904123456"));
    assert!(!owners.contains("Quán không số"));
    let (_, theirs) = console.get("/console/venues?by=authority").await;
    assert!(!theirs.contains("Hàng Mành"));
    let (status, _) = console.get("/console/venues?by=someone").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, detail) = console
        .get(&format!("/console/venues/{}", info.venue_id.to_hex()))
        .await;
    assert_eq!(by_id(&detail, "venue-contact"), "0904123456");
    assert_eq!(by_id(&detail, "venue-code"), code);

    // The owner manages it on /manage with the secret: no staff yet; a wrong secret is
    // refused (in Vietnamese); an enrolment code (its QR scans back to it) that a staff
    // phone redeems; the phone in the list, then removed; the code revoked.
    let venue_hex = info.venue_id.to_hex();
    let manage = |secret: String, action: &'static str, device: String| {
        let client = client.clone();
        let url = url.clone();
        let venue = venue_hex.clone();
        async move {
            let resp = client
                .post(format!("{url}/manage"))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form(&[
                    ("venue", venue.as_str()),
                    ("secret", secret.as_str()),
                    ("action", action),
                    ("device", device.as_str()),
                ]))
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let form_page = client.get(format!("{url}/manage")).send().await.unwrap();
    assert_eq!(form_page.status(), StatusCode::OK);
    assert!(form_page.text().await.unwrap().contains("id=\"manage\""));
    let (status, refused) = manage("0".repeat(32), "show", String::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(refused.contains("Mã quản lý không đúng"), "{refused}");
    let (status, shown) = manage(secret.clone(), "show", String::new()).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert!(shown.contains("id=\"no-staff\""));
    let (_, with_code) = manage(secret.clone(), "code", String::new()).await;
    let enrolment = by_id(&with_code, "enrolment-code").to_owned();
    assert!(enrolment.starts_with("VE1:"), "{enrolment}");
    let qr = b64
        .decode(data_uri(&with_code, "enrolment-qr", "src"))
        .unwrap();
    assert_eq!(
        vaora_tests::posters::codes_in_png(&qr),
        vec![enrolment.clone()]
    );
    let staff = vaora_tests::adversary::RawDevice::register(&url)
        .await
        .unwrap();
    let (status, _) = staff
        .request(
            reqwest::Method::POST,
            "/v1/staff/enrolments",
            "application/json",
            serde_json::to_vec(&vaora_protocol::wire::EnrolRequest { code: enrolment }).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (_, listed) = manage(secret.clone(), "show", String::new()).await;
    assert!(listed.contains(&staff.id.to_hex()), "{listed}");
    let (_, removed) = manage(secret.clone(), "remove", staff.id.to_hex()).await;
    assert!(!removed.contains(&staff.id.to_hex()) && removed.contains("id=\"no-staff\""));
    let (_, revoked) = manage(secret.clone(), "revoke", String::new()).await;
    assert!(revoked.contains("Đã thu hồi"), "{revoked}");
    assert!(!revoked.contains("id=\"new-code\""));
    let (status, _) = manage(secret.clone(), "code", String::new()).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no codes for a revoked venue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_register_on_the_public_page_sqlite() {
    page(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_register_on_the_public_page_postgres() {
    page(Backend::Postgres).await;
}
