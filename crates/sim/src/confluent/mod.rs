//! Confluent Cloud: `org/v2` environments and organizations, `networking/v1` networks and
//! accesses, `cmk/v2` clusters, and `iam/v2` service accounts, API keys and role bindings.

mod api_keys;
pub(crate) mod auth;
mod clusters;
mod environments;
mod networks;
mod organizations;
mod private_link_accesses;
mod role_bindings;
mod service_accounts;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::fields::{FieldError, Fields};
use crate::http::{App, BodyError, json, query_one};
use crate::state::State;

pub(crate) use role_bindings::ROLES;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/org/v2/environments", get(environments::list))
        .route("/org/v2/environments/{id}", get(environments::get))
        .route("/networking/v1/networks", get(networks::list).post(networks::create))
        .route("/networking/v1/networks/{id}", get(networks::get).delete(networks::delete).patch(networks::update))
        .route(
            "/networking/v1/private-link-accesses",
            get(private_link_accesses::list).post(private_link_accesses::create),
        )
        .route(
            "/networking/v1/private-link-accesses/{id}",
            get(private_link_accesses::get).delete(private_link_accesses::delete).patch(private_link_accesses::update),
        )
        .route("/cmk/v2/clusters", get(clusters::list).post(clusters::create))
        .route("/cmk/v2/clusters/{id}", get(clusters::get).delete(clusters::delete).patch(clusters::update))
        .route("/org/v2/organizations", get(organizations::list))
        .route("/org/v2/organizations/{id}", get(organizations::get))
        .route("/iam/v2/service-accounts", get(service_accounts::list).post(service_accounts::create))
        .route(
            "/iam/v2/service-accounts/{id}",
            get(service_accounts::get).patch(service_accounts::update).delete(service_accounts::delete),
        )
        .route("/iam/v2/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/iam/v2/api-keys/{id}", get(api_keys::get).patch(api_keys::update).delete(api_keys::delete))
        .route("/iam/v2/role-bindings", get(role_bindings::list).post(role_bindings::create))
        .route("/iam/v2/role-bindings/{id}", get(role_bindings::get).delete(role_bindings::delete))
}

/// One error in Confluent's `{"errors":[…]}` body.
#[derive(Debug)]
pub(crate) struct CfError(Box<CfErrorInner>);

#[derive(Debug)]
struct CfErrorInner {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    source: Option<(&'static str, String)>,
    location: Option<String>,
}

impl CfError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> CfError {
        CfError(Box::new(CfErrorInner { status, code, title, detail: detail.into(), source: None, location: None }))
    }

