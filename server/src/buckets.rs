//! Token buckets by key: the request budgets of devices, of addresses (registration,
//! unknown devices, venue self-registration) and of the whole server. A missing bucket
//! is a full one, so the maps hold only keys seen recently.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// Past this many buckets, buckets that would be full again are dropped (a missing bucket
/// is a full one), so the map holds only keys seen within the last `burst / rate` seconds.
const PRUNE_AT: usize = 1024;

/// Token buckets by key.
pub(crate) struct Buckets<K> {
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Eq + Hash + Copy> Default for Buckets<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + Copy> Buckets<K> {
    pub(crate) fn new() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket (`burst` at most, refilled at `rate` per second);
    /// `Err(seconds)` to wait when it is empty.
    pub(crate) fn take(&self, key: K, burst: f64, rate: f64, now: Instant) -> Result<(), u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PRUNE_AT && !map.contains_key(&key) {
            let refill = if rate > 0.0 {
                burst / rate
            } else {
                f64::INFINITY
            };
            map.retain(|_, (_, last)| now.saturating_duration_since(*last).as_secs_f64() < refill);
        }
        let (tokens, last) = map.entry(key).or_insert((burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = if rate > 0.0 {
                ((1.0 - *tokens) / rate).ceil()
            } else {
                3600.0
            };
            Err((wait as u64).max(1))
        }
    }

    /// Whether `key`'s bucket holds a token now, without taking it; `Err(seconds)` to
    /// wait when it does not.
    pub(crate) fn peek(&self, key: K, burst: f64, rate: f64, now: Instant) -> Result<(), u64> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let Some((tokens, last)) = map.get(&key) else {
            return Ok(());
        };
        let tokens =
            (tokens + now.saturating_duration_since(*last).as_secs_f64() * rate).min(burst);
        if tokens >= 1.0 {
            Ok(())
        } else if rate > 0.0 {
            Err((((1.0 - tokens) / rate).ceil() as u64).max(1))
        } else {
            Err(3600)
        }
    }

    /// How many keys have a bucket.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn buckets_refill_and_idle_ones_are_dropped() {
        let b: Buckets<u32> = Buckets::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take(1, 3.0, 1.0, t0).is_ok());
        }
        assert_eq!(b.take(1, 3.0, 1.0, t0), Err(1));
        assert!(b.take(1, 3.0, 1.0, t0 + Duration::from_secs(1)).is_ok());
        // A flood of keys: the map never holds more than the keys of the last few seconds.
        for k in 0..(PRUNE_AT as u32 * 3) {
            let at = t0 + Duration::from_secs(u64::from(k / 256) * 10);
            assert!(b.take(k + 10, 3.0, 1.0, at).is_ok());
        }
        assert!(b.len() <= PRUNE_AT, "{}", b.len());
    }
}
