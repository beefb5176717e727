//! `networking/v1` private-link-accesses: allow an AWS account to reach a network's endpoint service.

use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{
    CfError, CfResult, body_environment, env_ref, environment, matches_filter, metadata, network_ref, page, unchanged,
};
use crate::fields::Fields;
use crate::http::{App, Ids, insert, json, query_all, query_pairs, read_json};
use crate::state::{Access, DEPROVISIONING, Meta, PROVISIONING, State};

fn render(s: &State, a: &Access) -> Value {
    let mut spec = json!({
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": a.account },
        "environment": env_ref(s, &a.env),
        "network": network_ref(s, &a.env, &a.network),
    });
    if let (Some(name), Some(obj)) = (&a.display_name, spec.as_object_mut()) {
        obj.insert("display_name".to_owned(), json!(name));
    }
    let mut status = json!({ "phase": a.phase });
    if let (Some(err), Some(obj)) = (&a.error, status.as_object_mut()) {
        obj.insert("error_code".to_owned(), json!("PROVISIONING_FAILED"));
        obj.insert("error_message".to_owned(), json!(err));
    }
    json!({
        "api_version": "networking/v1",
        "kind": "PrivateLinkAccess",
        "id": a.id,
        "metadata": metadata(
            s,
            &format!("/networking/v1/private-link-accesses/{}", a.id),
            &format!("environment={}/network={}/private-link-access={}", a.env, a.network, a.id),
            &a.meta,
        ),
        "spec": spec,
        "status": status,
    })
}

pub(crate) async fn list(AxState(app): AxState<App>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let names = query_all(&pairs, "spec.display_name");
    let networks = query_all(&pairs, "spec.network");
    let phases = query_all(&pairs, "status.phase");
    let items = s
        .accesses
        .iter()
        .filter(|a| a.env == env)
        .filter(|a| matches_filter(&names, a.display_name.as_deref()))
        .filter(|a| matches_filter(&networks, Some(&a.network)))
        .filter(|a| matches_filter(&phases, Some(a.phase)))
        .map(|a| render(&s, a))
        .collect();
    page(&s, &pairs, "/networking/v1/private-link-accesses", "networking/v1", "PrivateLinkAccessList", 1000, items)
}

pub(crate) async fn get(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let s = app.world();
    let env = environment(&s, &pairs)?;
    let a = s
        .accesses
        .iter()
        .find(|a| a.id == id && a.env == env)
        .ok_or_else(|| CfError::not_found("private link access", &id))?;
    Ok(json(StatusCode::OK, &render(&s, a)))
}

pub(crate) async fn delete(AxState(app): AxState<App>, Ids(id): Ids<String>, uri: Uri) -> CfResult {
    let pairs = query_pairs(&uri);
    let mut s = app.world();
    let env = environment(&s, &pairs)?;
    let now = s.now();
    let due = s.due_in(s.delays.private_link_access_delete);
    let a = s
        .accesses
        .iter_mut()
        .find(|a| a.id == id && a.env == env)
        .ok_or_else(|| CfError::not_found("private link access", &id))?;
    if a.phase != DEPROVISIONING {
        a.phase = DEPROVISIONING;
        a.meta.deleted = Some(now);
        a.meta.updated = now;
        a.meta.due = due;
    }
    s.tick();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn create(AxState(app): AxState<App>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let cloud = spec.obj_req("cloud", "/spec/cloud")?;
    let kind = cloud.str_req("kind")?;
    let account = cloud.str_req("account")?.to_owned();
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let net_id = spec.obj_req("network", "/spec/network")?.str_req("id")?.to_owned();
    if kind != "AwsPrivateLinkAccess" {
        return Err(CfError::invalid(
            "/spec/cloud/kind",
            format!("the simulator supports only AwsPrivateLinkAccess, not '{kind}'"),
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CfError::invalid("/spec/cloud/account", "account must be a 12-digit AWS account id"));
    }

    let mut s = app.world();
    body_environment(&s, &env_id)?;
    let Some(net) = s.networks.iter().find(|n| n.id == net_id && n.env == env_id) else {
        return Err(CfError::invalid(
            "/spec/network/id",
            format!("network '{net_id}' was not found in environment '{env_id}'"),
        ));
    };
    if !net.connection_types.iter().any(|t| t == "PRIVATELINK") {
        return Err(CfError::invalid("/spec/network/id", format!("network '{net_id}' does not support PRIVATELINK")));
    }
    if let Some(existing) =
        s.accesses.iter().find(|a| a.network == net_id && a.account == account && a.phase != DEPROVISIONING)
    {
        let location = format!("{}/networking/v1/private-link-accesses/{}", s.base_url, existing.id);
        return Err(CfError::new(
            StatusCode::CONFLICT,
            "resource_already_exists",
            "Resource Already Exists",
            format!(
                "a private link access for account '{account}' already exists on network '{net_id}': '{}'",
                existing.id
            ),
        )
        .location(location));
    }
    let now = s.now();
    let due = s.due_in(s.delays.private_link_access);
    let id = s.ids.confluent_id("pla-");
    let a = Access {
        id: id.clone(),
        env: env_id,
        network: net_id,
        account,
        display_name,
        phase: PROVISIONING,
        error: None,
        meta: Meta { created: now, updated: now, deleted: None, due },
    };
    let body = render(&s, &a);
    let location = format!("{}/networking/v1/private-link-accesses/{id}", s.base_url);
    s.accesses.push(a);
    let mut r = json(StatusCode::ACCEPTED, &body);
    insert(&mut r, "location", &location);
    Ok(r)
}

/// `PATCH`: only `spec.display_name` changes; `spec.environment` is required in the body.
pub(crate) async fn update(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> CfResult {
    let body = read_json(body, app.body_limit).await?;
    let root = Fields::root(&body);
    let spec = root.obj_req("spec", "/spec")?;
    let env_id = spec.obj_req("environment", "/spec/environment")?.str_req("id")?.to_owned();
    let display_name = spec.str_opt("display_name")?.map(str::to_owned);
    let mut s = app.world();
    body_environment(&s, &env_id)?;
    let found = s.accesses.iter().find(|a| a.id == id && a.env == env_id);
    let current = found.map(|a| render(&s, a)).ok_or_else(|| CfError::not_found("private link access", &id))?;
    unchanged(&spec, &current["spec"], &["cloud", "network"])?;
    let now = s.now();
    let Some(a) = s.accesses.iter_mut().find(|a| a.id == id) else {
        return Err(CfError::not_found("private link access", &id));
    };
    if display_name.is_some() {
        a.display_name = display_name;
    }
    a.meta.updated = now;
    let a = a.clone();
    Ok(json(StatusCode::OK, &render(&s, &a)))
}
