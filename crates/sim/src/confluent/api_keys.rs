//! `iam/v2` API keys: create (202; `spec.secret` is in that response and nowhere else — get and
//! list never show it), list (`spec.owner`, `spec.resource`, exact), get, PATCH
//! (`display_name`, `description`; `owner` and `resource` are immutable) and DELETE (204).
//!
//! A key for a Kafka cluster (`spec.resource` a `lkc-…` with its `environment`) is what a
//! changefeed logs in with. A new key works on the data plane only after the `api_key_ready`
//! delay, as Confluent's take a moment to propagate; until then the link rule refuses it. A key
//! without a resource is accepted and listed but no sink takes it (nor does this simulator's
//! Basic auth: only the world's `credentials` are Cloud keys).

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{CfError, CfResult, metadata, page, unchanged};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_all, query_pairs, read_json};
use crate::state::{ApiKey, Hidden, KeyResource, Meta, State};

const PATH: &str = "/iam/v2/api-keys";

/// `{id, related, resource_name, api_version, kind}` for a key's owner.
fn owner_ref(s: &State, owner: &str) -> Value {
    let (path, crn, kind) = if owner.starts_with("sa-") {
        ("service-accounts", "service-account", "ServiceAccount")
    } else {
        ("users", "user", "User")
    };
    json!({
        "id": owner,
        "related": format!("{}/iam/v2/{path}/{owner}", s.base_url),
        "resource_name": format!("crn://confluent.cloud/organization={}/{crn}={owner}", s.org),
        "api_version": "iam/v2",
        "kind": kind,
    })
}

/// The reference to a key's Kafka cluster.
fn resource_ref(s: &State, r: &KeyResource) -> Value {
    json!({
        "id": r.id,
        "environment": r.env,
        "related": format!("{}/cmk/v2/clusters/{}", s.base_url, r.id),
        "resource_name": format!(
            "crn://confluent.cloud/organization={}/environment={}/cloud-cluster={}/kafka={}",
            s.org, r.env, r.id, r.id
        ),
        "api_version": "cmk/v2",
        "kind": "Cluster",
    })
}

fn render(s: &State, k: &ApiKey, with_secret: bool) -> Value {
    let resource = k.resource.as_ref().map(|r| resource_ref(s, r));
    let mut spec = json!({
        "display_name": k.display_name,
        "description": k.description,
        "owner": owner_ref(s, &k.owner),
        "resource": resource.clone().unwrap_or(Value::Null),
        "resources": resource.map_or_else(Vec::new, |r| vec![r]),
    });
    if with_secret && let Some(obj) = spec.as_object_mut() {
        obj.insert("secret".to_owned(), json!(k.secret.0));
    }
    json!({
        "api_version": "iam/v2",
        "kind": "ApiKey",
        "id": k.id,
        "metadata": metadata(s, &format!("{PATH}/{}", k.id), &format!("api-key={}", k.id), &k.meta),
        "spec": spec,
    })
}

fn not_found(id: &str) -> CfError {
    CfError::not_found("API key", id)
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let owners = query_all(&pairs, "spec.owner");
    let resources = query_all(&pairs, "spec.resource");
    let items = s
        .api_keys
        .iter()
        .filter(|k| owners.is_empty() || owners.contains(&k.owner.as_str()))
        .filter(|k| resources.is_empty() || k.resource.as_ref().is_some_and(|r| resources.contains(&r.id.as_str())))
        .map(|k| render(&s, k, false))
        .collect();
    page(&s, &pairs, PATH, "iam/v2", "ApiKeyList", 100, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let s = app.world();
    let k = s.api_keys.iter().find(|k| k.id == id).ok_or_else(|| not_found(&id))?;
    Ok(json(StatusCode::OK, &render(&s, k, false)))
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let display_name = spec.str_opt("display_name")?.unwrap_or_default().to_owned();
    let description = spec.str_opt("description")?.unwrap_or_default().to_owned();
    let owner = spec.obj_req("owner", "/spec/owner")?.str_req("id")?.to_owned();
    let resource = match spec.obj_opt("resource", "/spec/resource")? {
        Some(r) => Some((r.str_req("id")?.to_owned(), r.str_req("environment")?.to_owned())),
        None => None,
    };
    let mut s = app.world();
    let owner_known = if owner.starts_with("sa-") {
        s.service_accounts.iter().any(|a| a.id == owner)
    } else {
        owner.starts_with("u-")
    };
    if !owner_known {
        return Err(CfError::invalid("/spec/owner/id", format!("owner '{owner}' is not a service account or user")));
    }
    let resource = match resource {
        Some((id, env)) => {
            let Some(c) = s.kafka.iter().find(|c| c.id == id && c.meta.deleted.is_none()) else {
                return Err(CfError::invalid("/spec/resource/id", format!("Kafka cluster '{id}' was not found")));
            };
            if c.env != env {
                return Err(CfError::invalid(
                    "/spec/resource/environment",
                    format!("Kafka cluster '{id}' is in environment '{}', not '{env}'", c.env),
                ));
            }
            Some(KeyResource { id, env })
        }
        None => None,
    };
    let now = s.now();
    let ready_at = s.due_in(s.delays.api_key_ready).unwrap_or(now);
    let id = s.ids.api_key();
    let secret = s.ids.api_secret();
    let k = ApiKey {
        id: id.clone(),
        secret: Hidden(secret),
        display_name,
        description,
        owner,
        resource,
        ready_at,
        meta: Meta::at(now, None),
    };
    let out = render(&s, &k, true);
    let location = format!("{}{PATH}/{id}", s.base_url);
    s.api_keys.push(k);
    let mut r = json(StatusCode::ACCEPTED, &out);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `PATCH`: `spec.display_name` and `spec.description`; `owner` and `resource` may be repeated
/// but not changed (422).
pub(crate) async fn update(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let description = spec.str_opt("description")?.map(str::to_owned);
    let mut s = app.world();
    let current = s.api_keys.iter().find(|k| k.id == id).map(|k| render(&s, k, false)).ok_or_else(|| not_found(&id))?;
    unchanged(&spec, &current["spec"], &["owner", "resource", "resources"])?;
    let now = s.now();
    let Some(k) = s.api_keys.iter_mut().find(|k| k.id == id) else {
        return Err(not_found(&id));
    };
    if let Some(name) = display_name {
        k.display_name = name;
    }
    if let Some(description) = description {
        k.description = description;
    }
    k.meta.updated = now;
    let k = k.clone();
    Ok(json(StatusCode::OK, &render(&s, &k, false)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let mut s = app.world();
    if !s.api_keys.iter().any(|k| k.id == id) {
        return Err(not_found(&id));
    }
    s.api_keys.retain(|k| k.id != id);
    // A changefeed logged in with this key notices now.
    s.tick();
    Ok(StatusCode::NO_CONTENT.into_response())
}
