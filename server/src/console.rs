//! The authority console's backend: [`vaora_console::ConsoleBackend`] over the server's
//! roles, so the pages under `/console` show and change exactly what the `/v1` API does.
//!
//! An adapter only: it parses the console's ids, calls the same role functions the API's
//! handlers call (venue registration and revocation, cases, tracing and publishing,
//! compliance, the overview), and maps their errors and rows to the console's types. The
//! console's own rule about venues — a form must name a ward — is the one check made here.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use vaora_console::backend::{
    BackendError, CaseSubject, CaseSummary, CaseVisit, ConsoleBackend, Contact, FieldInspection,
    Flagged, InspectedVenue, Inspection, InspectorCode, InspectorEntry, NewCase, NewOwnVenue,
    NewVenue, Overview, OwnVenue, OwnerAction, OwnerView, PosterFormat, PublishedWindow,
    ScanCountQuery, Trace, VenueDetail, VenueFilter, VenueScanCount, VenueSummary, WorkListEntry,
};
use vaora_protocol::cards::{CardKind, CardNumber};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CodeFinding, PlaceFinding};
use vaora_protocol::venue::VenueCategory;

use crate::cases::{self, CaseError};
use crate::compliance;
use crate::inspections;
use crate::overview;
use crate::state::ServerState;
use crate::storage::{
    CaseRow, InspectionRow, ScanWindow, Storage, StorageError, VenueQuery, VenueRow, VenueStatus,
    WindowRow, day_number,
};
use crate::venues::{self, DEFAULT_STAY_MIN, Registration, VenueError};

/// The server's [`ConsoleBackend`].
pub(crate) struct ServerConsole<S> {
    server: Arc<ServerState<S>>,
}

impl<S> ServerConsole<S> {
    pub(crate) fn new(server: Arc<ServerState<S>>) -> Self {
        Self { server }
    }
}

fn storage(e: StorageError) -> BackendError {
    log::error!("console storage: {e}");
    BackendError::Storage(e.to_string())
}

fn case_error(e: CaseError) -> BackendError {
    match e {
        CaseError::BadPeriod => BackendError::Invalid(e.to_string()),
        CaseError::UnknownDevice | CaseError::UnknownCase => BackendError::NotFound(e.to_string()),
        CaseError::Random(_) => BackendError::Storage(e.to_string()),
        CaseError::Storage(s) => storage(s),
    }
}

fn venue_error(e: VenueError) -> BackendError {
    match e {
        VenueError::Invalid(m) => BackendError::Invalid(m),
        VenueError::BadContact => BackendError::BadContact(e.to_string()),
        VenueError::ContactLimit(_) => BackendError::ContactLimit(e.to_string()),
        VenueError::WrongSecret => BackendError::WrongSecret(e.to_string()),
        VenueError::Revoked | VenueError::EnrolmentInvalid => BackendError::Invalid(e.to_string()),
        VenueError::NotFound => BackendError::NotFound(e.to_string()),
        VenueError::Poster(m) => BackendError::Storage(m),
        VenueError::Storage(s) => storage(s),
    }
}

