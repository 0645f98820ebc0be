//! Fixtures for sync tests and benchmarks: a server on loopback (SQLite or a throwaway
//! PostgreSQL), phones with encrypted diaries, venues and an authority client.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use vaora_core::diary::{
    CheckInRequest, Diary, DiaryConfig, DiaryError, DiaryKey, NewPerson, SharedDiary,
};
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_core::sync::client::{self, CancelToken, SyncError, SyncOptions, SyncReport};
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;
use vaora_server::{AuthorityKey, Database, Limits, RunningServer, ServerConfig, Storage};

use crate::pg::PgCluster;

/// Runs `$body` with `$s` bound to a second connection to the fixture's database.
macro_rules! on_store {
    ($db:expr, |$s:ident| $body:expr) => {
        match $db {
            Database::Sqlite(path) => {
                let $s = vaora_server::SqliteStore::open(path).map_err(|e| e.to_string())?;
                $body.map_err(|e| e.to_string())
            }
            Database::Postgres(url) => {
                let $s = vaora_server::PgStore::connect(url)
                    .await
                    .map_err(|e| e.to_string())?;
                $body.map_err(|e| e.to_string())
            }
        }
    };
}

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A server on 127.0.0.1 with its data folder (and PostgreSQL cluster).
#[derive(Debug)]
pub struct ServerFixture {
    pub dir: tempfile::TempDir,
    pub database: Database,
    pub authority_dir: PathBuf,
    pub limits: Limits,
    pub server: Option<RunningServer>,
    _pg: Option<PgCluster>,
}

impl ServerFixture {
    pub async fn start(backend: Backend) -> Result<Self, String> {
        Self::start_with(backend, Limits::default()).await
    }

