//! Household, check-ins and venue codes through an open diary: one-line wrappers over the
//! `impl Diary` blocks of `vaora_core::diary` and `vaora_protocol::venue`.

use std::time::SystemTime;

use vaora_core::diary::{CheckInCursor, CheckInRequest, NewPerson, Unverified, VenueCheckInError};
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::{KeySet, SignerPolicy, Verification};

use crate::codes::{ClassifiedCode, ScannedVenueCode, classified, scanned_venue};
use crate::convert::{
    CheckInInfo, PersonInfo, VenueCategory, VenueInfo, from_system_time, parse_id,
};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::scan::{FrameLayout, ScanSettings, frame, options};

/// A household member to add.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewMember {
    pub display_name: String,
    /// How they relate to the owner, free text ("grandmother", "son").
    #[uniffi(default = None)]
    pub relation: Option<String>,
    #[uniffi(default = None)]
    pub birth_year: Option<i32>,
}

/// A check-in typed in by hand (no code scanned).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ManualCheckIn {
    pub venue_name: String,
    /// Person ids; empty (the default) means the device owner.
    #[uniffi(default = [])]
    pub people: Vec<String>,
    #[uniffi(default = "")]
    pub venue_address: String,
    /// None (the default): `Other`.
    #[uniffi(default = None)]
    pub category: Option<VenueCategory>,
    /// When they arrived; none (the default) means now. Never in the future.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
}

/// The outcome of checking in with a scanned venue code.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum VenueCheckIn {
    /// Checked in: one check-in per person.
    CheckedIn {
        venue: VenueInfo,
        checkins: Vec<CheckInInfo>,
    },
    /// The code could not be verified but may be genuine (unknown signing key, expired,
    /// not yet valid): nothing was written. Ask the person, and if they confirm, call
    /// again with `acceptUnverified = true` (stored marked unverified).
    NeedsConfirmation { code: ScannedVenueCode },
    /// Forged, revoked or unreadable: nothing was written, and confirming cannot change it.
    Refused { code: ScannedVenueCode },
}

/// Who may sign a key set for `applyKeySet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KeySetTrust {
    /// The signer must already be a trusted root: key sets from sync or a download.
    KnownRoot,
    /// The set's own signer (listed in the set) becomes a trusted root: the authority's
    /// root key set that an app ships inside its package, or a test authority. Only for
    /// sets that come from the app itself, never for one read from the network or a code.
    PinAsRoot,
}

/// One page of check-ins, newest first.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CheckInPage {
    pub items: Vec<CheckInInfo>,
    /// Pass it as `after` to get the next page; none after the last page. Opaque: keep it
    /// as it is (it survives a process restart).
    pub next: Option<String>,
}

fn ids(list: &[String]) -> Result<Vec<vaora_protocol::ids::Id128>, VaoraError> {
    list.iter().map(|s| parse_id(s)).collect()
}

fn page_limit(limit: i32) -> Result<u32, VaoraError> {
    u32::try_from(limit)
        .map_err(|_| VaoraError::input(ErrorCode::InvalidInput, format!("page size {limit}")))
}

#[uniffi::export]
impl Vaora {
    // ---- household ----

    /// The device owner (always present).
    pub fn owner(&self) -> Result<PersonInfo, VaoraError> {
        self.with_diary("owner", |d| Ok(d.person(&d.owner_id())?.into()))
    }

    /// Adds a household member (someone without a phone: a parent, a child).
    pub fn add_member(&self, member: NewMember) -> Result<PersonInfo, VaoraError> {
        self.with_diary("add_member", |d| {
            let birth_year = member
                .birth_year
                .map(|y| {
                    u16::try_from(y).map_err(|_| {
                        VaoraError::input(ErrorCode::InvalidInput, format!("birth year {y}"))
                    })
                })
                .transpose()?;
            Ok(d.add_person(NewPerson {
                display_name: member.display_name,
                relation: member.relation,
                birth_year,
            })?
            .into())
        })
    }

    /// The owner first, then members in the order they were added.
    pub fn list_people(&self) -> Result<Vec<PersonInfo>, VaoraError> {
        self.with_diary("list_people", |d| {
            Ok(d.list_people()?.into_iter().map(Into::into).collect())
        })
    }

    /// Renames anyone, the owner included.
    pub fn rename_person(&self, person_id: String, new_name: String) -> Result<(), VaoraError> {
        self.with_diary("rename_person", |d| {
            Ok(d.rename_person(&parse_id(&person_id)?, &new_name)?)
        })
    }

