//! Fuzz target: one record body of any kind, as the server reads it (`received::receive`)
//! and as the declaration and staff check-in decoders read it. The first byte picks the
//! kind and the server's clock; the rest is the body. Nothing may panic, and a body the
//! server accepts must decode the same through its kind's own decoder.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run record_bodies -- -max_total_time=300`

#![no_main]

use libfuzzer_sys::fuzz_target;
use vaora_protocol::declare::{DeclarationBody, StaffCheckInBody};
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::received::{Received, receive};

#[path = "common/rules.rs"]
mod rules;
use rules::RULES;

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let Some(kind) = RecordKind::from_code(head % 5) else {
        return;
    };
    // Clocks from 1970 to far past 2100, and the extremes.
    let now_ms = match head >> 3 {
        0 => i64::MIN,
        1 => i64::MAX,
        n => i64::from(n) * 200_000_000_000,
    };
    let _ = DeclarationBody::decode(body);
    let _ = StaffCheckInBody::decode(body);
    match receive(kind, body, now_ms, &RULES) {
        Ok(Received::Declaration(d)) => assert_eq!(DeclarationBody::decode(body).ok(), Some(d)),
        Ok(Received::StaffCheckIn(s, _)) => {
            assert_eq!(StaffCheckInBody::decode(body).ok(), Some(s))
        }
        _ => {}
    }
});