fn parse_id(text: &str, what: &str) -> Result<Id128, BackendError> {
    text.trim()
        .parse()
        .map_err(|_| BackendError::Invalid(format!("{what} must be 32 hex digits")))
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn category(code: u8) -> Result<VenueCategory, BackendError> {
    VenueCategory::from_code(code)
        .ok_or_else(|| BackendError::Storage(format!("stored venue category {code} is unknown")))
}

fn summary(v: &VenueRow) -> Result<VenueSummary, BackendError> {
    Ok(VenueSummary {
        id: v.id.to_hex(),
        name: v.name.clone(),
        category: category(v.category)?,
        ward: v.ward.clone(),
        address: v.address.clone(),
        registered_at: time(v.registered_ms),
        revoked: v.revoked,
        self_registered: v.self_registered(),
        contact: v.contact.clone(),
    })
}

fn detail(v: VenueRow) -> Result<VenueDetail, BackendError> {
    Ok(VenueDetail {
        venue: summary(&v)?,
        code_text: v.code_text,
    })
}

fn case_summary(c: &CaseRow, published: Option<i64>) -> CaseSummary {
    CaseSummary {
        id: c.id.to_hex(),
        subject: match c.card {
            Some(card) => CaseSubject {
                device_id: String::new(),
                person: None,
                card: Some(
                    CardKind::from_code(card.kind)
                        .map_or("?", CardKind::as_str)
                        .to_uppercase(),
                ),
            },
            None => CaseSubject {
                device_id: c.device_id.to_hex(),
                person: c.person_id.map(|p| p.to_hex()),
                card: None,
            },
        },
        from: time(c.from_ms),
        until: time(c.until_ms),
        marked_at: time(c.created_ms),
        published_at: published.map(time),
    }
}

/// A venue's name as tracers see it: the registry's, marked when the venue was revoked;
/// a venue id the registry does not know is said to be unknown (whatever name a device
/// put in its check-in is never shown).
fn shown_venue(name: String, status: VenueStatus) -> String {
    match status {
        VenueStatus::Registered => name,
        VenueStatus::Revoked => format!("{name} (revoked)"),
        VenueStatus::Unknown => "(unknown venue)".to_owned(),
    }
}

fn published_window((w, venue_name, status): (WindowRow, String, VenueStatus)) -> PublishedWindow {
    PublishedWindow {
        case_id: w.case_id.to_hex(),
        venue_id: w.venue_id.to_hex(),
        venue_name: shown_venue(venue_name, status),
        from: time(w.from_ms),
        until: time(w.until_ms),
        level: w.level,
        published_at: time(w.published_ms),
    }
}

fn window(q: &ScanCountQuery) -> ScanWindow {
    ScanWindow {
        from_day: day_number(q.from_day),
        to_day: day_number(q.to_day),
        ward: q.ward.trim().to_owned(),
        category: q.category.map(VenueCategory::code),
    }
}

impl<S: Storage> ConsoleBackend for ServerConsole<S> {
    async fn overview(&self, today: NaiveDate, days: u32) -> Result<Overview, BackendError> {
        let figures = self
            .server
            .read("overview", |store| {
                Box::pin(overview::figures(store, today, days))
            })
            .await
            .map_err(storage)?;
        Ok(Overview {
            venues_by_category: figures
                .by_category
                .iter()
                .map(|(c, n)| Ok((category(*c)?, *n)))
                .collect::<Result<_, BackendError>>()?,
            venues_by_ward: figures.by_ward,
            checkins_per_day: figures.per_day,
            registered_devices: figures.devices,
            open_cases: figures.open_cases,
        })
    }

    async fn search_venues(&self, filter: &VenueFilter) -> Result<Vec<VenueSummary>, BackendError> {
        let query = VenueQuery {
            text: filter.text.trim().to_owned(),
            category: filter.category.map(VenueCategory::code),
            ward: filter.ward.trim().to_owned(),
            include_revoked: filter.include_revoked,
            self_registered: filter.self_registered,
            limit: filter.limit.clamp(1, 200),
        };
        let rows = venues::search(&self.server.store, query)
            .await
            .map_err(venue_error)?;
        rows.iter().map(summary).collect()
    }

    async fn venue(&self, id: &str) -> Result<VenueDetail, BackendError> {
        let id = parse_id(id, "venue id")?;
        let row = venues::find(&self.server.store, id)
            .await
            .map_err(venue_error)?;
        detail(row)
    }

    async fn register_venue(&self, v: NewVenue) -> Result<VenueDetail, BackendError> {
        if v.ward.trim().is_empty() {
            return Err(BackendError::Invalid(
                "a venue needs a name and a ward".into(),
            ));
        }
        let registration = Registration {
            name: v.name,
            address: v.address,
            ward: v.ward,
            category: v.category,
            stay_minutes: DEFAULT_STAY_MIN,
        };
        let registered =
            venues::register(&self.server.store, &self.server.issuer, None, registration)
                .await
                .map_err(venue_error)?;
        detail(registered.row)
    }

    async fn register_own_venue(
        &self,
        v: NewOwnVenue,
        from: Option<std::net::IpAddr>,
    ) -> Result<OwnVenue, BackendError> {
        let server = &self.server;
        server
            .own_venues
            .take(from, &server.limits)
            .map_err(|(wait, why)| {
                BackendError::Limited(format!("{why}; try again in {wait} s"))
            })?;
        let own = venues::register_own(
            &server.store,
            &server.issuer,
            Registration {
                name: v.name,
                address: v.address,
                ward: v.ward,
                category: v.category,
                stay_minutes: v.stay_minutes,
            },
            &v.contact,
        )
        .await
        .map_err(venue_error)?;
        let row = own.registered.row;
        let (poster_svg, poster_png) = venues::posters(row.clone()).await.map_err(venue_error)?;
        let printed = row.clone();
        let poster_pdf = tokio::task::spawn_blocking(move || venues::poster_as_pdf(&printed))
            .await
            .map_err(|e| BackendError::Storage(format!("drawing task: {e}")))?
            .map_err(venue_error)?;
        Ok(OwnVenue {
            detail: detail(row)?,
            manage_secret: own.manage_secret,
            poster_svg,
            poster_png,
            poster_pdf,
        })
    }

    async fn manage_own_venue(
        &self,
        venue_id: &str,
        secret: &str,
        action: OwnerAction,
    ) -> Result<OwnerView, BackendError> {
        let store = &self.server.store;
        // An unreadable id manages nothing, like a wrong secret.
        let id: Id128 = venue_id
            .trim()
            .parse()
            .map_err(|_| venue_error(VenueError::WrongSecret))?;
        let secret = secret.trim();
        let mut code = None;
        match action {
            OwnerAction::Show => {}
            OwnerAction::NewCode => {
                let (text, until) = venues::enrolment_code(store, id, secret)
                    .await
                    .map_err(venue_error)?;
                code = Some((text, until));
            }
            OwnerAction::RemoveStaff(device) => {
                let device = parse_id(&device, "device id")?;
                venues::remove_staff(store, id, secret, device)
                    .await
                    .map_err(venue_error)?;
            }
            OwnerAction::Revoke => {
                venues::revoke_own(store, id, secret)
                    .await
                    .map_err(venue_error)?;
            }
        }
        let staff = match venues::staff(store, id, secret).await {
            Ok(staff) => staff,
            // A revoked venue has no staff to manage: show it as it is.
            Err(VenueError::Revoked) => Vec::new(),
            Err(e) => return Err(venue_error(e)),
        };
        let row = venues::find(store, id).await.map_err(venue_error)?;
        Ok(OwnerView {
            venue: summary(&row)?,
            staff: staff
                .into_iter()
                .map(|(device, at)| (device.to_hex(), time(at)))
                .collect(),
            code,
        })
    }

    async fn revoke_venue(&self, id: &str) -> Result<(), BackendError> {
        let id = parse_id(id, "venue id")?;
        venues::revoke(&self.server.store, id)
            .await
            .map_err(venue_error)
    }

    async fn poster(&self, id: &str, format: PosterFormat) -> Result<Vec<u8>, BackendError> {
        let id = parse_id(id, "venue id")?;
        let row = venues::find(&self.server.store, id)
            .await
            .map_err(venue_error)?;
        match format {
            PosterFormat::Png => venues::poster_as_png(&row),
            PosterFormat::Svg => venues::poster_as_svg(&row).map(String::into_bytes),
            PosterFormat::Pdf => venues::poster_as_pdf(&row),
        }
        .map_err(venue_error)
    }

    async fn scan_counts(&self, q: &ScanCountQuery) -> Result<Vec<VenueScanCount>, BackendError> {
        let w = window(q);
        let rows = self
            .server
            .read("scan counts", |store| {
                let w = w.clone();
                Box::pin(async move { compliance::scan_counts(store, &w).await })
            })
            .await
            .map_err(storage)?;
        rows.iter()
            .map(|(v, scans)| {
                Ok(VenueScanCount {
                    venue: summary(v)?,
                    scans: *scans,
                })
            })
            .collect()
    }

    async fn inspection(&self, q: &ScanCountQuery) -> Result<Inspection, BackendError> {
        let w = window(q);
        let list = self
            .server
            .read("compliance", |store| {
                let w = w.clone();
                Box::pin(async move { compliance::inspection(store, &w).await })
            })
            .await
            .map_err(storage)?;
        let flagged = list
            .flagged
            .iter()
            .map(|f| {
                Ok(Flagged {
                    row: VenueScanCount {
                        venue: summary(&f.venue)?,
                        scans: f.scans,
                    },
                    peer_median: f.peer_median,
                    finding: f.finding,
                })
            })
            .collect::<Result<_, BackendError>>()?;
        Ok(Inspection {
            checked: list.checked,
            flagged,
        })
    }

    async fn mark_case(&self, case: NewCase) -> Result<CaseSummary, BackendError> {
        let subject = match &case.subject.card {
            Some(card) => cases::Subject::Card(
                CardNumber::parse(card).map_err(|e| BackendError::Invalid(e.to_string()))?,
            ),
            None => cases::Subject::Device {
                device_id: parse_id(&case.subject.device_id, "device id")?,
                person_id: case
                    .subject
                    .person
                    .as_deref()
                    .map(|p| parse_id(p, "person id"))
                    .transpose()?,
            },
        };
        let row = cases::open(
            &self.server.store,
            &self.server.authority,
            cases::random_id().map_err(case_error)?,
            subject,
            case.from.timestamp_millis(),
            case.until.timestamp_millis(),
        )
        .await
        .map_err(case_error)?;
        Ok(case_summary(&row, None))
    }

    async fn cases(&self) -> Result<Vec<CaseSummary>, BackendError> {
        let rows = cases::newest(&self.server.store)
            .await
            .map_err(case_error)?;
        Ok(rows.iter().map(|(c, p)| case_summary(c, *p)).collect())
    }

    async fn trace(&self, case_id: &str) -> Result<Trace, BackendError> {
        let store = &self.server.store;
        let id = parse_id(case_id, "case id")?;
        let (case, published) = cases::with_first_publication(store, id)
            .await
            .map_err(case_error)?;
        let stays = cases::stays(store, &case).await.map_err(case_error)?;
        let contacts = cases::contacts(store, &case).await.map_err(case_error)?;
        let revealed = contacts.iter().filter(|c| c.sealed_card.is_some()).count();
        if revealed > 0 {
            // Audit: which case's card numbers an operator saw, never the numbers.
            log::info!(
                "audit: console opened {revealed} sealed card numbers among the contacts of case {}",
                case.id
            );
        }
        let authority = &self.server.authority;
        Ok(Trace {
            case: case_summary(&case, published),
            visits: stays
                .into_iter()
                .map(|s| CaseVisit {
                    venue_id: s.venue_id.to_hex(),
                    venue_name: shown_venue(s.venue_name, s.venue_status),
                    from: time(s.from_ms),
                    until: time(s.until_ms),
                })
                .collect(),
            contacts: contacts
                .into_iter()
                .map(|c| Contact {
                    device_id: c.device_id.to_hex(),
                    person: Some(c.person_id.to_hex()),
                    identified_by: crate::api::identified_by(c.recorded_by),
                    name: c.recorded_by.by_staff().then_some(c.person_name),
                    birth_year: c.birth_year,
                    card_number: c.sealed_card.as_ref().map(|sealed| {
                        authority
                            .open_card(&c.checkin_id, sealed)
                            .map_or_else(|_| "(sealed)".to_owned(), |n| n.number().to_owned())
                    }),
                    enrolled_staff: c.enrolled_staff,
                    venue_id: c.venue_id.to_hex(),
                    venue_name: shown_venue(c.venue_name, c.venue_status),
                    overlap_from: time(c.overlap_from_ms),
                    overlap_until: time(c.overlap_until_ms),
                })
                .collect(),
        })
    }

    async fn publish(&self, case_id: &str) -> Result<Vec<PublishedWindow>, BackendError> {
        let server = &self.server;
        let case = cases::find(&server.store, parse_id(case_id, "case id")?)
            .await
            .map_err(case_error)?;
        let fresh = cases::publish(&server.store, &server.authority, &case)
            .await
            .map_err(case_error)?;
        log::debug!("console publish: {} windows new", fresh.len());
        let all = cases::published(&server.store, Some(case.id))
            .await
            .map_err(case_error)?;
        Ok(all.into_iter().map(published_window).collect())
    }

    async fn published(&self) -> Result<Vec<PublishedWindow>, BackendError> {
        let all = cases::published(&self.server.store, None)
            .await
            .map_err(case_error)?;
        Ok(all.into_iter().map(published_window).collect())
    }

    async fn venue_inspections(
        &self,
        venue_id: &str,
    ) -> Result<Vec<FieldInspection>, BackendError> {
        let id = parse_id(venue_id, "venue id")?;
        let rows = self
            .server
            .store
            .venue_inspections(id, 200)
            .await
            .map_err(storage)?;
        Ok(rows.iter().map(field_inspection).collect())
    }

    async fn latest_inspections(
        &self,
        venue_ids: &[String],
    ) -> Result<Vec<FieldInspection>, BackendError> {
        let ids = venue_ids
            .iter()
            .map(|v| parse_id(v, "venue id"))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = self
            .server
            .store
            .latest_inspections(ids)
            .await
            .map_err(storage)?;
        Ok(rows.iter().map(field_inspection).collect())
    }

    async fn recent_inspections(
        &self,
        since: DateTime<Utc>,
        ward: &str,
    ) -> Result<Vec<InspectedVenue>, BackendError> {
        let store = &self.server.store;
        let rows = store
            .recent_inspections(since.timestamp_millis(), ward.trim().to_owned(), 500)
            .await
            .map_err(storage)?;
        let venues = store
            .venue_rows(rows.iter().map(|r| r.venue_id).collect())
            .await
            .map_err(storage)?;
        let by_id: std::collections::HashMap<Id128, &VenueRow> =
            venues.iter().map(|v| (v.id, v)).collect();
        rows.iter()
            .filter_map(|r| by_id.get(&r.venue_id).map(|v| (r, *v)))
            .map(|(r, v)| {
                Ok(InspectedVenue {
                    venue: summary(v)?,
                    inspection: field_inspection(r),
                })
            })
            .collect()
    }

    async fn work_list(&self, ward: &str, days: u32) -> Result<Vec<WorkListEntry>, BackendError> {
        let rows = inspections::due_venues(&self.server.store, ward, days, Utc::now())
            .await
            .map_err(storage)?;
        rows.into_iter()
            .map(|(row, due)| {
                Ok(WorkListEntry {
                    venue: summary(&row.venue)?,
                    last_inspected: row.last_inspected_ms.map(time),
                    last_verdict: row.last_verdict,
                    due,
                })
            })
            .collect()
    }

    async fn inspectors(&self) -> Result<Vec<InspectorEntry>, BackendError> {
        let rows = self.server.store.inspectors().await.map_err(storage)?;
        Ok(rows
            .into_iter()
            .map(|(device, at)| InspectorEntry {
                device_id: device.to_hex(),
                certified_at: time(at),
            })
            .collect())
    }

    async fn new_inspector_code(&self) -> Result<InspectorCode, BackendError> {
        let (code, expires_at) = inspections::new_code(&self.server.store)
            .await
            .map_err(|e| BackendError::Storage(e.to_string()))?;
        Ok(InspectorCode { code, expires_at })
    }

    async fn withdraw_inspector(&self, device_id: &str) -> Result<(), BackendError> {
        let id = parse_id(device_id, "device id")?;
        self.server
            .store
            .withdraw_inspector(id)
            .await
            .map_err(storage)?;
        Ok(())
    }
}

fn field_inspection(i: &InspectionRow) -> FieldInspection {
    FieldInspection {
        id: i.id.to_hex(),
        venue_id: i.venue_id.to_hex(),
        inspector: i.device_id.to_hex(),
        at: time(i.at_ms),
        verdict: i.verdict.clone(),
        code: CodeFinding::from_code(i.code)
            .map_or("unknown", CodeFinding::as_str)
            .to_owned(),
        place: PlaceFinding::from_code(i.place)
            .map_or("unknown", PlaceFinding::as_str)
            .to_owned(),
        poster: i.poster,
        scanning: i.scanning,
        desk: i.desk,
        note: i.note.clone(),
    }
}
