//! The server's default limits for received records, shared by the record fuzz targets.

use vaora_protocol::wire::received::ReceiveRules;

pub const RULES: ReceiveRules = ReceiveRules {
    max_record_bytes: 4096,
    max_future_ms: 300_000,
    max_age_ms: 30 * 86_400_000,
    max_stay_ms: 86_400_000,
};
