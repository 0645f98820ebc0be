//! How the CLI prints times and check-ins (text lines and JSON).

use chrono::{DateTime, Local, SecondsFormat, Utc};
use vaora_core::diary::CheckIn;

/// A local wall-clock time for people to read.
pub fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an `--at` value.
pub fn parse_at(text: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow::anyhow!("--at {text:?} is not an RFC 3339 time: {e}"))
}

/// One line per check-in: id, times, person, venue, state.
pub fn checkin_line(c: &CheckIn) -> String {
    let out = match (&c.checked_out_at, c.out_reason) {
        (Some(t), Some(r)) => format!("{} ({})", local(t), r.as_str()),
        (Some(t), None) => local(t),
        (None, _) => format!("open (auto {})", local(&c.auto_out_at)),
    };
    format!(
        "{}  {} -> {}  {}  {}  [{}]",
        c.id,
        local(&c.checked_in_at),
        out,
        c.person_name,
        c.venue.name,
        c.sync_state.as_str()
    )
}

pub fn checkin_json(c: &CheckIn) -> serde_json::Value {
    serde_json::json!({
        "id": c.id.to_hex(),
        "person_id": c.person_id.to_hex(),
        "person_name": c.person_name,
        "venue": {
            "id": c.venue.id.map(|v| v.to_hex()),
            "name": c.venue.name,
            "address": c.venue.address,
            "category": c.venue.category.as_str(),
            "issuer_key_id": c.venue.issuer_key_id,
            "verified": c.venue.verified,
        },
        "method": c.method.as_str(),
        "checked_in_at": rfc3339(&c.checked_in_at),
        "checked_out_at": c.checked_out_at.as_ref().map(rfc3339),
        "auto_out_at": rfc3339(&c.auto_out_at),
        "out_reason": c.out_reason.map(|r| r.as_str()),
        "sync_state": c.sync_state.as_str(),
    })
}
