//! An attacker's tools for the adversarial suite (`tests/tests/trust_*.rs`): a device that
//! registers like any phone (registration is open) and then sends what no honest phone
//! would — records with other devices' ids, updates of other devices' check-ins, garbage
//! bodies, oversize batches — plus raw authority requests that can be captured and replayed.
//!
//! Everything goes over HTTP exactly as an independent client would send it; nothing here
//! reaches into the server's memory.

use chrono::{DateTime, Utc};
use reqwest::Method;
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, RecordKind, SignedRecord, UpdateReason, VenueRef,
};
use vaora_protocol::wire::{
    self, AUTHORITY_SCHEME, CBOR_CONTENT_TYPE, DEVICE_SCHEME, RecordStatus, RegisterRequest,
    RegisterResponse, RequestAuth,
};

type Res<T> = Result<T, String>;

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A plain HTTP client (rustls on ring, as the phones' tools use).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A registered device the test drives by hand.
pub struct RawDevice {
    pub identity: DeviceIdentity,
    pub id: Id128,
    pub url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for RawDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawDevice")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The registration request for a key (proof of possession included).
pub fn register_request(identity: &DeviceIdentity) -> RegisterRequest {
    let pk = identity.public_key();
    RegisterRequest {
        public_key: hex::encode(pk),
        proof: hex::encode(identity.sign_bytes(&RegisterRequest::proof_input(&pk))),
        attestation: None,
    }
}

impl RawDevice {
    /// Makes a fresh key and registers it with the server at `url`.
    pub async fn register(url: &str) -> Res<Self> {
        Self::register_key(url, DeviceIdentity::generate().map_err(text)?).await
    }

    /// Registers `identity` with the server at `url`.
    pub async fn register_key(url: &str, identity: DeviceIdentity) -> Res<Self> {
        Self::register_via(url, identity, http()).await
    }

    /// [`RawDevice::register_key`] through a client of the caller's (a load generator's,
    /// bound to an address of its own), which the device keeps for its requests.
    pub async fn register_via(
        url: &str,
        identity: DeviceIdentity,
        http: reqwest::Client,
    ) -> Res<Self> {
        let resp = http
            .post(format!("{url}/v1/devices"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&register_request(&identity)).map_err(text)?)
            .send()
            .await
            .map_err(text)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(text)?;
        if status != 200 && status != 201 {
            return Err(format!(
                "registration answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        let reg: RegisterResponse = serde_json::from_slice(&body).map_err(text)?;
        Ok(Self {
            identity,
            id: reg.device_id,
            url: url.to_owned(),
            http,
        })
    }

    /// Signs `kind` and `body` with this device's key.
    pub fn sign(&self, kind: RecordKind, body: Vec<u8>) -> SignedRecord {
        self.identity.sign_record(kind, body)
    }

    /// One signed request of this device: status and body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Res<(u16, Vec<u8>)> {
        self.request_to(&self.url, method, path, content_type, body)
            .await
    }

    /// [`RawDevice::request`] to another server (`base`) on the same database.
    pub async fn request_to(
        &self,
        base: &str,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Res<(u16, Vec<u8>)> {
        let ts = Utc::now().timestamp_millis();
        let sig = self.identity.sign_bytes(&wire::request_signing_input(
            method.as_str(),
            path,
            ts,
            &body,
        ));
        let resp = self
            .http
            .request(method, format!("{base}{path}"))
            .header(
                reqwest::header::AUTHORIZATION,
                RequestAuth::header_value(DEVICE_SCHEME, &self.id.to_hex(), ts, &sig),
            )
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(text)?;
        let status = resp.status().as_u16();
        Ok((status, resp.bytes().await.map_err(text)?.to_vec()))
    }

    /// Uploads raw bytes as `POST /v1/records`.
    pub async fn upload_bytes(&self, body: Vec<u8>) -> Res<(u16, Vec<u8>)> {
        self.request(Method::POST, "/v1/records", CBOR_CONTENT_TYPE, body)
            .await
    }

    /// Uploads records; the per-record answers (an error unless the server answered 200).
    pub async fn upload(&self, records: &[SignedRecord]) -> Res<Vec<RecordStatus>> {
        let (status, body) = self.upload_bytes(wire::encode_upload(records)).await?;
        if status != 200 {
            return Err(format!(
                "upload answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        wire::decode_upload_answer(&body).map_err(text)
    }

    /// `GET path` signed by this device.
    pub async fn get(&self, path: &str) -> Res<(u16, Vec<u8>)> {
        self.request(Method::GET, path, "application/json", Vec::new())
            .await
    }

    /// `GET path` signed by this device, from the server at `base`.
    pub async fn get_from(&self, base: &str, path: &str) -> Res<(u16, Vec<u8>)> {
        self.request_to(base, Method::GET, path, "application/json", Vec::new())
            .await
    }
}

/// A check-in body of `person` at `venue` from `from` until `until` (open when `None`).
pub fn checkin_body(
    id: Id128,
    person: Id128,
    person_name: &str,
    venue: &VenueRef,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> CheckInBody {
    CheckInBody {
        id,
        person_id: person,
        person_name: person_name.into(),
        venue: venue.clone(),
        method: CheckInMethod::ScannedVenueCode,
        checked_in_at: from,
        checked_out_at: until,
    }
}

/// An update moving check-in `checkin_id` to `from..until` with `sequence`.
pub fn update_body(
    checkin_id: Id128,
    sequence: u32,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Res<CheckInUpdateBody> {
    Ok(CheckInUpdateBody {
        id: Id128::random().map_err(text)?,
        checkin_id,
        sequence,
        reason: UpdateReason::Edit,
        checked_in_at: from,
        checked_out_at: Some(until),
    })
}

/// `len` bytes that start with the record id `id` and are otherwise arbitrary (what a
/// declaration or staff check-in body was allowed to be before bodies were decoded).
pub fn garbage_body(id: Id128, len: usize) -> Vec<u8> {
    let mut body = id.as_bytes().to_vec();
    body.extend((0..len.saturating_sub(16)).map(|i| (i * 31 % 251) as u8));
    body
}

/// A request the authority signed once: sending it again is a replay of the captured bytes.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    pub method: Method,
    pub path: String,
    pub authorization: String,
    pub body: Vec<u8>,
}

impl CapturedRequest {
    /// Signs `method path body` as the authority (`key_id`, `sign`) with timestamp `ts_ms`.
    pub fn authority(
        key_id: &str,
        sign: &dyn Fn(&[u8]) -> [u8; 64],
        method: Method,
        path: &str,
        ts_ms: i64,
        body: Vec<u8>,
    ) -> Self {
        let sig = sign(&wire::request_signing_input(
            method.as_str(),
            path,
            ts_ms,
            &body,
        ));
        Self {
            authorization: RequestAuth::header_value(AUTHORITY_SCHEME, key_id, ts_ms, &sig),
            method,
            path: path.to_owned(),
            body,
        }
    }

    /// Sends the captured bytes to `url` (again): status and body.
    pub async fn send(&self, url: &str) -> Res<(u16, Vec<u8>)> {
        let resp = http()
            .request(self.method.clone(), format!("{url}{}", self.path))
            .header(reqwest::header::AUTHORIZATION, &self.authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.body.clone())
            .send()
            .await
            .map_err(text)?;
        let status = resp.status().as_u16();
        Ok((status, resp.bytes().await.map_err(text)?.to_vec()))
    }
}