    pub async fn start_with(backend: Backend, limits: Limits) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (database, pg) = match backend {
            Backend::Sqlite => (Database::Sqlite(dir.path().join("server.db")), None),
            Backend::Postgres => {
                let pg = PgCluster::start()?;
                (Database::Postgres(pg.url()), Some(pg))
            }
        };
        let authority_dir = dir.path().join("authority");
        let mut f = Self {
            dir,
            database,
            authority_dir,
            limits,
            server: None,
            _pg: pg,
        };
        f.boot("127.0.0.1:0").await?;
        Ok(f)
    }

    async fn boot(&mut self, listen: &str) -> Result<(), String> {
        let server = vaora_server::start(ServerConfig {
            listen: listen.to_owned(),
            database: self.database.clone(),
            replica: None,
            console: Default::default(),
            attestation: Default::default(),
            authority_dir: self.authority_dir.clone(),
            limits: self.limits.clone(),
        })
        .await
        .map_err(|e| e.to_string())?;
        self.server = Some(server);
        Ok(())
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().map_or_else(
            || std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
            |s| s.addr,
        )
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Kills the server as a crash would and starts it again on a new port, same data.
    pub async fn restart(&mut self) -> Result<(), String> {
        if let Some(s) = self.server.take() {
            s.kill().await;
        }
        self.boot("127.0.0.1:0").await
    }

    pub fn authority_key(&self) -> Result<AuthorityKey, String> {
        AuthorityKey::load(&self.authority_dir).map_err(|e| e.to_string())
    }

    /// A trust store that pins this server's authority key (as a phone does after
    /// installing the server's self-signed key set).
    pub fn trust_store(&self) -> Result<vaora_protocol::venue::TrustStore, String> {
        let key = vaora_protocol::venue::Authority::load_dir(&self.authority_dir)
            .map_err(|e| e.to_string())?;
        let mut trust = vaora_protocol::venue::TrustStore::new();
        trust
            .apply_keyset(
                &key.self_signed_keyset(Utc::now().timestamp()),
                vaora_protocol::venue::SignerPolicy::PinSelfSigned,
            )
            .map_err(|e| e.to_string())?;
        Ok(trust)
    }

    pub fn authority(&self) -> Result<AuthorityClient, String> {
        let key = self.authority_key()?;
        let key_id = key.key_id();
        AuthorityClient::new(&self.url(), key_id, Box::new(move |m| key.sign(m)))
            .map_err(|e| e.to_string())
    }

    /// Registers a venue with the server (the authority's API) and returns it as a phone
    /// that verified its code records it: tracing and the console name venues from the
    /// registry, never from check-ins.
    pub async fn register_venue(&self, name: &str) -> Result<VenueRef, String> {
        Ok(self.register_venue_with_code(name).await?.0)
    }

    /// [`ServerFixture::register_venue`], with the signed code the poster prints (what a
    /// staff desk opens with).
    pub async fn register_venue_with_code(&self, name: &str) -> Result<(VenueRef, String), String> {
        let resp = self
            .authority()?
            .register_venue(&vaora_protocol::wire::VenueRequest {
                name: name.into(),
                address: "12 Nguyễn Huệ, Quận 1".into(),
                ward: "Phường Bến Nghé".into(),
                category: Some("restaurant-shop".into()),
                stay_minutes: Some(60),
            })
            .await
            .map_err(|e| e.to_string())?;
        let v = VenueRef {
            id: Some(resp.venue_id),
            ..venue(name).map_err(|e| e.to_string())?
        };
        Ok((v, resp.code))
    }

    /// A phone registered with this server whose trust store holds its authority (as an
    /// app that ships it built in), with its clock at `now`.
    pub async fn trusting_phone(&self, now: DateTime<Utc>) -> Result<Phone, String> {
        let url = self.url();
        let phone = Phone::new(now).map_err(|e| e.to_string())?;
        client::register(&phone.diary, &url, &options_for(&url))
            .await
            .map_err(|e| e.to_string())?;
        let keyset = self
            .authority_key()?
            .authority()
            .self_signed_keyset(now.timestamp() - 60);
        phone
            .lock()
            .apply_keyset(&keyset, vaora_protocol::venue::SignerPolicy::PinSelfSigned)
            .map_err(|e| e.to_string())?;
        Ok(phone)
    }

    /// How many records the database holds (through a second connection).
    pub async fn record_count(&self) -> Result<u64, String> {
        on_store!(&self.database, |s| s.record_count().await)
    }

    /// Revokes a venue in the registry, as the console's revoke button does (through a
    /// second connection).
    pub async fn revoke_venue(&self, id: Id128) -> Result<bool, String> {
        let now = Utc::now().timestamp_millis();
        on_store!(&self.database, |s| s.revoke_venue_row(id, now).await)
    }

    /// Every case (newest first), through a second connection.
    pub async fn cases(&self) -> Result<Vec<vaora_server::storage::CaseRow>, String> {
        let rows = on_store!(&self.database, |s| s.case_rows().await)?;
        Ok(rows.into_iter().map(|(c, _)| c).collect())
    }

    /// Registered venues whose name or address contains `text` (revoked ones too).
    pub async fn venues_named(
        &self,
        text: &str,
    ) -> Result<Vec<vaora_server::storage::VenueRow>, String> {
        let q = vaora_server::storage::VenueQuery {
            text: text.to_owned(),
            include_revoked: true,
            limit: 200,
            ..Default::default()
        };
        on_store!(&self.database, |s| s.search_venue_rows(q).await)
    }

    /// Scans per active venue in `window` (the compliance page's numbers), through a
    /// second connection.
    pub async fn venue_scan_counts(
        &self,
        window: vaora_server::storage::ScanWindow,
    ) -> Result<Vec<(vaora_server::storage::VenueRow, u64)>, String> {
        on_store!(&self.database, |s| s.venue_scan_counts(&window).await)
    }

    /// The overview's counts for days `from_day..=to_day`, through a second connection.
    pub async fn overview_counts(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<vaora_server::storage::OverviewCounts, String> {
        on_store!(&self.database, |s| s
            .overview_counts(from_day, to_day)
            .await)
    }
}

/// A moment safely in the past and inside the server's retention window: the last UTC
/// noon at least four hours ago. Stays in tests happen in the two hours after it.
pub fn base_time() -> DateTime<Utc> {
    let now = Utc::now() - Duration::hours(4);
    let noon = Utc
        .with_ymd_and_hms(
            chrono::Datelike::year(&now),
            chrono::Datelike::month(&now),
            chrono::Datelike::day(&now),
            12,
            0,
            0,
        )
        .single()
        .unwrap_or(now);
    if noon <= now {
        noon
    } else {
        noon - Duration::days(1)
    }
}

/// A phone: an encrypted diary, shared as `sync()` wants it.
pub struct Phone {
    _dir: tempfile::TempDir,
    pub diary: SharedDiary,
    pub clock: Arc<FixedClock>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone").finish_non_exhaustive()
    }
}

