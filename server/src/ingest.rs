//! Ingest: a device's upload of signed records, checked and stored.
//!
//! Each record is checked short of its signature (kind, size, shape, believable times),
//! then the signatures of the batch are verified at once (same key, so the same-key batch
//! check of [`crate::batch_verify`]; one by one only when the batch fails, to find the
//! culprits), repeats of an id inside the batch are folded, and the rest is stored in one
//! transaction. Every record gets its own status; a refused record never blocks the others.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use ed25519_dalek::{Signature, VerifyingKey};
use vaora_protocol::cards::profile::CardKind;
use vaora_protocol::declare::{StaffCheckInBody, VisitorSource};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, RecordKind, SignedRecord};
use vaora_protocol::wire::received::{self, ReceiveRules, Received, Stay};
use vaora_protocol::wire::{self, RecordStatus};

use crate::authority::AuthorityKey;
use crate::limits::Limits;
use crate::rejections::{BAD_SIGNATURE, NOT_INSPECTOR, NOT_PROCESSED, REUSED};
use crate::storage::{
    CheckInRow, CodeRef, Derived, DeviceRow, InsertOutcome, InspectionRow, NewRecord, RecordedBy,
    Storage, StorageError, UpdateRow,
};

/// Why an upload was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IngestError {
    /// Not an upload (CBOR framing, item shape).
    #[error("{0}")]
    Malformed(String),
    #[error("at most {max} records per upload, got {got}")]
    TooMany { max: usize, got: u64 },
    /// The checking task stopped.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Checks and stores the upload `bytes` of `device`; the status of each record, in order.
pub(crate) async fn upload<S: Storage>(
    store: &S,
    limits: &Limits,
    authority: &Arc<AuthorityKey>,
    device: DeviceRow,
    bytes: &[u8],
    metrics: &crate::metrics::Metrics,
) -> Result<Vec<RecordStatus>, IngestError> {
    // The batch size is read from the array's head, before any record is decoded.
    let items = wire::decode_upload(bytes, limits.max_batch).map_err(|e| match e {
        wire::WireError::TooManyRecords { max, got } => IngestError::TooMany { max, got },
        e => IngestError::Malformed(e.to_string()),
    })?;
    let kinds: Vec<u8> = items.iter().map(|i| i.kind).collect();
    // Inspections are stored only from certified inspectors (asked once per upload, and
    // only when the upload holds one).
    let inspector = if items
        .iter()
        .any(|i| i.kind == RecordKind::Inspection.code())
    {
        store.is_inspector(device.id).await?
    } else {
        false
    };
    let limits = limits.clone();
    let authority = authority.clone();
    let (mut statuses, to_store, repeats) = tokio::task::spawn_blocking(move || {
        check_batch(&limits, &authority, &device, inspector, items)
    })
    .await
    .map_err(|e| IngestError::Internal(e.to_string()))?;
    let indexes: Vec<usize> = to_store.iter().map(|(i, _)| *i).collect();
    let outcomes = if to_store.is_empty() {
        Vec::new()
    } else {
        store
            .insert_records(to_store.into_iter().map(|(_, r)| r).collect())
            .await?
    };
    for (i, outcome) in indexes.iter().zip(&outcomes) {
        statuses[*i] = Some(match outcome {
            InsertOutcome::Inserted => RecordStatus::Accepted,
            InsertOutcome::Duplicate => RecordStatus::Duplicate,
            InsertOutcome::Conflict => RecordStatus::Rejected(REUSED.into()),
        });
    }
    for (i, first) in repeats {
        statuses[i] = Some(match outcomes.get(first) {
            Some(InsertOutcome::Conflict) => RecordStatus::Rejected(REUSED.into()),
            _ => RecordStatus::Duplicate,
        });
    }
    let statuses: Vec<RecordStatus> = statuses
        .into_iter()
        .map(|s| s.unwrap_or_else(|| RecordStatus::Rejected(NOT_PROCESSED.into())))
        .collect();
    let accepted = statuses
        .iter()
        .filter(|s| **s == RecordStatus::Accepted)
        .count();
    log::info!("upload: {} records, {accepted} accepted", statuses.len());
    metrics.upload(&kinds, &statuses);
    Ok(statuses)
}