    pub(crate) fn not_found(what: &str, id: &str) -> CfError {
        CfError::new(StatusCode::NOT_FOUND, "resource_not_found", "Not Found", format!("{what} '{id}' was not found"))
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> CfError {
        CfError::new(StatusCode::BAD_REQUEST, "bad_request", "Bad Request", detail)
    }

    /// 422 `invalid_configuration` pointing at a body field.
    pub(crate) fn invalid(pointer: &str, detail: impl Into<String>) -> CfError {
        CfError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_configuration", "Validation Failed", detail)
            .pointer(pointer)
    }

    pub(crate) fn missing_param(name: &'static str) -> CfError {
        CfError::bad_request(format!("query parameter '{name}' is required")).parameter(name)
    }

    pub(crate) fn pointer(mut self, p: &str) -> CfError {
        self.0.source = Some(("pointer", p.to_owned()));
        self
    }

    pub(crate) fn parameter(mut self, p: &str) -> CfError {
        self.0.source = Some(("parameter", p.to_owned()));
        self
    }

    pub(crate) fn location(mut self, url: String) -> CfError {
        self.0.location = Some(url);
        self
    }
}

impl From<FieldError> for CfError {
    fn from(e: FieldError) -> CfError {
        CfError::bad_request(e.message).pointer(&e.pointer)
    }
}

impl From<BodyError> for CfError {
    fn from(e: BodyError) -> CfError {
        CfError::bad_request(e.message())
    }
}

impl IntoResponse for CfError {
    fn into_response(self) -> Response {
        let this = *self.0;
        let mut err = json!({
            "id": crate::ids::RequestIds::new().uuid(),
            "status": this.status.as_u16().to_string(),
            "code": this.code,
            "title": this.title,
            "detail": this.detail,
        });
        if let (Some((kind, value)), Some(obj)) = (this.source, err.as_object_mut()) {
            obj.insert("source".to_owned(), json!({ kind: value }));
        }
        let mut r = json(this.status, &json!({ "errors": [err] }));
        if let Some(loc) = this.location {
            crate::http::insert(&mut r, "location", &loc);
        }
        if this.status == StatusCode::UNAUTHORIZED {
            crate::http::insert(
                &mut r,
                "www-authenticate",
                "Basic error=\"invalid_key\", error_description=\"The API Key is invalid\"",
            );
        }
        r
    }
}

pub(crate) type CfResult = Result<Response, CfError>;

/// The required `environment` query parameter, which must name an existing environment.
pub(crate) fn environment(s: &State, pairs: &[(String, String)]) -> Result<String, CfError> {
    let env = query_one(pairs, "environment").filter(|e| !e.is_empty()).ok_or(CfError::missing_param("environment"))?;
    if !s.environments.iter().any(|e| e.id == env) {
        return Err(CfError::new(
            StatusCode::FORBIDDEN,
            "user_unauthorized",
            "User Access Unauthorized",
            format!("environment '{env}' does not exist or is not accessible"),
        )
        .parameter("environment"));
    }
    Ok(env.to_owned())
}

/// The environment named in a request body must exist (Confluent answers 403 otherwise).
pub(crate) fn body_environment(s: &State, env: &str) -> Result<(), CfError> {
    if s.environments.iter().any(|e| e.id == env) {
        Ok(())
    } else {
        Err(CfError::new(
            StatusCode::FORBIDDEN,
            "user_unauthorized",
            "User Access Unauthorized",
            format!("environment '{env}' does not exist or is not accessible"),
        ))
    }
}

/// A PATCH may repeat an immutable field (`x-immutable` in the spec) but not change it: every
/// such key in the request must match what the resource already has.
pub(crate) fn unchanged(spec: &Fields<'_>, current: &Value, keys: &[&str]) -> Result<(), CfError> {
    for key in keys {
        if let Some(wanted) = spec.raw(key)
            && !within(wanted, &current[*key])
        {
            let pointer = spec.pointer(key);
            return Err(CfError::invalid(
                &pointer,
                format!("{pointer} cannot be changed after creation; delete and recreate the resource"),
            ));
        }
    }
    Ok(())
}

/// `wanted` says nothing `current` contradicts (objects: a subset; arrays: the same set).
fn within(wanted: &Value, current: &Value) -> bool {
    match (wanted, current) {
        (Value::Object(w), Value::Object(c)) => w.iter().all(|(k, v)| c.get(k).is_some_and(|cv| within(v, cv))),
        (Value::Array(w), Value::Array(c)) => w.len() == c.len() && w.iter().all(|v| c.contains(v)),
        (w, c) => w == c,
    }
}

/// `{id, related, resource_name}` for an environment.
pub(crate) fn env_ref(s: &State, env: &str) -> Value {
    json!({
        "id": env,
        "related": format!("{}/org/v2/environments/{env}", s.base_url),
        "resource_name": format!("crn://confluent.cloud/organization={}/environment={env}", s.org),
    })
}

/// `{id, related, resource_name}` for a network.
pub(crate) fn network_ref(s: &State, env: &str, id: &str) -> Value {
    json!({
        "id": id,
        "related": format!("{}/networking/v1/networks/{id}", s.base_url),
        "resource_name": format!("crn://confluent.cloud/organization={}/environment={env}/network={id}", s.org),
    })
}

/// The `metadata` of a resource.
pub(crate) fn metadata(s: &State, path: &str, crn: &str, meta: &crate::state::Meta) -> Value {
    let mut m = json!({
        "self": format!("{}{path}", s.base_url),
        "resource_name": format!("crn://confluent.cloud/organization={}/{crn}", s.org),
        "created_at": s.ts(meta.created),
        "updated_at": s.ts(meta.updated),
    });
    if let (Some(d), Some(obj)) = (meta.deleted, m.as_object_mut()) {
        obj.insert("deleted_at".to_owned(), Value::String(s.ts(d)));
    }
    m
}

/// One page of a list, Confluent style: `page_size`/`page_token` in, `metadata.next` (full URL) out.
pub(crate) fn page(
    s: &State,
    pairs: &[(String, String)],
    path: &str,
    api_version: &str,
    kind: &str,
    max: usize,
    items: Vec<Value>,
) -> CfResult {
    let (offset, size) = match query_one(pairs, "page_token").filter(|t| !t.is_empty()) {
        Some(token) => decode_token(token)
            .filter(|&(_, size)| (1..=max).contains(&size))
            .ok_or_else(|| CfError::bad_request("page_token is not valid").parameter("page_token"))?,
        None => {
            let size = match query_one(pairs, "page_size") {
                None | Some("") => 10,
                Some(v) => v.parse::<usize>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                    CfError::bad_request(format!("page_size must be an integer from 1 to {max}")).parameter("page_size")
                })?,
            };
            (0, size)
        }
    };
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let keep: Vec<(String, String)> =
        pairs.iter().filter(|(k, _)| k != "page_token" && k != "page_size").cloned().collect();
    let url = |extra: &[(String, String)]| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.extend_pairs(keep.iter().chain(extra.iter()));
        let q = ser.finish();
        if q.is_empty() { format!("{}{path}", s.base_url) } else { format!("{}{path}?{q}", s.base_url) }
    };
    let first = url(&[("page_size".to_owned(), size.to_string())]);
    let next = (offset + size < total).then(|| url(&[("page_token".to_owned(), encode_token(offset + size, size))]));
    let mut metadata = json!({ "first": first, "total_size": total });
    if let (Some(next), Some(m)) = (next, metadata.as_object_mut()) {
        m.insert("next".to_owned(), Value::String(next));
    }
    if offset > 0
        && let Some(m) = metadata.as_object_mut()
    {
        let prev = offset.saturating_sub(size);
        m.insert("prev".to_owned(), Value::String(url(&[("page_token".to_owned(), encode_token(prev, size))])));
    }
    Ok(json(StatusCode::OK, &json!({ "api_version": api_version, "kind": kind, "metadata": metadata, "data": data })))
}

fn encode_token(offset: usize, size: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sim:{offset}:{size}"))
}

fn decode_token(token: &str) -> Option<(usize, usize)> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.strip_prefix("sim:")?.split(':');
    let offset = parts.next()?.parse().ok()?;
    let size = parts.next()?.parse().ok()?;
    Some((offset, size))
}

/// Keep items whose field is one of the filter's values (no filter: keep all).
pub(crate) fn matches_filter(values: &[&str], actual: Option<&str>) -> bool {
    values.is_empty() || actual.is_some_and(|a| values.contains(&a))
}
