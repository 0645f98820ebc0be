//! ID cards of household members: a person added from a scanned CCCD or BHYT card keeps
//! the card's keyed hash (never the number, unless the user asks), so the same card is
//! recognised again. The hash key is this device's own, made on first use and kept in
//! `meta`.

use rusqlite::{OptionalExtension, params};
use vaora_protocol::cards::{CardHashKey, CardProfile};
use vaora_protocol::codes::Classified;
use vaora_protocol::ids::Id128;

use super::declarations::{DeclareError, corrupt};
use super::error::DiaryError;
use super::handle::Diary;
use super::people::{NewPerson, Person};

const META_CARD_KEY: &str = "card_hash_key";

impl Diary {
    /// The device's card-number HMAC key, made on first use.
    pub fn card_hash_key(&self) -> Result<CardHashKey, DiaryError> {
        let existing: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                [META_CARD_KEY],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(bytes) = existing {
            let arr: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("card hash key"))?;
            return Ok(CardHashKey::from_bytes(arr));
        }
        let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(fresh.as_mut_slice()).map_err(|e| DiaryError::Random(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)",
            params![META_CARD_KEY, fresh.as_slice()],
        )?;
        Ok(CardHashKey::from_bytes(*fresh))
    }

    /// Adds a household member from a scanned ID card: the display name and birth year
    /// pre-filled, the card's keyed hash kept (the number itself only if `keep_number`).
    /// One transaction: no person without their card row, or the reverse.
    pub fn add_person_from_card(
        &mut self,
        profile: &CardProfile,
        relation: Option<String>,
    ) -> Result<Person, DiaryError> {
        self.conn().execute_batch("SAVEPOINT add_from_card")?;
        let result = self.add_person_from_card_inner(profile, relation);
        let end = if result.is_ok() {
            "RELEASE add_from_card"
        } else {
            "ROLLBACK TO add_from_card; RELEASE add_from_card"
        };
        self.conn().execute_batch(end)?;
        result
    }

    fn add_person_from_card_inner(
        &mut self,
        profile: &CardProfile,
        relation: Option<String>,
    ) -> Result<Person, DiaryError> {
        let person = self.add_person(NewPerson {
            display_name: profile.display_name.clone(),
            relation,
            birth_year: Some(profile.birth_year),
        })?;
        self.conn().execute(
            "INSERT INTO person_cards (person_id, card_kind, card_hash, card_number)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                person.id.as_bytes(),
                profile.kind.code(),
                profile.card_hash.as_slice(),
                profile.card_number,
            ],
        )?;
        Ok(person)
    }

    /// The keyed card hash stored for a person added from a card, if any.
    pub fn person_card_hash(&self, person_id: &Id128) -> Result<Option<[u8; 32]>, DiaryError> {
        let bytes: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT card_hash FROM person_cards WHERE person_id = ?1",
                [person_id.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        bytes
            .map(|b| b.as_slice().try_into().map_err(|_| corrupt("card hash")))
            .transpose()
    }

    /// The profile to keep from a scanned card text (name and birth year from the card,
    /// the keyed hash of its number; the number itself only if `keep_number`). A text that
    /// is not a card, or a card that fails validation, is a typed error.
    pub fn profile_from_card(
        &self,
        text: &str,
        keep_number: bool,
    ) -> Result<CardProfile, DeclareError> {
        let key = self.card_hash_key()?;
        match self.classify(&[text])?.pop() {
            Some(Classified::Cccd(card)) => Ok(CardProfile::from_cccd(&card?, &key, keep_number)),
            Some(Classified::Bhyt(card)) => Ok(CardProfile::from_bhyt(&card?, &key, keep_number)),
            other => Err(DeclareError::NotACard {
                kind: other.as_ref().map_or("unknown", Classified::kind),
            }),
        }
    }
}
