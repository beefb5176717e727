//! `org/v2` organizations: list and get, read-only. The world has one organization, its
//! `organization_id`: the id Confluent CRNs (role binding patterns among them) start with.

use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{CfError, CfResult, page};
use crate::http::{App, Ids, json, query_pairs};
use crate::state::State;

fn render(s: &State) -> Value {
    let started = s.ts(std::time::Duration::ZERO);
    json!({
        "api_version": "org/v2",
        "kind": "Organization",
        "id": s.org,
        "metadata": {
            "self": format!("{}/org/v2/organizations/{}", s.base_url, s.org),
            "resource_name": format!("crn://confluent.cloud/organization={}", s.org),
            "created_at": started,
            "updated_at": started,
        },
        "display_name": "linkplan-sim",
        "jit_enabled": false,
    })
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let items = vec![render(&s)];
    page(&s, &pairs, "/org/v2/organizations", "org/v2", "OrganizationList", 100, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let s = app.world();
    if id != s.org {
        return Err(CfError::not_found("organization", &id));
    }
    Ok(json(StatusCode::OK, &render(&s)))
}
