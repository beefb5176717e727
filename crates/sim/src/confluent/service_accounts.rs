//! `iam/v2` service accounts: create (201; a display name is unique in the organization, 409
//! otherwise), list (`display_name`, repeatable, exact), get, PATCH (`display_name`,
//! `description`) and DELETE (204). Deleting one also deletes its API keys and role bindings,
//! as Confluent does.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{CfError, CfResult, metadata, page};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_all, query_pairs, read_json};
use crate::state::{Meta, ServiceAccount, State};

const PATH: &str = "/iam/v2/service-accounts";

fn render(s: &State, a: &ServiceAccount) -> Value {
    json!({
        "api_version": "iam/v2",
        "kind": "ServiceAccount",
        "id": a.id,
        "metadata": metadata(s, &format!("{PATH}/{}", a.id), &format!("service-account={}", a.id), &a.meta),
        "display_name": a.display_name,
        "description": a.description,
    })
}

fn not_found(id: &str) -> CfError {
    CfError::not_found("service account", id)
}

fn taken(name: &str) -> CfError {
    CfError::new(
        StatusCode::CONFLICT,
        "resource_already_exists",
        "Resource Already Exists",
        format!("a service account named '{name}' already exists in the organization"),
    )
}

/// A display name: non-empty, at most 64 characters (Confluent's console limit).
fn display_name(name: &str, pointer: &str) -> Result<String, CfError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(CfError::invalid(pointer, "display_name must be 1 to 64 characters"));
    }
    Ok(name.to_owned())
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let names = query_all(&pairs, "display_name");
    let items = s
        .service_accounts
        .iter()
        .filter(|a| names.is_empty() || names.contains(&a.display_name.as_str()))
        .map(|a| render(&s, a))
        .collect();
    page(&s, &pairs, PATH, "iam/v2", "ServiceAccountList", 100, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let s = app.world();
    let a = s.service_accounts.iter().find(|a| a.id == id).ok_or_else(|| not_found(&id))?;
    Ok(json(StatusCode::OK, &render(&s, a)))
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let name = display_name(root.str_req("display_name")?, "/display_name")?;
    let description = root.str_opt("description")?.unwrap_or_default().to_owned();
    let mut s = app.world();
    if s.service_accounts.iter().any(|a| a.display_name == name) {
        return Err(taken(&name));
    }
    let now = s.now();
    let id = s.ids.confluent_id("sa-");
    let a = ServiceAccount { id: id.clone(), display_name: name, description, meta: Meta::at(now, None) };
    let out = render(&s, &a);
    let location = format!("{}{PATH}/{id}", s.base_url);
    s.service_accounts.push(a);
    let mut r = json(StatusCode::CREATED, &out);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `PATCH`: `display_name` (still unique) and `description`.
pub(crate) async fn update(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let name = root.str_opt("display_name")?.map(|n| display_name(n, "/display_name")).transpose()?;
    let description = root.str_opt("description")?.map(str::to_owned);
    let mut s = app.world();
    if !s.service_accounts.iter().any(|a| a.id == id) {
        return Err(not_found(&id));
    }
    if let Some(name) = &name
        && s.service_accounts.iter().any(|a| &a.display_name == name && a.id != id)
    {
        return Err(taken(name));
    }
    let now = s.now();
    let Some(a) = s.service_accounts.iter_mut().find(|a| a.id == id) else {
        return Err(not_found(&id));
    };
    if let Some(name) = name {
        a.display_name = name;
    }
    if let Some(description) = description {
        a.description = description;
    }
    a.meta.updated = now;
    let a = a.clone();
    Ok(json(StatusCode::OK, &render(&s, &a)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let mut s = app.world();
    if !s.service_accounts.iter().any(|a| a.id == id) {
        return Err(not_found(&id));
    }
    s.service_accounts.retain(|a| a.id != id);
    s.api_keys.retain(|k| k.owner != id);
    let principal = format!("User:{id}");
    s.role_bindings.retain(|b| b.principal != principal);
    s.tick();
    Ok(StatusCode::NO_CONTENT.into_response())
}
