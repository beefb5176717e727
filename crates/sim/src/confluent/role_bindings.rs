//! Role bindings, at `/iam/v2/role-bindings` as Confluent's RBAC document (`mds/v2`) defines
//! them: create (201, `rb-…`), list, get and DELETE (200 with the binding, as that document
//! says — not 204). The list requires `crn_pattern` (the document marks it required) and
//! returns the bindings whose pattern starts with it (its "partial search"); `principal` and
//! `role_name` match exactly.
//!
//! A create checks what the simulator can: the principal's shape (`User:…`/`Group:…`) and that a
//! `User:sa-…` names a live service account, a known role, a pattern inside this organization
//! whose environment and cluster (when named) exist; the same binding twice is a 409.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{CfError, CfResult, metadata, page};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_one, query_pairs, read_json};
use crate::state::{Meta, RoleBinding, State};

const PATH: &str = "/iam/v2/role-bindings";

/// Confluent Cloud's predefined roles.
pub(crate) const ROLES: [&str; 16] = [
    "OrganizationAdmin",
    "EnvironmentAdmin",
    "CloudClusterAdmin",
    "AccountAdmin",
    "BillingAdmin",
    "Operator",
    "MetricsViewer",
    "ResourceOwner",
    "DeveloperRead",
    "DeveloperWrite",
    "DeveloperManage",
    "DataDiscovery",
    "DataSteward",
    "FlinkAdmin",
    "FlinkDeveloper",
    "NetworkAdmin",
];

fn render(s: &State, b: &RoleBinding) -> Value {
    json!({
        "api_version": "iam/v2",
        "kind": "RoleBinding",
        "id": b.id,
        "metadata": metadata(s, &format!("{PATH}/{}", b.id), &format!("role-binding={}", b.id), &b.meta),
        "principal": b.principal,
        "role_name": b.role_name,
        "crn_pattern": b.crn_pattern,
    })
}

fn not_found(id: &str) -> CfError {
    CfError::not_found("role binding", id)
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let pattern =
        query_one(&pairs, "crn_pattern").filter(|p| !p.is_empty()).ok_or(CfError::missing_param("crn_pattern"))?;
    let principal = query_one(&pairs, "principal").filter(|p| !p.is_empty());
    let role = query_one(&pairs, "role_name").filter(|r| !r.is_empty());
    let s = app.world();
    let items = s
        .role_bindings
        .iter()
        .filter(|b| b.crn_pattern.starts_with(pattern))
        .filter(|b| principal.is_none_or(|p| b.principal == p))
        .filter(|b| role.is_none_or(|r| b.role_name == r))
        .map(|b| render(&s, b))
        .collect();
    page(&s, &pairs, PATH, "iam/v2", "RoleBindingList", 100, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let s = app.world();
    let b = s.role_bindings.iter().find(|b| b.id == id).ok_or_else(|| not_found(&id))?;
    Ok(json(StatusCode::OK, &render(&s, b)))
}

/// What is wrong with a binding's scope, if anything: it must be in this organization, and the
/// environment and Kafka cluster it names must exist (the cluster in that environment).
fn scope_problem(s: &State, crn: &str) -> Option<String> {
    let Some(rest) = crn.strip_prefix("crn://confluent.cloud/") else {
        return Some(format!("crn_pattern '{crn}' must start with crn://confluent.cloud/"));
    };
    let segments: Vec<(&str, &str)> = rest.split('/').filter_map(|seg| seg.split_once('=')).collect();
    if segments.first() != Some(&("organization", s.org.as_str())) {
        return Some(format!("crn_pattern '{crn}' is not in organization {}", s.org));
    }
    let value = |key: &str| segments.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    if let Some(env) = value("environment")
        && !s.environments.iter().any(|e| e.id == env)
    {
        return Some(format!("environment '{env}' of crn_pattern was not found"));
    }
    if let Some(lkc) = value("cloud-cluster") {
        let found = s.kafka.iter().find(|c| c.id == lkc && c.meta.deleted.is_none());
        match found {
            None => return Some(format!("Kafka cluster '{lkc}' of crn_pattern was not found")),
            Some(c) if value("environment").is_some_and(|env| env != c.env) => {
                return Some(format!("Kafka cluster '{lkc}' is not in the crn_pattern's environment"));
            }
            Some(_) => {}
        }
        if value("kafka").is_some_and(|k| k != lkc) {
            return Some(format!("crn_pattern's kafka= must be its cloud-cluster '{lkc}'"));
        }
    }
    None
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let principal = root.str_req("principal")?.to_owned();
    let role_name = root.str_req("role_name")?.to_owned();
    let crn_pattern = root.str_req("crn_pattern")?.to_owned();
    let shaped = ["User:", "Group:"].iter().any(|p| principal.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if !shaped {
        return Err(CfError::bad_request(format!("principal '{principal}' must be User:<id> or Group:<id>"))
            .pointer("/principal"));
    }
    if !ROLES.contains(&role_name.as_str()) {
        return Err(CfError::bad_request(format!("role_name '{role_name}' is not a Confluent Cloud role"))
            .pointer("/role_name"));
    }
    let mut s = app.world();
    if let Some(sa) = principal.strip_prefix("User:").filter(|id| id.starts_with("sa-"))
        && !s.service_accounts.iter().any(|a| a.id == sa)
    {
        return Err(CfError::bad_request(format!("service account '{sa}' of the principal was not found"))
            .pointer("/principal"));
    }
    if let Some(problem) = scope_problem(&s, &crn_pattern) {
        return Err(CfError::bad_request(problem).pointer("/crn_pattern"));
    }
    if s.role_bindings
        .iter()
        .any(|b| b.principal == principal && b.role_name == role_name && b.crn_pattern == crn_pattern)
    {
        return Err(CfError::new(
            StatusCode::CONFLICT,
            "resource_already_exists",
            "Resource Already Exists",
            format!("{principal} already has role {role_name} on {crn_pattern}"),
        ));
    }
    let now = s.now();
    let id = s.ids.confluent_id("rb-");
    let b = RoleBinding { id: id.clone(), principal, role_name, crn_pattern, meta: Meta::at(now, None) };
    let out = render(&s, &b);
    let location = format!("{}{PATH}/{id}", s.base_url);
    s.role_bindings.push(b);
    let mut r = json(StatusCode::CREATED, &out);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `DELETE` answers 200 with the binding, as the RBAC document says.
pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let mut s = app.world();
    let Some(at) = s.role_bindings.iter().position(|b| b.id == id) else {
        return Err(not_found(&id));
    };
    let b = s.role_bindings.remove(at);
    let out = render(&s, &b);
    // A changefeed writing with this binding notices now.
    s.tick();
    Ok(json(StatusCode::OK, &out))
}
