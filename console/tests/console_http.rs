//! The console's HTTP contract without a browser: security headers, cookie attributes,
//! CSRF refusals, the sign-in throttle, and that nothing is served before sign-in.

// Helpers outside #[test] fns: a failed step stops the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;
use vaora_console::backend::{ConsoleBackend, VenueFilter};
use vaora_console::{ConsoleConfig, session::FREE_FAILURES};
use vaora_protocol::clock::FixedClock;

use support::memory::MemoryBackend;
use support::*;

fn app() -> (axum::Router, Arc<MemoryBackend>) {
    app_with(true, Vec::new())
}

fn app_with(
    secure_cookies: bool,
    trusted_proxies: Vec<std::net::IpAddr>,
) -> (axum::Router, Arc<MemoryBackend>) {
    let backend = Arc::new(MemoryBackend::new(authority_key(), now()));
    seed(&backend);
    let config = ConsoleConfig {
        authority_keys: vec![authority_public()],
        clock: Arc::new(FixedClock::new(now())),
        secure_cookies,
        trusted_proxies,
    };
    let router =
        axum::Router::new().nest("/console", vaora_console::router(backend.clone(), config));
    (router, backend)
}

fn from_ip(mut req: Request<Body>, ip: [u8; 4]) -> Request<Body> {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    req
}

async fn send(app: &axum::Router, req: Request<Body>) -> Response {
    app.clone()
        .oneshot(from_ip(req, [127, 0, 0, 1]))
        .await
        .unwrap()
}

fn login_request(token: &str) -> Request<Body> {
    let body = format!("token={}", token.replace('+', "%2B"));
    Request::post("/console/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

async fn body_text(res: Response) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Signs in and returns the session cookie pair and the page's CSRF token.
async fn sign_in(app: &axum::Router) -> (String, String) {
    let res = send(app, login_request(&valid_token())).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = send(
        app,
        Request::get("/console/venues")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let html = body_text(page).await;
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..start + 64].to_owned();
    (cookie, csrf)
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (app, _) = app();
    for path in ["/console/login", "/console", "/console/static/console.css"] {
        let res = send(&app, Request::get(path).body(Body::empty()).unwrap()).await;
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'none'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

#[tokio::test]
async fn nothing_is_served_before_sign_in() {
    let (app, _) = app();
    for path in [
        "/console",
        "/console/venues",
        "/console/compliance.csv",
        "/console/cases",
    ] {
        let res = send(&app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.headers()[header::LOCATION], "/console/login");
    }
}

#[tokio::test]
async fn session_cookie_is_httponly_strict_and_secure_and_opaque() {
    let (app, _) = app();
    let token = valid_token();
    let res = send(&app, login_request(&token)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/console");
    let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("vaora_console_session="));
    assert!(set.contains("; HttpOnly") && set.contains("; SameSite=Strict"));
    assert!(set.contains("; Secure") && set.contains("; Path=/console"));
    assert!(!set.contains(&token[10..30]), "the cookie is not the token");
}

#[tokio::test]
async fn state_changes_without_the_sessions_csrf_token_are_refused() {
    let (app, backend) = app();
    let (cookie, csrf) = sign_in(&app).await;
    let count = || async {
        let f = VenueFilter {
            limit: 1000,
            ..VenueFilter::default()
        };
        backend.search_venues(&f).await.unwrap().len()
    };
    let before = count().await;
    let form = |csrf: &str| {
        Request::post("/console/venues")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "csrf={csrf}&name=Ch%E1%BB%A3&category=market&ward=W&address="
            )))
            .unwrap()
    };
    let res = send(&app, form(&"0".repeat(64))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().await, before);
    let res = send(&app, form(&csrf)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(count().await, before + 1);
    // The form without any session is sent to sign in, and changes nothing.
    let anon = Request::post("/console/venues")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={csrf}&name=X&category=market&ward=W"
        )))
        .unwrap();
    assert_eq!(send(&app, anon).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(count().await, before + 1);
}

