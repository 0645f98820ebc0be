//! The authority console's backend: [`vaora_console::ConsoleBackend`] over the server's own
//! storage, so the pages under `/console` show and change exactly what the `/v1` API does.
//!
//! Why here and not in the console crate: the rules stay in one place. Venue codes are
//! signed by core's `VenueIssuer` with the server's authority key; cases are marked,
//! traced and published through the API's own functions (`api::open_case`,
//! `Storage::trace`, `api::publish_case`). The console-only queries (venue registry, counts)
//! are the [`ConsoleStore`] extension of the storage trait; the overview and compliance
//! pages read the daily aggregate tables that ingest maintains, never check-in rows.

pub mod inspection;
pub mod postgres;
pub mod rollup;
pub mod sqlite;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vaora_console::backend::{
    BackendError, CaseSubject, CaseSummary, CaseVisit, ConsoleBackend, Contact, Flagged,
    Inspection, NewCase, NewVenue, Overview, PosterFormat, PublishedWindow, ScanCountQuery, Trace,
    VenueDetail, VenueFilter, VenueScanCount, VenueSummary,
};
use vaora_console::compliance;
use vaora_protocol::ids::Id128;
use vaora_protocol::render::poster::{poster_png, poster_svg};
use vaora_protocol::venue::{Authority, VenueCategory, VenueIssuer};

use crate::api::{self, AppState};
use crate::storage::{CaseRow, Storage, StorageError, WindowRow};
use crate::venues;

const DAY_MS: i64 = 86_400_000;

/// The UTC day number (days since 1970-01-01) of a Unix-millisecond time.
pub fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

fn day_number(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

/// A registered venue as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueRow {
    pub id: Id128,
    pub name: String,
    pub category: u8,
    pub ward: String,
    pub address: String,
    pub code_text: String,
    pub registered_ms: i64,
    pub revoked: bool,
}

/// Venue list filters; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueQuery {
    pub text: String,
    pub category: Option<u8>,
    pub ward: String,
    pub include_revoked: bool,
    pub limit: u32,
}

/// Counts for the overview; `per_day` holds only days with check-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverviewCounts {
    pub by_category: Vec<(u8, u64)>,
    pub by_ward: Vec<(String, u64)>,
    pub per_day: Vec<(i64, u64)>,
    pub devices: u64,
    pub open_cases: u64,
}

/// The inspection list as the store computes it ([`ConsoleStore::venue_inspection`]): the
/// number of active venues checked, and each flagged venue with its scans and its peers' median.
/// The rows' `code_text` is empty (lists never show it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InspectionRows {
    pub checked: u64,
    pub flagged: Vec<(VenueRow, u64, f64)>,
}

