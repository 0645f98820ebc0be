//! The venue registry: registration (issuing the signed venue code), posters, lookup,
//! search and revocation. One code path behind `POST /v1/authority/venues` and the
//! console's venue pages.
//!
//! Why one place: a venue code is a signed promise to every phone, so the rules (core's
//! `VenueIssuer` with the server's authority key, validity inside the key's own validity,
//! the registry row written only after the code is issued) must not exist twice.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use vaora_protocol::ids::Id128;
use vaora_protocol::render::RenderError;
use vaora_protocol::render::poster::{Poster, poster_pdf, poster_png, poster_svg};
use vaora_protocol::venue::{self, VenueCategory, VenueIssuer, venue_poster};

use std::net::IpAddr;
use std::time::Instant;

use crate::buckets::Buckets;
use crate::limits::Limits;
use crate::one_time_code;
use crate::storage::{Storage, StorageError, VenueQuery, VenueRow};

/// How long a venue code issued by the server is valid (cut to the key's validity).
pub(crate) const VENUE_CODE_DAYS: i64 = 365;

/// Default stay printed into venue codes when the request names none (minutes).
pub(crate) const DEFAULT_STAY_MIN: u16 = 60;

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub name: String,
    pub address: String,
    pub ward: String,
    pub category: VenueCategory,
    pub stay_minutes: u16,
}

/// Most venues one contact phone may register itself (revoked ones count too): a chain
/// of shops asks the authority for more.
pub(crate) const MAX_VENUES_PER_CONTACT: u64 = 5;

/// Domain of the management secret's hash (`docs/venue-registration.md`).
const MANAGE_HASH_LABEL: &[u8] = b"vaora-venue-manage-v1";

/// Who registered a venue itself: the normalised contact phone and the hash of the
/// management secret shown to them once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub contact: String,
    pub manage_hash: [u8; 32],
}

/// A venue its owner registered: the venue, and the management secret (shown once; the
/// server keeps only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnRegistered {
    pub registered: Registered,
    pub manage_secret: String,
}

/// The budgets of venue self-registration: one per address and one for the server.
#[derive(Default)]
pub(crate) struct OwnVenueBudget {
    per_address: Buckets<IpAddr>,
    overall: Buckets<()>,
}

impl OwnVenueBudget {
    /// Takes one registration from `from`'s budget (when the address is known), then
    /// from the server's; `Err((seconds to wait, why))` when one is spent.
    pub(crate) fn take(
        &self,
        from: Option<IpAddr>,
        limits: &Limits,
    ) -> Result<(), (u64, &'static str)> {
        let now = Instant::now();
        if let Some(from) = from {
            self.per_address
                .take(
                    from,
                    limits.own_venue_burst,
                    limits.own_venue_per_second,
                    now,
                )
                .map_err(|wait| (wait, "too many venue registrations from this address"))?;
        }
        self.overall
            .take(
                (),
                limits.own_venue_all_burst,
                limits.own_venue_all_per_second,
                now,
            )
            .map_err(|wait| (wait, "too many venue registrations right now"))
    }
}

/// Why a venue action was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum VenueError {
    #[error("{0}")]
    Invalid(String),
    /// The management secret does not manage this venue (or no such self-registered
    /// venue: the answer does not say which).
    #[error("this secret does not manage that venue")]
    WrongSecret,
    /// The venue's code was revoked: it has no staff to manage.
    #[error("the venue's code was revoked")]
    Revoked,
    /// The enrolment code is unknown, used or expired.
    #[error("the enrolment code is unknown, used already or expired; ask the owner for a new one")]
    EnrolmentInvalid,
    /// The contact is not a phone number.
    #[error(
        "the contact must be a phone number (8 to 15 digits, e.g. 0912 345 678 or +84 912 345 678)"
    )]
    BadContact,
    /// The contact phone registered as many venues as it may.
    #[error(
        "this contact phone has registered {0} venues already, the most one phone may; ask the health authority to register more"
    )]
    ContactLimit(u64),
    #[error("no such venue")]
    NotFound,
    /// The poster could not be drawn.
    #[error("{0}")]
    Poster(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The registered venue: its registry row and the validity printed in its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registered {
    pub row: VenueRow,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// Issues the venue's code with `issuer` and stores the venue in the registry, under `id`
/// when given (else a random one). When a venue with that id is registered already (a
/// replayed request), that venue is answered as registered and nothing changes.
pub(crate) async fn register<S: Storage>(
    store: &S,
    issuer: &VenueIssuer,
    id: Option<Id128>,
    reg: Registration,
) -> Result<Registered, VenueError> {
    store_venue(store, issuer, id, reg, None).await
}

/// A venue's owner registers it (no authority credential): the contact phone must be a
/// phone number and have registered fewer than [`MAX_VENUES_PER_CONTACT`] venues; the
/// code is signed with the server's authority key like any other, under a new id. The
/// count and the insert are two steps, so two registrations at the same instant can pass
/// the cap by one each; the per-address budget bounds that.
pub(crate) async fn register_own<S: Storage>(
    store: &S,
    issuer: &VenueIssuer,
    reg: Registration,
    contact: &str,
) -> Result<OwnRegistered, VenueError> {
    let contact = normalise_phone(contact)?;
    let registered_before = store.venues_with_contact(contact.clone()).await?;
    if registered_before >= MAX_VENUES_PER_CONTACT {
        return Err(VenueError::ContactLimit(registered_before));
    }
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|e| VenueError::Invalid(format!("no randomness for the secret: {e}")))?;
    let manage_secret = hex::encode(secret);
    let owner = Owner {
        contact,
        manage_hash: manage_hash(&manage_secret),
    };
    let registered = store_venue(store, issuer, None, reg, Some(owner)).await?;
    Ok(OwnRegistered {
        registered,
        manage_secret,
    })
}

/// `SHA-256(label 0x00 secret text)`: what the server keeps of a management secret.
pub(crate) fn manage_hash(secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(MANAGE_HASH_LABEL);
    h.update([0]);
    h.update(secret.as_bytes());
    h.finalize().into()
}

/// A contact phone as the registry keeps it: digits only, `+84` written as the national
/// `0`, 8 to 15 digits (a Vietnamese mobile is 10). Spaces, dots, dashes and brackets
/// people type are dropped; anything else is refused.
pub(crate) fn normalise_phone(text: &str) -> Result<String, VenueError> {
    let bad = || VenueError::BadContact;
    let trimmed = text.trim();
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(bad()),
        }
    }
    if international && let Some(national) = digits.strip_prefix("84") {
        digits = format!("0{national}");
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(bad());
    }
    Ok(digits)
}

