//! The HTTP API (`docs/sync-protocol.md`): routing, authentication, limits, validation.
//!
//! Every handler reads the raw body itself (bounded), because request signatures cover
//! the exact bytes, and answers errors as JSON `{error, message}`. Validation happens
//! before any write and each write is one storage transaction, so a refused request
//! leaves nothing behind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use vaora_protocol::declare::DeviceCertificate;
use vaora_protocol::exposure::DEFAULT_STAY_MS;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInBody, CheckInUpdateBody, RecordKind, SignedRecord};
use vaora_protocol::wire::{
    self, AUTHORITY_SCHEME, CBOR_CONTENT_TYPE, CaseRequest, CaseResponse, Contact, DEVICE_SCHEME,
    ErrorBody, ExposurePage, ExposureWindow, KeySet, MAX_CLOCK_SKEW_MS, PublishResponse,
    RecordStatus, RegisterRequest, RegisterResponse, RequestAuth, TraceResponse, from_millis,
};

use crate::authority::AuthorityKey;
use crate::console::ConsoleStore;
use crate::storage::{
    CaseRow, CheckInRow, Derived, DeviceRow, InsertOutcome, NewRecord, Storage, StorageError,
    UpdateRow, WindowRow,
};

/// How long a device certificate issued at registration is valid.
pub const CERTIFICATE_VALIDITY_DAYS: i64 = 365;

/// Abuse limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Most records in one upload.
    pub max_batch: usize,
    /// Largest record body in bytes.
    pub max_record_bytes: usize,
    /// Requests a device may burst.
    pub rate_burst: f64,
    /// Requests per second a device may sustain.
    pub rate_per_second: f64,
    /// How far in the future a check-in may start (clock drift of phones).
    pub max_future_ms: i64,
    /// How old a check-in may be (retention window plus upload delay).
    pub max_age_ms: i64,
    /// Longest stay accepted.
    pub max_stay_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_batch: 1000,
            max_record_bytes: 4096,
            rate_burst: 60.0,
            rate_per_second: 20.0,
            max_future_ms: 10 * 60 * 1000,
            max_age_ms: 60 * 24 * 60 * 60 * 1000,
            max_stay_ms: 24 * 60 * 60 * 1000,
        }
    }
}

/// Shared state of the API.
pub struct AppState<S> {
    pub store: S,
    pub authority: AuthorityKey,
    pub limits: Limits,
    buckets: Mutex<HashMap<Id128, (f64, Instant)>>,
}

impl<S> AppState<S> {
    pub fn new(store: S, authority: AuthorityKey, limits: Limits) -> Self {
        Self {
            store,
            authority,
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Token bucket per device; `Err(seconds)` to wait when empty.
    fn take_token(&self, device: Id128) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = buckets
            .entry(device)
            .or_insert((self.limits.rate_burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.limits.rate_per_second)
            .min(self.limits.rate_burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / self.limits.rate_per_second).ceil();
            Err((wait as u64).max(1))
        }
    }
}

/// An error answer: status, stable code, message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        log::error!("storage: {e}");
        let mut err = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "storage is unavailable; retry later",
        );
        err.retry_after = Some(1);
        err
    }
}

impl ApiError {
    /// The HTTP status this error answers with (the console maps it to its own errors).
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

type ApiResult = Result<Response, ApiError>;

/// The router for a store.
pub fn router<S: ConsoleStore>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/v1/devices", post(register::<S>))
        .route("/v1/records", post(upload::<S>))
        .route("/v1/keys", get(keys::<S>))
        .route("/v1/exposures", get(exposures::<S>))
        .route("/v1/authority/cases", post(create_case::<S>))
        .route("/v1/authority/cases/{id}/contacts", get(trace::<S>))
        .route("/v1/authority/cases/{id}/publish", post(publish::<S>))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .with_state(state)
}

pub(crate) async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )
    })
}

pub(crate) fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> ApiResult {
    Ok((status, axum::Json(value)).into_response())
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            format!("malformed JSON body: {e}"),
        )
    })
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |p| p.as_str())
}

fn parse_auth(headers: &HeaderMap) -> Result<RequestAuth, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing Authorization header",
            )
        })?;
    RequestAuth::parse(value)
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()))
}

