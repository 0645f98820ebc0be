//! The console mounted in the real server (SQLite), driven by headless Chromium through
//! chromedriver on loopback: sign in with a token from the server's authority directory,
//! register a venue through the form, find it in the venue list. Screenshots go to
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_registers_a_venue_on_the_real_server() {
    for p in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(p).exists(),
            "{p} is missing: install Debian's chromium and chromium-driver"
        );
    }
    let server = ServerFixture::start(Backend::Sqlite).await.unwrap();
    let base = format!("{}/console", server.url());
    let authority = Authority::load_dir(&server.authority_dir).unwrap();
    let token = vaora_console::token::issue(&authority, chrono::Utc::now(), 1).unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
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
    let form = c
        .form(Locator::Css("form[method=post][action$='/venues']"))
        .await
        .unwrap();
    form.set_by_name("name", "Trường Tiểu học <b>Lê Lợi</b>")
        .await
        .unwrap();
    form.set_by_name("ward", "Phường Bến Thành").await.unwrap();
    form.set_by_name("address", "1 Lê Lợi").await.unwrap();
    form.submit().await.unwrap();
    let code = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("venue-code"))
        .await
        .unwrap();
    assert!(code.text().await.unwrap().len() > 20);
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
