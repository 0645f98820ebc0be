//! The health authority's side of the protocol, as a small HTTP client: mark a case,
//! run the tracing query, publish exposure windows. Used by `vaora authority …` and the
//! end-to-end tests. The key stays with the caller: requests are signed through a closure,
//! so this module never sees the authority's secret. It speaks HTTP through an
//! [`HttpTransport`] like the phone's client (reqwest by default, feature `reqwest-transport`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::sync::client::SyncError;
use crate::sync::transport::{HttpRequest, HttpTransport, Method};
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    self, AUTHORITY_SCHEME, CaseRequest, CaseResponse, ErrorBody, InspectorCode, InspectorRequest,
    InspectorResponse, PublishResponse, RequestAuth, TraceResponse, VenueRequest, VenueResponse,
};

/// Signs request bytes with the authority key.
pub type Signer = Box<dyn Fn(&[u8]) -> [u8; 64] + Send + Sync>;

/// A client acting as the authority.
pub struct AuthorityClient {
    transport: Arc<dyn HttpTransport>,
    base: String,
    key_id: String,
    signer: Signer,
}

impl std::fmt::Debug for AuthorityClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityClient")
            .field("base", &self.base)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl AuthorityClient {
    /// A client over reqwest (needs a tokio runtime).
    #[cfg(feature = "reqwest-transport")]
    pub fn new(server: &str, key_id: String, signer: Signer) -> Result<Self, SyncError> {
        let transport =
            crate::sync::reqwest_transport::ReqwestTransport::new().map_err(SyncError::from)?;
        Ok(Self::with_transport(
            Arc::new(transport),
            server,
            key_id,
            signer,
        ))
    }

    /// A client over any HTTP stack.
    pub fn with_transport(
        transport: Arc<dyn HttpTransport>,
        server: &str,
        key_id: String,
        signer: Signer,
    ) -> Self {
        Self {
            transport,
            base: server.trim_end_matches('/').to_owned(),
            key_id,
            signer,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        let ts = Utc::now().timestamp_millis();
        let sig = (self.signer)(&wire::request_signing_input(
            method.as_str(),
            path,
            ts,
            &body,
        ));
        let mut headers = vec![(
            "Authorization".to_owned(),
            RequestAuth::header_value(AUTHORITY_SCHEME, &self.key_id, ts, &sig),
        )];
        if !body.is_empty() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        let resp = self
            .transport
            .send(HttpRequest {
                method,
                url: format!("{}{}", self.base, path),
                headers,
                body,
                timeout: Duration::from_secs(60),
            })
            .await
            .map_err(SyncError::from)?;
        if (200..300).contains(&resp.status) {
            return Ok(resp.body);
        }
        let bytes = resp.body;
        let err = ErrorBody::from_answer(&bytes);
        Err(SyncError::Server {
            status: resp.status,
            code: err.error,
            message: err.message,
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, SyncError> {
        serde_json::from_slice(bytes).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    /// Marks a case: a device (optionally one person on it) and a period.
    pub async fn create_case(
        &self,
        device_id: Id128,
        person_id: Option<Id128>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<CaseResponse, SyncError> {
        self.mark_case(CaseRequest {
            device_id: Some(device_id),
            person_id,
            card: None,
            from,
            until,
        })
        .await
    }

    /// Marks a card holder's case: the CCCD or BHYT number (as typed or scanned) and a
    /// period. The server finds the visits staff recorded from that card on any device.
    pub async fn create_card_case(
        &self,
        card: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<CaseResponse, SyncError> {
        self.mark_case(CaseRequest {
            device_id: None,
            person_id: None,
            card: Some(card.to_owned()),
            from,
            until,
        })
        .await
    }

    /// Marks a case from a whole request (a device or a card; the server refuses a
    /// request that names both or neither with `400 bad_subject`).
    pub async fn mark_case(&self, req: CaseRequest) -> Result<CaseResponse, SyncError> {
        let body = serde_json::to_vec(&req).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Self::parse(&self.call(Method::Post, "/v1/authority/cases", body).await?)
    }

    /// Everyone whose stay overlapped the case's at the same venues.
    pub async fn trace(&self, case_id: Id128) -> Result<TraceResponse, SyncError> {
        let path = format!("/v1/authority/cases/{case_id}/contacts");
        Self::parse(&self.call(Method::Get, &path, Vec::new()).await?)
    }

    /// Publishes the case's stays as exposure windows (again: publishes nothing new).
    pub async fn publish(&self, case_id: Id128) -> Result<PublishResponse, SyncError> {
        let path = format!("/v1/authority/cases/{case_id}/publish");
        Self::parse(&self.call(Method::Post, &path, Vec::new()).await?)
    }

    /// Certifies a registered device as a field inspector (`revoke`: withdraws it).
    pub async fn certify_inspector(
        &self,
        device_id: Id128,
        revoke: bool,
    ) -> Result<InspectorResponse, SyncError> {
        let body = serde_json::to_vec(&InspectorRequest { device_id, revoke })
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Self::parse(
            &self
                .call(Method::Post, "/v1/authority/inspectors", body)
                .await?,
        )
    }

    /// A single-use, short-lived code that certifies the phone redeeming it as an inspector.
    pub async fn inspector_code(&self) -> Result<InspectorCode, SyncError> {
        Self::parse(
            &self
                .call(
                    Method::Post,
                    "/v1/authority/inspector-codes",
                    b"{}".to_vec(),
                )
                .await?,
        )
    }

    /// Registers a venue; the answer carries the signed venue code and its poster.
    pub async fn register_venue(&self, venue: &VenueRequest) -> Result<VenueResponse, SyncError> {
        let body = serde_json::to_vec(venue).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Self::parse(
            &self
                .call(Method::Post, "/v1/authority/venues", body)
                .await?,
        )
    }
}
