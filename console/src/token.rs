//! Console sign-in tokens: short-lived, signed by the authority key, pasted into
//! `/console/login`. `vaora authority token` issues them; the console verifies them.
//!
//! Why a signed token instead of a password: the authority key already exists (it signs
//! venue codes and exposure windows), so whoever holds it can grant console access for a
//! few hours without the server storing any password. Device credentials are never
//! accepted: only keys in the authority key set verify. Format in `docs/console.md`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use vaora_protocol::venue::{Authority, KeyId};

/// Text prefix of every console token (version 1).
pub const PREFIX: &str = "vaora-ct1.";
/// Domain separation: a console token signature can never be mistaken for a venue code,
/// a record or an exposure-window signature.
pub const SIGNING_CONTEXT: &[u8] = b"vaora/console-token/v1\0";
/// The longest validity a token may have; longer ones are refused when issued and when used.
pub const MAX_VALIDITY_HOURS: i64 = 24 * 7;
const BODY_LEN: usize = 1 + 4 + 8 + 16;
const TOKEN_LEN: usize = BODY_LEN + 64;
const VERSION: u8 = 1;

/// Why a token was not accepted. Messages are shown on the sign-in page; none of them
/// repeats the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this is not a console token")]
    Malformed,
    #[error("the token is not signed by an authority key")]
    UnknownKey,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is valid for longer than {MAX_VALIDITY_HOURS} hours")]
    TooLong,
    #[error("the operating system's random source failed")]
    Random,
}

/// The authority key id (as in venue codes): the first 4 bytes of SHA-256 of the public key.
pub fn key_id(key: &VerifyingKey) -> KeyId {
    KeyId::of_public_key(key.as_bytes())
}

/// An authority public key (as `Authority::public_key` or a key set gives it) for [`verify`].
pub fn verifying_key(public_key: &[u8; 32]) -> Result<VerifyingKey, TokenError> {
    VerifyingKey::from_bytes(public_key).map_err(|_| TokenError::UnknownKey)
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub key_id: KeyId,
    pub expires_at: DateTime<Utc>,
}

fn body(key_id: KeyId, expires_at: i64, nonce: [u8; 16]) -> [u8; BODY_LEN] {
    let mut out = [0u8; BODY_LEN];
    out[0] = VERSION;
    out[1..5].copy_from_slice(&key_id.0);
    out[5..13].copy_from_slice(&expires_at.to_be_bytes());
    out[13..].copy_from_slice(&nonce);
    out
}

fn signing_input(body: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(SIGNING_CONTEXT.len() + body.len());
    msg.extend_from_slice(SIGNING_CONTEXT);
    msg.extend_from_slice(body);
    msg
}

/// Issues a token valid until `expires_at`, with the given nonce (tests fix it; callers
/// normally use [`issue`]).
pub fn issue_with_nonce(key: &Authority, expires_at: DateTime<Utc>, nonce: [u8; 16]) -> String {
    let body = body(key.key_id(), expires_at.timestamp(), nonce);
    let signature = key.sign(SIGNING_CONTEXT, &body);
    let mut raw = Vec::with_capacity(TOKEN_LEN);
    raw.extend_from_slice(&body);
    raw.extend_from_slice(&signature);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
}

/// Issues a token valid for `hours` from `now`, with a random nonce.
pub fn issue(key: &Authority, now: DateTime<Utc>, hours: i64) -> Result<String, TokenError> {
    if !(1..=MAX_VALIDITY_HOURS).contains(&hours) {
        return Err(TokenError::TooLong);
    }
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|_| TokenError::Random)?;
    Ok(issue_with_nonce(key, now + Duration::hours(hours), nonce))
}