#[tokio::test]
async fn repeated_failed_sign_ins_from_one_address_are_slowed_down() {
    let (app, _) = app();
    let ip = [10, 9, 8, 7];
    for _ in 0..=FREE_FAILURES {
        let res = app
            .clone()
            .oneshot(from_ip(login_request("vaora-ct1.AAAA"), ip))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Now a further guess waits: the address is blocked for a while.
    let res = app
        .clone()
        .oneshot(from_ip(login_request("vaora-ct1.AAAA"), ip))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body_text(res).await.contains("too many failed sign-ins"));
    // The right token is never held back by others' failures at the same address (a
    // reverse proxy's, an office's NAT), and signing in does not free the guesser.
    let res = app
        .clone()
        .oneshot(from_ip(login_request(&valid_token()), ip))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .clone()
        .oneshot(from_ip(login_request("vaora-ct1.AAAA"), ip))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let res = app
        .clone()
        .oneshot(from_ip(login_request(&valid_token()), [10, 9, 8, 6]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Behind TLS: `Secure` cookies and HSTS; on plain HTTP (development) neither.
#[tokio::test]
async fn https_deployments_send_hsts_and_secure_cookies() {
    let (https, _) = app_with(true, Vec::new());
    let res = send(&https, login_request(&valid_token())).await;
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    let (plain, _) = app_with(false, Vec::new());
    let res = send(&plain, login_request(&valid_token())).await;
    assert!(
        !res.headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    assert!(
        !res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}

/// Behind a trusted reverse proxy the throttle counts the client `X-Forwarded-For` names
/// (right-most untrusted hop), so one guesser does not block everyone behind the proxy;
/// from an untrusted peer the header is ignored.
#[tokio::test]
async fn the_throttle_counts_clients_behind_a_trusted_proxy() {
    let proxy = [10, 0, 0, 1];
    let (app, _) = app_with(true, vec![std::net::IpAddr::from(proxy)]);
    let via = |token: &str, forwarded: &str, peer: [u8; 4]| {
        let mut req = login_request(token);
        req.headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
        from_ip(req, peer)
    };
    // The guesser forges a left-most hop; the proxy appends the real address.
    for _ in 0..=FREE_FAILURES + 1 {
        let _ = app
            .clone()
            .oneshot(via("vaora-ct1.AAAA", "1.2.3.4, 203.0.113.9", proxy))
            .await
            .unwrap();
    }
    let res = app
        .clone()
        .oneshot(via("vaora-ct1.AAAA", "203.0.113.9", proxy))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy, with a wrong token: not blocked.
    let res = app
        .clone()
        .oneshot(via("vaora-ct1.AAAA", "198.51.100.7", proxy))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // An untrusted peer cannot pick its address with the header.
    for _ in 0..=FREE_FAILURES + 1 {
        let _ = app
            .clone()
            .oneshot(via("vaora-ct1.AAAA", "198.51.100.8", [192, 0, 2, 1]))
            .await
            .unwrap();
    }
    let res = app
        .clone()
        .oneshot(via("vaora-ct1.AAAA", "198.51.100.9", [192, 0, 2, 1]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn csv_exports_neutralise_spreadsheet_formulas() {
    let (app, backend) = app();
    backend.add_venue(
        "=HYPERLINK(\"x\")",
        vaora_protocol::venue::VenueCategory::Market,
        WARD,
    );
    let (cookie, _) = sign_in(&app).await;
    let res = send(
        &app,
        Request::get("/console/compliance.csv")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = body_text(res).await;
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
}

#[tokio::test]
async fn the_work_list_puts_never_inspected_venues_first_and_escapes_notes() {
    let (app, backend) = app();
    let cat = vaora_protocol::venue::VenueCategory::Market;
    let fresh = backend.add_venue("Chợ Mới", cat, WARD);
    let stale = backend.add_venue("Chợ Cũ", cat, WARD);
    backend.add_venue("Chợ Xa", cat, "Phường Khác");
    backend.add_inspection(&fresh, 2, "compliant", "");
    backend.add_inspection(&stale, 30, "non-compliant", "<script>x</script>");
    let (cookie, _) = sign_in(&app).await;
    let get = |path: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let res = send(
                &app,
                Request::get(path)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
            body_text(res).await
        }
    };
    let ward: String = form_urlencoded(WARD);
    let csv = get(format!("/console/inspections.csv?ward={ward}&days=14")).await;
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    let at = |id: &str| lines.iter().position(|l| l.starts_with(id)).unwrap();
    assert!(!csv.contains("Chợ Xa"), "another ward: {csv}");
    // Never inspected first, then the longest ago; only the recent one is not due.
    assert!(
        lines[..at(&stale)].iter().all(|l| l.ends_with(",,due")),
        "{csv}"
    );
    assert!(lines[at(&stale)].ends_with(",non-compliant,due"), "{csv}");
    assert_eq!(at(&fresh), at(&stale) + 1, "{csv}");
    assert!(lines[at(&fresh)].ends_with(",compliant,inspected"), "{csv}");
    let due_only = get(format!(
        "/console/inspections.csv?ward={ward}&days=14&due=1"
    ))
    .await;
    assert!(!due_only.contains(&fresh) && due_only.contains(&stale));
    let page = get(format!("/console/venues/{stale}")).await;
    assert!(!page.contains("<script>x"), "the note is escaped");
    assert!(page.contains("Không đạt"));
}

fn form_urlencoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