/// The per-record checks short of the signature, as the spec orders them
/// ([`received::receive`]): size, id, the body read into its kind's type, texts and
/// believable times. A staff check-in's visit is a stay like a check-in's (under the staff
/// device); a declaration keeps whom it is about.
fn precheck(
    limits: &Limits,
    authority: &AuthorityKey,
    now_ms: i64,
    (device, inspector): (&DeviceRow, bool),
    record: &SignedRecord,
) -> Result<(Id128, i64, Derived), String> {
    let rules = receive_rules(limits);
    let received = received::receive(record.kind, &record.body, now_ms, &rules)?;
    let id = received.id();
    let at_ms = received.at_ms();
    let derived = match received {
        Received::CheckIn(c, stay) => Derived::CheckIn(own_stay(device.id, c, stay)),
        Received::Update(u, stay) => Derived::Update(UpdateRow {
            id,
            checkin_id: u.checkin_id,
            sequence: i64::from(u.sequence),
            from_ms: stay.from_ms,
            until_ms: stay.until_ms,
        }),
        Received::Declaration(d) => Derived::Declaration {
            person_id: d.subject.id,
        },
        // A visit staff recorded is a stay under the staff device, marked as such.
        Received::StaffCheckIn(s, stay) => {
            Derived::CheckIn(staff_stay(authority, device.id, s, stay)?)
        }
        Received::Inspection(_) if !inspector => return Err(NOT_INSPECTOR.into()),
        Received::Inspection(i) => Derived::Inspection(InspectionRow {
            id,
            device_id: device.id,
            venue_id: i.venue_id,
            at_ms,
            code: i.code.code(),
            place: i.place.code(),
            poster: i.poster_displayed,
            scanning: i.visitors_scanning,
            desk: i.staff_desk_in_use,
            verdict: i.verdict().as_str().to_owned(),
            note: i.note,
        }),
    };
    Ok((id, at_ms, derived))
}

/// The stay of a visit staff recorded: the visitor under a per-visit person id, how they
/// were identified, (from a personal code) which device's declaration it was, and (from
/// an ID card) the number as sealed with the server's link of it. A number sealed for a
/// venue code this server's authority signed must open (else the record is refused); one
/// sealed to another authority is kept sealed and unlinked.
fn staff_stay(
    authority: &AuthorityKey,
    device: Id128,
    s: StaffCheckInBody,
    stay: Stay,
) -> Result<CheckInRow, String> {
    let mut card_link = None;
    let mut sealed_card = None;
    if let VisitorSource::IdCard {
        kind,
        sealed: Some(sealed),
        ..
    } = &s.source
    {
        let ours = s.checkin.venue.issuer_key_id.as_deref() == Some(authority.key_id().as_str());
        if ours {
            let card = authority
                .open_card(&s.checkin.id, sealed)
                .map_err(|e| format!("the sealed card number: {e}"))?;
            if card.kind != *kind {
                return Err("the sealed card number is of another kind of card".into());
            }
            card_link = Some(authority.card_link(&card));
        }
        sealed_card = Some(sealed.clone());
    }
    let (recorded_by, code) = match s.source {
        VisitorSource::PersonalCode {
            declaration_id,
            device_key,
            ..
        } => (
            RecordedBy::StaffFromPersonalCode,
            Some(CodeRef {
                device_key,
                declaration_id,
            }),
        ),
        VisitorSource::IdCard {
            kind: CardKind::Cccd,
            ..
        } => (RecordedBy::StaffFromCccd, None),
        VisitorSource::IdCard {
            kind: CardKind::Bhyt,
            ..
        } => (RecordedBy::StaffFromBhyt, None),
    };
    Ok(CheckInRow {
        recorded_by,
        birth_year: s.birth_year,
        code,
        sealed_card,
        card_link,
        ..own_stay(device, s.checkin, stay)
    })
}

/// The stay of a check-in `device` made, as tracing reads it.
fn own_stay(device: Id128, c: CheckInBody, stay: Stay) -> CheckInRow {
    CheckInRow::own(
        c.id,
        device,
        c.person_id,
        c.person_name,
        c.venue.id,
        c.venue.name,
        stay.from_ms,
        stay.until_ms,
    )
}

/// What [`received::receive`] checks a record against, from the server's limits.
fn receive_rules(limits: &Limits) -> ReceiveRules {
    ReceiveRules {
        max_record_bytes: limits.max_record_bytes,
        max_future_ms: limits.max_future_ms,
        max_age_ms: limits.max_age_ms,
        // Tracing bounds the stays it reads by the longest one storage keeps.
        max_stay_ms: limits.max_stay_ms.min(crate::storage::LONGEST_STAY_MS),
    }
}

