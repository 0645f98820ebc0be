//! Injectable time: storage keeps UTC instants; tests drive a [`FixedClock`].
//!
//! Local dates are only for display grouping and for the "never past local midnight"
//! auto check-out rule, so the clock also carries the device's UTC offset.

use chrono::{DateTime, FixedOffset, Utc};
use std::sync::Mutex;

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// The device's current offset from UTC, for local-day rules. Defaults to the
    /// offset Vietnam uses (UTC+7) when the platform does not say otherwise.
    fn local_offset(&self) -> FixedOffset {
        vietnam_offset()
    }
}

/// UTC+7, the offset of Indochina Time.
#[allow(clippy::panic)] // evaluated at compile time: 7 h is always a valid offset
pub const VIETNAM_OFFSET: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

/// UTC+7, the offset of Indochina Time.
pub fn vietnam_offset() -> FixedOffset {
    VIETNAM_OFFSET
}

/// The real wall clock, with a fixed local offset.
#[derive(Debug, Clone)]
pub struct SystemClock {
    offset: FixedOffset,
}

impl SystemClock {
    pub fn new(offset: FixedOffset) -> Self {
        Self { offset }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            offset: vietnam_offset(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn local_offset(&self) -> FixedOffset {
        self.offset
    }
}

/// A clock that only moves when told to: for tests and reproducible demos.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
    offset: FixedOffset,
}

impl FixedClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
            offset: vietnam_offset(),
        }
    }

    pub fn with_offset(now: DateTime<Utc>, offset: FixedOffset) -> Self {
        Self {
            now: Mutex::new(now),
            offset,
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        if let Ok(mut guard) = self.now.lock() {
            *guard = now;
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut guard) = self.now.lock() {
            *guard += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        match self.now.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
    fn local_offset(&self) -> FixedOffset {
        self.offset
    }
}