fn check_fresh(auth: &RequestAuth) -> Result<(), ApiError> {
    if (Utc::now().timestamp_millis() - auth.ts_ms).abs() > MAX_CLOCK_SKEW_MS {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "stale_request",
            "request timestamp too far from server time",
        ));
    }
    Ok(())
}

/// A registered device's signed request, or an error answer.
async fn device_auth<S: Storage>(
    state: &AppState<S>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<DeviceRow, ApiError> {
    let auth = parse_auth(headers)?;
    if auth.scheme == AUTHORITY_SCHEME {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_credential",
            "this endpoint needs a device credential",
        ));
    }
    if auth.scheme != DEVICE_SCHEME {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown authorization scheme",
        ));
    }
    let id: Id128 = auth
        .principal
        .parse()
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "unknown_device", "no such device"))?;
    let device = state.store.device(id).await?.ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "unknown_device", "no such device")
    })?;
    check_fresh(&auth)?;
    auth.verify(
        &device.public_key,
        method.as_str(),
        path_and_query(uri),
        body,
    )
    .map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "request signature does not verify",
        )
    })?;
    if let Err(wait) = state.take_token(device.id) {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from this device",
        );
        err.retry_after = Some(wait);
        return Err(err);
    }
    Ok(device)
}

/// The authority's signed request, or an error answer.
pub(crate) fn authority_auth<S>(
    state: &AppState<S>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let auth = parse_auth(headers)?;
    if auth.scheme == DEVICE_SCHEME {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_credential",
            "this endpoint needs an authority credential",
        ));
    }
    if auth.scheme != AUTHORITY_SCHEME || auth.principal != state.authority.key_id() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown authority key",
        ));
    }
    check_fresh(&auth)?;
    auth.verify(
        &state.authority.public_key(),
        method.as_str(),
        path_and_query(uri),
        body,
    )
    .map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "request signature does not verify",
        )
    })
}

async fn register<S: Storage>(State(state): State<Arc<AppState<S>>>, body: Body) -> ApiResult {
    let bytes = read_body(body, 4096).await?;
    let req: RegisterRequest = parse_json(&bytes)?;
    let key = req
        .verify()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_proof", e.to_string()))?;
    if VerifyingKey::from_bytes(&key)
        .map(|k| k.is_weak())
        .unwrap_or(true)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_key",
            "weak or invalid device key",
        ));
    }
    let fresh_id = Id128::random()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string()))?;
    let now = Utc::now();
    let device = state
        .store
        .register_device(fresh_id, key, now.timestamp_millis())
        .await?;
    // Valid from a clock skew ago (a phone slightly behind still accepts it) for a year,
    // but never beyond the authority key's own validity.
    let authority = state.authority.authority();
    let key_end = DateTime::from_timestamp(authority.valid_until(), 0).unwrap_or(now);
    let certificate = DeviceCertificate::issue_by(
        authority,
        key,
        now - Duration::milliseconds(MAX_CLOCK_SKEW_MS),
        (now + Duration::days(CERTIFICATE_VALIDITY_DAYS)).min(key_end),
    );
    let status = if device.id == fresh_id {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(
        status,
        &RegisterResponse {
            device_id: device.id,
            certificate: hex::encode(certificate.to_bytes()),
            authority_key: state.authority.published(),
        },
    )
}

/// The per-record checks short of the signature: kind, size, shape, sane times.
fn precheck(
    limits: &Limits,
    now_ms: i64,
    device: &DeviceRow,
    record: &SignedRecord,
) -> Result<(Id128, Derived), String> {
    if record.body.len() > limits.max_record_bytes {
        return Err(format!(
            "record body larger than {} bytes",
            limits.max_record_bytes
        ));
    }
    let id = record.id().map_err(|e| e.to_string())?;
    let sane = |from: i64, until: i64| -> Result<(), String> {
        if from > now_ms + limits.max_future_ms {
            return Err("check-in time is in the future".into());
        }
        if from < now_ms - limits.max_age_ms {
            return Err("check-in time is older than the retention window".into());
        }
        if until < from || until - from > limits.max_stay_ms {
            return Err("check-out is before check-in or the stay is too long".into());
        }
        Ok(())
    };
    let derived = match record.kind {
        RecordKind::CheckIn => {
            let c = CheckInBody::decode(&record.body).map_err(|e| e.to_string())?;
            let from = c.checked_in_at.timestamp_millis();
            let until = c
                .checked_out_at
                .map_or(from + DEFAULT_STAY_MS, |t| t.timestamp_millis());
            sane(from, until)?;
            Derived::CheckIn(CheckInRow {
                id,
                device_id: device.id,
                person_id: c.person_id,
                person_name: c.person_name,
                venue_id: c.venue.id,
                venue_name: c.venue.name,
                from_ms: from,
                until_ms: until,
            })
        }
        RecordKind::CheckInUpdate => {
            let u = CheckInUpdateBody::decode(&record.body).map_err(|e| e.to_string())?;
            let from = u.checked_in_at.timestamp_millis();
            let until = u
                .checked_out_at
                .map_or(from + DEFAULT_STAY_MS, |t| t.timestamp_millis());
            sane(from, until)?;
            Derived::Update(UpdateRow {
                id,
                checkin_id: u.checkin_id,
                sequence: i64::from(u.sequence),
                from_ms: from,
                until_ms: until,
            })
        }
        // Declarations and staff check-ins are stored as signed evidence only.
        RecordKind::Declaration | RecordKind::StaffCheckIn => Derived::Nothing,
    };
    Ok((id, derived))
}

