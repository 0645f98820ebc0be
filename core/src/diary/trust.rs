//! The phone's trust store, kept in the encrypted diary: trusted authority keys, key-set
//! roots with the last sequence applied, revoked keys and revoked venues. Key sets are
//! applied in one transaction, so a failed update changes nothing.

use rusqlite::params;

use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::venue::{
    KeyId, KeySet, KeySetApplied, KeySetError, SignerPolicy, TrustStore, TrustedKey, VerifiedVenue,
};

use super::error::DiaryError;
use super::handle::Diary;
use vaora_protocol::ids::Id128;

/// Why the diary's trust store could not be read or updated.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(transparent)]
    KeySet(#[from] KeySetError),
    #[error(transparent)]
    Diary(#[from] DiaryError),
}

impl From<rusqlite::Error> for TrustError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Diary(DiaryError::from(e))
    }
}

fn corrupt(what: &str) -> DiaryError {
    DiaryError::Corrupt(format!("trust store: bad {what}"))
}

impl Diary {
    /// Loads the trust store kept in this diary.
    pub fn trust_store(&self) -> Result<TrustStore, DiaryError> {
        let conn = self.conn();
        let mut store = TrustStore::new();
        let mut stmt =
            conn.prepare("SELECT key_id, public_key, valid_from, valid_until FROM trust_keys")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (id, pk, from, until) = row?;
            let key = TrustedKey {
                key_id: KeyId(id.try_into().map_err(|_| corrupt("key id"))?),
                public_key: pk.try_into().map_err(|_| corrupt("public key"))?,
                valid_from: from,
                valid_until: until,
            };
            store.keys.insert(key.key_id, key);
        }
        let mut stmt = conn.prepare("SELECT public_key, sequence FROM trust_roots")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (pk, seq) = row?;
            store.roots.insert(
                pk.try_into().map_err(|_| corrupt("root key"))?,
                u64::try_from(seq).map_err(|_| corrupt("sequence"))?,
            );
        }
        let mut stmt = conn.prepare("SELECT key_id FROM trust_revoked_keys")?;
        for row in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            store
                .revoked_keys
                .insert(KeyId(row?.try_into().map_err(|_| corrupt("revoked key"))?));
        }
        let mut stmt = conn.prepare("SELECT venue_id FROM trust_revoked_venues")?;
        for row in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            store
                .revoked_venues
                .insert(Id128::from_slice(&row?).map_err(|_| corrupt("revoked venue"))?);
        }
        Ok(store)
    }

    /// Verifies a key set, merges it into the diary's trust store (one transaction).
    pub fn apply_keyset(
        &self,
        set: &KeySet,
        policy: SignerPolicy,
    ) -> Result<KeySetApplied, TrustError> {
        let mut store = self.trust_store()?;
        let applied = store.apply_keyset(set, policy)?;
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO trust_roots (public_key, sequence) VALUES (?1, ?2)
             ON CONFLICT (public_key) DO UPDATE SET sequence = excluded.sequence",
            params![
                set.signer_public_key.as_slice(),
                i64::try_from(set.content.sequence).unwrap_or(i64::MAX)
            ],
        )?;
        for k in &set.content.keys {
            tx.execute(
                "INSERT INTO trust_keys (key_id, public_key, valid_from, valid_until)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key_id) DO UPDATE SET public_key = excluded.public_key,
                   valid_from = excluded.valid_from, valid_until = excluded.valid_until",
                params![
                    k.key_id.0.as_slice(),
                    k.public_key.as_slice(),
                    k.valid_from,
                    k.valid_until
                ],
            )?;
        }
        for k in &set.content.revoked_keys {
            tx.execute(
                "INSERT OR IGNORE INTO trust_revoked_keys (key_id) VALUES (?1)",
                [k.0.as_slice()],
            )?;
        }
        for v in &set.content.revoked_venues {
            tx.execute(
                "INSERT OR IGNORE INTO trust_revoked_venues (venue_id) VALUES (?1)",
                [v.as_bytes().as_slice()],
            )?;
        }
        tx.commit()?;
        log::info!(
            "applied key set: {} keys, {} revoked keys, {} revoked venues",
            applied.keys,
            applied.revoked_keys,
            applied.revoked_venues
        );
        Ok(applied)
    }

    /// Adds revoked keys and venues to the trust store (the caller's transaction, if
    /// any): from then on every verification refuses them. Revocations are never
    /// withdrawn.
    pub fn add_revocations(&self, keys: &[KeyId], venues: &[Id128]) -> Result<(), DiaryError> {
        let conn = self.conn();
        let mut key =
            conn.prepare_cached("INSERT OR IGNORE INTO trust_revoked_keys (key_id) VALUES (?1)")?;
        for k in keys {
            key.execute([k.0.as_slice()])?;
        }
        let mut venue = conn
            .prepare_cached("INSERT OR IGNORE INTO trust_revoked_venues (venue_id) VALUES (?1)")?;
        for v in venues {
            venue.execute([v.as_bytes().as_slice()])?;
        }
        Ok(())
    }

    /// Verifies a scanned venue-code text against this diary's trust store, now.
    pub fn verify_venue_code(&self, text: &str) -> Result<VerifiedVenue, DiaryError> {
        Ok(self.trust_store()?.verify_text(text, self.clock().now()))
    }

    /// What decoded texts are, now, against this diary's trust store (venue codes
    /// verified, personal codes checked against its authorities, cards validated): the one
    /// rule the camera screen, the staff desk and `vaora verify` share.
    pub fn classify(&self, texts: &[&str]) -> Result<Vec<Classified>, DiaryError> {
        let trust = self.trust_store()?;
        let now = self.clock().now();
        Ok(texts.iter().map(|t| classify(t, &trust, now)).collect())
    }
}
