//! The record upload (`POST /v1/records`): CBOR batches of signed records and the
//! per-record answers.

use ciborium::Value;

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

/// Decodes a batch; fails on any shape error (the whole request is refused then).
pub fn decode_upload(bytes: &[u8], max_items: usize) -> Result<Vec<UploadItem>, WireError> {
    let value = from_cbor(bytes)?;
    let Value::Array(items) = value else {
        return Err(WireError::Shape("upload must be an array"));
    };
    if items.len() > max_items {
        return Err(WireError::Shape("too many records in one batch"));
    }
    items
        .into_iter()
        .map(|item| {
            let Value::Array(fields) = item else {
                return Err(WireError::Shape("record must be [kind, body, signature]"));
            };
            let mut it = fields.into_iter();
            match (it.next(), it.next(), it.next(), it.next()) {
                (
                    Some(Value::Integer(k)),
                    Some(Value::Bytes(body)),
                    Some(Value::Bytes(sig)),
                    None,
                ) => {
                    let kind = u8::try_from(i128::from(k))
                        .map_err(|_| WireError::Shape("record kind out of range"))?;
                    Ok(UploadItem {
                        kind,
                        body,
                        signature: sig,
                    })
                }
                _ => Err(WireError::Shape("record must be [kind, body, signature]")),
            }
        })
        .collect()
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
