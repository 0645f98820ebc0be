//! `vaora authority token`: the printed token signs in to the console with that
//! authority's key, and with no other; bad options fail with one line.

#![allow(clippy::unwrap_used)]

use vaora_console::token;
use vaora_protocol::venue::Authority;

mod common;

use common::vaora;

#[test]
fn printed_token_verifies_with_the_authority_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth");
    let auth_s = auth.to_str().unwrap();
    assert!(
        vaora(&["authority", "init", "--out", auth_s])
            .status
            .success()
    );
    let out = vaora(&[
        "authority",
        "token",
        "--authority",
        auth_s,
        "--valid-hours",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let printed = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout");

    let authority = Authority::load_dir(&auth).unwrap();
    let key = token::verifying_key(&authority.public_key()).unwrap();
    let now = chrono::Utc::now();
    let claims = token::verify(printed, &[key], now).unwrap();
    assert_eq!(claims.key_id, authority.key_id());
    let left = claims.expires_at - now;
    assert!(left > chrono::Duration::minutes(170) && left <= chrono::Duration::hours(3));
    assert_eq!(
        token::verify(printed, &[key], now + chrono::Duration::hours(3)),
        Err(token::TokenError::Expired)
    );

    let other = vaora_protocol::testing::test_authority();
    let other_key = token::verifying_key(&other.public_key()).unwrap();
    assert_eq!(
        token::verify(printed, &[other_key], now),
        Err(token::TokenError::UnknownKey)
    );
}

#[test]
fn bad_options_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let out = vaora(&[
        "authority",
        "token",
        "--authority",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("vaora: error: loading the authority key"));

    let out = vaora(&[
        "authority",
        "token",
        "--authority",
        ".",
        "--valid-hours",
        "169",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("--valid-hours must be 1..=168")
    );
}
