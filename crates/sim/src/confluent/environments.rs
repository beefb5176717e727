//! `org/v2` environments: get and list (read-only; the world file seeds them).

use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{CfError, CfResult, metadata, page};
use crate::http::{App, Ids, json, query_pairs};
use crate::state::{Environment, State};

fn render(s: &State, e: &Environment) -> Value {
    json!({
        "api_version": "org/v2",
        "kind": "Environment",
        "id": e.id,
        "metadata": metadata(s, &format!("/org/v2/environments/{}", e.id), &format!("environment={}", e.id), &e.meta),
        "display_name": e.display_name,
        "stream_governance_config": { "package": "ESSENTIALS" },
    })
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>) -> CfResult {
    let s = app.world();
    let e = s.environments.iter().find(|e| e.id == id).ok_or_else(|| CfError::not_found("environment", &id))?;
    Ok(json(StatusCode::OK, &render(&s, e)))
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let items = s.environments.iter().map(|e| render(&s, e)).collect();
    page(&s, &pairs, "/org/v2/environments", "org/v2", "EnvironmentList", 100, items)
}
