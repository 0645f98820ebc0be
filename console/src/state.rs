//! What every console handler shares: the backend, the configuration (authority keys,
//! clock, cookie security), the sessions and the sign-in throttle; and where the console
//! is mounted.

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use vaora_protocol::clock::Clock;

use crate::session;

/// Where the router is mounted; links and cookie paths use it.
pub const BASE: &str = "/console";

/// What the console needs besides the backend.
#[derive(Clone)]
pub struct ConsoleConfig {
    /// Public keys whose console tokens are accepted: the authority key set.
    pub authority_keys: Vec<VerifyingKey>,
    /// Source of "now" for token and session expiry and the charts' days.
    pub clock: Arc<dyn Clock>,
    /// Add `Secure` to cookies and send `Strict-Transport-Security`; set when the console
    /// is reached over HTTPS (a public `https://` URL, usually behind a reverse proxy).
    pub secure_cookies: bool,
    /// Addresses of the reverse proxies in front of the console: for a request from one of
    /// them, the client is the right-most `X-Forwarded-For` address that is not a trusted
    /// proxy (what the sign-in throttle counts by). Empty: the TCP peer is the client and
    /// `X-Forwarded-For` is ignored (anyone can send it).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl std::fmt::Debug for ConsoleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleConfig")
            .field("authority_keys", &self.authority_keys.len())
            .field("secure_cookies", &self.secure_cookies)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

/// Shared state of the console's handlers.
pub(crate) struct Console<B> {
    pub backend: Arc<B>,
    pub config: ConsoleConfig,
    pub sessions: session::SessionStore,
    pub throttle: session::LoginThrottle,
}

impl<B> Console<B> {
    pub(crate) fn new(backend: Arc<B>, config: ConsoleConfig) -> Self {
        Self {
            backend,
            config,
            sessions: session::SessionStore::default(),
            throttle: session::LoginThrottle::default(),
        }
    }
}
