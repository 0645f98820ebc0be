//! The seam for platform attestation at registration (Play Integrity on Android, App Attest
//! on iOS): a pluggable verifier, off by default. When one is configured, a registration
//! must carry an attestation whose verdict the verifier accepts for the key's challenge
//! ([`RegisterRequest::attestation_challenge`]); without one, registration is open.

use std::sync::Arc;

use vaora_protocol::wire::{Attestation, RegisterRequest};

/// Checks a platform's verdict on the registering app.
pub trait AttestationVerifier: Send + Sync {
    /// Accepts `attestation` when it is a valid verdict whose nonce is `challenge`; the
    /// reason otherwise.
    fn verify(&self, attestation: &Attestation, challenge: &[u8; 32]) -> Result<(), String>;
}

/// Whether registrations must be attested, and by which verifier. The default is off.
#[derive(Clone, Default)]
pub struct AttestationPolicy(Option<Arc<dyn AttestationVerifier>>);

impl AttestationPolicy {
    /// Registrations must carry an attestation `verifier` accepts.
    pub fn required(verifier: Arc<dyn AttestationVerifier>) -> Self {
        Self(Some(verifier))
    }

    /// Checks a registration of `key`: `Ok` when no verifier is configured.
    pub(crate) fn check(&self, request: &RegisterRequest, key: &[u8; 32]) -> Result<(), String> {
        let Some(verifier) = &self.0 else {
            return Ok(());
        };
        let attestation = request
            .attestation
            .as_ref()
            .ok_or_else(|| "this server requires a platform attestation".to_owned())?;
        verifier.verify(attestation, &RegisterRequest::attestation_challenge(key))
    }
}

impl std::fmt::Debug for AttestationPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AttestationPolicy(required)"
        } else {
            "AttestationPolicy(off)"
        })
    }
}