/// What the console needs from a database beyond the API's [`Storage`].
pub trait ConsoleStore: Storage {
    fn insert_venue(&self, v: VenueRow) -> impl Future<Output = Result<(), StorageError>> + Send;
    fn venue_row(
        &self,
        id: Id128,
    ) -> impl Future<Output = Result<Option<VenueRow>, StorageError>> + Send;
    fn search_venue_rows(
        &self,
        q: VenueQuery,
    ) -> impl Future<Output = Result<Vec<VenueRow>, StorageError>> + Send;
    /// Marks a venue revoked (once); `false` when there is no such venue.
    fn revoke_venue_row(
        &self,
        id: Id128,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// Venue counts and check-ins per day for days `from_day..=to_day` (day numbers).
    fn overview_counts(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> impl Future<Output = Result<OverviewCounts, StorageError>> + Send;
    /// Scans per active venue over `from_day..=to_day`: from the per-venue rollup
    /// ([`rollup`]) when the window ends on its day and is at most 21 days long, else from
    /// the daily aggregates. Never re-bases the rollup (that is [`spawn_rollup_keeper`]'s
    /// job, off the request path). The rows' `code_text` may be left empty.
    fn venue_scan_counts(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> impl Future<Output = Result<Vec<(VenueRow, u64)>, StorageError>> + Send;
    /// The compliance rule over the same counts as [`ConsoleStore::venue_scan_counts`]
    /// (same sources); only flagged venues are returned. Computed in SQL ([`inspection`]) on
    /// SQLite and over PostgreSQL's daily sums; over PostgreSQL's rollup the store reads
    /// the narrow per-venue counts and applies [`compliance::flag_peer_groups`].
    fn venue_inspection(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> impl Future<Output = Result<InspectionRows, StorageError>> + Send;
    /// [`ConsoleStore::venue_scan_counts`] summed directly from `venue_day_scans`, without
    /// the rollup (its fallback; tests compare the two).
    fn venue_scan_counts_summed(
        &self,
        from_day: i64,
        to_day: i64,
        ward: String,
        category: Option<u8>,
    ) -> impl Future<Output = Result<Vec<(VenueRow, u64)>, StorageError>> + Send;
    /// Recomputes the per-venue rollup ([`rollup`]) for windows ending on `day`, from the
    /// daily aggregates, even when it is already on that day (bulk loads).
    fn rebuild_scan_rollup(
        &self,
        day: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Re-bases the rollup on `day` when it is on an older day; `true` when it did.
    fn rebase_scan_rollup(
        &self,
        day: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
    /// Cases, newest first, each with when its windows were first published.
    fn case_rows(
        &self,
    ) -> impl Future<Output = Result<Vec<(CaseRow, Option<i64>)>, StorageError>> + Send;
    /// Ids of revoked venues, for the signed key set phones download (`/v1/keys`).
    fn revoked_venue_ids(&self) -> impl Future<Output = Result<Vec<Id128>, StorageError>> + Send;
    /// Published windows (of one case, or all), newest first, with the venue's name.
    fn published_windows(
        &self,
        case_id: Option<Id128>,
    ) -> impl Future<Output = Result<Vec<(WindowRow, String)>, StorageError>> + Send;
}

/// The server's [`ConsoleBackend`]: the API's state plus a venue issuer over the same key.
pub struct ServerConsole<S> {
    state: Arc<AppState<S>>,
    issuer: VenueIssuer,
}

impl<S> std::fmt::Debug for ServerConsole<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConsole").finish_non_exhaustive()
    }
}

impl<S: ConsoleStore> ServerConsole<S> {
    /// `authority` must be the key the API's state signs with (loaded from the same dir).
    pub fn new(state: Arc<AppState<S>>, authority: Authority) -> Self {
        Self {
            state,
            issuer: VenueIssuer::new(authority),
        }
    }

    /// The API's state this console works on.
    pub fn state(&self) -> &AppState<S> {
        &self.state
    }

    /// The venue issuer (the server's authority key).
    pub fn issuer(&self) -> &VenueIssuer {
        &self.issuer
    }
}

fn storage(e: StorageError) -> BackendError {
    log::error!("console storage: {e}");
    BackendError::Storage(e.to_string())
}

fn api_error(e: api::ApiError) -> BackendError {
    use axum::http::StatusCode;
    match e.status() {
        StatusCode::NOT_FOUND => BackendError::NotFound(e.message().to_owned()),
        StatusCode::BAD_REQUEST => BackendError::Invalid(e.message().to_owned()),
        _ => BackendError::Storage(e.message().to_owned()),
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
        subject: CaseSubject {
            device_id: c.device_id.to_hex(),
            person: c.person_id.map(|p| p.to_hex()),
        },
        from: time(c.from_ms),
        until: time(c.until_ms),
        marked_at: time(c.created_ms),
        published_at: published.map(time),
    }
}

fn published_window((w, venue_name): (WindowRow, String)) -> PublishedWindow {
    PublishedWindow {
        case_id: w.case_id.to_hex(),
        venue_id: w.venue_id.to_hex(),
        venue_name,
        from: time(w.from_ms),
        until: time(w.until_ms),
        level: w.level,
        published_at: time(w.published_ms),
    }
}

impl<S: ConsoleStore> ServerConsole<S> {
    async fn case_row(&self, id: &str) -> Result<(CaseRow, Option<i64>), BackendError> {
        let id = parse_id(id, "case id")?;
        let case = self
            .state
            .store
            .case(id)
            .await
            .map_err(storage)?
            .ok_or_else(|| BackendError::NotFound("no such case".into()))?;
        let published = self
            .state
            .store
            .published_windows(Some(id))
            .await
            .map_err(storage)?
            .iter()
            .map(|(w, _)| w.published_ms)
            .min();
        Ok((case, published))
    }
}

impl<S: ConsoleStore> ConsoleBackend for ServerConsole<S> {
    async fn overview(&self, today: NaiveDate, days: u32) -> Result<Overview, BackendError> {
        let days = days.clamp(1, 366);
        let first = today - Duration::days(i64::from(days) - 1);
        let counts = self
            .state
            .store
            .overview_counts(day_number(first), day_number(today))
            .await
            .map_err(storage)?;
        let checkins_per_day = (0..days)
            .map(|i| {
                let day = first + Duration::days(i64::from(i));
                let n = counts
                    .per_day
                    .iter()
                    .find(|(d, _)| *d == day_number(day))
                    .map_or(0, |(_, n)| *n);
                (day, n)
            })
            .collect();
        Ok(Overview {
            venues_by_category: counts
                .by_category
                .iter()
                .map(|(c, n)| Ok((category(*c)?, *n)))
                .collect::<Result<_, BackendError>>()?,
            venues_by_ward: counts.by_ward,
            checkins_per_day,
            registered_devices: counts.devices,
            open_cases: counts.open_cases,
        })
    }

    async fn search_venues(&self, filter: &VenueFilter) -> Result<Vec<VenueSummary>, BackendError> {
        let rows = self
            .state
            .store
            .search_venue_rows(VenueQuery {
                text: filter.text.trim().to_owned(),
                category: filter.category.map(VenueCategory::code),
                ward: filter.ward.trim().to_owned(),
                include_revoked: filter.include_revoked,
                limit: filter.limit.clamp(1, 200),
            })
            .await
            .map_err(storage)?;
        rows.iter().map(summary).collect()
    }

    async fn venue(&self, id: &str) -> Result<VenueDetail, BackendError> {
        let id = parse_id(id, "venue id")?;
        let row = self
            .state
            .store
            .venue_row(id)
            .await
            .map_err(storage)?
            .ok_or_else(|| BackendError::NotFound("no such venue".into()))?;
        detail(row)
    }

    async fn register_venue(&self, v: NewVenue) -> Result<VenueDetail, BackendError> {
        if v.ward.trim().is_empty() {
            return Err(BackendError::Invalid(
                "a venue needs a name and a ward".into(),
            ));
        }
        let registered = venues::register(
            &self.state,
            &self.issuer,
            venues::Registration {
                name: v.name,
                address: v.address,
                ward: v.ward,
                category: v.category,
                stay_minutes: venues::DEFAULT_STAY_MIN,
            },
        )
        .await
        .map_err(|e| match e {
            venues::VenueError::Invalid(m) => BackendError::Invalid(m),
            venues::VenueError::Storage(s) => storage(s),
        })?;
        detail(registered.row)
    }

    async fn revoke_venue(&self, id: &str) -> Result<(), BackendError> {
        let id = parse_id(id, "venue id")?;
        let found = self
            .state
            .store
            .revoke_venue_row(id, Utc::now().timestamp_millis())
            .await
            .map_err(storage)?;
        if !found {
            return Err(BackendError::NotFound("no such venue".into()));
        }
        Ok(())
    }

    async fn poster(&self, id: &str, format: PosterFormat) -> Result<Vec<u8>, BackendError> {
        let row = self
            .state
            .store
            .venue_row(parse_id(id, "venue id")?)
            .await
            .map_err(storage)?
            .ok_or_else(|| BackendError::NotFound("no such venue".into()))?;
        let poster = venues::poster(&row);
        let fail = |e: vaora_protocol::render::RenderError| BackendError::Storage(e.to_string());
        Ok(match format {
            PosterFormat::Png => poster_png(&poster).map_err(fail)?,
            PosterFormat::Svg => poster_svg(&poster).map_err(fail)?.into_bytes(),
        })
    }

    async fn scan_counts(&self, q: &ScanCountQuery) -> Result<Vec<VenueScanCount>, BackendError> {
        let rows = self
            .state
            .store
            .venue_scan_counts(
                day_number(q.from_day),
                day_number(q.to_day),
                q.ward.trim().to_owned(),
                q.category.map(VenueCategory::code),
            )
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
        let rows = self
            .state
            .store
            .venue_inspection(
                day_number(q.from_day),
                day_number(q.to_day),
                q.ward.trim().to_owned(),
                q.category.map(VenueCategory::code),
            )
            .await
            .map_err(storage)?;
        let flagged = rows
            .flagged
            .iter()
            .map(|(v, scans, peer_median)| {
                // The SQL filters by the same rule; a row it returns that the rule would
                // not flag means the two have drifted apart.
                let finding = compliance::finding(*scans, *peer_median).ok_or_else(|| {
                    BackendError::Storage("inspection query disagrees with the rule".into())
                })?;
                Ok(Flagged {
                    row: VenueScanCount {
                        venue: summary(v)?,
                        scans: *scans,
                    },
                    peer_median: *peer_median,
                    finding,
                })
            })
            .collect::<Result<_, BackendError>>()?;
        Ok(Inspection {
            checked: rows.checked,
            flagged,
        })
    }

    async fn mark_case(&self, case: NewCase) -> Result<CaseSummary, BackendError> {
        let device_id = parse_id(&case.subject.device_id, "device id")?;
        let person_id = case
            .subject
            .person
            .as_deref()
            .map(|p| parse_id(p, "person id"))
            .transpose()?;
        let row = api::open_case(
            &self.state,
            device_id,
            person_id,
            case.from.timestamp_millis(),
            case.until.timestamp_millis(),
        )
        .await
        .map_err(api_error)?;
        Ok(case_summary(&row, None))
    }

    async fn cases(&self) -> Result<Vec<CaseSummary>, BackendError> {
        let rows = self.state.store.case_rows().await.map_err(storage)?;
        Ok(rows.iter().map(|(c, p)| case_summary(c, *p)).collect())
    }

    async fn trace(&self, case_id: &str) -> Result<Trace, BackendError> {
        let (case, published) = self.case_row(case_id).await?;
        let store = &self.state.store;
        let stays = store.case_stays(&case).await.map_err(storage)?;
        let contacts = store.trace(&case).await.map_err(storage)?;
        Ok(Trace {
            case: case_summary(&case, published),
            visits: stays
                .into_iter()
                .filter_map(|s| {
                    Some(CaseVisit {
                        venue_id: s.venue_id?.to_hex(),
                        venue_name: s.venue_name,
                        from: time(s.from_ms),
                        until: time(s.until_ms),
                    })
                })
                .collect(),
            contacts: contacts
                .into_iter()
                .map(|c| Contact {
                    device_id: c.device_id.to_hex(),
                    person: Some(c.person_id.to_hex()),
                    venue_id: c.venue_id.to_hex(),
                    venue_name: c.venue_name,
                    overlap_from: time(c.overlap_from_ms),
                    overlap_until: time(c.overlap_until_ms),
                })
                .collect(),
        })
    }

    async fn publish(&self, case_id: &str) -> Result<Vec<PublishedWindow>, BackendError> {
        let (case, _) = self.case_row(case_id).await?;
        let fresh = api::publish_case(&self.state, &case)
            .await
            .map_err(api_error)?;
        log::debug!("console publish: {} windows new", fresh.len());
        let all = self
            .state
            .store
            .published_windows(Some(case.id))
            .await
            .map_err(storage)?;
        Ok(all.into_iter().map(published_window).collect())
    }

    async fn published(&self) -> Result<Vec<PublishedWindow>, BackendError> {
        let all = self
            .state
            .store
            .published_windows(None)
            .await
            .map_err(storage)?;
        Ok(all.into_iter().map(published_window).collect())
    }
}

/// How often the rollup keeper looks at the date at most (it also wakes at UTC midnight).
const KEEPER_TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// Keeps the per-venue rollup ([`rollup`]) on the current UTC day, off the request path:
/// re-bases it at once (a fresh or upgraded database is built here) and again right after
/// each UTC midnight, checking at least every minute. Requests never re-base; until the
/// keeper has moved the rollup to a new day they are served from the daily aggregates
/// (same results, slower), so no request waits for the ~10 s re-base at 100,000 venues.
///
/// The task holds only a weak reference between rounds: it ends once the app's state is
/// dropped. `None` outside a tokio runtime.
pub fn spawn_rollup_keeper<S: ConsoleStore>(
    state: &Arc<AppState<S>>,
) -> Option<tokio::task::JoinHandle<()>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let weak = Arc::downgrade(state);
    Some(runtime.spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { return };
            let now = Utc::now();
            match state
                .store
                .rebase_scan_rollup(day_of_ms(now.timestamp_millis()))
                .await
            {
                Ok(true) => log::info!("scan rollup moved to {}", now.date_naive()),
                Ok(false) => {}
                Err(e) => log::warn!("scan rollup re-base failed (will retry): {e}"),
            }
            drop(state);
            let to_midnight = DAY_MS - now.timestamp_millis().rem_euclid(DAY_MS) + 1_000;
            let wait = std::time::Duration::from_millis(u64::try_from(to_midnight).unwrap_or(0));
            tokio::time::sleep(wait.min(KEEPER_TICK)).await;
        }
    }))
}
