//! TEST DOUBLE: an in-memory `ConsoleBackend` for the console's own tests.
//!
//! It exists only so the console can be driven in a browser before the server's storage
//! implements the trait. It is deliberately naive (linear scans) and is not shipped.
//! Codes and posters are real: core's `VenueIssuer` signs, core's poster renderer draws.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vaora_console::backend::*;
use vaora_protocol::render::poster::{poster_pdf, poster_png, poster_svg};
use vaora_protocol::venue::{self as venue, Authority, VenueCategory, VenueIssuer, venue_poster};

#[derive(Debug, Clone)]
pub struct CheckIn {
    pub device_id: String,
    pub person: Option<String>,
    pub venue_id: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

#[derive(Default)]
struct Data {
    venues: BTreeMap<String, VenueDetail>,
    checkins: Vec<CheckIn>,
    devices: u64,
    cases: Vec<CaseSummary>,
    published: Vec<PublishedWindow>,
    inspections: Vec<FieldInspection>,
    inspectors: Vec<InspectorEntry>,
    next: u64,
}

pub struct MemoryBackend {
    issuer: VenueIssuer,
    now: DateTime<Utc>,
    data: Mutex<Data>,
}

impl MemoryBackend {
    pub fn new(authority: Authority, now: DateTime<Utc>) -> Self {
        Self {
            issuer: VenueIssuer::new(authority),
            now,
            data: Mutex::new(Data::default()),
        }
    }

    /// Records a field inspection of a venue (what the server derives from a record).
    pub fn add_inspection(&self, venue_id: &str, days_ago: i64, verdict: &str, note: &str) {
        let mut d = self.data.lock().unwrap();
        d.next += 1;
        let id = format!("{:032x}", d.next);
        d.inspections.push(FieldInspection {
            id,
            venue_id: venue_id.to_owned(),
            inspector: "ab".repeat(16),
            at: self.now - Duration::days(days_ago),
            verdict: verdict.to_owned(),
            code: "genuine".into(),
            place: "registered".into(),
            poster: verdict == "compliant",
            scanning: verdict == "compliant",
            desk: None,
            note: note.to_owned(),
        });
    }

    pub fn add_venue(&self, name: &str, category: VenueCategory, ward: &str) -> String {
        self.insert_venue(NewVenue {
            name: name.into(),
            category,
            ward: ward.into(),
            address: format!("{} street", name.len()),
        })
        .unwrap()
        .venue
        .id
    }

    fn insert_venue(&self, v: NewVenue) -> Result<VenueDetail, BackendError> {
        let v = NewVenue {
            // Venue codes pack names into a small alphabet and length; keep test names fitting.
            name: v.name.chars().take(60).collect(),
            ..v
        };
        let code = self
            .issuer
            .issue(venue::NewVenue {
                venue_id: None,
                name: v.name.clone(),
                address: v.address.clone(),
                category: v.category,
                default_stay_min: 60,
                valid_from: self.now,
                valid_until: self.now + Duration::days(365),
            })
            .map_err(|e| {
                BackendError::Invalid(format!(
                    "{e}: {:?}",
                    std::error::Error::source(&e).map(|s| s.to_string())
                ))
            })?;
        let id = code.info.venue_id.to_hex();
        let code_text = code.to_text();
        let mut d = self.data.lock().unwrap();
        let detail = VenueDetail {
            venue: VenueSummary {
                id: id.clone(),
                name: v.name,
                category: v.category,
                ward: v.ward,
                address: v.address,
                registered_at: self.now,
                revoked: false,
                self_registered: false,
                contact: String::new(),
            },
            code_text,
        };
        d.venues.insert(id, detail.clone());
        Ok(detail)
    }

    pub fn add_checkin(&self, c: CheckIn) {
        self.data.lock().unwrap().checkins.push(c);
    }

    pub fn set_devices(&self, n: u64) {
        self.data.lock().unwrap().devices = n;
    }

    fn overlaps(
        a0: DateTime<Utc>,
        a1: DateTime<Utc>,
        b0: DateTime<Utc>,
        b1: DateTime<Utc>,
    ) -> bool {
        a0 < b1 && b0 < a1
    }