/// The stay of a staff check-in stored without one (before the server traced staff
/// visits), derived by ingest's rules from its stored body: the body must read as a staff
/// check-in with believable times (`now_ms`) and carry its record's id.
pub(crate) fn backfilled_staff_stay(
    limits: &Limits,
    authority: &AuthorityKey,
    now_ms: i64,
    device: Id128,
    record_id: Id128,
    body: &[u8],
) -> Result<CheckInRow, String> {
    let rules = receive_rules(limits);
    match received::receive(RecordKind::StaffCheckIn, body, now_ms, &rules)? {
        Received::StaffCheckIn(s, stay) if s.checkin.id == record_id => {
            staff_stay(authority, device, s, stay)
        }
        Received::StaffCheckIn(..) => Err("the body's check-in id is not the record's".into()),
        _ => Err("not a staff check-in".into()),
    }
}

/// Verifies many signatures at once; on a failed batch, one by one (strictly) to find the
/// culprits. An upload's records all carry the uploading device's key, so the usual case
/// is the same-key batch check ([`crate::batch_verify`]); mixed keys use dalek's batch.
fn verify_signatures(records: &[&SignedRecord]) -> Vec<bool> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let messages: Vec<Vec<u8>> = records
        .iter()
        .map(|r| SignedRecord::signing_input(r.kind, &r.body))
        .collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let sigs: Vec<Signature> = records
        .iter()
        .map(|r| Signature::from_bytes(&r.signature))
        .collect();
    let batch_ok = if records.iter().all(|r| r.device_key == first.device_key) {
        VerifyingKey::from_bytes(&first.device_key)
            .is_ok_and(|key| crate::batch_verify::verify_same_key(&key, &refs, &sigs))
    } else {
        let keys: Option<Vec<VerifyingKey>> = records
            .iter()
            .map(|r| VerifyingKey::from_bytes(&r.device_key).ok())
            .collect();
        keys.is_some_and(|keys| crate::batch_verify::verify_mixed_keys(&keys, &refs, &sigs))
    };
    if batch_ok {
        return vec![true; records.len()];
    }
    records.iter().map(|r| r.verify().is_ok()).collect()
}

/// Statuses known before storing, rows to store (with their request index), and repeats
/// of an id inside the batch (request index, index of the first in the rows).
type CheckedBatch = (
    Vec<Option<RecordStatus>>,
    Vec<(usize, NewRecord)>,
    Vec<(usize, usize)>,
);

/// Turns an upload into statuses and rows to store (CPU work: runs on a blocking thread).
fn check_batch(
    limits: &Limits,
    authority: &AuthorityKey,
    device: &DeviceRow,
    inspector: bool,
    items: Vec<wire::UploadItem>,
) -> CheckedBatch {
    let now_ms = Utc::now().timestamp_millis();
    let mut statuses: Vec<Option<RecordStatus>> = vec![None; items.len()];
    let mut candidates: Vec<(usize, SignedRecord, Id128, i64, Derived)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let record = match wire::item_to_record(item, &device.public_key) {
            Ok(r) => r,
            Err(reason) => {
                statuses[i] = Some(RecordStatus::Rejected(reason));
                continue;
            }
        };
        match precheck(limits, authority, now_ms, (device, inspector), &record) {
            Ok((id, at_ms, derived)) => candidates.push((i, record, id, at_ms, derived)),
            Err(reason) => statuses[i] = Some(RecordStatus::Rejected(reason)),
        }
    }
    let refs: Vec<&SignedRecord> = candidates.iter().map(|c| &c.1).collect();
    let valid = verify_signatures(&refs);
    let mut to_store: Vec<(usize, NewRecord)> = Vec::new();
    let mut first_by_id: HashMap<Id128, usize> = HashMap::new();
    // (later index, index in to_store of the first with the same id)
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for ((i, record, id, at_ms, derived), ok) in candidates.into_iter().zip(valid) {
        if !ok {
            statuses[i] = Some(RecordStatus::Rejected(BAD_SIGNATURE.into()));
            continue;
        }
        if let Some(&first) = first_by_id.get(&id) {
            let same = to_store
                .get(first)
                .is_some_and(|(_, r)| r.kind == record.kind.code() && r.body == record.body);
            if same {
                repeats.push((i, first));
            } else {
                statuses[i] = Some(RecordStatus::Rejected(REUSED.into()));
            }
            continue;
        }
        first_by_id.insert(id, to_store.len());
        to_store.push((
            i,
            NewRecord {
                id,
                device_id: device.id,
                kind: record.kind.code(),
                body: record.body,
                signature: record.signature,
                received_ms: now_ms,
                at_ms,
                derived,
            },
        ));
    }
    (statuses, to_store, repeats)
}
