//! `cmk/v2` Kafka clusters: Dedicated clusters in a network, PROVISIONING → PROVISIONED.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{
    CfError, CfResult, body_environment, env_ref, environment, matches_filter, metadata, network_ref, page, unchanged,
};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_all, query_one, query_pairs, read_json};
use crate::state::{BOOTSTRAP_PORT, KafkaCluster, Meta, PROVISIONED, PROVISIONING, State};

const AVAILABILITY: [&str; 4] = ["SINGLE_ZONE", "MULTI_ZONE", "LOW", "HIGH"];

fn render(s: &State, c: &KafkaCluster) -> Value {
    let mut config = json!({ "kind": "Dedicated", "cku": c.cku });
    if let (Some(z), Some(obj)) = (&c.zones, config.as_object_mut()) {
        obj.insert("zones".to_owned(), json!(z));
    }
    let mut spec = json!({
        "display_name": c.display_name,
        "availability": c.availability,
        "cloud": c.cloud,
        "region": c.region,
        "config": config,
        "environment": env_ref(s, &c.env),
    });
    if let Some(obj) = spec.as_object_mut() {
        if let Some(nid) = &c.network {
            obj.insert("network".to_owned(), network_ref(s, &c.env, nid));
        }
        if let Some(p) = c.deletion_protection {
            obj.insert("deletion_protection".to_owned(), json!(p));
        }
        if c.phase == PROVISIONED {
            let host = s.bootstrap_host(c);
            let bootstrap = format!("{host}:{BOOTSTRAP_PORT}");
            let http = format!("https://{host}:443");
            obj.insert("kafka_bootstrap_endpoint".to_owned(), json!(format!("SASL_SSL://{bootstrap}")));
            obj.insert("http_endpoint".to_owned(), json!(http));
            obj.insert(
                "endpoints".to_owned(),
                json!({ "PRIVATE_LINK": {
                    "kafka_bootstrap_endpoint": bootstrap,
                    "http_endpoint": http,
                    "connection_type": "PRIVATE_LINK",
                }}),
            );
        }
    }
    let mut status = json!({ "phase": c.phase });
    if c.phase == PROVISIONED
        && let Some(obj) = status.as_object_mut()
    {
        obj.insert("cku".to_owned(), json!(c.applied_cku));
    }
    json!({
        "api_version": "cmk/v2",
        "kind": "Cluster",
        "id": c.id,
        "metadata": metadata(s, &format!("/cmk/v2/clusters/{}", c.id), &format!("environment={}/cloud-cluster={}", c.env, c.id), &c.meta),
        "spec": spec,
        "status": status,
    })
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let networks = query_all(&pairs, "spec.network");
    let protection = match query_one(&pairs, "spec.deletion_protection") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(CfError::bad_request("spec.deletion_protection must be true or false")
                .parameter("spec.deletion_protection"));
        }
    };
    let items = s
        .kafka
        .iter()
        .filter(|c| c.env == env)
        .filter(|c| matches_filter(&networks, c.network.as_deref()))
        .filter(|c| protection.is_none_or(|p| c.deletion_protection.unwrap_or(false) == p))
        .map(|c| render(&s, c))
        .collect();
    page(&s, &pairs, "/cmk/v2/clusters", "cmk/v2", "ClusterList", 100, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let c = s.kafka.iter().find(|c| c.id == id && c.env == env).ok_or_else(|| CfError::not_found("cluster", &id))?;
    Ok(json(StatusCode::OK, &render(&s, c)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let mut s = app.world();
    let env = environment(&s, &pairs)?;
    let now = s.now();
    let due = s.due_in(s.delays.cluster_delete);
    let c =
        s.kafka.iter_mut().find(|c| c.id == id && c.env == env).ok_or_else(|| CfError::not_found("cluster", &id))?;
    if c.deletion_protection == Some(true) {
        return Err(CfError::new(
            StatusCode::CONFLICT,
            "deletion_protected",
            "Conflict",
            format!("cluster '{id}' has deletion protection enabled"),
        ));
    }
    if c.meta.deleted.is_none() {
        c.meta.deleted = Some(now);
        c.meta.updated = now;
        c.meta.due = due;
    }
    s.tick();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let display_name = spec.str_req("display_name")?.to_owned();
    let availability = spec.str_req("availability")?.to_owned();
    let cloud = spec.str_req("cloud")?.to_owned();
    let region = spec.str_req("region")?.to_owned();
    let config = spec.obj_req("config", "/spec/config")?;
    let kind = config.str_req("kind")?;
    let cku = config.int_opt("cku")?;
    let zones = config.strings_opt("zones")?;
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let net_id = match spec.obj_opt("network", "/spec/network")? {
        Some(n) => Some(n.str_req("id")?.to_owned()),
        None => None,
    };
    let deletion_protection = spec.bool_opt("deletion_protection")?;

    if !AVAILABILITY.contains(&availability.as_str()) {
        return Err(CfError::invalid(
            "/spec/availability",
            "availability must be SINGLE_ZONE, MULTI_ZONE, LOW or HIGH",
        ));
    }
    if cloud != "AWS" {
        return Err(CfError::invalid("/spec/cloud", format!("the simulator only supports cloud AWS, not '{cloud}'")));
    }
    if kind != "Dedicated" {
        return Err(CfError::invalid(
            "/spec/config/kind",
            format!("the simulator supports only Dedicated clusters, not '{kind}'"),
        ));
    }
    let cku = cku.ok_or_else(|| CfError::bad_request("/spec/config/cku is required").pointer("/spec/config/cku"))?;
    let multi = availability == "MULTI_ZONE" || availability == "HIGH";
    let min = if multi { 2 } else { 1 };
    let cku = u32::try_from(cku).ok().filter(|&c| c >= min).ok_or_else(|| {
        CfError::invalid("/spec/config/cku", format!("cku must be at least {min} for {availability} availability"))
    })?;
    if zones.as_ref().is_some_and(|z| z.is_empty() || z.len() > 3) {
        return Err(CfError::invalid("/spec/config/zones", "zones must list 1 to 3 availability zone IDs"));
    }

    let mut s = app.world();
    body_environment(&s, &env_id)?;
    if let Some(nid) = &net_id {
        let Some(net) = s.networks.iter().find(|n| &n.id == nid && n.env == env_id) else {
            return Err(CfError::invalid(
                "/spec/network/id",
                format!("network '{nid}' was not found in environment '{env_id}'"),
            ));
        };
        if net.region != region {
            return Err(CfError::invalid(
                "/spec/region",
                format!("region '{region}' does not match the region of network '{nid}' ({})", net.region),
            ));
        }
    }
    let now = s.now();
    let due = s.due_in(s.delays.cluster);
    let id = s.ids.confluent_id("lkc-");
    let c = KafkaCluster {
        id: id.clone(),
        env: env_id,
        network: net_id,
        display_name,
        availability,
        cloud,
        region,
        cku,
        applied_cku: cku,
        resize_due: None,
        zones,
        deletion_protection,
        phase: PROVISIONING,
        meta: Meta { created: now, updated: now, deleted: None, due },
    };
    let body = render(&s, &c);
    let location = format!("{}/cmk/v2/clusters/{id}", s.base_url);
    s.kafka.push(c);
    let mut r = json(StatusCode::ACCEPTED, &body);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `PATCH`: `display_name`, `availability`, `config.cku` (a resize: `status.cku` follows after the
/// cluster delay) and `deletion_protection`; `spec.environment` is required in the body.
pub(crate) async fn update(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let availability = spec.str_opt("availability")?.map(str::to_owned);
    let deletion_protection = spec.bool_opt("deletion_protection")?;
    let config = spec.obj_opt("config", "/spec/config")?;
    let cku = match &config {
        Some(config) => {
            let kind = config.str_req("kind")?;
            if kind != "Dedicated" {
                return Err(CfError::invalid(
                    "/spec/config/kind",
                    format!("a Dedicated cluster cannot become '{kind}'"),
                ));
            }
            config.int_opt("cku")?
        }
        None => None,
    };
    if let Some(a) = &availability
        && !AVAILABILITY.contains(&a.as_str())
    {
        return Err(CfError::invalid(
            "/spec/availability",
            "availability must be SINGLE_ZONE, MULTI_ZONE, LOW or HIGH",
        ));
    }

    let mut s = app.world();
    body_environment(&s, &env_id)?;
    let found = s.kafka.iter().find(|c| c.id == id && c.env == env_id);
    let current = found.map(|c| render(&s, c)).ok_or_else(|| CfError::not_found("cluster", &id))?;
    unchanged(&spec, &current["spec"], &["cloud", "region", "network", "byok"])?;
    if let Some(config) = &config {
        unchanged(config, &current["spec"]["config"], &["zones"])?;
    }
    let now = s.now();
    let resize = s.due_in(s.delays.cluster);
    let Some(c) = s.kafka.iter_mut().find(|c| c.id == id) else {
        return Err(CfError::not_found("cluster", &id));
    };
    let availability = availability.unwrap_or_else(|| c.availability.clone());
    let min = if availability == "MULTI_ZONE" || availability == "HIGH" { 2 } else { 1 };
    let cku = match cku {
        Some(n) => u32::try_from(n).ok().filter(|&n| n >= min).ok_or_else(|| {
            CfError::invalid("/spec/config/cku", format!("cku must be at least {min} for {availability} availability"))
        })?,
        None if c.cku < min => {
            return Err(CfError::invalid(
                "/spec/config/cku",
                format!("{availability} availability needs at least {min} CKUs; set spec.config.cku too"),
            ));
        }
        None => c.cku,
    };
    if let Some(name) = display_name {
        c.display_name = name;
    }
    if let Some(p) = deletion_protection {
        c.deletion_protection = Some(p);
    }
    c.availability = availability;
    if cku != c.cku {
        c.cku = cku;
        c.resize_due = resize;
    }
    c.meta.updated = now;
    let c = c.clone();
    Ok(json(StatusCode::OK, &render(&s, &c)))
}
