//! TiDB private link connections ("for dataflow"): create, list, get, delete, AZs, domains.

use axum::Extension;
use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use super::{Caller, TiError, TiResult, next_token, page_window};
use crate::fields::Fields;
use crate::http::{App, Ids, json, query_one, query_pairs, read_json};
use crate::state::{ACTIVE, Attached, CREATING, DELETING, Meta, Plc, State, confluent_domain_names};

/// `PrivateLinkConnectionState.Enum`.
const STATES: [&str; 5] = ["CREATING", "ACTIVE", "FAILED", "PENDING_ACCEPTANCE", "DELETING"];

fn render_domain(s: &State, p: &Plc, d: &Attached) -> Value {
    json!({
        "attachDomainId": d.id,
        "clusterId": p.cluster_id,
        "privateLinkConnectionId": p.id,
        "type": d.kind,
        "uniqueName": d.unique_name,
        "domains": d.names.iter().map(|n| json!({ "name": n, "state": d.state })).collect::<Vec<_>>(),
        "createdBy": d.created_by,
        "createTime": s.ts(d.created),
    })
}

fn render(s: &State, p: &Plc, with_domains: bool) -> Value {
    let mut aws = json!({
        "name": p.service_name,
        "region": p.region.clone().unwrap_or_else(|| cluster_region(s, &p.cluster_id)),
        "availabilityZoneIds": p.az_ids,
    });
    if let (Some(e), Some(obj)) = (&p.endpoint_id, aws.as_object_mut()) {
        obj.insert("endpointId".to_owned(), json!(e));
    }
    let mut v = json!({
        "privateLinkConnectionId": p.id,
        "clusterId": p.cluster_id,
        "displayName": p.display_name,
        "state": p.state,
        "createdBy": p.created_by,
        "createTime": s.ts(p.meta.created),
        "type": p.kind,
        "awsEndpointService": aws,
    });
    if let Some(obj) = v.as_object_mut() {
        if p.meta.updated != p.meta.created {
            obj.insert("updateTime".to_owned(), json!(s.ts(p.meta.updated)));
        }
        if let Some(m) = &p.message {
            obj.insert("message".to_owned(), json!(m));
        }
        if with_domains {
            obj.insert(
                "attachedDomains".to_owned(),
                Value::Array(p.domains.iter().map(|d| render_domain(s, p, d)).collect()),
            );
        }
    }
    v
}

fn cluster_region(s: &State, id: &str) -> String {
    s.tidb_clusters.iter().find(|c| c.id == id).map(|c| c.region.clone()).unwrap_or_default()
}

fn no_cluster(id: &str) -> TiError {
    TiError::not_found(format!("cluster {id} not found"))
}

fn no_plc(id: &str) -> TiError {
    TiError::not_found(format!("private link connection {id} not found"))
}

fn caller(c: Option<Extension<Caller>>) -> String {
    c.map_or_else(|| "apikey".to_owned(), |Extension(Caller(k))| format!("apikey-{k}"))
}

/// `GET …/privateLinkConnections:getAvailabilityZones`: TiDB's account and the cluster's AZs.
pub(crate) fn availability_zones(app: &App, cluster: &str) -> TiResult {
    let s = app.world();
    let c = s.tidb_clusters.iter().find(|c| c.id == cluster).ok_or_else(|| no_cluster(cluster))?;
    Ok(json(StatusCode::OK, &json!({ "accountId": c.account, "azIds": c.azs })))
}

/// `GET …/privateLinkConnections`: the list (`pageSize`, `pageToken`, `state`).
pub(crate) fn list(app: &App, cluster: &str, uri: &Uri) -> TiResult {
    let pairs = query_pairs(uri);
    let (offset, size) = page_window(&pairs, 10, 100)?;
    let state = query_one(&pairs, "state").filter(|s| !s.is_empty());
    if let Some(st) = state
        && !STATES.contains(&st)
    {
        return Err(TiError::bad_request(format!("state must be one of {}, not {st:?}", STATES.join(", "))));
    }
    let s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(cluster));
    }
    let all: Vec<&Plc> =
        s.plcs.iter().filter(|p| p.cluster_id == cluster && state.is_none_or(|st| p.state == st)).collect();
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(offset).take(size).map(|p| render(&s, p, false)).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "privateLinkConnections": items, "nextPageToken": next_token(offset, size, total), "totalSize": total }),
    ))
}