    /// Removes a member (their past check-ins stay until retention purges them); the owner
    /// cannot be removed.
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
            let category = request.category.unwrap_or(VenueCategory::Other).into();
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

    /// Verifies a scanned venue-code text and checks the chosen people in, in one call.
    /// Empty `people` means the owner. Nothing is written unless the result is
    /// `CheckedIn`. `accept_unverified`: the person confirmed a `NeedsConfirmation` code.
    pub fn check_in_at_venue(
        &self,
        text: String,
        people: Vec<String>,
        accept_unverified: bool,
    ) -> Result<VenueCheckIn, VaoraError> {
        self.with_diary("check_in_at_venue", |d| {
            let mut people = ids(&people)?;
            if people.is_empty() {
                people.push(d.owner_id());
            }
            let policy = if accept_unverified {
                Unverified::Accept
            } else {
                Unverified::Refuse
            };
            match d.check_in_from_venue_code(&text, people, policy) {
                Ok((scanned, done)) => Ok(VenueCheckIn::CheckedIn {
                    venue: scanned.venue.into(),
                    checkins: done.into_iter().map(Into::into).collect(),
                }),
                Err(VenueCheckInError::Refused(v)) => {
                    let code = scanned_venue(&text, d.verify_venue_code(&text)?);
                    let confirmable = matches!(
                        v,
                        Verification::UnknownKeyId
                            | Verification::NotYetValid
                            | Verification::Expired
                    );
                    Ok(if confirmable && !accept_unverified {
                        VenueCheckIn::NeedsConfirmation { code }
                    } else {
                        VenueCheckIn::Refused { code }
                    })
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Checks out one check-in, or every open one when `checkin_id` is none, at `at`
    /// (none: now); returns the ids closed.
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

    /// Corrects a check-in's times (check-out after check-in, nothing in the future).
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

    /// One check-in by id; `NOT_FOUND` when there is none.
    pub fn checkin(&self, checkin_id: String) -> Result<CheckInInfo, VaoraError> {
        self.with_diary("checkin", |d| {
            Ok(d.checkin(&parse_id(&checkin_id)?)?.into())
        })
    }

    /// Check-ins, newest first, a page at a time: everyone's, or one person's
    /// (`person_id`). `after`: none for the first page, else the `next` of the page before.
    /// `limit`: 1..=500.
    pub fn checkin_page(
        &self,
        person_id: Option<String>,
        after: Option<String>,
        limit: i32,
    ) -> Result<CheckInPage, VaoraError> {
        self.with_diary("checkin_page", |d| {
            let person = person_id.as_deref().map(parse_id).transpose()?;
            let after = after
                .as_deref()
                .map(CheckInCursor::from_token)
                .transpose()?;
            let page = d.checkin_page(person.as_ref(), after, page_limit(limit)?)?;
            Ok(CheckInPage {
                items: page.items.into_iter().map(Into::into).collect(),
                next: page.next.map(CheckInCursor::to_token),
            })
        })
    }

    /// Every check-in still open, oldest first.
    pub fn open_checkins(&self) -> Result<Vec<CheckInInfo>, VaoraError> {
        self.with_diary("open_checkins", |d| {
            Ok(d.open_checkins()?.into_iter().map(Into::into).collect())
        })
    }

    // ---- venue codes and trust ----

    /// Applies a signed key-set document (JSON, docs/venue-code.md) to the trust store:
    /// the keys venue codes are verified with, and revocations. `trust` says who may sign
    /// it (`KnownRoot` for sets from the network, `PinAsRoot` for the root set the app
    /// ships). Applying the same set again is harmless; an older one is refused
    /// (`CODE_REFUSED`). Returns how many keys the set holds.
    pub fn apply_keyset(&self, json: String, trust: KeySetTrust) -> Result<i32, VaoraError> {
        self.with_diary("apply_keyset", |d| {
            let set = KeySet::from_json(&json)
                .map_err(|e| VaoraError::input(ErrorCode::CodeRefused, e.to_string()))?;
            let policy = match trust {
                KeySetTrust::PinAsRoot => SignerPolicy::PinSelfSigned,
                KeySetTrust::KnownRoot => SignerPolicy::KnownRootOnly,
            };
            let applied = d.apply_keyset(&set, policy)?;
            Ok(i32::try_from(applied.keys).unwrap_or(i32::MAX))
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