/// Verifies many signatures at once; on a failed batch, one by one (strictly) to find the
/// culprits. An upload's records all carry the uploading device's key, so the usual case
/// is the same-key batch check ([`crate::batch_verify`]); mixed keys use dalek's batch.
fn verify_signatures(records: &[&SignedRecord]) -> Vec<bool> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let messages: Vec<Vec<u8>> = records
        .iter()
        .map(|r| SignedRecord::signing_input(r.kind, &r.body))
        .collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let sigs: Vec<Signature> = records
        .iter()
        .map(|r| Signature::from_bytes(&r.signature))
        .collect();
    let batch_ok = if records.iter().all(|r| r.device_key == first.device_key) {
        VerifyingKey::from_bytes(&first.device_key)
            .is_ok_and(|key| crate::batch_verify::verify_same_key(&key, &refs, &sigs))
    } else {
        let keys: Option<Vec<VerifyingKey>> = records
            .iter()
            .map(|r| VerifyingKey::from_bytes(&r.device_key).ok())
            .collect();
        keys.is_some_and(|keys| crate::batch_verify::verify_mixed_keys(&keys, &refs, &sigs))
    };
    if batch_ok {
        return vec![true; records.len()];
    }
    records.iter().map(|r| r.verify().is_ok()).collect()
}

/// Statuses known before storing, rows to store (with their request index), and repeats
/// of an id inside the batch (request index, index of the first in the rows).
type CheckedBatch = (
    Vec<Option<RecordStatus>>,
    Vec<(usize, NewRecord)>,
    Vec<(usize, usize)>,
);

/// Turns an upload into statuses and rows to store (CPU work: runs on a blocking thread).
fn check_batch(limits: &Limits, device: &DeviceRow, items: Vec<wire::UploadItem>) -> CheckedBatch {
    let now_ms = Utc::now().timestamp_millis();
    let mut statuses: Vec<Option<RecordStatus>> = vec![None; items.len()];
    let mut candidates: Vec<(usize, SignedRecord, Id128, Derived)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let record = match wire::item_to_record(item, &device.public_key) {
            Ok(r) => r,
            Err(reason) => {
                statuses[i] = Some(RecordStatus::Rejected(reason));
                continue;
            }
        };
        match precheck(limits, now_ms, device, &record) {
            Ok((id, derived)) => candidates.push((i, record, id, derived)),
            Err(reason) => statuses[i] = Some(RecordStatus::Rejected(reason)),
        }
    }
    let refs: Vec<&SignedRecord> = candidates.iter().map(|c| &c.1).collect();
    let valid = verify_signatures(&refs);
    let mut to_store: Vec<(usize, NewRecord)> = Vec::new();
    let mut first_by_id: HashMap<Id128, usize> = HashMap::new();
    // (later index, index in to_store of the first with the same id)
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for ((i, record, id, derived), ok) in candidates.into_iter().zip(valid) {
        if !ok {
            statuses[i] = Some(RecordStatus::Rejected(
                "the record signature does not match its content".into(),
            ));
            continue;
        }
        if let Some(&first) = first_by_id.get(&id) {
            let same = to_store
                .get(first)
                .is_some_and(|(_, r)| r.kind == record.kind.code() && r.body == record.body);
            if same {
                repeats.push((i, first));
            } else {
                statuses[i] = Some(RecordStatus::Rejected(
                    "record id reused with different content".into(),
                ));
            }
            continue;
        }
        first_by_id.insert(id, to_store.len());
        to_store.push((
            i,
            NewRecord {
                id,
                device_id: device.id,
                kind: record.kind.code(),
                body: record.body,
                signature: record.signature,
                received_ms: now_ms,
                derived,
            },
        ));
    }
    (statuses, to_store, repeats)
}

