//! Starting the server: where its data lives, the app (the `/v1` API and the console under
//! `/console` over one state), and the running server's handle.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use vaora_protocol::venue::VenueIssuer;

use crate::api::{self, ApiState};
use crate::authority::{AuthorityKey, AuthorityKeyError};
use crate::backfill_keeper;
use crate::console::ServerConsole;
use crate::limits::Limits;
use crate::state::ServerState;
use crate::storage::{PgStore, SqliteStore, Storage, StorageError};
use crate::venues::OwnVenueBudget;
use crate::{partition_keeper, retention_keeper, rollup_keeper};

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for Database {
    type Err = StorageError;
    /// `sqlite:PATH` or `postgres://…` / `postgresql://…`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Self::Postgres(s.to_owned()))
        } else if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(StorageError::BadUrl("sqlite: needs a file path".into()));
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else {
            Err(StorageError::BadUrl(format!(
                "expected sqlite:PATH or postgres://…, got {s}"
            )))
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("authority key: {0}")]
    Authority(#[from] AuthorityKeyError),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: String,
    pub database: Database,
    /// A PostgreSQL read replica (a hot standby of `database`) for the exposure feed and
    /// the console's counts; `None` reads everything from `database`.
    pub replica: Option<String>,
    /// Directory with `authority.json` (as `vaora authority init --out DIR` writes it); created with a fresh key when missing.
    pub authority_dir: PathBuf,
    pub limits: Limits,
    /// How the console is reached (behind TLS, through which proxies).
    pub console: ConsoleSettings,
    /// Platform attestation at registration (off by default).
    pub attestation: crate::attestation::AttestationPolicy,
}

/// How the console is reached in a deployment. The default (plain HTTP on loopback, no
/// proxy) is for development and tests; a real deployment is behind TLS.
#[derive(Debug, Clone, Default)]
pub struct ConsoleSettings {
    /// The console is reached over HTTPS: `Secure` cookies and `Strict-Transport-Security`.
    pub https: bool,
    /// Addresses of the reverse proxies in front of the server, whose `X-Forwarded-For`
    /// names the client (the sign-in throttle counts by it).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// A server running on a tokio runtime; dropping the handle does not stop it, `shutdown` does.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, finishes in-flight requests, closes the store.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Kills the server at once, as a crash would (in-flight requests are cut).
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// Waits until the server stops.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// The API and the authority console (under `/console`) over one store and one key.
///
/// The console's sign-in tokens are checked against the same authority key that signs
/// certificates, windows and venue codes; venue codes (API and console alike) are issued
/// with that key.
pub fn app<S: Storage>(
    store: S,
    authority: AuthorityKey,
    config: &ServerConfig,
) -> Result<axum::Router, ServeError> {
    app_with(
        store,
        None,
        authority,
        config,
        Arc::new(crate::metrics::Metrics::default()),
    )
}

/// [`app`] with a read replica and the metrics the caller keeps (for the replica's lag).
fn app_with<S: Storage>(
    store: S,
    replica: Option<S>,
    authority: AuthorityKey,
    config: &ServerConfig,
    metrics: Arc<crate::metrics::Metrics>,
) -> Result<axum::Router, ServeError> {
    let issuer_key = AuthorityKey::load(&config.authority_dir)?;
    let public_key = vaora_console::token::verifying_key(&authority.public_key()).map_err(|e| {
        AuthorityKeyError::Load {
            path: config.authority_dir.clone(),
            reason: e.to_string(),
        }
    })?;
    let server = Arc::new(ServerState {
        store,
        replica,
        authority: Arc::new(authority),
        issuer: VenueIssuer::new(issuer_key.into_inner()),
        limits: config.limits.clone(),
        attestation: config.attestation.clone(),
        own_venues: OwnVenueBudget::default(),
        metrics,
    });
    let metrics = server.metrics.clone();
    // The compliance page's rollup is re-based in the background, never by a request.
    rollup_keeper::spawn(&server);
    // PostgreSQL's day partitions of `records` are made ahead (once a day).
    partition_keeper::spawn(&server);
    // Nothing personal is kept past the retention window: purged in the background.
    retention_keeper::spawn(&server);
    // Staff check-ins stored before the server traced them get their stays, once.
    backfill_keeper::spawn(&server);
    let console_config = vaora_console::ConsoleConfig {
        authority_keys: vec![public_key],
        clock: Arc::new(vaora_protocol::clock::SystemClock::default()),
        secure_cookies: config.console.https,
        trusted_proxies: config.console.trusted_proxies.clone(),
    };
    let backend = Arc::new(ServerConsole::new(server.clone()));
    let console = vaora_console::router(backend.clone(), console_config.clone());
    // The venue self-registration page, at the root (anyone may open it).
    let public = vaora_console::public_router(backend, console_config);
    let scraped = metrics.clone();
    let health = server.clone();
    let trusted = config.console.trusted_proxies.clone();
    Ok(api::router(Arc::new(ApiState::new(server, trusted)))
        .nest("/console", console)
        .merge(public)
        .route(
            "/metrics",
            axum::routing::get(move || async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    scraped.encode(),
                )
            }),
        )
        .route(
            "/healthz",
            axum::routing::get(move || {
                let server = health.clone();
                async move { crate::health::answer(&server).await }
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::request_log::layer,
        )))
}

/// Opens the store, binds the address and starts serving in the background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServeError> {
    let authority = AuthorityKey::load_or_create(&config.authority_dir)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.listen.clone(),
        source,
    })?;
    let router = match &config.database {
        Database::Sqlite(path) => {
            if config.replica.is_some() {
                return Err(ServeError::Storage(StorageError::BadUrl(
                    "a read replica needs a PostgreSQL database".into(),
                )));
            }
            let store = SqliteStore::open(path)?;
            app(store, authority, &config)?
        }
        Database::Postgres(url) => {
            let store = PgStore::connect(url).await?;
            let metrics = Arc::new(crate::metrics::Metrics::new(config.replica.is_some()));
            let replica = match &config.replica {
                Some(replica_url) => {
                    let replica = PgStore::connect_replica(replica_url).await?;
                    crate::health::watch_replica(&store, &replica, &metrics);
                    Some(replica)
                }
                None => None,
            };
            app_with(store, replica, authority, &config, metrics)?
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
        if let Err(e) = result {
            log::error!("server stopped: {e}");
        }
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task,
    })
}
