//! `networking/v1` networks: PROVISIONING → READY with DNS and the endpoint service, then deletion.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{CfError, CfResult, body_environment, env_ref, environment, matches_filter, metadata, page, unchanged};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_all, query_pairs, read_json};
use crate::state::{DEPROVISIONING, Meta, Network, PROVISIONING, READY, State};

const CONNECTION_TYPES: [&str; 3] = ["PEERING", "TRANSITGATEWAY", "PRIVATELINK"];

pub(crate) fn render(s: &State, n: &Network) -> Value {
    let mut spec = json!({
        "cloud": n.cloud,
        "region": n.region,
        "connection_types": n.connection_types,
        "zones": n.zones,
        "environment": env_ref(s, &n.env),
    });
    if let Some(obj) = spec.as_object_mut() {
        if let Some(name) = &n.display_name {
            obj.insert("display_name".to_owned(), json!(name));
        }
        if let Some(res) = &n.dns_resolution {
            obj.insert("dns_config".to_owned(), json!({ "resolution": res }));
        }
    }
    let mut status = json!({
        "phase": n.phase,
        "supported_connection_types": n.connection_types,
        "active_connection_types": n.connection_types,
    });
    if let Some(obj) = status.as_object_mut() {
        if n.phase == READY {
            let domain = format!("{}.{}.{}.confluent.cloud", n.dns_id, n.region, n.cloud.to_ascii_lowercase());
            let zonal: serde_json::Map<String, Value> =
                n.zones.iter().map(|z| (z.clone(), Value::String(format!("{z}.{domain}")))).collect();
            obj.insert("dns_domain".to_owned(), json!(domain));
            obj.insert("zonal_subdomains".to_owned(), Value::Object(zonal));
            obj.insert("endpoint_suffix".to_owned(), json!(format!(".{domain}")));
            obj.insert(
                "cloud".to_owned(),
                json!({
                    "kind": "AwsNetwork",
                    "vpc": n.vpc,
                    "account": n.cf_account,
                    "private_link_endpoint_service": n.service_name,
                }),
            );
        }
        if let Some(err) = &n.error {
            obj.insert("error_code".to_owned(), json!("PROVISIONING_FAILED"));
            obj.insert("error_message".to_owned(), json!(err));
        }
    }
    json!({
        "api_version": "networking/v1",
        "kind": "Network",
        "id": n.id,
        "metadata": metadata(s, &format!("/networking/v1/networks/{}", n.id), &format!("environment={}/network={}", n.env, n.id), &n.meta),
        "spec": spec,
        "status": status,
    })
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let names = query_all(&pairs, "spec.display_name");
    let clouds = query_all(&pairs, "spec.cloud");
    let regions = query_all(&pairs, "spec.region");
    let types = query_all(&pairs, "spec.connection_types");
    let phases = query_all(&pairs, "status.phase");
    let cidrs = query_all(&pairs, "spec.cidr");
    let items = s
        .networks
        .iter()
        .filter(|n| n.env == env)
        .filter(|n| matches_filter(&names, n.display_name.as_deref()))
        .filter(|n| matches_filter(&clouds, Some(&n.cloud)))
        .filter(|n| matches_filter(&regions, Some(&n.region)))
        .filter(|n| {
            types.is_empty() || n.connection_types.iter().any(|t| types.iter().any(|w| w.eq_ignore_ascii_case(t)))
        })
        .filter(|n| matches_filter(&phases, Some(n.phase)))
        .filter(|_| cidrs.is_empty())
        .map(|n| render(&s, n))
        .collect();
    page(&s, &pairs, "/networking/v1/networks", "networking/v1", "NetworkList", 1000, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let n = s.networks.iter().find(|n| n.id == id && n.env == env).ok_or_else(|| CfError::not_found("network", &id))?;
    Ok(json(StatusCode::OK, &render(&s, n)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let mut s = app.world();
    let env = environment(&s, &pairs)?;
    if !s.networks.iter().any(|n| n.id == id && n.env == env) {
        return Err(CfError::not_found("network", &id));
    }
    let in_use =
        s.accesses.iter().any(|a| a.network == id) || s.kafka.iter().any(|c| c.network.as_deref() == Some(&id));
    if in_use {
        // The networking document lists no 409 for this delete; a refused delete is its 400.
        return Err(CfError::bad_request(format!(
            "network '{id}' still has private link accesses or clusters; delete them first"
        )));
    }
    let now = s.now();
    let due = s.due_in(s.delays.network_delete);
    if let Some(n) = s.networks.iter_mut().find(|n| n.id == id)
        && n.phase != DEPROVISIONING
    {
        n.phase = DEPROVISIONING;
        n.meta.deleted = Some(now);
        n.meta.updated = now;
        n.meta.due = due;
    }
    s.tick();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let cloud = spec.str_req("cloud")?;
    let region = spec.str_req("region")?;
    let types = spec
        .strings_opt("connection_types")?
        .ok_or_else(|| CfError::bad_request("/spec/connection_types is required").pointer("/spec/connection_types"))?;
    let zones = spec.strings_opt("zones")?;
    let dns = match spec.obj_opt("dns_config", "/spec/dns_config")? {
        Some(d) => Some(d.str_req("resolution")?.to_owned()),
        None => None,
    };
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let cidr = spec.str_opt("cidr")?;

    if cloud != "AWS" {
        return Err(CfError::invalid("/spec/cloud", format!("the simulator only supports cloud AWS, not '{cloud}'")));
    }
    if types.is_empty() || types.iter().any(|t| !CONNECTION_TYPES.contains(&t.as_str())) {
        return Err(CfError::invalid(
            "/spec/connection_types",
            "connection_types must be a non-empty list of PEERING, TRANSITGATEWAY, PRIVATELINK",
        ));
    }
    let private_link = types.iter().any(|t| t == "PRIVATELINK");
    if private_link && cidr.is_some() {
        return Err(CfError::invalid("/spec/cidr", "cidr must not be set for a PRIVATELINK network"));
    }
    if let Some(res) = &dns
        && res != "PRIVATE"
        && res != "CHASED_PRIVATE"
    {
        return Err(CfError::invalid("/spec/dns_config/resolution", "resolution must be PRIVATE or CHASED_PRIVATE"));
    }
    let prefix = az_prefix(region);
    if let Some(z) = &zones {
        let mut uniq = z.clone();
        uniq.sort();
        uniq.dedup();
        if z.len() != 3 || uniq.len() != 3 {
            return Err(CfError::invalid("/spec/zones", "zones must list exactly 3 distinct availability zone IDs"));
        }
        if let Some(bad) = z.iter().find(|z| prefix.as_ref().is_some_and(|p| !is_az_id(z, p))) {
            return Err(CfError::invalid(
                "/spec/zones",
                format!("zone '{bad}' is not an availability zone ID of region {region}"),
            ));
        }
    }

    let mut s = app.world();
    body_environment(&s, &env_id)?;
    let zones = zones.unwrap_or_else(|| {
        let p = prefix.clone().unwrap_or_else(|| region.replace('-', ""));
        vec![format!("{p}-az1"), format!("{p}-az2"), format!("{p}-az3")]
    });
    let now = s.now();
    let due = s.due_in(s.delays.network);
    let id = s.ids.confluent_id("n-");
    let n = Network {
        id: id.clone(),
        env: env_id,
        display_name,
        cloud: cloud.to_owned(),
        region: region.to_owned(),
        connection_types: types,
        zones,
        dns_resolution: if private_link { Some(dns.unwrap_or_else(|| "CHASED_PRIVATE".to_owned())) } else { dns },
        dns_id: format!("dom{}", s.ids.alnum(8)),
        service_name: format!("com.amazonaws.vpce.{region}.vpce-svc-{}", s.ids.hex(17)),
        cf_account: s.ids.digits(12),
        vpc: format!("vpc-{}", s.ids.hex(17)),
        acceptance_required: false,
        phase: PROVISIONING,
        error: None,
        meta: Meta { created: now, updated: now, deleted: None, due },
    };
    let body = render(&s, &n);
    let location = format!("{}/networking/v1/networks/{id}", s.base_url);
    s.networks.push(n);
    let mut r = json(StatusCode::ACCEPTED, &body);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `PATCH`: only `spec.display_name` changes; `spec.environment` is required in the body, and
/// immutable fields may be repeated but not changed (422).
pub(crate) async fn update(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let mut s = app.world();
    body_environment(&s, &env_id)?;
    let found = s.networks.iter().find(|n| n.id == id && n.env == env_id);
    let current = found.map(|n| render(&s, n)).ok_or_else(|| CfError::not_found("network", &id))?;
    unchanged(&spec, &current["spec"], &["cloud", "region", "connection_types", "zones", "dns_config", "cidr"])?;
    let now = s.now();
    let Some(n) = s.networks.iter_mut().find(|n| n.id == id) else {
        return Err(CfError::not_found("network", &id));
    };
    if display_name.is_some() {
        n.display_name = display_name;
    }
    n.meta.updated = now;
    let n = n.clone();
    Ok(json(StatusCode::OK, &render(&s, &n)))
}

/// The AZ-ID prefix of an AWS region (`us-east-1` → `use1`), for the regions we know.
pub(crate) fn az_prefix(region: &str) -> Option<String> {
    let mut parts = region.split('-');
    let geo = parts.next()?;
    let dir = parts.next()?;
    let num = parts.next()?;
    if parts.next().is_some() || num.parse::<u8>().is_err() {
        return None;
    }
    let d = match dir {
        "east" => "e",
        "west" => "w",
        "north" => "n",
        "south" => "s",
        "central" => "c",
        "southeast" => "se",
        "northeast" => "ne",
        _ => return None,
    };
    Some(format!("{geo}{d}{num}"))
}

fn is_az_id(z: &str, prefix: &str) -> bool {
    z.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix("-az"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
