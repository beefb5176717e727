//! TiDB Cloud Starter/Essential (`/v1beta1`): clusters, private link connections and
//! changefeeds, Digest auth.

mod changefeeds;
mod clusters;
mod connections;
pub(crate) mod digest;

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::fields::FieldError;
use crate::http::{App, BodyError, Ids, json, query_one};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/v1beta1/clusters", get(clusters::list))
        .route("/v1beta1/clusters/{cluster}", get(clusters::get))
        .route("/v1beta1/clusters/{cluster}/{collection}", get(collection_get).post(collection_post))
        .route(
            "/v1beta1/clusters/{cluster}/privateLinkConnections/{plc}",
            get(connections::get).delete(connections::delete).post(connections::custom_method),
        )
        .route(
            "/v1beta1/clusters/{cluster}/changefeeds/{changefeed}",
            get(changefeeds::get).delete(changefeeds::delete).patch(changefeeds::edit).post(changefeeds::custom_method),
        )
}

/// `GET …/clusters/{id}/{collection}`: a collection, or a collection's custom method (axum
/// cannot route `collection:verb`).
async fn collection_get(
    AxState(app): AxState<App>,
    Ids((cluster, collection)): Ids<(String, String)>,
    uri: Uri,
) -> TiResult {
    match collection.as_str() {
        "privateLinkConnections" => connections::list(&app, &cluster, &uri),
        "privateLinkConnections:getAvailabilityZones" => connections::availability_zones(&app, &cluster),
        "changefeeds" => changefeeds::list(&app, &cluster, &uri),
        _ => Err(TiError::not_found(format!("no such resource: {}", uri.path()))),
    }
}

/// `POST …/clusters/{id}/{collection}`: a create, or a collection's custom method.
async fn collection_post(
    AxState(app): AxState<App>,
    Ids((cluster, collection)): Ids<(String, String)>,
    who: Option<Extension<Caller>>,
    uri: Uri,
    body: Body,
) -> TiResult {
    match collection.as_str() {
        "privateLinkConnections" => connections::create(&app, cluster, who, body).await,
        "changefeeds" => changefeeds::create(&app, &cluster, body).await,
        "changefeeds:test" => changefeeds::test(&app, &cluster, body).await,
        "changefeeds:describeSchemaTable" => changefeeds::describe_schema_table(&app, &cluster, body).await,
        _ => Err(TiError::not_found(format!("no such resource: {}", uri.path()))),
    }
}

/// TiDB Cloud's error body: `{code, message, details}` (google.rpc.Status shape).
#[derive(Debug)]
pub(crate) struct TiError {
    status: StatusCode,
    message: String,
}

impl TiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> TiError {
        TiError { status, message: message.into() }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> TiError {
        TiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> TiError {
        TiError::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn too_many(limit: u32) -> TiError {
        TiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("The request exceeded the limit of {limit} times per apikey per minute."),
        )
    }

    /// A TiDB-style numeric code: the HTTP status followed by a gRPC-like reason (our choice,
    /// except 429's `49900007`, which the vendor documents).
    fn code(&self) -> i64 {
        match self.status.as_u16() {
            400 => 40_000_003,
            401 => 40_100_016,
            403 => 40_300_007,
            404 => 40_400_005,
            409 => 40_900_006,
            429 => 49_900_007,
            other => i64::from(other) * 100_000 + 13,
        }
    }
}

impl From<FieldError> for TiError {
    fn from(e: FieldError) -> TiError {
        TiError::bad_request(e.message)
    }
}

impl From<BodyError> for TiError {
    fn from(e: BodyError) -> TiError {
        TiError::bad_request(e.message())
    }
}

impl IntoResponse for TiError {
    fn into_response(self) -> Response {
        json(self.status, &json!({ "code": self.code(), "message": self.message, "details": [] }))
    }
}

pub(crate) type TiResult = Result<Response, TiError>;

/// `pageSize` / `pageToken` → (offset, size), TiDB style (0 or absent: default; capped at `max`).
pub(crate) fn page_window(pairs: &[(String, String)], default: usize, max: usize) -> Result<(usize, usize), TiError> {
    let size = match query_one(pairs, "pageSize") {
        None | Some("") => default,
        Some(v) => match v.parse::<i64>() {
            Ok(0) => default,
            Ok(n) if n > 0 => usize::try_from(n).unwrap_or(max).min(max),
            _ => return Err(TiError::bad_request("pageSize must be a non-negative integer")),
        },
    };
    let offset = match query_one(pairs, "pageToken") {
        None | Some("") => 0,
        Some(t) => URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|s| s.strip_prefix("sim:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| TiError::bad_request("pageToken is not valid"))?,
    };
    Ok((offset, size))
}

/// The `nextPageToken` after a page (`""` on the last page).
pub(crate) fn next_token(offset: usize, size: usize, total: usize) -> String {
    if offset + size < total { URL_SAFE_NO_PAD.encode(format!("sim:{}", offset + size)) } else { String::new() }
}

/// Who made a request, as recorded in `createdBy`.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) String);
