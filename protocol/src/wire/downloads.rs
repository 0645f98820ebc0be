//! What phones download: the signed key set (`GET /v1/keys`) and exposure windows
//! (`GET /v1/exposures`), each verified against the authority's keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{EXPOSURE_DOMAIN, KEYS_DOMAIN, WireError, hex_array, millis, verify_with};
use super::devices::AuthorityPublicKey;
use crate::canonical::Writer;
use crate::ids::Id128;

/// `GET /v1/keys`: the authority keys and what is revoked, signed by the current key.
///
/// Not the venue module's key-set document ([`crate::venue::KeySet`]): this list signs
/// under its own domain, [`KEYS_DOMAIN`] (`vaora-keys-v1`), key ids and keys as their hex
/// text ([`KeySet::signing_input`]). `sequence` only grows: it counts the revocations the
/// list carries (revocations are never withdrawn), so a phone refuses a list older than
/// the last it applied (`docs/sync-protocol.md`, "Trust store updates").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySet {
    pub sequence: u64,
    pub keys: Vec<AuthorityPublicKey>,
    pub revoked_keys: Vec<String>,
    pub revoked_venues: Vec<Id128>,
    pub issued_at: DateTime<Utc>,
    pub signed_by: String,
    pub signature: String,
}

impl KeySet {
    /// `"vaora-keys-v1" 0x00`, then `i64(sequence) u32(#keys) {str(key_id) str(public_key)}*
    /// u32(#revoked_keys) {str(key_id)}* u32(#revoked_venues) {id}* time(issued_at)
    /// str(signed_by)`: key ids and keys are signed as the hex text the JSON carries,
    /// venue ids as 16 raw bytes, `issued_at` as Unix milliseconds.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.i64(i64::try_from(self.sequence).unwrap_or(i64::MAX));
        w.u32(u32::try_from(self.keys.len()).unwrap_or(u32::MAX));
        for k in &self.keys {
            w.str(&k.key_id).str(&k.public_key);
        }
        w.u32(u32::try_from(self.revoked_keys.len()).unwrap_or(u32::MAX));
        for k in &self.revoked_keys {
            w.str(k);
        }
        w.u32(u32::try_from(self.revoked_venues.len()).unwrap_or(u32::MAX));
        for v in &self.revoked_venues {
            w.id(v);
        }
        w.time(&self.issued_at).str(&self.signed_by);
        [KEYS_DOMAIN, &w.finish()].concat()
    }

    /// Checks the signature with the key named in `signed_by`, which must be one of
    /// `trusted` (the pinned key from registration).
    pub fn verify(&self, trusted: &AuthorityPublicKey) -> Result<(), WireError> {
        if self.signed_by != trusted.key_id {
            return Err(WireError::BadSignature("key set (unknown signer)"));
        }
        let sig: [u8; 64] = hex_array(&self.signature, "key set signature")?;
        verify_with(&trusted.bytes()?, &self.signing_input(), &sig, "key set")
    }
}

/// A published exposure window: anyone at `venue_id` between `from` and `until` may have
/// been exposed. Signed by the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureWindow {
    pub id: Id128,
    pub venue_id: Id128,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// 1 = low, 2 = medium, 3 = high.
    pub level: u8,
    pub key_id: String,
    pub signature: String,
}

impl ExposureWindow {
    /// `"vaora-exposure-v1" 0x00 id venue_id from(i64 ms) until(i64 ms) level(u8) key_id(str)`.
    pub fn signing_input(
        id: &Id128,
        venue_id: &Id128,
        from: &DateTime<Utc>,
        until: &DateTime<Utc>,
        level: u8,
        key_id: &str,
    ) -> Vec<u8> {
        let mut w = Writer::new();
        w.id(id)
            .id(venue_id)
            .time(from)
            .time(until)
            .u8(level)
            .str(key_id);
        [EXPOSURE_DOMAIN, &w.finish()].concat()
    }

    pub fn verify(&self, keys: &[AuthorityPublicKey]) -> Result<(), WireError> {
        let key = keys
            .iter()
            .find(|k| k.key_id == self.key_id)
            .ok_or(WireError::BadSignature("exposure window (unknown key)"))?;
        let sig: [u8; 64] = hex_array(&self.signature, "exposure signature")?;
        let input = Self::signing_input(
            &self.id,
            &self.venue_id,
            &self.from,
            &self.until,
            self.level,
            &self.key_id,
        );
        verify_with(&key.bytes()?, &input, &sig, "exposure window")
    }

    pub fn from_ms(&self) -> i64 {
        millis(&self.from)
    }
    pub fn until_ms(&self) -> i64 {
        millis(&self.until)
    }
}

/// `GET /v1/exposures?since=CURSOR[&limit=N]`: windows published after the cursor, oldest
/// first (the first cursor is 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposurePage {
    pub windows: Vec<ExposureWindow>,
    /// Pass as `since` next time.
    pub next_cursor: i64,
    /// True when more windows wait after this page.
    pub more: bool,
}

/// `GET /v1/visits`: the visits venue staff recorded from the personal codes this device
/// made (its own and its proxy declarations'), newest first, as the stays are now, within
/// the server's retention window. The phone matches exposure windows against them too, so
/// an alert for a proxy person whose code staff scanned reaches the declaring phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeVisits {
    pub visits: Vec<CodeVisit>,
}

/// One visit staff recorded from a personal code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeVisit {
    /// The staff check-in's id.
    pub checkin_id: Id128,
    /// The declaration whose personal code staff scanned.
    pub declaration_id: Id128,
    pub venue_id: Id128,
    /// The registry's name ("" for a venue it does not know).
    pub venue_name: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}