    fn trace_locked(d: &Data, case_id: &str) -> Result<Trace, BackendError> {
        let case = d
            .cases
            .iter()
            .find(|c| c.id == case_id)
            .cloned()
            .ok_or_else(|| BackendError::NotFound(format!("case {case_id}")))?;
        let name = |id: &str| {
            d.venues
                .get(id)
                .map(|v| v.venue.name.clone())
                .unwrap_or_default()
        };
        let visits: Vec<&CheckIn> = d
            .checkins
            .iter()
            .filter(|c| {
                c.device_id == case.subject.device_id
                    && (case.subject.person.is_none() || c.person == case.subject.person)
                    && Self::overlaps(c.from, c.until, case.from, case.until)
            })
            .collect();
        let mut contacts = Vec::new();
        for v in &visits {
            for c in &d.checkins {
                if c.venue_id == v.venue_id
                    && c.device_id != case.subject.device_id
                    && Self::overlaps(c.from, c.until, v.from, v.until)
                {
                    contacts.push(Contact {
                        device_id: c.device_id.clone(),
                        person: c.person.clone(),
                        identified_by: IdentifiedBy::Phone,
                        name: None,
                        birth_year: None,
                        card_number: None,
                        enrolled_staff: false,
                        venue_id: c.venue_id.clone(),
                        venue_name: name(&c.venue_id),
                        overlap_from: c.from.max(v.from),
                        overlap_until: c.until.min(v.until),
                    });
                }
            }
        }
        Ok(Trace {
            visits: visits
                .iter()
                .map(|v| CaseVisit {
                    venue_id: v.venue_id.clone(),
                    venue_name: name(&v.venue_id),
                    from: v.from,
                    until: v.until,
                })
                .collect(),
            case,
            contacts,
        })
    }
}

impl ConsoleBackend for MemoryBackend {
    async fn overview(&self, today: NaiveDate, days: u32) -> Result<Overview, BackendError> {
        let d = self.data.lock().unwrap();
        let mut by_cat: BTreeMap<u8, u64> = BTreeMap::new();
        let mut by_ward: BTreeMap<String, u64> = BTreeMap::new();
        for v in d.venues.values().filter(|v| !v.venue.revoked) {
            *by_cat.entry(v.venue.category.code()).or_default() += 1;
            *by_ward.entry(v.venue.ward.clone()).or_default() += 1;
        }
        let first = today - Duration::days(i64::from(days) - 1);
        let per_day = (0..days)
            .map(|i| {
                let day = first + Duration::days(i64::from(i));
                let n = d
                    .checkins
                    .iter()
                    .filter(|c| c.from.date_naive() == day)
                    .count() as u64;
                (day, n)
            })
            .collect();
        let mut wards: Vec<(String, u64)> = by_ward.into_iter().collect();
        wards.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(Overview {
            venues_by_category: by_cat
                .into_iter()
                .filter_map(|(c, n)| VenueCategory::from_code(c).map(|c| (c, n)))
                .collect(),
            venues_by_ward: wards,
            checkins_per_day: per_day,
            registered_devices: d.devices,
            open_cases: d.cases.iter().filter(|c| c.published_at.is_none()).count() as u64,
        })
    }

    async fn search_venues(&self, f: &VenueFilter) -> Result<Vec<VenueSummary>, BackendError> {
        let d = self.data.lock().unwrap();
        let text = f.text.to_lowercase();
        Ok(d.venues
            .values()
            .map(|v| &v.venue)
            .filter(|v| f.include_revoked || !v.revoked)
            .filter(|v| f.category.is_none_or(|c| c == v.category))
            .filter(|v| f.ward.is_empty() || v.ward == f.ward)
            .filter(|v| {
                text.is_empty()
                    || v.name.to_lowercase().contains(&text)
                    || v.address.to_lowercase().contains(&text)
            })
            .take(f.limit as usize)
            .cloned()
            .collect())
    }

    async fn venue(&self, id: &str) -> Result<VenueDetail, BackendError> {
        self.data
            .lock()
            .unwrap()
            .venues
            .get(id)
            .cloned()
            .ok_or_else(|| BackendError::NotFound(format!("venue {id}")))
    }

    async fn register_venue(&self, venue: NewVenue) -> Result<VenueDetail, BackendError> {
        self.insert_venue(venue)
    }