/// Verifies a token against the authority key set at time `now`.
pub fn verify(
    token: &str,
    authority_keys: &[VerifyingKey],
    now: DateTime<Utc>,
) -> Result<TokenClaims, TokenError> {
    let encoded = token
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(TokenError::Malformed)?;
    let raw = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| TokenError::Malformed)?;
    if raw.len() != TOKEN_LEN || raw[0] != VERSION {
        return Err(TokenError::Malformed);
    }
    let (body, sig) = raw.split_at(BODY_LEN);
    let mut id_bytes = [0u8; 4];
    id_bytes.copy_from_slice(&body[1..5]);
    let id = KeyId(id_bytes);
    let key = authority_keys
        .iter()
        .find(|k| key_id(k) == id)
        .ok_or(TokenError::UnknownKey)?;
    let signature = Signature::from_slice(sig).map_err(|_| TokenError::Malformed)?;
    key.verify_strict(&signing_input(body), &signature)
        .map_err(|_| TokenError::BadSignature)?;
    let mut secs = [0u8; 8];
    secs.copy_from_slice(&body[5..13]);
    let expires_at =
        DateTime::from_timestamp(i64::from_be_bytes(secs), 0).ok_or(TokenError::Malformed)?;
    if expires_at <= now {
        return Err(TokenError::Expired);
    }
    if expires_at - now > Duration::hours(MAX_VALIDITY_HOURS) + Duration::minutes(5) {
        return Err(TokenError::TooLong);
    }
    Ok(TokenClaims {
        key_id: id,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> Authority {
        Authority::from_secret(&[seed; 32], 0, 4_102_444_800).unwrap()
    }

    fn public(a: &Authority) -> VerifyingKey {
        VerifyingKey::from_bytes(&a.public_key()).unwrap()
    }

    #[test]
    fn issued_token_verifies_until_it_expires() {
        let k = key(7);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let t = issue(&k, now, 8).unwrap();
        let claims = verify(&t, &[public(&k)], now).unwrap();
        assert_eq!(claims.expires_at, now + Duration::hours(8));
        assert_eq!(
            verify(&t, &[public(&k)], now + Duration::hours(8)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn other_keys_and_altered_tokens_are_refused() {
        let authority = key(1);
        let device = key(2);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let by_device = issue(&device, now, 1).unwrap();
        assert_eq!(
            verify(&by_device, &[public(&authority)], now),
            Err(TokenError::UnknownKey)
        );
        let good = issue(&authority, now, 1).unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&good[PREFIX.len()..]).unwrap();
        raw[10] ^= 1; // move the expiry
        let altered = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(
            verify(&altered, &[public(&authority)], now),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify("Bearer abc", &[public(&authority)], now),
            Err(TokenError::Malformed)
        );
        assert_eq!(issue(&authority, now, 24 * 8), Err(TokenError::TooLong));
    }
}

#[cfg(test)]
mod vectors {
    //! `docs/vectors/console-token.json`: fixed authority, expiry and nonce → exact token text.
    use super::*;

    #[test]
    fn vectors_match() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/vectors/console-token.json"
        ))
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut secret = [0u8; 32];
        hex::decode_to_slice(v["authority_secret_hex"].as_str().unwrap(), &mut secret).unwrap();
        let authority = Authority::from_secret(&secret, 0, 4_102_444_800).unwrap();
        let key = verifying_key(&authority.public_key()).unwrap();
        for case in v["tokens"].as_array().unwrap() {
            let expires =
                DateTime::from_timestamp(case["expires_at"].as_i64().unwrap(), 0).unwrap();
            let mut nonce = [0u8; 16];
            hex::decode_to_slice(case["nonce_hex"].as_str().unwrap(), &mut nonce).unwrap();
            let token = issue_with_nonce(&authority, expires, nonce);
            if std::env::var("VAORA_PRINT_VECTORS").is_ok() {
                println!("{token}");
                continue;
            }
            assert_eq!(token, case["token"].as_str().unwrap());
            assert_eq!(
                hex::encode(URL_SAFE_NO_PAD.decode(&token[PREFIX.len()..]).unwrap()),
                case["token_bytes_hex"].as_str().unwrap()
            );
            for check in case["checks"].as_array().unwrap() {
                let at = DateTime::from_timestamp(check["at"].as_i64().unwrap(), 0).unwrap();
                let got = match verify(&token, &[key], at) {
                    Ok(_) => "ok",
                    Err(TokenError::Expired) => "expired",
                    Err(TokenError::TooLong) => "too-long",
                    Err(e) => panic!("unexpected {e}"),
                };
                assert_eq!(got, check["result"].as_str().unwrap(), "at {at}");
            }
        }
    }
}
