//! Shared set-up of the console tests: a console on loopback over the in-memory test
//! double, fixed keys and a fixed clock, and a headless Chromium driven over WebDriver.

#![allow(dead_code)]
// Test-only helpers: a failed set-up step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod memory;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::VerifyingKey;
use fantoccini::{Client, ClientBuilder, Locator};
use vaora_console::{ConsoleConfig, token};
use vaora_protocol::clock::FixedClock;
use vaora_protocol::venue::{Authority, VenueCategory};

use memory::{CheckIn, MemoryBackend};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The fixed "now" of every console test: 2026-11-25 10:00 in Vietnam.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}

pub fn authority_key() -> Authority {
    vaora_protocol::testing::test_authority()
}

pub fn authority_public() -> VerifyingKey {
    VerifyingKey::from_bytes(&authority_key().public_key()).unwrap()
}

pub fn valid_token() -> String {
    token::issue_with_nonce(&authority_key(), now() + Duration::hours(8), [1; 16])
}

pub const WARD: &str = "Phường Bến Nghé";
pub const SILENT_MARKET: &str = "Chợ Im Lặng";
pub const QUIET_MARKET: &str = "Chợ Nhỏ Yên Tĩnh";
pub const CAFE: &str = "Quán Cà Phê Sáng";
pub const CASE_DEVICE: &str = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
pub const CONTACT_DEVICE: &str = "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2";
pub const LATER_DEVICE: &str = "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3";

/// Fills the test double with venues, scans and the check-ins of one case story.
pub fn seed(b: &MemoryBackend) {
    let at = |day_offset: i64, h: u32, m: u32| {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap() - Duration::days(day_offset)
    };
    let busy = b.add_venue("Chợ Bến Thành", VenueCategory::Market, WARD);
    let old = b.add_venue("Chợ Cũ", VenueCategory::Market, WARD);
    let quiet = b.add_venue(QUIET_MARKET, VenueCategory::Market, WARD);
    b.add_venue(SILENT_MARKET, VenueCategory::Market, WARD);
    let school = b.add_venue(
        "Trường Tiểu học Tân Phú",
        VenueCategory::School,
        "Xã Tân Phú",
    );
    let cafe = b.add_venue(CAFE, VenueCategory::RestaurantOrShop, WARD);
    for (venue, n) in [(&busy, 60), (&old, 40), (&quiet, 2), (&school, 12)] {
        for i in 0..n {
            b.add_checkin(CheckIn {
                device_id: format!("{:032x}", 1000 + i),
                person: None,
                venue_id: venue.clone(),
                from: at(i64::from(i % 13) + 1, 1 + (i % 8), 0),
                until: at(i64::from(i % 13) + 1, 1 + (i % 8), 30),
            });
        }
    }
    // The case story, yesterday (local 09:00-10:00 at the cafe, 11:00-11:30 at the market).
    let visit = |device: &str, person: Option<&str>, venue: &str, from, until| CheckIn {
        device_id: device.into(),
        person: person.map(Into::into),
        venue_id: venue.into(),
        from,
        until,
    };
    b.add_checkin(visit(CASE_DEVICE, None, &cafe, at(1, 2, 0), at(1, 3, 0)));
    b.add_checkin(visit(
        CONTACT_DEVICE,
        Some("Bà Lan"),
        &cafe,
        at(1, 2, 30),
        at(1, 4, 0),
    ));
    b.add_checkin(visit(LATER_DEVICE, None, &cafe, at(1, 5, 0), at(1, 6, 0)));
    b.add_checkin(visit(CASE_DEVICE, None, &busy, at(1, 4, 0), at(1, 4, 30)));
    b.add_checkin(visit(LATER_DEVICE, None, &busy, at(1, 4, 15), at(1, 5, 0)));
    b.set_devices(5);
}

/// A console on loopback over a seeded test double.
pub struct Served {
    pub base: String,
    pub backend: Arc<MemoryBackend>,
}

pub async fn serve() -> Served {
    let backend = Arc::new(MemoryBackend::new(authority_key(), now()));
    seed(&backend);
    let config = ConsoleConfig {
        authority_keys: vec![authority_public()],
        clock: Arc::new(FixedClock::new(now())),
        secure_cookies: false,
        trusted_proxies: Vec::new(),
    };
    let app = axum::Router::new().nest("/console", vaora_console::router(backend.clone(), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Served {
        base: format!("http://{addr}/console"),
        backend,
    }
}

/// Folder for the screenshots of the browser tests: `<target>/console-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A chromedriver child process, killed on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium under chromedriver, with its own profile and download folder.
pub struct Browser {
    pub client: Client,
    pub downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
    _driver: Driver,
}

fn require(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: the console browser tests need Debian's chromium and chromium-driver \
         (`apt-get install -y chromium chromium-driver`; `bash .ci/run` installs them)"
    );
}

pub async fn browser() -> Browser {
    require(CHROMIUM);
    require(CHROMEDRIVER);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let profile = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
                "safebrowsing.enabled": false,
            }
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + StdDuration::from_secs(30);
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(StdDuration::from_millis(200)).await;
            }
            Err(e) => panic!("could not start headless chromium via chromedriver: {e}"),
        }
    };
    Browser {
        client,
        downloads,
        _profile: profile,
        _driver: driver,
    }
}

impl Browser {
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    pub async fn sign_in(&self, base: &str, token: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.client
            .find(Locator::Id("token"))
            .await
            .unwrap()
            .send_keys(token)
            .await
            .unwrap();
        self.click("#sign-in").await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// The computed value of a CSS property of an element.
    pub async fn css_value(&self, css: &str, property: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .css_value(property)
            .await
            .unwrap()
    }

    /// Clicks something that does not navigate (an option, a download link).
    pub async fn click_here(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks a link or submit button and waits until the next page has replaced this one.
    pub async fn click(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        self.click_here(css).await;
        let deadline = Instant::now() + StdDuration::from_secs(20);
        while old.tag_name().await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "clicking {css} did not load a page"
            );
            tokio::time::sleep(StdDuration::from_millis(30)).await;
        }
        self.client
            .wait()
            .at_most(StdDuration::from_secs(20))
            .for_element(Locator::Css("body"))
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits for a finished download whose name ends with `suffix` and returns its bytes.
    pub async fn download(&self, suffix: &str) -> Vec<u8> {
        let deadline = Instant::now() + StdDuration::from_secs(20);
        loop {
            let found = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().ends_with(suffix));
            if let Some(p) = found {
                return std::fs::read(p).unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "no download ending in {suffix} appeared in {}",
                self.downloads.path().display()
            );
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
