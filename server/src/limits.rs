//! The server's abuse limits: how large a request, a batch and a record may be, how often a
//! device may call, and which check-in times are believable.

/// Days personal data is kept by default (`DESIGN.md`, privacy by retention).
pub const DEFAULT_RETENTION_DAYS: i64 = 21;

/// Abuse limits and the retention window.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Most records in one upload.
    pub max_batch: usize,
    /// Largest record body in bytes.
    pub max_record_bytes: usize,
    /// Requests a device may burst.
    pub rate_burst: f64,
    /// Requests per second a device may sustain.
    pub rate_per_second: f64,
    /// Registrations an address may burst.
    pub register_burst: f64,
    /// Registrations per second an address may sustain.
    pub register_per_second: f64,
    /// Registrations the whole server may burst, all addresses together: a flood from
    /// many addresses (a botnet, an IPv6 prefix) cannot make it sign certificates and
    /// store devices without bound.
    pub register_all_burst: f64,
    /// Registrations per second the whole server sustains.
    pub register_all_per_second: f64,
    /// Requests naming a device the server does not know that an address may burst;
    /// past it, that address's device requests are refused (429) before any database
    /// lookup until the budget refills. A phone behind the same address (a carrier NAT)
    /// waits too, so the budget is generous.
    pub unknown_device_burst: f64,
    /// Unknown-device requests per second an address may sustain.
    pub unknown_device_per_second: f64,
    /// Venues an address may register itself in a burst (the public page and the app).
    pub own_venue_burst: f64,
    /// Venue self-registrations per second an address sustains.
    pub own_venue_per_second: f64,
    /// Venue self-registrations the whole server may burst, all addresses together.
    pub own_venue_all_burst: f64,
    /// Venue self-registrations per second the whole server sustains.
    pub own_venue_all_per_second: f64,
    /// How far in the future a check-in may start (clock drift of phones).
    pub max_future_ms: i64,
    /// How old a check-in may be (retention window plus upload delay).
    pub max_age_ms: i64,
    /// Longest stay accepted (at most `storage::LONGEST_STAY_MS`, 24 hours: tracing
    /// reads stays by that bound).
    pub max_stay_ms: i64,
    /// How long personal data is kept (records by the time they are about, exposure
    /// windows and cases by their end): the background purge deletes what is older.
    pub retention_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_batch: 1000,
            max_record_bytes: 4096,
            rate_burst: 60.0,
            rate_per_second: 20.0,
            register_burst: 20.0,
            register_per_second: 0.5,
            // A city's phones register over days, not seconds: 200 a second is ~17
            // million a day.
            register_all_burst: 2000.0,
            register_all_per_second: 200.0,
            unknown_device_burst: 60.0,
            unknown_device_per_second: 1.0,
            // A shop registers once; an office building's tenants share an address: ten
            // at once, then one every six minutes.
            own_venue_burst: 10.0,
            own_venue_per_second: 1.0 / 360.0,
            // A city has ~100,000 venues registering over weeks: 5 a second is 430,000 a
            // day.
            own_venue_all_burst: 200.0,
            own_venue_all_per_second: 5.0,
            max_future_ms: 10 * 60 * 1000,
            max_age_ms: 60 * 24 * 60 * 60 * 1000,
            max_stay_ms: 24 * 60 * 60 * 1000,
            retention_ms: DEFAULT_RETENTION_DAYS * 24 * 60 * 60 * 1000,
        }
    }
}
