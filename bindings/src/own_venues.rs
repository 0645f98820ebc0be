//! Venues their owners register from the phone (issue 19, `docs/venue-registration.md`):
//! register over the app's HTTP transport, keep "my venues" in the diary (the code and the
//! management secret), and draw a venue's poster (SVG); the staff desk opens from a kept venue's
//! `code_text` like from a scanned poster.

use std::sync::Arc;
use std::time::SystemTime;

use vaora_core::diary::MyVenue as CoreVenue;
use vaora_core::sync::own_venue::{enrol_as_staff, register_and_keep, staff_enrolment_code};
use vaora_protocol::render::poster::poster_svg;
use vaora_protocol::venue::{self, VenueCode};
use vaora_protocol::wire::{OwnVenueRequest, VenueRequest};

use crate::convert::{VenueCategory, parse_id, to_system_time};
use crate::diary::Vaora;
use crate::error::{ErrorCode, VaoraError};
use crate::http::{AppTransport, HttpTransport};

/// What an owner enters to register their venue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OwnVenueForm {
    pub name: String,
    pub address: String,
    /// Ward / commune (phường / xã), for the authority's statistics.
    pub ward: String,
    pub category: VenueCategory,
    /// Stay assumed when nobody checks out, printed into the code (1..=1440 minutes).
    #[uniffi(default = 60)]
    pub stay_minutes: i32,
    /// The owner's phone number, as typed.
    pub contact: String,
}

/// A venue this phone's owner registered, as the diary keeps it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MyVenue {
    pub venue_id: String,
    pub name: String,
    /// The signed venue code (its poster's QR, and what opens the staff desk).
    pub code_text: String,
    /// What manages the venue on the server; the server showed it once and keeps only a
    /// hash. Show it to the owner, never log it.
    pub manage_secret: String,
    pub contact: String,
    pub server: String,
    pub registered_at: SystemTime,
}

impl From<CoreVenue> for MyVenue {
    fn from(v: CoreVenue) -> Self {
        Self {
            venue_id: v.venue_id.to_hex(),
            name: v.name,
            code_text: v.code_text,
            manage_secret: v.manage_secret,
            contact: v.contact,
            server: v.server,
            registered_at: to_system_time(v.registered_at),
        }
    }
}

#[uniffi::export]
impl Vaora {
    /// Registers the owner's venue on `server` (no authority credential) and keeps it in
    /// "my venues". Refusals come as `Network` errors with the server's reason (too many
    /// registrations, five venues per phone already, a bad phone number or field).
    pub async fn register_own_venue(
        &self,
        transport: Arc<dyn HttpTransport>,
        server: String,
        form: OwnVenueForm,
    ) -> Result<MyVenue, VaoraError> {
        // The range (1..=1440) is the server's rule; here only what a u16 can carry.
        let stay = u16::try_from(form.stay_minutes).map_err(|_| {
            VaoraError::input(ErrorCode::InvalidInput, "stay_minutes must be 1..=1440")
        })?;
        let category: venue::VenueCategory = form.category.into();
        let request = OwnVenueRequest {
            venue: VenueRequest {
                name: form.name,
                address: form.address,
                ward: form.ward,
                category: Some(category.as_str().to_owned()),
                stay_minutes: Some(stay),
            },
            contact: form.contact,
        };
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        let kept = register_and_keep(&transport, &shared, &server, &request).await;
        self.tell_changes();
        Ok(kept?.into())
    }

    /// The venues this phone's owner registered, newest first.
    pub fn my_venues(&self) -> Result<Vec<MyVenue>, VaoraError> {
        self.with_diary("my_venues", |d| {
            Ok(d.my_venues()?.into_iter().map(Into::into).collect())
        })
    }

    /// Forgets a venue on this phone (it stays registered on the server); `false` when it
    /// was not kept.
    pub fn remove_my_venue(&self, venue_id: String) -> Result<bool, VaoraError> {
        let id = parse_id(&venue_id)?;
        self.with_diary("remove_my_venue", |d| Ok(d.remove_my_venue(&id)?))
    }
}

/// A single-use code that enrols a staff phone at one of "my venues" (show it as a QR).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StaffEnrolmentCode {
    pub code: String,
    pub expires_at: SystemTime,
}

/// The venue a staff phone was enrolled at.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StaffEnrolment {
    pub venue_id: String,
    pub venue_name: String,
}

#[uniffi::export]
impl Vaora {
    /// The owner's side: a single-use enrolment code (valid 10 minutes) for a venue kept in
    /// `my_venues()`, asked of the venue's server with the kept management secret.
    pub async fn staff_enrolment_code(
        &self,
        transport: Arc<dyn HttpTransport>,
        venue_id: String,
    ) -> Result<StaffEnrolmentCode, VaoraError> {
        let id = parse_id(&venue_id)?;
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        let code = staff_enrolment_code(&transport, &shared, id).await?;
        Ok(StaffEnrolmentCode {
            code: code.code,
            expires_at: to_system_time(code.expires_at),
        })
    }

    /// The staff phone's side (registered with the server first): redeems a code the owner
    /// showed; the device is then the venue's staff (open the desk with the venue's poster).
    pub async fn enrol_as_staff(
        &self,
        transport: Arc<dyn HttpTransport>,
        code: String,
    ) -> Result<StaffEnrolment, VaoraError> {
        let transport = AppTransport(transport);
        let shared = self.shared()?;
        let enrolled = enrol_as_staff(&transport, &shared, &code).await?;
        Ok(StaffEnrolment {
            venue_id: enrolled.venue_id.to_hex(),
            venue_name: enrolled.venue_name,
        })
    }
}

/// The printable poster of a venue code as an SVG document: the name, category and
/// address it carries and its QR, as the server and `vaora venue create` draw it (a PNG
/// poster would ship a font and a rasterizer in the phone library; `code_png` draws the
/// QR alone).
#[uniffi::export]
pub fn venue_poster_svg(code_text: String) -> Result<String, VaoraError> {
    crate::guard::contain("venue_poster_svg", || {
        let code = VenueCode::parse(&code_text)
            .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))?;
        poster_svg(&code.poster(""))
            .map_err(|e| VaoraError::input(ErrorCode::InvalidInput, e.to_string()))
    })
}