async fn upload<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let bytes = read_body(body, state.limits.max_body_bytes).await?;
    let device = device_auth(&state, &method, &uri, &headers, &bytes).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != CBOR_CONTENT_TYPE {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "uploads are application/cbor",
        ));
    }
    let items = wire::decode_upload(&bytes, usize::MAX)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", e.to_string()))?;
    if items.len() > state.limits.max_batch {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "at most {} records per upload, got {}",
                state.limits.max_batch,
                items.len()
            ),
        ));
    }
    let limits = state.limits.clone();
    let dev = device.clone();
    let (mut statuses, to_store, repeats) =
        tokio::task::spawn_blocking(move || check_batch(&limits, &dev, items))
            .await
            .map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?;
    let indexes: Vec<usize> = to_store.iter().map(|(i, _)| *i).collect();
    let outcomes = if to_store.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .insert_records(to_store.into_iter().map(|(_, r)| r).collect())
            .await?
    };
    for (i, outcome) in indexes.iter().zip(&outcomes) {
        statuses[*i] = Some(match outcome {
            InsertOutcome::Inserted => RecordStatus::Accepted,
            InsertOutcome::Duplicate => RecordStatus::Duplicate,
            InsertOutcome::Conflict => {
                RecordStatus::Rejected("record id reused with different content".into())
            }
        });
    }
    for (i, first) in repeats {
        statuses[i] = Some(match outcomes.get(first) {
            Some(InsertOutcome::Conflict) => {
                RecordStatus::Rejected("record id reused with different content".into())
            }
            _ => RecordStatus::Duplicate,
        });
    }
    let statuses: Vec<RecordStatus> = statuses
        .into_iter()
        .map(|s| s.unwrap_or_else(|| RecordStatus::Rejected("not processed".into())))
        .collect();
    let accepted = statuses
        .iter()
        .filter(|s| **s == RecordStatus::Accepted)
        .count();
    log::info!("upload: {} records, {accepted} accepted", statuses.len());
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, CBOR_CONTENT_TYPE)],
        wire::encode_upload_answer(&statuses),
    )
        .into_response())
}

/// The signed key set; `revoked_venues` are the venues revoked in the console.
fn keyset<S>(state: &AppState<S>, revoked_venues: Vec<Id128>) -> KeySet {
    let mut ks = KeySet {
        keys: vec![state.authority.published()],
        revoked_keys: Vec::new(),
        revoked_venues,
        issued_at: from_millis(Utc::now().timestamp_millis()),
        signed_by: state.authority.key_id(),
        signature: String::new(),
    };
    ks.signature = hex::encode(state.authority.sign(&ks.signing_input()));
    ks
}

async fn keys<S: ConsoleStore>(
    State(state): State<Arc<AppState<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult {
    device_auth(&state, &method, &uri, &headers, b"").await?;
    let revoked = state.store.revoked_venue_ids().await?;
    json(StatusCode::OK, &keyset(&state, revoked))
}

#[derive(Debug, serde::Deserialize)]
struct SinceQuery {
    #[serde(default)]
    since: i64,
    #[serde(default)]
    limit: Option<i64>,
}

fn to_wire(w: &WindowRow) -> ExposureWindow {
    ExposureWindow {
        id: w.id,
        venue_id: w.venue_id,
        from: from_millis(w.from_ms),
        until: from_millis(w.until_ms),
        level: w.level,
        key_id: w.key_id.clone(),
        signature: hex::encode(w.signature),
    }
}

async fn exposures<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    device_auth(&state, &method, &uri, &headers, b"").await?;
    let Query(q) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_query", e.to_string()))?;
    let limit = q.limit.unwrap_or(1000).clamp(1, 5000);
    let rows = state.store.windows_since(q.since.max(0), limit).await?;
    let next_cursor = rows.last().map_or(q.since.max(0), |w| w.seq);
    json(
        StatusCode::OK,
        &ExposurePage {
            more: rows.len() as i64 == limit,
            windows: rows.iter().map(to_wire).collect(),
            next_cursor,
        },
    )
}