    /// No budgets in the double: every registration with a contact is accepted.
    async fn register_own_venue(
        &self,
        v: NewOwnVenue,
        _from: Option<std::net::IpAddr>,
    ) -> Result<OwnVenue, BackendError> {
        if v.contact.trim().is_empty() {
            return Err(BackendError::Invalid("a contact phone is required".into()));
        }
        let mut detail = self.insert_venue(NewVenue {
            name: v.name,
            category: v.category,
            ward: v.ward,
            address: v.address,
        })?;
        detail.venue.self_registered = true;
        detail.venue.contact = v.contact.trim().to_owned();
        self.data
            .lock()
            .unwrap()
            .venues
            .insert(detail.venue.id.clone(), detail.clone());
        let poster_svg = String::from_utf8(self.poster(&detail.venue.id, PosterFormat::Svg).await?)
            .map_err(|e| BackendError::Storage(e.to_string()))?;
        let poster_png = self.poster(&detail.venue.id, PosterFormat::Png).await?;
        let poster_pdf = self.poster(&detail.venue.id, PosterFormat::Pdf).await?;
        Ok(OwnVenue {
            detail,
            manage_secret: "0".repeat(32),
            poster_svg,
            poster_png,
            poster_pdf,
        })
    }

    /// The double keeps no secrets: every management request is refused.
    async fn manage_own_venue(
        &self,
        _venue_id: &str,
        _secret: &str,
        _action: OwnerAction,
    ) -> Result<OwnerView, BackendError> {
        Err(BackendError::WrongSecret("no venue is managed here".into()))
    }

    async fn revoke_venue(&self, id: &str) -> Result<(), BackendError> {
        let mut d = self.data.lock().unwrap();
        let v = d
            .venues
            .get_mut(id)
            .ok_or_else(|| BackendError::NotFound(format!("venue {id}")))?;
        v.venue.revoked = true;
        Ok(())
    }

    async fn poster(&self, id: &str, format: PosterFormat) -> Result<Vec<u8>, BackendError> {
        let d = self.venue(id).await?;
        let poster = venue_poster(
            &d.venue.name,
            d.venue.category,
            &d.venue.address,
            &d.venue.ward,
            &d.code_text,
        );
        let fail = |e: vaora_protocol::render::RenderError| BackendError::Storage(e.to_string());
        Ok(match format {
            PosterFormat::Png => poster_png(&poster).map_err(fail)?,
            PosterFormat::Svg => poster_svg(&poster).map_err(fail)?.into_bytes(),
            PosterFormat::Pdf => poster_pdf(&poster).map_err(fail)?,
        })
    }

    async fn scan_counts(&self, q: &ScanCountQuery) -> Result<Vec<VenueScanCount>, BackendError> {
        let d = self.data.lock().unwrap();
        Ok(d.venues
            .values()
            .map(|v| &v.venue)
            .filter(|v| !v.revoked)
            .filter(|v| q.ward.is_empty() || v.ward == q.ward)
            .filter(|v| q.category.is_none_or(|c| c == v.category))
            .map(|v| VenueScanCount {
                venue: v.clone(),
                scans: d
                    .checkins
                    .iter()
                    .filter(|c| {
                        c.venue_id == v.id
                            && c.from.date_naive() >= q.from_day
                            && c.from.date_naive() <= q.to_day
                    })
                    .count() as u64,
            })
            .collect())
    }

    async fn mark_case(&self, case: NewCase) -> Result<CaseSummary, BackendError> {
        let mut d = self.data.lock().unwrap();
        d.next += 1;
        let summary = CaseSummary {
            id: format!("c{:04}", d.next),
            subject: case.subject,
            from: case.from,
            until: case.until,
            marked_at: self.now,
            published_at: None,
        };
        d.cases.push(summary.clone());
        Ok(summary)
    }

    async fn cases(&self) -> Result<Vec<CaseSummary>, BackendError> {
        Ok(self
            .data
            .lock()
            .unwrap()
            .cases
            .iter()
            .rev()
            .cloned()
            .collect())
    }

    async fn trace(&self, case_id: &str) -> Result<Trace, BackendError> {
        Self::trace_locked(&self.data.lock().unwrap(), case_id)
    }

