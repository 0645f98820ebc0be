//! The console mounted in the real server (SQLite), driven by headless Chromium through
//! chromedriver on loopback: sign in with a token from the server's authority directory,
//! register a venue through the form, find it in the venue list; and the public page
//! where a venue's owner registers it (issue 19). Screenshots go to
//! `<target dir>/console-server-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use vaora_protocol::venue::Authority;
use vaora_tests::sync_fixture::{Backend, ServerFixture};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("console-server-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Fills the form `form` with `fields` and submits it.
async fn submit(c: &fantoccini::Client, form: Locator<'_>, fields: &[(&str, &str)]) {
    let form = c.form(form).await.unwrap();
    for (name, value) in fields {
        form.set_by_name(name, value).await.unwrap();
    }
    form.submit().await.unwrap();
}

/// The text of the element `at`, once it is on the page (a submitted form's answer loads
/// after `submit` returns).
async fn text_when_there(c: &fantoccini::Client, at: Locator<'_>) -> String {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(at)
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Headless Chromium through chromedriver on loopback: the driver process (killed on
/// drop), the profile directory and the client.
async fn browser() -> (Driver, tempfile::TempDir, fantoccini::Client) {
    for p in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(p).exists(),
            "{p} is missing: install Debian's chromium and chromium-driver"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        panic!("capabilities are an object")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let c = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("could not start headless chromium via chromedriver: {e}"),
        }
    };
    (driver, profile, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_registers_a_venue_on_the_real_server() {
    let server = ServerFixture::start(Backend::Sqlite).await.unwrap();
    let base = format!("{}/console", server.url());
    let authority = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&authority, chrono::Utc::now(), 1).unwrap();

    let (_driver, _profile, c) = browser().await;
    let shots = screenshot_dir();
    let shot = |name: &'static str| {
        let c = c.clone();
        let path = shots.join(format!("{name}.png"));
        async move {
            std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
        }
    };

    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(&token)
        .await
        .unwrap();
    c.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // A click that submits a form returns before the next page has loaded: wait for it
    // (an immediate find ran on the login page and failed now and then).
    let stat = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("stat-venues"))
        .await
        .unwrap();
    assert_eq!(stat.text().await.unwrap(), "0");
    shot("overview").await;

    c.goto(&format!("{base}/venues")).await.unwrap();
    submit(
        &c,
        Locator::Css("form[method=post][action$='/venues']"),
        &[
            ("name", "Trường Tiểu học <b>Lê Lợi</b>"),
            ("ward", "Phường Bến Thành"),
            ("address", "1 Lê Lợi"),
        ],
    )
    .await;
    let code = text_when_there(&c, Locator::Id("venue-code")).await;
    assert!(code.len() > 20);
    shot("venue").await;

    c.goto(&format!("{base}/venues?q=Ti%E1%BB%83u"))
        .await
        .unwrap();
    let body = c.find(Locator::Css("main")).await.unwrap();
    let text = body.text().await.unwrap();
    assert!(
        text.contains("Trường Tiểu học <b>Lê Lợi</b>"),
        "the name shows as text, markup escaped: {text}"
    );
    shot("venues").await;
    c.goto(&base).await.unwrap();
    let stat = c.find(Locator::Id("stat-venues")).await.unwrap();
    assert_eq!(stat.text().await.unwrap(), "1");
    c.close().await.unwrap();
}

/// Issue 19: the public registration page in headless Chromium (no sign-in): a shop owner
/// fills the form in Vietnamese (a name with diacritics and markup), gets the code, the
/// management secret and the poster (the image loads; the PNG download scans back to the
/// code); the English page; a refusal page for a bad phone number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_registers_its_own_venue_on_the_public_page() {
    let server = ServerFixture::start(Backend::Sqlite).await.unwrap();
    let url = server.url();
    let (_driver, _profile, c) = browser().await;
    let shots = screenshot_dir();

    c.goto(&format!("{url}/register")).await.unwrap();
    let title = text_when_there(&c, Locator::Css("h1")).await;
    assert_eq!(title, "Đăng ký địa điểm của bạn");
    submit(
        &c,
        Locator::Id("self-register"),
        &[
            ("name", "Bánh mì <i>Phượng</i> Hội An"),
            ("address", "2B Phan Châu Trinh"),
            ("ward", "Phường Minh An"),
            ("contact", "0905 111 222"),
        ],
    )
    .await;
    let code = text_when_there(&c, Locator::Id("venue-code")).await;
    let info = vaora_protocol::venue::VenueCode::parse(&code).unwrap().info;
    assert_eq!(info.name, "Bánh mì <i>Phượng</i> Hội An");
    let secret = c
        .find(Locator::Id("manage-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_hexdigit()));
    let name = c
        .find(Locator::Id("venue-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(name, "Bánh mì <i>Phượng</i> Hội An", "markup shown as text");
    // The poster image loaded (the CSP allows data: images), and the PNG download is the
    // same code.
    let width = c
        .execute(
            "return document.getElementById('poster').naturalWidth",
            vec![],
        )
        .await
        .unwrap();
    assert!(width.as_u64().unwrap_or(0) > 100, "poster width {width}");
    let href = c
        .find(Locator::Id("poster-png"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        href.strip_prefix("data:image/png;base64,").unwrap(),
    )
    .unwrap();
    assert_eq!(vaora_tests::posters::codes_in_png(&png), vec![code]);
    std::fs::write(
        shots.join("register-done.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // English, and a refusal page in it.
    c.goto(&format!("{url}/register?lang=en")).await.unwrap();
    let title = text_when_there(&c, Locator::Css("h1")).await;
    assert_eq!(title, "Register your venue");
    submit(
        &c,
        Locator::Id("self-register"),
        &[
            ("name", "Quán không số"),
            ("ward", "Phường Minh An"),
            ("contact", "call me"),
        ],
    )
    .await;
    // Wait for the refusal page itself (the form page has a <main> too).
    let main = text_when_there(&c, Locator::XPath("//main[contains(., 'phone number')]")).await;
    assert!(main.contains("must be a phone number"), "{main}");
    c.close().await.unwrap();
}
