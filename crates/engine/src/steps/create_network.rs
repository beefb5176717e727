//! Create the Confluent PrivateLink network (`confluent.network.create: true` only).
//!
//! ## What it does
//! `POST /networking/v1/networks` with `cloud: AWS`, the plan's region, `connection_types:
//! [PRIVATELINK]`, three zones that overlap TiDB's (declared, or chosen by the planner from
//! `getAvailabilityZones`) and the DNS resolution; then records the network id, its VPC
//! endpoint service name and its unique name for the later steps.
//!
//! ## Preconditions
//! The environment exists; TiDB's zones are known (observed or declared) so the zones overlap.
//!
//! ## Idempotency
//! Natural key: environment + display name. The network is looked up with the list filtered by
//! display name before the create, and again after an ambiguous create failure.
//!
//! ## Waits for
//! `status.phase` READY; FAILED (with `error_message`) fails the step.
//!
//! ## Undo
//! `DELETE /networking/v1/networks/{id}`, then wait for 404 (only networks linkplan created).

use linkplan_confluent::resources::Cloud;
use linkplan_confluent::resources::networks::{ConnectionType, CreateNetwork, DnsResolution};

use super::{
    ApplyCtx, StepError, StepOutcome, create_unless_found, phase_acceptor, recorded, retry_hint, wait_failed,
    wait_gone, wait_keeping_oldest,
};
use crate::desired::{self, NetworkSource};
use crate::destroy::{ReverseStep, Reverser, created_network_key};
use crate::diff::Planner;
use crate::observe::{NetworkObserved, network_observed, with_causes};
use crate::step::{Action, Change, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

/// READY, FAILED, or pending.
pub fn acceptor(network: &NetworkObserved) -> Acceptor {
    phase_acceptor(network.phase.as_ref(), network.error.as_deref())
}

/// The plan's step for this kind (`None`: the plan needs none), after the steps `after`.
pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = p.desired;
    let NetworkSource::Create { display_name, dns_resolution } = &desired.confluent.network.source else {
        return None;
    };
    let observed = p.observed.network.as_ref();
    let action = match observed {
        None => Action::Create,
        Some(n) => p.lifecycle(crate::steps::create_network::acceptor(n), &n.id),
    };
    let mut details = vec![
        ("environment", desired.confluent.environment.clone()),
        ("region", desired.confluent.network.region.to_string()),
        ("zones", resolved.network_zones.join(", ")),
        ("dns_resolution", dns_resolution.as_str().to_owned()),
    ];
    if let Some(n) = observed {
        details.insert(0, ("id", n.id.clone()));
    }
    let key = [desired.confluent.environment.as_str(), display_name.as_str()];
    let step_id = StepId::new(StepKind::CreateNetwork, &key);
    // The network linkplan created (journal) under another name or in another region: neither
    // changes in place, and everything else stands on the network, so linkplan does not
    // replace it.
    let mut changes = Vec::new();
    if let Some(n) = observed {
        if let Some(live) = n.display_name.as_ref().filter(|live| *live != display_name) {
            changes.push(change("confluent.network.display_name", live, display_name));
        }
        let region = desired.confluent.network.region.as_str();
        if let Some(live) = n.region.as_ref().filter(|live| *live != region) {
            changes.push(change("confluent.network.region", live, region));
        }
    }
    let action = p.changed(&step_id, action, &changes, "the network (and all that stands on it)", false);
    let id = p.push(
        StepKind::CreateNetwork,
        &key,
        action,
        after,
        format!("PrivateLink network \"{display_name}\""),
        details,
    );
    if let Some(step) = p.last_step_mut() {
        step.changes = changes;
    }
    Some(id)
}

