//! Household, check-ins and venue codes through an open diary: one-line wrappers over the
//! `impl Diary` blocks of `vaora_core::diary` and `vaora_protocol::venue`.

use std::time::SystemTime;

use vaora_core::diary::Unverified;
use vaora_core::diary::{CheckInRequest, NewPerson, Page};
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::{KeySet, SignerPolicy, VenueCategory};

use crate::codes::{ClassifiedCode, ScannedVenueCode, classified, scanned_venue};
use crate::convert::{CheckInInfo, PersonInfo, from_system_time, parse_id};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::scan::{FrameLayout, ScanSettings, frame, options};

/// A household member to add.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewMember {
    pub display_name: String,
    #[uniffi(default = None)]
    pub relation: Option<String>,
    #[uniffi(default = None)]
    pub birth_year: Option<u16>,
}

/// A check-in typed in by hand (no code scanned).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ManualCheckIn {
    /// Person ids; empty means the device owner.
    pub people: Vec<String>,
    pub venue_name: String,
    #[uniffi(default = "")]
    pub venue_address: String,
    /// Category code 1..12 (12 = other).
    #[uniffi(default = 12)]
    pub category_code: u8,
    /// When; none means now.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
}

fn ids(list: &[String]) -> Result<Vec<vaora_protocol::ids::Id128>, VaoraError> {
    list.iter().map(|s| parse_id(s)).collect()
}

#[uniffi::export]
impl Vaora {
    // ---- household ----

    /// The device owner (always present).
    pub fn owner(&self) -> Result<PersonInfo, VaoraError> {
        self.with_diary("owner", |d| Ok(d.person(&d.owner_id())?.into()))
    }

    pub fn add_member(&self, member: NewMember) -> Result<PersonInfo, VaoraError> {
        self.with_diary("add_member", |d| {
            Ok(d.add_person(NewPerson {
                display_name: member.display_name,
                relation: member.relation,
                birth_year: member.birth_year,
            })?
            .into())
        })
    }

    /// The owner first, then members.
    pub fn list_people(&self) -> Result<Vec<PersonInfo>, VaoraError> {
        self.with_diary("list_people", |d| {
            Ok(d.list_people()?.into_iter().map(Into::into).collect())
        })
    }

    pub fn rename_person(&self, person_id: String, new_name: String) -> Result<(), VaoraError> {
        self.with_diary("rename_person", |d| {
            Ok(d.rename_person(&parse_id(&person_id)?, &new_name)?)
        })
    }

    pub fn remove_person(&self, person_id: String) -> Result<(), VaoraError> {
        self.with_diary("remove_person", |d| {
            Ok(d.remove_person(&parse_id(&person_id)?)?)
        })
    }

    // ---- check-ins ----

