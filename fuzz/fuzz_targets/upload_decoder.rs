//! Fuzz target: the server's upload decoder and per-record checks on arbitrary bytes. What
//! anyone can send to `POST /v1/records`: `decode_upload` must refuse or accept without
//! panicking or allocating past the batch limit, and every item it accepts must go through
//! `received::receive` (size, id, typed body, texts, times) without panicking.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run upload_decoder -- -max_total_time=300`

#![no_main]

use libfuzzer_sys::fuzz_target;
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::decode_upload;
use vaora_protocol::wire::received::receive;

#[path = "common/rules.rs"]
mod rules;
use rules::RULES;

fuzz_target!(|data: &[u8]| {
    let Ok(items) = decode_upload(data, 500) else {
        return;
    };
    assert!(items.len() <= 500, "more items than the limit");
    for item in items {
        if let Some(kind) = RecordKind::from_code(item.kind) {
            let _ = receive(kind, &item.body, 1_800_000_000_000, &RULES);
        }
    }
});