fn change(key: &str, from: &str, to: &str) -> Change {
    Change { key: key.to_owned(), from: from.to_owned(), to: to.to_owned(), forces_replacement: true }
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    let desired = &ctx.desired.confluent;
    let NetworkSource::Create { display_name, dns_resolution } = &desired.network.source else {
        return Err(StepError::new(step, "creating the network", "the plan references an existing network", None));
    };
    let env = desired.environment.as_str();
    let networks = ctx.engine.confluent.networks();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    // Creates this step sent (0: found by its natural key).
    let mut sent = 0;
    let network = match networks.find(env, display_name).await.map_err(|e| vendor("looking the network up", &e))? {
        Some(n) => n,
        None => {
            let request = CreateNetwork {
                environment: env.to_owned(),
                display_name: Some(display_name.clone()),
                cloud: Cloud::Aws,
                region: desired.network.region.as_str().to_owned(),
                connection_types: vec![ConnectionType::PrivateLink],
                zones: Some(ctx.resolved().network_zones),
                dns_resolution: Some(match dns_resolution {
                    desired::DnsResolution::Private => DnsResolution::Private,
                    desired::DnsResolution::ChasedPrivate => DnsResolution::ChasedPrivate,
                }),
            };
            let find =
                || async { networks.find(env, display_name).await.map_err(|e| vendor("looking the network up", &e)) };
            let made = create_unless_found(
                ctx,
                step,
                find,
                || networks.create(&request),
                linkplan_confluent::Error::is_ambiguous,
                |e| vendor("creating the network", &e),
            )
            .await?;
            sent = made.1;
            made.0
        }
    };
    let networks = &networks;
    let wait = |id: String| async move {
        let policy = ctx.engine.config.network;
        ctx.wait(step, policy, || networks.get(env, &id), |n| acceptor(&network_observed(n.clone()))).await.map_err(
            |e| {
                wait_failed(step, "waiting for the network", e, |_| {
                    Some(format!("delete network {id} in Confluent Cloud, then run apply again to recreate it"))
                })
            },
        )
    };
    let list = || async {
        networks.find_all(env, display_name).await.map_err(|e| vendor("looking for a concurrent apply's network", &e))
    };
    let delete = |id: String| async move {
        match networks.delete(env, &id).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(vendor("deleting the duplicate network", &e)),
        }
    };
    let id_of: fn(&linkplan_confluent::resources::networks::Network) -> &str = |n| n.id.as_str();
    let (_, ready, created) = wait_keeping_oldest(network.id, sent, wait, id_of, list, delete).await?;
    let observed = network_observed(ready);
    ctx.update(|r| {
        r.network_id = Some(observed.id.clone());
        r.service_name.clone_from(&observed.service_name);
        if r.unique_name.is_none() {
            r.unique_name = observed.unique_name();
        }
    });
    let mut outcome = StepOutcome { resource_id: observed.id.clone(), created, ..StepOutcome::default() };
    outcome.outputs.extend(observed.unique_name().map(|s| ("unique_name".to_owned(), s)));
    outcome.outputs.extend(observed.service_name.map(|s| ("service_name".to_owned(), s)));
    Ok(outcome)
}

/// Destroy: the network linkplan created goes once nothing holds it; a referenced one never.
pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let Some(key) = created_network_key(r.desired) else {
        if let Some(n) = &r.observed.network {
            r.context.push(format!("Confluent network {}: referenced by `confluent.network.id`, kept", n.id));
        }
        return None;
    };
    let live = r.observed.network.as_ref().map(|n| n.id.as_str());
    let owner = r.ownership(StepKind::CreateNetwork, &key, live);
    let n = r.observed.network.as_ref()?;
    let display_name = key[1];
    Some(if let Some(reason) = owner.kept() {
        ReverseStep::keep(&key, reason, Some(&n.id))
    } else if !r.network_goes {
        ReverseStep::keep(&key, format!("kept: network \"{display_name}\" still holds the Kafka cluster"), Some(&n.id))
    } else {
        ReverseStep::delete(&key, format!("delete the PrivateLink network \"{display_name}\""), Some(&n.id))
    })
}

/// Destroy: delete the network linkplan created, then wait until a GET says 404.
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the network";
    let env = ctx.desired.confluent.environment.as_str();
    let id = recorded(step, DOING, ctx.resolved().network_id)?;
    let networks = ctx.engine.confluent.networks();
    match networks.delete(env, &id).await {
        Ok(()) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let poll = || async {
        match networks.get(env, &id).await {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.is_not_found() || e.is_forbidden() => Ok(None),
            Err(e) => Err(e),
        }
    };
    wait_gone(ctx, step, ctx.engine.config.network, poll, |n| {
        n.phase().map_or_else(|| "(no phase)".to_owned(), ToString::to_string)
    })
    .await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