    /// Checks in one or more people by hand; returns one check-in per person.
    pub fn check_in_manual(&self, request: ManualCheckIn) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("check_in_manual", |d| {
            let mut people = ids(&request.people)?;
            if people.is_empty() {
                people.push(d.owner_id());
            }
            let category = VenueCategory::from_code(request.category_code).ok_or_else(|| {
                VaoraError::input(
                    ErrorCode::InvalidInput,
                    format!("unknown venue category {}", request.category_code),
                )
            })?;
            let at = request.at.map(from_system_time).transpose()?;
            let done = d.check_in(CheckInRequest {
                people,
                venue: VenueRef {
                    id: None,
                    name: request.venue_name,
                    address: request.venue_address,
                    category,
                    issuer_key_id: None,
                    verified: false,
                },
                method: CheckInMethod::ManualEntry,
                at,
                venue_default_stay: None,
            })?;
            Ok(done.into_iter().map(Into::into).collect())
        })
    }

    /// Verifies a scanned venue-code text and checks the chosen people in, in one call
    /// (nothing is written when the code is refused: `CODE_REFUSED`). Empty `people` means
    /// the owner. `accept_unverified`: the person confirmed an unknown-key, expired or
    /// not-yet-valid code (stored marked unverified); forged or revoked codes stay refused.
    pub fn check_in_at_venue_code(
        &self,
        text: String,
        people: Vec<String>,
        accept_unverified: bool,
    ) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("check_in_at_venue_code", |d| {
            let mut people = ids(&people)?;
            if people.is_empty() {
                people.push(d.owner_id());
            }
            let policy = if accept_unverified {
                Unverified::Accept
            } else {
                Unverified::Refuse
            };
            let (_, done) = d.check_in_from_venue_code(&text, people, policy)?;
            Ok(done.into_iter().map(Into::into).collect())
        })
    }

    /// Checks out one check-in, or every open one when `checkin_id` is none; returns the
    /// ids closed.
    pub fn check_out(
        &self,
        checkin_id: Option<String>,
        at: Option<SystemTime>,
    ) -> Result<Vec<String>, VaoraError> {
        self.with_diary("check_out", |d| {
            let id = checkin_id.as_deref().map(parse_id).transpose()?;
            let at = at.map(from_system_time).transpose()?;
            Ok(d.check_out(id.as_ref(), at)?
                .into_iter()
                .map(|i| i.to_hex())
                .collect())
        })
    }

    /// Corrects a check-in's times.
    pub fn edit_times(
        &self,
        checkin_id: String,
        checked_in_at: SystemTime,
        checked_out_at: Option<SystemTime>,
    ) -> Result<CheckInInfo, VaoraError> {
        self.with_diary("edit_times", |d| {
            let id = parse_id(&checkin_id)?;
            let out = checked_out_at.map(from_system_time).transpose()?;
            Ok(d.edit_times(&id, from_system_time(checked_in_at)?, out)?
                .into())
        })
    }

    pub fn checkin(&self, checkin_id: String) -> Result<CheckInInfo, VaoraError> {
        self.with_diary("checkin", |d| {
            Ok(d.checkin(&parse_id(&checkin_id)?)?.into())
        })
    }

    /// Newest first.
    pub fn list_checkins(&self, offset: u32, limit: u32) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("list_checkins", |d| {
            Ok(d.list_checkins(Page { offset, limit })?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// One person's check-ins, newest first, optionally only since an instant.
    pub fn list_person_checkins(
        &self,
        person_id: String,
        since: Option<SystemTime>,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("list_person_checkins", |d| {
            let since = since.map(from_system_time).transpose()?;
            Ok(
                d.list_person(&parse_id(&person_id)?, since, Page { offset, limit })?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            )
        })
    }

    pub fn open_checkins(&self) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("open_checkins", |d| {
            Ok(d.open_checkins()?.into_iter().map(Into::into).collect())
        })
    }

    // ---- venue codes and trust ----

    /// Applies a signed key-set document (JSON, docs/venue-code.md) to the trust store.
    /// `pin_self_signed`: trust a self-signed set on first use (tests, private
    /// deployments); otherwise the signer must be a bundled root. Returns the key count.
    pub fn apply_keyset(&self, json: String, pin_self_signed: bool) -> Result<u32, VaoraError> {
        self.with_diary("apply_keyset", |d| {
            let set = KeySet::from_json(&json)
                .map_err(|e| VaoraError::input(ErrorCode::CodeRefused, e.to_string()))?;
            let policy = if pin_self_signed {
                SignerPolicy::PinSelfSigned
            } else {
                SignerPolicy::KnownRootOnly
            };
            let applied = d.apply_keyset(&set, policy)?;
            Ok(u32::try_from(applied.keys).unwrap_or(u32::MAX))
        })
    }

    /// Verifies a venue-code text against this diary's trust store, now. Writes nothing.
    pub fn verify_venue_code(&self, text: String) -> Result<ScannedVenueCode, VaoraError> {
        self.with_diary("verify_venue_code", |d| {
            Ok(scanned_venue(&text, d.verify_venue_code(&text)?))
        })
    }

    /// Classifies a decoded text (venue code verified against the trust store).
    pub fn classify_text(&self, text: String) -> Result<ClassifiedCode, VaoraError> {
        self.with_diary("classify_text", |d| {
            let mut found = d.classify(&[&text])?;
            let c = found
                .pop()
                .ok_or_else(|| VaoraError::internal("classify returned nothing"))?;
            Ok(classified(&text, c))
        })
    }

    /// Scans a camera frame and classifies every code found (venue codes verified). The
    /// planes are borrowed for the call, not copied (see `scanFrame`).
    pub fn scan_codes(
        &self,
        layout: FrameLayout,
        settings: ScanSettings,
        plane0: &[u8],
        plane1: &[u8],
        plane2: &[u8],
    ) -> Result<Vec<ClassifiedCode>, VaoraError> {
        // Decode outside the diary lock: a camera loop must not wait for a write.
        let texts: Vec<String> = crate::guard::contain("scan_codes", || {
            let frame = frame(&layout, plane0, plane1, plane2)?;
            let result = vaora_core::scan::scan_frame(&frame, &options(&settings));
            Ok(result.codes.into_iter().filter_map(|c| c.text).collect())
        })?;
        self.with_diary("scan_codes", |d| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let found = d.classify(&refs)?;
            Ok(texts
                .iter()
                .zip(found)
                .map(|(t, c)| classified(t, c))
                .collect())
        })
    }
}