/// Issues the code and stores the registry row (with its owner when self-registered).
async fn store_venue<S: Storage>(
    store: &S,
    issuer: &VenueIssuer,
    id: Option<Id128>,
    reg: Registration,
    owner: Option<Owner>,
) -> Result<Registered, VenueError> {
    let name = reg.name.trim().to_owned();
    let address = reg.address.trim().to_owned();
    let ward = reg.ward.trim().to_owned();
    if name.is_empty() {
        return Err(VenueError::Invalid("a venue needs a name".into()));
    }
    let now = Utc::now();
    let key_end = DateTime::from_timestamp(issuer.authority().valid_until(), 0).unwrap_or(now);
    let code = issuer
        .issue(venue::NewVenue {
            venue_id: id,
            name: name.clone(),
            address: address.clone(),
            category: reg.category,
            default_stay_min: reg.stay_minutes,
            valid_from: issuer.valid_from_at(now),
            valid_until: (now + Duration::days(VENUE_CODE_DAYS)).min(key_end),
        })
        .map_err(|e| {
            let detail = std::error::Error::source(&e).map_or(String::new(), |s| format!(": {s}"));
            VenueError::Invalid(format!("{e}{detail}"))
        })?;
    let day = |d: u32| DateTime::from_timestamp(i64::from(d) * 86_400, 0).unwrap_or(now);
    let row = VenueRow {
        id: code.info.venue_id,
        name,
        category: reg.category.code(),
        ward,
        address,
        code_text: code.to_text(),
        registered_ms: now.timestamp_millis(),
        revoked: false,
        contact: owner
            .as_ref()
            .map(|o| o.contact.clone())
            .unwrap_or_default(),
        manage_hash: owner.map(|o| o.manage_hash),
    };
    if store.insert_venue(row.clone()).await? {
        return Ok(Registered {
            row,
            valid_from: day(code.info.valid_from_day),
            valid_until: day(code.info.valid_until_day),
        });
    }
    let stored = find(store, row.id).await?;
    let info = venue::VenueCode::parse(&stored.code_text)
        .map_err(|e| VenueError::Invalid(format!("stored venue code: {e}")))?
        .info;
    Ok(Registered {
        row: stored,
        valid_from: day(info.valid_from_day),
        valid_until: day(info.valid_until_day),
    })
}

pub(crate) async fn find<S: Storage>(store: &S, id: Id128) -> Result<VenueRow, VenueError> {
    store.venue_row(id).await?.ok_or(VenueError::NotFound)
}

pub(crate) async fn search<S: Storage>(
    store: &S,
    query: VenueQuery,
) -> Result<Vec<VenueRow>, VenueError> {
    Ok(store.search_venue_rows(query).await?)
}

/// Revokes a venue's code (phones learn it from the next key set).
pub(crate) async fn revoke<S: Storage>(store: &S, id: Id128) -> Result<(), VenueError> {
    if store
        .revoke_venue_row(id, Utc::now().timestamp_millis())
        .await?
    {
        Ok(())
    } else {
        Err(VenueError::NotFound)
    }
}

