//! `vaora serve` logs to stderr, never to stdout (whose first line, `listening on …`, is the
//! contract scripts read): one line per request with the id the answer carries in
//! `X-Request-Id`, the method, the route as declared (not the ids in the path, not the
//! query) and the status; lines logged while a request is served carry its id.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// Sends one raw HTTP/1.1 request; the status and the `x-request-id` header.
fn request(addr: &str, head: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{answer}"));
    let id = answer
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("x-request-id")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no request id: {answer}"));
    (status, id)
}

/// Starts `vaora serve` writing its log (in `format`, `text` or `json`) to a file: the
/// child, its address and the log's path.
fn serve(dir: &std::path::Path, format: &str) -> (std::process::Child, String, std::path::PathBuf) {
    let log = dir.join(format!("serve-{format}.log"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_vaora"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(format!(
            "sqlite:{}",
            dir.join(format!("s-{format}.db")).display()
        ))
        .arg("--authority")
        .arg(dir.join("auth"))
        .env("VAORA_LOG_FORMAT", format)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_owned();
    (child, addr, log)
}

const VENUE: &str = "5be0c0d8f7a34c1e9d2b6a4f0e8c7d31";
const OWN_VENUE: &str = r#"{"name":"Quán Bà Sáu","ward":"Phường 9","category":"restaurant-shop","contact":"0912 345 678"}"#;

#[test]
fn every_request_is_logged_once_with_its_id_and_route() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, log) = serve(dir.path(), "text");
    let venue = VENUE;
    let (refused, refused_id) = request(
        &addr,
        &format!("POST /v1/venues/{venue}/staff"),
        r#"{"manage_secret":"00000000000000000000000000000000"}"#,
    );
    assert_eq!(refused, 403);
    let (missing, missing_id) = request(&addr, "GET /v1/nothing-here?name=Tr%E1%BA%A7n", "");
    assert_eq!(missing, 404);
    assert_eq!(refused_id.len(), 16);
    assert_ne!(refused_id, missing_id);
    let (created, created_id) = request(&addr, "POST /v1/venues", OWN_VENUE);
    assert_eq!(created, 201);
    // The counts: what was answered, by declared route and status.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut metrics = String::new();
    s.read_to_string(&mut metrics).unwrap();
    for line in [
        r#"vaora_requests_total{method="POST",route="/v1/venues",status="201"} 1"#,
        r#"vaora_requests_total{method="POST",route="/v1/venues/{id}/staff",status="403"} 1"#,
        r#"vaora_request_duration_seconds_count{method="POST",route="/v1/venues"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    assert!(!metrics.contains(venue), "{metrics}");
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log).unwrap();
    let line_of = |id: &str| {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.contains(&format!(
                    "request{{id={id}}}: vaora_server::request: request "
                ))
            })
            .collect();
        assert_eq!(lines.len(), 1, "one line for {id}:\n{text}");
        lines[0].to_owned()
    };
    let staff = line_of(&refused_id);
    assert!(
        staff.contains(" method=POST route=/v1/venues/{id}/staff status=403 ms="),
        "{staff}"
    );
    assert!(
        !text.contains(venue),
        "an id from a path reached the log:\n{text}"
    );
    // What the handler logged carries the request's id; no name or phone number does.
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("request{{id={created_id}}}:"))
                && l.contains("venue registered by its owner")),
        "{text}"
    );
    assert!(line_of(&created_id).contains(" method=POST route=/v1/venues status=201 "));
    assert!(!text.contains("Sáu") && !text.contains("0912"), "{text}");
    let unmatched = line_of(&missing_id);
    assert!(
        unmatched.contains(" method=GET route=(unmatched) status=404 "),
        "{unmatched}"
    );
    assert!(
        !text.contains("Tr%E1") && !text.contains("nothing-here"),
        "{text}"
    );
}

/// `VAORA_LOG_FORMAT=json`: one JSON object a line, the request's fields as keys and its
/// id in the span, for a log collector; still no name or phone number.
#[test]
fn the_log_is_json_lines_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, log) = serve(dir.path(), "json");
    let (created, created_id) = request(&addr, "POST /v1/venues", OWN_VENUE);
    assert_eq!(created, 201);
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let of_request: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["span"]["id"] == created_id.as_str())
        .collect();
    let done = of_request
        .iter()
        .find(|e| e["fields"]["message"] == "request")
        .unwrap_or_else(|| panic!("no request event:\n{text}"));
    assert_eq!(done["fields"]["method"], "POST");
    assert_eq!(done["fields"]["route"], "/v1/venues");
    assert_eq!(done["fields"]["status"], 201);
    assert!(done["fields"]["ms"].is_number(), "{done}");
    assert_eq!(done["level"], "INFO");
    assert!(
        of_request
            .iter()
            .any(|e| e["fields"]["message"] == "venue registered by its owner"),
        "{text}"
    );
    assert!(!text.contains("Sáu") && !text.contains("0912"), "{text}");
}
