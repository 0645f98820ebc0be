//! The authority's case endpoints ([`crate::cases`]): mark a case, trace its contacts,
//! publish its exposure windows.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use vaora_protocol::cards::CardNumber;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{
    self, CaseRequest, CaseResponse, Contact, PublishResponse, TraceResponse, from_millis,
};

use super::auth::{AuthorityCall, AuthorityRequest};
use super::body::{ApiResult, json, parse_json};
use super::context::ApiState;
use super::error::ApiError;
use crate::storage::{RecordedBy, Storage, VenueStatus};
use crate::{cases, exposures};

fn case_id(text: &str) -> Result<Id128, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request("malformed_id", "case id must be 32 hex digits"))
}

/// `POST /v1/authority/cases`.
pub(crate) async fn create<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    AuthorityRequest { body, id }: AuthorityRequest<4096>,
) -> ApiResult {
    let req: CaseRequest = parse_json(&body)?;
    let store = &state.server.store;
    let subject = match (req.device_id, req.card) {
        (Some(device_id), None) => cases::Subject::Device {
            device_id,
            person_id: req.person_id,
        },
        (None, Some(card)) if req.person_id.is_none() => cases::Subject::Card(
            CardNumber::parse(&card)
                .map_err(|e| ApiError::bad_request("bad_card", e.to_string()))?,
        ),
        _ => {
            return Err(ApiError::bad_request(
                "bad_subject",
                "a case names either a device (and maybe a person on it) or a card number",
            ));
        }
    };
    // The case's id is the request's: a replay of this request names the same case.
    let case = cases::open(
        store,
        &state.server.authority,
        id,
        subject,
        req.from.timestamp_millis(),
        req.until.timestamp_millis(),
    )
    .await?;
    let stays = cases::stays(store, &case).await?;
    json(
        StatusCode::CREATED,
        &CaseResponse {
            case_id: case.id,
            checkins: stays.len() as u64,
        },
    )
}

/// `GET /v1/authority/cases/{id}/contacts`.
pub(crate) async fn trace<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    _: AuthorityCall,
    Path(id): Path<String>,
) -> ApiResult {
    let store = &state.server.store;
    let case = cases::find(store, case_id(&id)?).await?;
    let contacts = cases::contacts(store, &case).await?;
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
                    identified_by: identified_by(c.recorded_by),
                    birth_year: c.birth_year,
                    venue_id: c.venue_id,
                    venue_name: c.venue_name,
                    venue_status: match c.venue_status {
                        VenueStatus::Registered => wire::VenueStatus::Registered,
                        VenueStatus::Revoked => wire::VenueStatus::Revoked,
                        VenueStatus::Unknown => wire::VenueStatus::Unknown,
                    },
                    overlap_from: from_millis(c.overlap_from_ms),
                    overlap_until: from_millis(c.overlap_until_ms),
                    enrolled_staff: c.enrolled_staff,
                })
                .collect(),
        },
    )
}

/// `POST /v1/authority/cases/{id}/publish`.
pub(crate) async fn publish<S: Storage>(
    State(state): State<Arc<ApiState<S>>>,
    Path(id): Path<String>,
    _: AuthorityRequest<4096>,
) -> ApiResult {
    let server = &state.server;
    let case = cases::find(&server.store, case_id(&id)?).await?;
    let fresh = cases::publish(&server.store, &server.authority, &case).await?;
    json(
        StatusCode::OK,
        &PublishResponse {
            case_id: case.id,
            published: fresh.len() as u64,
            windows: fresh.iter().map(exposures::window).collect(),
        },
    )
}

/// How a contact's stay was recorded, as the API says it.
pub(crate) fn identified_by(r: RecordedBy) -> wire::IdentifiedBy {
    match r {
        RecordedBy::OwnPhone => wire::IdentifiedBy::Phone,
        RecordedBy::StaffFromPersonalCode => wire::IdentifiedBy::StaffPersonalCode,
        RecordedBy::StaffFromCccd => wire::IdentifiedBy::StaffCccd,
        RecordedBy::StaffFromBhyt => wire::IdentifiedBy::StaffBhyt,
    }
}
