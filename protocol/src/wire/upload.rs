//! The record upload (`POST /v1/records`): CBOR batches of signed records and the
//! per-record answers.

use ciborium::Value;

use super::cbor_upload::Refusal;
use super::common::WireError;
use crate::records::{RecordKind, SignedRecord};

/// What the server did with one uploaded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStatus {
    /// Stored now.
    Accepted,
    /// Already stored with the same content (an earlier upload got through).
    Duplicate,
    /// Refused for good; uploading it again gives the same answer.
    Rejected(String),
}

/// Encodes a batch: CBOR array of `[kind, body, signature]` (the device key is the
/// authenticated device's; every record must carry that key).
pub fn encode_upload(records: &[SignedRecord]) -> Vec<u8> {
    let items = records
        .iter()
        .map(|r| {
            Value::Array(vec![
                Value::Integer(r.kind.code().into()),
                Value::Bytes(r.body.clone()),
                Value::Bytes(r.signature.to_vec()),
            ])
        })
        .collect();
    to_cbor(&Value::Array(items))
}

/// One uploaded item as read by the server, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadItem {
    pub kind: u8,
    pub body: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Decodes a batch of at most `max_items` records; fails on any shape error (the whole
/// request is refused then). The array head is read first: a batch announcing more than
/// `max_items` records is [`WireError::TooManyRecords`] before any record is read. Only
/// the shape the spec allows is read (`cbor_upload.rs`): definite lengths, no tags, no
/// bytes after the array.
pub fn decode_upload(bytes: &[u8], max_items: usize) -> Result<Vec<UploadItem>, WireError> {
    match super::cbor_upload::read(bytes, max_items) {
        Ok(items) => Ok(items
            .into_iter()
            .map(|(kind, body, signature)| UploadItem {
                kind,
                body,
                signature,
            })
            .collect()),
        Err(Refusal::TooMany(got)) => Err(WireError::TooManyRecords {
            max: max_items,
            got,
        }),
        Err(Refusal::Wire(e)) => Err(e),
    }
}

/// Encodes the answer: CBOR array in request order, `0` accepted, `1` duplicate,
/// `[2, reason]` rejected.
pub fn encode_upload_answer(statuses: &[RecordStatus]) -> Vec<u8> {
    let items = statuses
        .iter()
        .map(|s| match s {
            RecordStatus::Accepted => Value::Integer(0.into()),
            RecordStatus::Duplicate => Value::Integer(1.into()),
            RecordStatus::Rejected(reason) => {
                Value::Array(vec![Value::Integer(2.into()), Value::Text(reason.clone())])
            }
        })
        .collect();
    to_cbor(&Value::Array(items))
}

pub fn decode_upload_answer(bytes: &[u8]) -> Result<Vec<RecordStatus>, WireError> {
    let Value::Array(items) = from_cbor(bytes)? else {
        return Err(WireError::Shape("answer must be an array"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Integer(i) if i128::from(i) == 0 => Ok(RecordStatus::Accepted),
            Value::Integer(i) if i128::from(i) == 1 => Ok(RecordStatus::Duplicate),
            Value::Array(f) => match f.as_slice() {
                [Value::Integer(i), Value::Text(reason)] if i128::from(*i) == 2 => {
                    Ok(RecordStatus::Rejected(reason.clone()))
                }
                _ => Err(WireError::Shape("rejected entry must be [2, reason]")),
            },
            _ => Err(WireError::Shape("unknown record status")),
        })
        .collect()
}

pub(super) fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for a plain Value tree.
    let _ = ciborium::into_writer(value, &mut out);
    out
}

pub(super) fn from_cbor(bytes: &[u8]) -> Result<Value, WireError> {
    ciborium::from_reader(bytes).map_err(|e| WireError::Cbor(e.to_string()))
}

/// Reassembles a [`SignedRecord`] from an uploaded item and the uploader's key.
pub fn item_to_record(item: &UploadItem, device_key: &[u8; 32]) -> Result<SignedRecord, String> {
    let kind = RecordKind::from_code(item.kind)
        .ok_or_else(|| format!("unknown record kind {}", item.kind))?;
    let signature: [u8; 64] = item
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| "signature is not 64 bytes".to_owned())?;
    Ok(SignedRecord {
        kind,
        device_key: *device_key,
        body: item.body.clone(),
        signature,
    })
}
