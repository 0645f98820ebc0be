//! Server-side records as storage receives them, for tests that fill a store directly
//! (aggregates, rollup, inspection) without going through HTTP and signatures.

use vaora_protocol::ids::{Id128, IdError};
use vaora_server::storage::{CheckInRow, Derived, NewRecord, UpdateRow};

/// A check-in record of a fresh device and person at `venue` (or at none), one hour long
/// from `from_ms`, received at `from_ms`. Storage never checks the signature.
pub fn stored_checkin(venue: Option<Id128>, from_ms: i64) -> Result<NewRecord, IdError> {
    let id = Id128::random()?;
    let device = Id128::random()?;
    Ok(NewRecord {
        id,
        device_id: device,
        kind: 1,
        body: [id.as_bytes().as_slice(), b"check-in"].concat(),
        signature: [1; 64],
        received_ms: from_ms,
        at_ms: from_ms,
        derived: Derived::CheckIn(CheckInRow::own(
            id,
            device,
            Id128::random()?,
            "Lê Thị Hoa".into(),
            venue,
            "Chợ Bến Thành".into(),
            from_ms,
            from_ms + 3_600_000,
        )),
    })
}

/// Update number `sequence` of `checkin` (same device) moving its stay to `from_ms` ..
/// `until_ms`, received and filed at `at_ms`.
pub fn stored_update(
    checkin: &NewRecord,
    sequence: i64,
    from_ms: i64,
    until_ms: i64,
    at_ms: i64,
) -> Result<NewRecord, IdError> {
    let id = Id128::random()?;
    Ok(NewRecord {
        id,
        device_id: checkin.device_id,
        kind: 2,
        body: [id.as_bytes().as_slice(), b"update"].concat(),
        signature: [3; 64],
        received_ms: at_ms,
        at_ms,
        derived: Derived::Update(UpdateRow {
            id,
            checkin_id: checkin.id,
            sequence,
            from_ms,
            until_ms,
        }),
    })
}
