//! A household member from a scanned ID card (CCCD or BHYT), as `vaora household add
//! --from-card` does: the name and birth year come from the card, and the diary keeps only
//! the card's keyed hash (never the number), so a staff desk or a later scan recognises the
//! same person. The card checks are core's (`docs/id-cards.md`).

use crate::convert::PersonInfo;
use crate::diary::Vaora;
use crate::error::VaoraError;

#[uniffi::export]
impl Vaora {
    /// Adds the holder of the scanned card as a household member. A text that is not a
    /// valid CCCD or BHYT code is refused (`INVALID_INPUT`, the reason names the check and
    /// the field) and nothing is stored.
    pub fn add_member_from_card(
        &self,
        card_text: String,
        relation: Option<String>,
    ) -> Result<PersonInfo, VaoraError> {
        self.with_diary("add_member_from_card", |d| {
            let profile = d.profile_from_card(&card_text, false)?;
            Ok(d.add_person_from_card(&profile, relation)?.into())
        })
    }
}