/// Sync options that name the server at `url` (the defaults otherwise).
pub fn options_for(url: &str) -> SyncOptions {
    SyncOptions {
        server: Some(url.to_owned()),
        ..SyncOptions::default()
    }
}

impl Phone {
    /// Syncs with the server at `url` (registered before), with the default options.
    pub async fn sync_to(&self, url: &str) -> Result<SyncReport, SyncError> {
        client::sync(&self.diary, &options_for(url), &|_| {}, &CancelToken::new()).await
    }

    /// A fresh diary whose clock reads `now` (UTC offset 0, so no local midnight inside a test day's stays).
    pub fn new(now: DateTime<Utc>) -> Result<Self, DiaryError> {
        let dir = tempfile::tempdir()?;
        let utc =
            chrono::FixedOffset::east_opt(0).ok_or_else(|| DiaryError::Invalid("offset".into()))?;
        let clock = Arc::new(FixedClock::with_offset(now, utc));
        let diary = Diary::open(
            &dir.path().join("phone.db"),
            &DiaryKey::generate()?,
            clock.clone(),
            DiaryConfig::default(),
        )?;
        Ok(Self {
            _dir: dir,
            diary: SharedDiary::new(diary),
            clock,
        })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Diary> {
        self.diary.lock()
    }

    pub fn owner(&self) -> Id128 {
        self.lock().owner_id()
    }

    pub fn add_person(&self, name: &str) -> Result<Id128, DiaryError> {
        Ok(self
            .lock()
            .add_person(NewPerson {
                display_name: name.into(),
                relation: None,
                birth_year: None,
            })?
            .id)
    }

    /// Checks `people` in at `venue` at `from` and out at `until` (the phone's clock reads
    /// `until` meanwhile, then goes back); returns the check-in ids.
    pub fn stay(
        &self,
        people: &[Id128],
        venue: &VenueRef,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Id128>, DiaryError> {
        let back = self.clock.now();
        self.clock.set(until);
        let result = self.stay_now(people, venue, from, until);
        self.clock.set(back);
        result
    }

    fn stay_now(
        &self,
        people: &[Id128],
        venue: &VenueRef,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Id128>, DiaryError> {
        let mut d = self.lock();
        let ids: Vec<Id128> = d
            .check_in(CheckInRequest {
                people: people.to_vec(),
                venue: venue.clone(),
                method: CheckInMethod::ScannedVenueCode,
                at: Some(from),
                venue_default_stay: None,
            })?
            .into_iter()
            .map(|c| c.id)
            .collect();
        for id in &ids {
            d.check_out(Some(id), Some(until))?;
        }
        Ok(ids)
    }
}

/// A verified venue with a known id.
pub fn venue(name: &str) -> Result<VenueRef, vaora_protocol::ids::IdError> {
    Ok(VenueRef {
        id: Some(Id128::random()?),
        name: name.into(),
        address: "12 Nguyễn Huệ, Quận 1".into(),
        category: VenueCategory::RestaurantOrShop,
        issuer_key_id: None,
        verified: true,
    })
}

/// Sends a signed request as the given device (or any key) straight to the server;
/// returns the status and body. For refusal tests that need to craft what a phone never would.
#[allow(clippy::too_many_arguments)] // one argument per part of the request, all needed
pub async fn raw_device_request(
    url: &str,
    method: reqwest::Method,
    path: &str,
    principal: &str,
    scheme: &str,
    sign: &dyn Fn(&[u8]) -> [u8; 64],
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, Vec<u8>), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let ts = Utc::now().timestamp_millis();
    let sig = sign(&vaora_protocol::wire::request_signing_input(
        method.as_str(),
        path,
        ts,
        &body,
    ));
    let resp = http
        .request(method, format!("{url}{path}"))
        .header(
            reqwest::header::AUTHORIZATION,
            vaora_protocol::wire::RequestAuth::header_value(scheme, principal, ts, &sig),
        )
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, bytes.to_vec()))
}

/// Every record in the phone's outbox, in order.
pub fn all_records(
    phone: &Phone,
) -> Result<Vec<vaora_protocol::records::SignedRecord>, DiaryError> {
    Ok(phone
        .lock()
        .all_records()?
        .into_iter()
        .map(|e| e.record)
        .collect())
}
