//! TiDB Cloud clusters: get and list (read-only; the world file seeds them).

use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{TiError, TiResult, next_token, page_window};
use crate::http::{App, Ids, json, query_one, query_pairs};
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

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> TiResult {
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

/// `GET /v1beta1/clusters`: `pageSize`/`pageToken`, `skip`, `orderBy` and an AIP `filter`
/// (`region.provider`, `region.name`, `state`, `projectId`, `clusterId`, `displayName`,
/// `labels.<key>`, joined with `AND`).
pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> TiResult {
    let pairs = query_pairs(&uri);
    let (token_offset, size) = page_window(&pairs, 10, 100)?;
    let skip = match query_one(&pairs, "skip").filter(|v| !v.is_empty()) {
        None => 0,
        Some(v) => v.parse::<u32>().map_err(|_| TiError::bad_request("skip must be a non-negative integer"))?,
    };
    let offset = if query_one(&pairs, "pageToken").is_some_and(|t| !t.is_empty()) {
        token_offset
    } else {
        usize::try_from(skip).unwrap_or(usize::MAX)
    };
    let filter = match query_one(&pairs, "filter") {
        Some(f) => parse_filter(f)?,
        None => Vec::new(),
    };
    let order = match query_one(&pairs, "orderBy").map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(o) => Some(parse_order(o)?),
    };
    let s = app.world();
    let mut clusters: Vec<&TidbCluster> =
        s.tidb_clusters.iter().filter(|c| filter.iter().all(|t| t.matches(c))).collect();
    if let Some((field, descending)) = order {
        clusters.sort_by(|a, b| {
            let ordering = match field {
                OrderField::DisplayName => a.display_name.cmp(&b.display_name),
                OrderField::CreateTime => a.created.cmp(&b.created),
            };
            if descending { ordering.reverse() } else { ordering }
        });
    }
    let total = clusters.len();
    let page: Vec<Value> = clusters.into_iter().skip(offset).take(size).map(|c| render(&s, c)).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "clusters": page, "nextPageToken": next_token(offset, size, total), "totalSize": total }),
    ))
}

/// One `key=value` term of a cluster-list filter.
#[derive(Debug)]
enum Term {
    Provider(String),
    RegionName(String),
    State(String),
    ProjectIds(Vec<String>),
    ClusterIds(Vec<String>),
    DisplayName(String),
    Label(String, String),
}

impl Term {
    fn matches(&self, c: &TidbCluster) -> bool {
        match self {
            Term::Provider(p) => c.cloud.eq_ignore_ascii_case(p),
            Term::RegionName(n) => *n == format!("regions/{}-{}", c.cloud, c.region),
            Term::State(st) => c.state == *st,
            Term::ProjectIds(ids) => c.project_id.as_ref().is_some_and(|p| ids.contains(p)),
            Term::ClusterIds(ids) => ids.contains(&c.id),
            Term::DisplayName(n) => c.display_name == *n,
            Term::Label(k, v) => k == "tidb.cloud/project" && c.project_id.as_deref() == Some(v.as_str()),
        }
    }
}

fn parse_filter(filter: &str) -> Result<Vec<Term>, TiError> {
    let bad = |why: &str| TiError::bad_request(format!("invalid filter {filter:?}: {why}"));
    let mut terms = Vec::new();
    for term in filter.split(" AND ").map(str::trim).filter(|t| !t.is_empty()) {
        let (key, value) = term.split_once('=').ok_or_else(|| bad("each term must be key=value"))?;
        let (key, value) = (key.trim(), value.trim());
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        if value.is_empty() {
            return Err(bad("a value is empty"));
        }
        let list = || value.split(',').map(|v| v.trim().trim_matches('"').to_owned()).collect();
        terms.push(match key {
            "region.provider" => Term::Provider(value.to_owned()),
            "region.name" => Term::RegionName(value.to_owned()),
            "state" => Term::State(value.to_owned()),
            "projectId" => Term::ProjectIds(list()),
            "clusterId" => Term::ClusterIds(list()),
            "displayName" => Term::DisplayName(value.to_owned()),
            other => match other.strip_prefix("labels.") {
                Some(label) if !label.is_empty() => Term::Label(label.to_owned(), value.to_owned()),
                _ => return Err(bad(&format!("unknown field {other:?}"))),
            },
        });
    }
    Ok(terms)
}

#[derive(Debug, Clone, Copy)]
enum OrderField {
    DisplayName,
    CreateTime,
}

/// `field [asc|desc]`.
fn parse_order(order: &str) -> Result<(OrderField, bool), TiError> {
    let mut words = order.split_whitespace();
    let field = match words.next() {
        Some("displayName") => OrderField::DisplayName,
        Some("createTime") => OrderField::CreateTime,
        _ => return Err(TiError::bad_request("orderBy supports displayName and createTime")),
    };
    let descending = match words.next() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(TiError::bad_request("orderBy direction must be asc or desc")),
    };
    if words.next().is_some() {
        return Err(TiError::bad_request("orderBy takes one field"));
    }
    Ok((field, descending))
}
