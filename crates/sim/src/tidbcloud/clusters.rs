//! TiDB Cloud clusters: get and list (read-only; the world file seeds them).

use axum::extract::{Path, State as AxState};
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{TiError, TiResult, next_token, page_window};
use crate::http::{App, json, query_one, query_pairs};
use crate::state::{State, TidbCluster};

pub(crate) fn render(s: &State, c: &TidbCluster) -> Value {
    let region_id = format!("{}-{}", c.cloud, c.region);
    let service_plan = if c.plan == "STARTER" { "Starter" } else { "Essential" };
    let mut labels = serde_json::Map::new();
    if let Some(p) = &c.project_id {
        labels.insert("tidb.cloud/project".to_owned(), json!(p));
    }
    json!({
        "name": format!("clusters/{}", c.id),
        "clusterId": c.id,
        "displayName": c.display_name,
        "region": {
            "name": format!("regions/{region_id}"),
            "regionId": region_id,
            "cloudProvider": c.cloud,
            "displayName": c.region,
        },
        "endpoints": {
            "public": { "host": format!("gateway01.{}.prod.{}.tidbcloud.com", c.region, c.cloud), "port": 4000, "disabled": false },
        },
        "highAvailabilityType": "REGIONAL",
        "version": "v7.5.2",
        "createdBy": "sim@example.com",
        "userPrefix": "2x9q4k7",
        "state": c.state,
        "labels": labels,
        "annotations": {},
        "createTime": s.ts(c.created),
        "updateTime": s.ts(c.created),
        "clusterPlan": c.plan,
        "servicePlan": service_plan,
    })
}

pub(crate) async fn get(AxState(app): AxState<App>, Path(id): Path<String>, uri: Uri) -> TiResult {
    let pairs = query_pairs(&uri);
    if let Some(view) = query_one(&pairs, "view")
        && view != "BASIC"
        && view != "FULL"
    {
        return Err(TiError::bad_request("view must be BASIC or FULL"));
    }
    let s = app.world();
    let c = s
        .tidb_clusters
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| TiError::not_found(format!("cluster {id} not found")))?;
    Ok(json(StatusCode::OK, &render(&s, c)))
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> TiResult {
    let pairs = query_pairs(&uri);
    let (offset, size) = page_window(&pairs, 10, 100)?;
    let s = app.world();
    let total = s.tidb_clusters.len();
    let clusters: Vec<Value> = s.tidb_clusters.iter().skip(offset).take(size).map(|c| render(&s, c)).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "clusters": clusters, "nextPageToken": next_token(offset, size, total), "totalSize": total }),
    ))
}