/// The poster of a registered venue: the one layout every venue poster has
/// ([`vaora_protocol::venue::venue_poster`]), with the registry's ward.
fn poster(row: &VenueRow) -> Result<Poster, VenueError> {
    let category = VenueCategory::from_code(row.category).ok_or_else(|| {
        VenueError::Poster(format!("stored category {} is unknown", row.category))
    })?;
    Ok(venue_poster(
        &row.name,
        category,
        &row.address,
        &row.ward,
        &row.code_text,
    ))
}

fn drawn(e: RenderError) -> VenueError {
    VenueError::Poster(e.to_string())
}

/// The poster in both formats (SVG text, PNG bytes), drawn on a blocking thread: QR and
/// rasterised text are CPU work that must not hold an async worker.
pub(crate) async fn posters(row: VenueRow) -> Result<(String, Vec<u8>), VenueError> {
    tokio::task::spawn_blocking(move || Ok((poster_as_svg(&row)?, poster_as_png(&row)?)))
        .await
        .map_err(|e| VenueError::Poster(format!("drawing task: {e}")))?
}

/// The poster as SVG text.
pub(crate) fn poster_as_svg(row: &VenueRow) -> Result<String, VenueError> {
    poster_svg(&poster(row)?).map_err(drawn)
}

/// The poster as a PNG image.
pub(crate) fn poster_as_png(row: &VenueRow) -> Result<Vec<u8>, VenueError> {
    poster_png(&poster(row)?).map_err(drawn)
}

/// The poster as a one-page A4 PDF ready to print.
pub(crate) fn poster_as_pdf(row: &VenueRow) -> Result<Vec<u8>, VenueError> {
    poster_pdf(&poster(row)?).map_err(drawn)
}

/// How long a staff enrolment code can be used.
pub(crate) const ENROLMENT_MINUTES: i64 = 10;

/// The venue `id` if `secret` manages it (a venue its owner registered, not revoked).
async fn managed<S: Storage>(store: &S, id: Id128, secret: &str) -> Result<VenueRow, VenueError> {
    let row = store.venue_row(id).await?.ok_or(VenueError::WrongSecret)?;
    let hash = manage_hash(secret.trim());
    if row.manage_hash != Some(hash) {
        return Err(VenueError::WrongSecret);
    }
    if row.revoked {
        return Err(VenueError::Revoked);
    }
    Ok(row)
}

/// A single-use code the owner hands a staff phone (`VE1:` and 32 hex digits), valid for
/// [`ENROLMENT_MINUTES`]; the server keeps its SHA-256.
pub(crate) async fn enrolment_code<S: Storage>(
    store: &S,
    venue: Id128,
    secret: &str,
) -> Result<(String, DateTime<Utc>), VenueError> {
    managed(store, venue, secret).await?;
    let code = one_time_code::fresh("VE1:")
        .map_err(|e| VenueError::Invalid(format!("no randomness for the code: {e}")))?;
    let expires = Utc::now() + Duration::minutes(ENROLMENT_MINUTES);
    store
        .new_enrolment_code(code_hash(&code), venue, expires.timestamp_millis())
        .await?;
    Ok((code, expires))
}

/// A registered device redeems an enrolment code: it is now the venue's staff.
pub(crate) async fn enrol<S: Storage>(
    store: &S,
    device: Id128,
    code: &str,
) -> Result<VenueRow, VenueError> {
    let now = Utc::now().timestamp_millis();
    let venue = store
        .use_enrolment_code(code_hash(code), device, now)
        .await?
        .ok_or(VenueError::EnrolmentInvalid)?;
    find(store, venue).await
}

/// The venue's enrolled staff devices (the owner's view).
pub(crate) async fn staff<S: Storage>(
    store: &S,
    venue: Id128,
    secret: &str,
) -> Result<Vec<(Id128, i64)>, VenueError> {
    managed(store, venue, secret).await?;
    Ok(store.venue_staff(venue).await?)
}

/// The owner removes a device from the venue's staff; whether it was enrolled.
pub(crate) async fn remove_staff<S: Storage>(
    store: &S,
    venue: Id128,
    secret: &str,
    device: Id128,
) -> Result<bool, VenueError> {
    managed(store, venue, secret).await?;
    Ok(store.remove_venue_staff(venue, device).await?)
}

/// The owner revokes their venue's code (phones refuse it after their next sync, as for
/// a revocation by the authority); revoking twice changes nothing.
pub(crate) async fn revoke_own<S: Storage>(
    store: &S,
    venue: Id128,
    secret: &str,
) -> Result<(), VenueError> {
    match managed(store, venue, secret).await {
        Ok(_) | Err(VenueError::Revoked) => revoke(store, venue).await,
        Err(e) => Err(e),
    }
}

/// `SHA-256("vaora-staff-enrolment-v1" 0x00 code)`: what the server keeps of a code.
fn code_hash(code: &str) -> [u8; 32] {
    one_time_code::hash(b"vaora-staff-enrolment-v1", code)
}
