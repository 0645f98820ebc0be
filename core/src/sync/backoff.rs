//! Retry delays: exponential backoff with full jitter, and the server's Retry-After.
//!
//! Full jitter (a uniform draw below the exponential cap) spreads the retries of millions
//! of phones that lost the same server at the same moment, so they do not return in waves.

use std::time::Duration;

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Cap of the first retry's delay.
    pub base: Duration,
    /// No delay is ever longer (Retry-After included).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0 = first retry): uniform in
    /// `[0, min(max, base * 2^attempt)]`, or the server's Retry-After (capped at `max`).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max);
        }
        let cap = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX))
            .min(self.max);
        let mut b = [0u8; 8];
        // Without randomness the full cap is still a valid (if less spread) delay.
        if getrandom::fill(&mut b).is_err() {
            return cap;
        }
        let frac = (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64;
        cap.mul_f64(frac)
    }
}

/// Parses a Retry-After header given in seconds (the HTTP-date form is not used by our server).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_stays_capped() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for attempt in 0..40 {
            let cap = Duration::from_millis(100u64.saturating_mul(1 << attempt.min(20))).min(b.max);
            assert!(b.delay(attempt, None) <= cap);
        }
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(5))),
            Duration::from_secs(1)
        );
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
