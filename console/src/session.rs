//! Server-side sessions and the sign-in throttle.
//!
//! The browser holds only an opaque random session id in an HttpOnly, SameSite=Strict
//! cookie; the token it signed in with is never stored or logged. Each session carries
//! its own CSRF token that every state-changing form must send back.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a session lives at most (it also ends when the token it came from expires).
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins from one address that are answered without delay.
pub const FREE_FAILURES: u32 = 5;
/// The longest an address waits after many failures.
pub const MAX_BACKOFF_SECS: i64 = 300;

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

fn random_hex(bytes: usize) -> Option<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).ok()?;
    Some(hex::encode(buf))
}

/// Sessions by id. Expired ones are dropped when met and on each new sign-in.
#[derive(Debug, Default)]
pub struct SessionStore {
    map: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    /// Starts a session that ends at `expires_at`; returns its id, or `None` when the
    /// random source failed.
    pub fn create(&self, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Option<String> {
        let id = random_hex(32)?;
        let csrf = random_hex(32)?;
        let expires_at = expires_at.min(now + Duration::hours(SESSION_HOURS));
        let mut map = self.map.lock().ok()?;
        map.retain(|_, s| s.expires_at > now);
        map.insert(id.clone(), Session { csrf, expires_at });
        Some(id)
    }

    /// The live session with this id.
    pub fn get(&self, id: &str, now: DateTime<Utc>) -> Option<Session> {
        let mut map = self.map.lock().ok()?;
        match map.get(id) {
            Some(s) if s.expires_at > now => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }
}

/// Compares two secrets without an early exit on the first differing byte.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    blocked_until: DateTime<Utc>,
    last: DateTime<Utc>,
}

/// An address's failures are forgotten this long after its last one.
pub const FORGET_AFTER_SECS: i64 = 3600;
/// Most addresses the throttle keeps; past it the longest-quiet one is forgotten.
pub const MAX_TRACKED: usize = 10_000;

/// Counts failed sign-ins per client address; past [`FREE_FAILURES`] each further failure
/// doubles the wait before the next failed attempt is answered. Entries age out
/// ([`FORGET_AFTER_SECS`]) and the map holds at most [`MAX_TRACKED`] addresses. A valid
/// token is never held back by it (the sign-in page checks the token first): behind a
/// proxy or a NAT, one guesser must not lock every operator out.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    map: Mutex<HashMap<IpAddr, Failures>>,
}

impl LoginThrottle {
    /// Seconds the address must still wait, if it is blocked.
    pub fn blocked_for(&self, ip: IpAddr, now: DateTime<Utc>) -> Option<i64> {
        let map = self.map.lock().ok()?;
        let f = map.get(&ip)?;
        (f.blocked_until > now).then(|| (f.blocked_until - now).num_seconds().max(1))
    }

    pub fn failed(&self, ip: IpAddr, now: DateTime<Utc>) {
        if let Ok(mut map) = self.map.lock() {
            let forget = Duration::seconds(FORGET_AFTER_SECS);
            map.retain(|_, f| f.last + forget > now || f.blocked_until > now);
            if map.len() >= MAX_TRACKED && !map.contains_key(&ip) {
                let quietest = map.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| *k);
                if let Some(k) = quietest {
                    map.remove(&k);
                }
            }
            let f = map.entry(ip).or_insert(Failures {
                count: 0,
                blocked_until: now,
                last: now,
            });
            f.last = now;
            f.count = f.count.saturating_add(1);
            if f.count > FREE_FAILURES {
                let exp = (f.count - FREE_FAILURES - 1).min(16);
                let secs = (1i64 << exp).min(MAX_BACKOFF_SECS);
                f.blocked_until = now + Duration::seconds(secs);
            }
        }
    }

    /// How many addresses the throttle remembers.
    pub fn tracked(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }

    pub fn succeeded(&self, ip: IpAddr) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_entries_age_out() {
        let t = LoginThrottle::default();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for i in 0..20u8 {
            t.failed(IpAddr::from([10, 0, 0, i]), now);
        }
        assert_eq!(t.tracked(), 20);
        let later = now + Duration::seconds(FORGET_AFTER_SECS + 1);
        t.failed(IpAddr::from([10, 0, 1, 0]), later);
        assert_eq!(t.tracked(), 1);
    }

    #[test]
    fn sessions_expire_and_are_removed() {
        let store = SessionStore::default();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let id = store.create(now, now + Duration::hours(1)).unwrap();
        assert!(store.get(&id, now).is_some());
        assert!(store.get(&id, now + Duration::hours(1)).is_none());
        let id2 = store.create(now, now + Duration::hours(100)).unwrap();
        assert!(
            store
                .get(&id2, now + Duration::hours(SESSION_HOURS))
                .is_none()
        );
        store.remove(&id2);
        assert!(store.get(&id2, now).is_none());
    }

    #[test]
    fn throttle_blocks_after_free_failures_and_doubles() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for _ in 0..FREE_FAILURES {
            t.failed(ip, now);
            assert_eq!(t.blocked_for(ip, now), None);
        }
        t.failed(ip, now);
        assert_eq!(t.blocked_for(ip, now), Some(1));
        t.failed(ip, now);
        assert_eq!(t.blocked_for(ip, now), Some(2));
        t.succeeded(ip);
        assert_eq!(t.blocked_for(ip, now), None);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