/// `POST …/privateLinkConnections`: create.
pub(crate) async fn create(app: &App, cluster: String, who: Option<Extension<Caller>>, body: Body) -> TiResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let plc = root.obj_req("privateLinkConnection", "/privateLinkConnection")?;
    let body_cluster = plc.str_req("clusterId")?;
    let display_name = plc.str_req("displayName")?.to_owned();
    let kind = plc.str_req("type")?.to_owned();
    let aws = plc.obj_opt("awsEndpointService", "/privateLinkConnection/awsEndpointService")?;
    if body_cluster != cluster {
        return Err(TiError::bad_request("privateLinkConnection.clusterId must match the cluster in the path"));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 64 {
        return Err(TiError::bad_request("privateLinkConnection.displayName must be 1 to 64 characters"));
    }
    match kind.as_str() {
        "AWS_ENDPOINT_SERVICE" => {}
        "ALICLOUD_ENDPOINT_SERVICE" => {
            return Err(TiError::bad_request("ALICLOUD_ENDPOINT_SERVICE is not supported for a cluster on AWS"));
        }
        other => return Err(TiError::bad_request(format!("unknown privateLinkConnection.type {other:?}"))),
    }
    let aws = aws.ok_or_else(|| {
        TiError::bad_request("privateLinkConnection.awsEndpointService is required for AWS_ENDPOINT_SERVICE")
    })?;
    let name = aws.str_req("name")?.trim().to_owned();
    let region = aws.str_opt("region")?.filter(|r| !r.is_empty()).map(str::to_owned);
    if name.is_empty() {
        return Err(TiError::bad_request("privateLinkConnection.awsEndpointService.name must not be empty"));
    }

    let mut s = app.world();
    let c = s.tidb_clusters.iter().find(|c| c.id == cluster).ok_or_else(|| no_cluster(&cluster))?;
    if c.state != "ACTIVE" {
        return Err(TiError::bad_request(format!("cluster {cluster} is {}, not ACTIVE", c.state)));
    }
    // TiDB requests the endpoint now: AWS checks the service's principals at this moment.
    let allowed = s.allows_cluster(&name, &cluster);
    let now = s.now();
    let due = s.due_in(s.delays.private_link_connection);
    let id = format!("plc-{}", s.ids.alnum(20));
    let p = Plc {
        id,
        cluster_id: cluster,
        display_name,
        kind,
        service_name: name,
        region,
        state: CREATING,
        message: None,
        allowed,
        accepted: false,
        endpoint_id: None,
        az_ids: Vec::new(),
        created_by: caller(who),
        domains: Vec::new(),
        meta: Meta { created: now, updated: now, deleted: None, due },
    };
    let out = render(&s, &p, false);
    s.plcs.push(p);
    Ok(json(StatusCode::OK, &out))
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids((cluster, plc)): Ids<(String, String)>) -> TiResult {
    let s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let p = s.plcs.iter().find(|p| p.id == plc && p.cluster_id == cluster).ok_or_else(|| no_plc(&plc))?;
    Ok(json(StatusCode::OK, &render(&s, p, true)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids((cluster, plc)): Ids<(String, String)>) -> TiResult {
    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let now = s.now();
    let due = s.due_in(s.delays.private_link_connection_delete);
    let p = s.plcs.iter_mut().find(|p| p.id == plc && p.cluster_id == cluster).ok_or_else(|| no_plc(&plc))?;
    if p.state != DELETING {
        p.state = DELETING;
        p.message = None;
        p.meta.updated = now;
        p.meta.due = due;
    }
    let out = p.clone();
    let body = render(&s, &out, false);
    s.tick();
    Ok(json(StatusCode::OK, &body))
}

/// `POST …/{plcId}:attachDomains` and `…/{plcId}:detachDomains` (axum cannot route `id:verb`).
pub(crate) async fn custom_method(
    AxState(app): AxState<App>,
    Ids((cluster, segment)): Ids<(String, String)>,
    who: Option<Extension<Caller>>,
    uri: Uri,
    body: Body,
) -> TiResult {
    let Some((plc, verb)) = segment.rsplit_once(':') else {
        return Err(TiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("POST is not allowed on {}", uri.path())));
    };
    let (plc, verb) = (plc.to_owned(), verb.to_owned());
    if verb != "attachDomains" && verb != "detachDomains" {
        return Err(TiError::not_found(format!("no such method: {verb}")));
    }
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    if verb == "detachDomains" {
        let attach_id = root.str_req("attachDomainId")?.to_owned();
        return detach(&app, &cluster, &plc, &attach_id);
    }
    let spec = root.obj_req("attachDomain", "/attachDomain")?;
    let kind = spec.str_req("type")?.to_owned();
    let unique = spec.str_opt("uniqueName")?.unwrap_or_default().to_owned();
    let validate_only = root.bool_opt("validateOnly")?.unwrap_or(false);

    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(&cluster));
    }
    let p = s.plcs.iter().find(|p| p.id == plc && p.cluster_id == cluster).ok_or_else(|| no_plc(&plc))?;
    if p.state != ACTIVE {
        return Err(TiError::bad_request(format!(
            "private link connection {plc} is {}; domains can only be attached to an ACTIVE connection",
            p.state
        )));
    }
    let names = match kind.as_str() {
        "CONFLUENT" => {
            if unique.is_empty() {
                return Err(TiError::bad_request("attachDomain.uniqueName is required for type CONFLUENT"));
            }
            let Some(net) = s.networks.iter().find(|n| n.service_name == p.service_name) else {
                return Err(TiError::bad_request("the endpoint service of this connection is no longer available"));
            };
            if unique != net.unique_name() {
                return Err(TiError::bad_request(format!(
                    "uniqueName {unique:?} does not match the DNS domain of the Confluent network behind {}",
                    p.service_name
                )));
            }
            confluent_domain_names(&unique, &net.zones)
        }
        "TIDBCLOUD_MANAGED" => {
            if unique.is_empty() && !validate_only {
                return Err(TiError::bad_request("attachDomain.uniqueName is required unless validateOnly is true"));
            }
            vec![format!("*.{}.aws.plc.tidbcloud.com", if unique.is_empty() { "generated" } else { &unique })]
        }
        other => return Err(TiError::bad_request(format!("unknown attachDomain.type {other:?}"))),
    };
    if p.domains.iter().any(|d| d.kind == kind && d.unique_name == unique && d.state != DELETING) {
        return Err(TiError::new(
            StatusCode::CONFLICT,
            format!("domains of type {kind} with uniqueName {unique:?} are already attached"),
        ));
    }
    let p = p.clone();
    let unique = if unique.is_empty() { format!("sim{}", s.ids.alnum(10)) } else { unique };
    let names = names.into_iter().map(|n| n.replace("generated", &unique)).collect();
    let attached = Attached {
        id: if validate_only { String::new() } else { s.ids.digits(19) },
        kind,
        unique_name: unique,
        names,
        state: CREATING,
        created_by: caller(who),
        created: s.now(),
        due: s.due_in(s.delays.domains),
    };
    let mut out = render_domain(&s, &p, &attached);
    if validate_only {
        if let Some(obj) = out.as_object_mut() {
            obj.remove("attachDomainId");
            obj.remove("createTime");
            if let Some(Value::Array(ds)) = obj.get_mut("domains") {
                for d in ds.iter_mut().filter_map(Value::as_object_mut) {
                    d.remove("state");
                }
            }
        }
        return Ok(json(StatusCode::OK, &out));
    }
    if let Some(target) = s.plcs.iter_mut().find(|x| x.id == p.id) {
        target.domains.push(attached);
    }
    s.tick();
    Ok(json(StatusCode::OK, &out))
}

fn detach(app: &App, cluster: &str, plc: &str, attach_id: &str) -> TiResult {
    let mut s = app.world();
    if !s.tidb_clusters.iter().any(|c| c.id == cluster) {
        return Err(no_cluster(cluster));
    }
    let due = s.due_in(s.delays.domains);
    let p = s.plcs.iter_mut().find(|p| p.id == plc && p.cluster_id == cluster).ok_or_else(|| no_plc(plc))?;
    let d = p
        .domains
        .iter_mut()
        .find(|d| d.id == attach_id)
        .ok_or_else(|| TiError::not_found(format!("attached domain {attach_id} not found")))?;
    if d.state != DELETING {
        d.state = DELETING;
        d.due = due;
    }
    let d = d.clone();
    let p = p.clone();
    let out = render_domain(&s, &p, &d);
    s.tick();
    Ok(json(StatusCode::OK, &out))
}