fn case_id(text: &str) -> Result<Id128, ApiError> {
    text.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_id",
            "case id must be 32 hex digits",
        )
    })
}

async fn create_case<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let bytes = read_body(body, 4096).await?;
    authority_auth(&state, &method, &uri, &headers, &bytes)?;
    let req: CaseRequest = parse_json(&bytes)?;
    let case = open_case(
        &state,
        req.device_id,
        req.person_id,
        req.from.timestamp_millis(),
        req.until.timestamp_millis(),
    )
    .await?;
    let stays = state.store.case_stays(&case).await?;
    json(
        StatusCode::CREATED,
        &CaseResponse {
            case_id: case.id,
            checkins: stays.len() as u64,
        },
    )
}

/// Marks a case: the one code path behind `POST /v1/authority/cases` and the console.
pub(crate) async fn open_case<S: Storage>(
    state: &AppState<S>,
    device_id: Id128,
    person_id: Option<Id128>,
    from_ms: i64,
    until_ms: i64,
) -> Result<CaseRow, ApiError> {
    if until_ms <= from_ms {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_period",
            "the case period must end after it starts",
        ));
    }
    if state.store.device(device_id).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_device",
            "no such device",
        ));
    }
    let case = CaseRow {
        id: Id128::random().map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string())
        })?,
        device_id,
        person_id,
        from_ms,
        until_ms,
        created_ms: Utc::now().timestamp_millis(),
    };
    state.store.create_case(case.clone()).await?;
    Ok(case)
}

pub(crate) async fn load_case<S: Storage>(
    state: &AppState<S>,
    id: &str,
) -> Result<CaseRow, ApiError> {
    state
        .store
        .case(case_id(id)?)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "unknown_case", "no such case"))
}

async fn trace<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult {
    authority_auth(&state, &method, &uri, &headers, b"")?;
    let case = load_case(&state, &id).await?;
    let contacts = state.store.trace(&case).await?;
    json(
        StatusCode::OK,
        &TraceResponse {
            case_id: case.id,
            contacts: contacts
                .into_iter()
                .map(|c| Contact {
                    device_id: c.device_id,
                    person_id: c.person_id,
                    person_name: c.person_name,
                    venue_id: c.venue_id,
                    venue_name: c.venue_name,
                    overlap_from: from_millis(c.overlap_from_ms),
                    overlap_until: from_millis(c.overlap_until_ms),
                })
                .collect(),
        },
    )
}

/// Default exposure level of a window built from a confirmed case's stay.
const CASE_LEVEL: u8 = 2;

/// Signs and stores the exposure windows of a case's stays (idempotent: one window per
/// stay); returns the windows new now. The one code path behind the API and the console.
pub(crate) async fn publish_case<S: Storage>(
    state: &AppState<S>,
    case: &CaseRow,
) -> Result<Vec<WindowRow>, ApiError> {
    let stays = state.store.case_stays(case).await?;
    let key_id = state.authority.key_id();
    let now = Utc::now().timestamp_millis();
    let mut windows = Vec::new();
    for s in stays {
        let Some(venue_id) = s.venue_id else { continue };
        let wid = Id128::random().map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string())
        })?;
        let (from, until) = (from_millis(s.from_ms), from_millis(s.until_ms));
        let sig = state.authority.sign(&ExposureWindow::signing_input(
            &wid, &venue_id, &from, &until, CASE_LEVEL, &key_id,
        ));
        windows.push(WindowRow {
            seq: 0,
            id: wid,
            case_id: case.id,
            checkin_id: s.id,
            venue_id,
            from_ms: s.from_ms,
            until_ms: s.until_ms,
            level: CASE_LEVEL,
            key_id: key_id.clone(),
            signature: sig,
            published_ms: now,
        });
    }
    Ok(state.store.insert_windows(windows).await?)
}

async fn publish<S: Storage>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let bytes = read_body(body, 4096).await?;
    authority_auth(&state, &method, &uri, &headers, &bytes)?;
    let case = load_case(&state, &id).await?;
    let fresh = publish_case(&state, &case).await?;
    json(
        StatusCode::OK,
        &PublishResponse {
            case_id: case.id,
            published: fresh.len() as u64,
            windows: fresh.iter().map(to_wire).collect(),
        },
    )
}
