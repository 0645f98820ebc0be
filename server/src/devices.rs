//! Device registration: a phone proves it holds its key, the server files the key (once:
//! a key registered before keeps its device id) and answers with a device certificate
//! signed by the authority, which personal codes carry (`docs/personal-code.md`).

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::VerifyingKey;
use vaora_protocol::declare::DeviceCertificate;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{MAX_CLOCK_SKEW_MS, RegisterRequest};

use crate::attestation::AttestationPolicy;
use crate::authority::AuthorityKey;
use crate::storage::{DeviceRow, Storage, StorageError};

/// How long a device certificate issued at registration is valid.
pub(crate) const CERTIFICATE_VALIDITY_DAYS: i64 = 365;

/// Why a device was not registered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeviceError {
    /// The request does not prove possession of the key.
    #[error("{0}")]
    BadProof(String),
    #[error("weak or invalid device key")]
    BadKey,
    /// A platform attestation is required and was missing or refused.
    #[error("{0}")]
    Attestation(String),
    #[error("{0}")]
    Random(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A registration's outcome.
pub(crate) struct Registered {
    pub device: DeviceRow,
    /// False when the key was registered before (same device id as then).
    pub new: bool,
    pub certificate: DeviceCertificate,
}

/// Registers the key a request proves and certifies it.
pub(crate) async fn register<S: Storage>(
    store: &S,
    authority: &AuthorityKey,
    attestation: &AttestationPolicy,
    request: &RegisterRequest,
) -> Result<Registered, DeviceError> {
    let key = request
        .verify()
        .map_err(|e| DeviceError::BadProof(e.to_string()))?;
    if VerifyingKey::from_bytes(&key)
        .map(|k| k.is_weak())
        .unwrap_or(true)
    {
        return Err(DeviceError::BadKey);
    }
    attestation
        .check(request, &key)
        .map_err(DeviceError::Attestation)?;
    let fresh_id = Id128::random().map_err(|e| DeviceError::Random(e.to_string()))?;
    let now = Utc::now();
    let device = store
        .register_device(fresh_id, key, now.timestamp_millis())
        .await?;
    // Valid from a clock skew ago (a phone slightly behind still accepts it) for a year,
    // but never beyond the authority key's own validity.
    let key_end = DateTime::from_timestamp(authority.authority().valid_until(), 0).unwrap_or(now);
    let certificate = DeviceCertificate::issue_by(
        authority.authority(),
        key,
        now - Duration::milliseconds(MAX_CLOCK_SKEW_MS),
        (now + Duration::days(CERTIFICATE_VALIDITY_DAYS)).min(key_end),
    );
    Ok(Registered {
        new: device.id == fresh_id,
        device,
        certificate,
    })
}

/// The registered device with this id.
pub(crate) async fn find<S: Storage>(
    store: &S,
    id: Id128,
) -> Result<Option<DeviceRow>, StorageError> {
    store.device(id).await
}