    async fn publish(&self, case_id: &str) -> Result<Vec<PublishedWindow>, BackendError> {
        let mut d = self.data.lock().unwrap();
        let trace = Self::trace_locked(&d, case_id)?;
        if trace.case.published_at.is_some() {
            return Ok(d
                .published
                .iter()
                .filter(|w| w.case_id == case_id)
                .cloned()
                .collect());
        }
        let windows: Vec<PublishedWindow> = trace
            .visits
            .iter()
            .map(|v| PublishedWindow {
                case_id: case_id.to_owned(),
                venue_id: v.venue_id.clone(),
                venue_name: v.venue_name.clone(),
                from: v.from,
                until: v.until,
                level: 1,
                published_at: self.now,
            })
            .collect();
        d.published.extend(windows.iter().cloned());
        if let Some(c) = d.cases.iter_mut().find(|c| c.id == case_id) {
            c.published_at = Some(self.now);
        }
        Ok(windows)
    }

    async fn published(&self) -> Result<Vec<PublishedWindow>, BackendError> {
        Ok(self
            .data
            .lock()
            .unwrap()
            .published
            .iter()
            .rev()
            .cloned()
            .collect())
    }

    async fn venue_inspections(
        &self,
        venue_id: &str,
    ) -> Result<Vec<FieldInspection>, BackendError> {
        let d = self.data.lock().unwrap();
        let mut v: Vec<FieldInspection> = d
            .inspections
            .iter()
            .filter(|i| i.venue_id == venue_id)
            .cloned()
            .collect();
        v.sort_by_key(|i| std::cmp::Reverse(i.at));
        Ok(v)
    }

    async fn latest_inspections(
        &self,
        venue_ids: &[String],
    ) -> Result<Vec<FieldInspection>, BackendError> {
        let d = self.data.lock().unwrap();
        let mut latest: BTreeMap<String, FieldInspection> = BTreeMap::new();
        for i in d
            .inspections
            .iter()
            .filter(|i| venue_ids.contains(&i.venue_id))
        {
            if latest.get(&i.venue_id).is_none_or(|l| l.at < i.at) {
                latest.insert(i.venue_id.clone(), i.clone());
            }
        }
        Ok(latest.into_values().collect())
    }

    async fn recent_inspections(
        &self,
        since: DateTime<Utc>,
        ward: &str,
    ) -> Result<Vec<InspectedVenue>, BackendError> {
        let d = self.data.lock().unwrap();
        let mut latest: BTreeMap<String, FieldInspection> = BTreeMap::new();
        for i in d.inspections.iter().filter(|i| i.at >= since) {
            if latest.get(&i.venue_id).is_none_or(|l| l.at < i.at) {
                latest.insert(i.venue_id.clone(), i.clone());
            }
        }
        let mut out: Vec<InspectedVenue> = latest
            .into_values()
            .filter_map(|i| {
                let v = d.venues.get(&i.venue_id)?;
                (ward.is_empty() || v.venue.ward == ward).then(|| InspectedVenue {
                    venue: v.venue.clone(),
                    inspection: i,
                })
            })
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.inspection.at));
        Ok(out)
    }

    async fn work_list(&self, ward: &str, days: u32) -> Result<Vec<WorkListEntry>, BackendError> {
        let d = self.data.lock().unwrap();
        let since = self.now - Duration::days(i64::from(days));
        let mut out: Vec<WorkListEntry> = d
            .venues
            .values()
            .filter(|v| !v.venue.revoked && (ward.is_empty() || v.venue.ward == ward))
            .map(|v| {
                let last = d
                    .inspections
                    .iter()
                    .filter(|i| i.venue_id == v.venue.id)
                    .max_by_key(|i| i.at);
                WorkListEntry {
                    venue: v.venue.clone(),
                    last_inspected: last.map(|i| i.at),
                    last_verdict: last.map(|i| i.verdict.clone()),
                    due: last.is_none_or(|i| i.at < since),
                }
            })
            .collect();
        out.sort_by_key(|e| e.last_inspected);
        Ok(out)
    }

    async fn inspectors(&self) -> Result<Vec<InspectorEntry>, BackendError> {
        Ok(self.data.lock().unwrap().inspectors.clone())
    }

    async fn new_inspector_code(&self) -> Result<InspectorCode, BackendError> {
        let mut d = self.data.lock().unwrap();
        d.next += 1;
        Ok(InspectorCode {
            code: format!("VI1:{:032x}", d.next),
            expires_at: self.now + Duration::minutes(15),
        })
    }

    async fn withdraw_inspector(&self, device_id: &str) -> Result<(), BackendError> {
        self.data
            .lock()
            .unwrap()
            .inspectors
            .retain(|i| i.device_id != device_id);
        Ok(())
    }
}
