//! Ensure the Dedicated Kafka cluster in the network.
//!
//! ## What it does
//! `POST /cmk/v2/clusters` with `config.kind: Dedicated`, the plan's availability and CKUs, in
//! the network (cloud AWS, the network's region). With `confluent.cluster.id`, it only waits for
//! that cluster.
//!
//! ## Preconditions
//! The network exists. Independent of the access: the two run concurrently.
//!
//! ## Idempotency
//! Natural key: environment + network + display name (or the declared id). Looked up before the
//! create and again after an ambiguous failure.
//!
//! ## Waits for
//! `status.phase` PROVISIONED (note: not READY; typically ~25 min, can be hours); FAILED fails.
//!
//! ## Undo
//! `DELETE /cmk/v2/clusters/{id}` (deletes its data: destroy asks for an extra flag); a
//! referenced cluster (`id` in the plan) is never deleted.

use linkplan_confluent::resources::Cloud;
use linkplan_confluent::resources::clusters::{Availability, ClusterPhase, CreateCluster, UpdateCluster};

use super::{
    ApplyCtx, StepError, StepOutcome, create_unless_found, failed, recorded, retry_hint, wait_failed, wait_gone,
    wait_keeping_oldest,
};
use crate::desired;
use crate::destroy::{Ownership, ReverseStep, Reverser, cluster_key};
use crate::diff::Planner;
use crate::observe::{ClusterObserved, cluster_observed, with_causes};
use crate::step::{Action, Change, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

/// PROVISIONED (not READY: clusters have their own phases), FAILED, or pending.
pub fn acceptor(cluster: &ClusterObserved) -> Acceptor {
    match &cluster.phase {
        Some(ClusterPhase::Provisioned) => Acceptor::Ready,
        Some(ClusterPhase::Failed) => failed(ClusterPhase::Failed.as_str(), None),
        Some(phase) => Acceptor::Pending(phase.to_string()),
        None => Acceptor::Pending("(no phase)".to_owned()),
    }
}

/// The plan's step for this kind (`None`: the plan needs none), after the steps `after`.
pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = &p.desired.confluent.cluster;
    let key = p.desired.confluent.network.key();
    let found = p.observed.cluster.as_ref();
    let action = match (found, &desired.id) {
        (None, Some(id)) => {
            p.block(
                format!("Kafka cluster {id} was not found in network {key}"),
                "check `confluent.cluster.id`, or leave it out to let linkplan create the cluster",
            );
            Action::Wait
        }
        (None, None) => Action::Create,
        (Some(c), _) if !c.dedicated => {
            p.block(
                format!("Kafka cluster {} is not a Dedicated cluster", c.id),
                "only Dedicated clusters support PrivateLink on AWS",
            );
            Action::Wait
        }
        (Some(c), _) => p.lifecycle(crate::steps::cluster::acceptor(c), &c.id),
    };
    let step_id = StepId::new(StepKind::Cluster, &[key, &desired.display_name]);
    // What linkplan manages of a cluster it creates: a referenced one (`id`) is only used.
    let changes = match found {
        Some(c) if desired.id.is_none() && c.dedicated => cluster_changes(desired, resolved, c),
        _ => Vec::new(),
    };
    let what = "the Kafka cluster (deleted, with its data, and created again)";
    let action = p.changed(&step_id, action, &changes, what, true);
    let (availability, cku) = match found {
        // The live values (the changes show the plan's).
        Some(c) => (
            c.availability.as_ref().map_or_else(|| desired.availability.as_str().to_owned(), ToString::to_string),
            c.cku.unwrap_or(desired.cku).to_string(),
        ),
        None => (desired.availability.as_str().to_owned(), desired.cku.to_string()),
    };
    let mut details = vec![("availability", availability), ("cku", cku)];
    if let Some(c) = found {
        details.insert(0, ("id", c.id.clone()));
        details.push(("phase", c.phase.as_ref().map(ToString::to_string).unwrap_or_default()));
        if let (Some(asked), Some(serving)) = (c.cku, c.status_cku)
            && asked != serving
        {
            details.push(("cku in service", serving.to_string()));
        }
    }
    let id = p.push(
        StepKind::Cluster,
        &[key, &desired.display_name],
        action,
        after,
        format!("Dedicated Kafka cluster \"{}\"", desired.display_name),
        details,
    );
    if let Some(step) = p.last_step_mut() {
        step.changes = changes;
    }
    Some(id)
}

/// The managed values of a live cluster that differ from the plan: the display name (a cluster
/// the journal recorded, renamed in the plan) and CKUs change in place; availability and the
/// network cannot (Terraform replaces for them too).
fn cluster_changes(
    desired: &crate::desired::ClusterDesired,
    resolved: &Resolved,
    live: &crate::observe::ClusterObserved,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(name) = &live.display_name
        && name != &desired.display_name
    {
        changes.push(Change {
            key: "confluent.cluster.display_name".to_owned(),
            from: name.clone(),
            to: desired.display_name.clone(),
            forces_replacement: false,
        });
    }
    if live.network_id.is_some() && live.network_id != resolved.network_id {
        changes.push(Change {
            key: "confluent.network".to_owned(),
            from: live.network_id.clone().unwrap_or_default(),
            to: resolved.network_id.clone().unwrap_or_else(|| "(the network linkplan creates)".to_owned()),
            forces_replacement: true,
        });
    }
    if let Some(live) = live.cku
        && live != desired.cku
    {
        changes.push(Change {
            key: "confluent.cluster.cku".to_owned(),
            from: live.to_string(),
            to: desired.cku.to_string(),
            forces_replacement: false,
        });
    }
    if let Some(live) = &live.availability
        && live.as_str() != desired.availability.as_str()
    {
        changes.push(Change {
            key: "confluent.cluster.availability".to_owned(),
            from: live.to_string(),
            to: desired.availability.as_str().to_owned(),
            forces_replacement: true,
        });
    }
    changes
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the Kafka cluster";
    let desired = &ctx.desired.confluent;
    let env = desired.environment.as_str();
    let Some(network) = ctx.resolved().network_id else {
        return Err(StepError::new(step, DOING, "the network id is unknown", retry_hint()));
    };
    let clusters = ctx.engine.confluent.clusters();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let wanted = &desired.cluster;
    if wanted.id.is_none() {
        rename(ctx, step).await?;
    }
    let find = || async {
        match &wanted.id {
            Some(id) => match clusters.get(env, id).await {
                Ok(c) => Ok(Some(c)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(vendor("looking the Kafka cluster up", &e)),
            },
            None => clusters
                .find(env, &network, &wanted.display_name)
                .await
                .map_err(|e| vendor("looking the Kafka cluster up", &e)),
        }
    };
    // Creates this step sent (0: found by its natural key).
    let mut sent = 0;
    let cluster = match (find().await?, &wanted.id) {
        (Some(c), _) => c,
        (None, Some(id)) => {
            return Err(StepError::new(
                step,
                "looking the Kafka cluster up",
                format!("cluster {id} does not exist"),
                Some("check `confluent.cluster.id`, or leave it out to let linkplan create the cluster".to_owned()),
            ));
        }
        (None, None) => {
            let request = CreateCluster {
                environment: env.to_owned(),
                network: network.clone(),
                display_name: wanted.display_name.clone(),
                availability: match wanted.availability {
                    desired::Availability::SingleZone => Availability::SingleZone,
                    desired::Availability::MultiZone => Availability::MultiZone,
                },
                cloud: Cloud::Aws,
                region: desired.network.region.as_str().to_owned(),
                cku: wanted.cku,
                zones: None,
            };
            let made = create_unless_found(
                ctx,
                step,
                find,
                || clusters.create(&request),
                linkplan_confluent::Error::is_ambiguous,
                |e| vendor(DOING, &e),
            )
            .await?;
            sent = made.1;
            made.0
        }
    };
    let clusters = &clusters;
    let wait = |id: String| async move {
        let policy = ctx.engine.config.cluster;
        ctx.wait(step, policy, || clusters.get(env, &id), |c| acceptor(&cluster_observed(c))).await.map_err(|e| {
            wait_failed(step, "waiting for the Kafka cluster", e, |_| {
                Some(format!(
                    "see cluster {id} in the Confluent Cloud console; delete it and run apply again to recreate it"
                ))
            })
        })
    };
    let list = || async {
        clusters
            .find_all(env, &network, &wanted.display_name)
            .await
            .map_err(|e| vendor("looking for a concurrent apply's cluster", &e))
    };
    let delete = |id: String| async move {
        match clusters.delete(env, &id).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(vendor("deleting the duplicate Kafka cluster", &e)),
        }
    };
    let id_of: fn(&linkplan_confluent::resources::clusters::Cluster) -> &str = |c| c.id.as_str();
    let (id, ready, created) = wait_keeping_oldest(cluster.id, sent, wait, id_of, list, delete).await?;
    ctx.update(|r| {
        r.kafka_cluster_id = Some(id.clone());
        r.kafka_bootstrap_host = crate::cdc::bootstrap_host(&ready);
    });
    // A cluster linkplan manages gets the plan's CKUs: PATCH, then wait until they serve.
    if wanted.id.is_none() {
        let asked = ready.spec.config.as_ref().and_then(|c| c.cku);
        let serving = ready.status.as_ref().and_then(|s| s.cku);
        if asked != Some(wanted.cku) {
            clusters.resize(env, &id, wanted.cku).await.map_err(|e| vendor("resizing the Kafka cluster", &e))?;
        }
        if asked != Some(wanted.cku) || serving.is_some_and(|n| n != wanted.cku) {
            let policy = ctx.engine.config.cluster;
            let cku = wanted.cku;
            let resized = |c: &linkplan_confluent::resources::clusters::Cluster| match acceptor(&cluster_observed(c)) {
                Acceptor::Ready => match c.status.as_ref().and_then(|s| s.cku) {
                    Some(n) if n == cku => Acceptor::Ready,
                    n => Acceptor::Pending(format!(
                        "RESIZING ({} of {cku} CKUs in service)",
                        n.map_or_else(|| "?".to_owned(), |n| n.to_string())
                    )),
                },
                other => other,
            };
            ctx.wait(step, policy, || clusters.get(env, &id), resized).await.map_err(|e| {
                wait_failed(step, "waiting for the Kafka cluster's resize", e, |_| {
                    Some(format!("see cluster {id} in the Confluent Cloud console, then run apply again"))
                })
            })?;
        }
    }
    Ok(StepOutcome { resource_id: id, created, ..StepOutcome::default() })
}

/// A cluster the journal recorded under another display name gets the plan's (`PATCH`: the
/// id and the data stay), so the lookup by natural key that follows finds it.
async fn rename(ctx: &ApplyCtx<'_>, step: &Step) -> Result<(), StepError> {
    const DOING: &str = "renaming the Kafka cluster";
    let Some(change) = step.changes.iter().find(|c| c.key == "confluent.cluster.display_name") else {
        return Ok(());
    };
    let env = ctx.desired.confluent.environment.as_str();
    let id = recorded(step, DOING, ctx.resolved().kafka_cluster_id)?;
    let update = UpdateCluster { display_name: Some(change.to.clone()), cku: None };
    match ctx.engine.confluent.clusters().update(env, &id, &update).await {
        Ok(_) => Ok(()),
        // Gone since the plan: the lookup finds nothing and apply creates the plan's cluster.
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
}

/// Replace (`-/+`, only when the plan was made with `--replace` for this step): delete the
/// cluster linkplan created, wait until it is gone, then create it again as the plan says.
/// A cluster the journal does not record as linkplan's is never deleted.
pub async fn replace(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "replacing the Kafka cluster";
    let id = recorded(step, DOING, ctx.resolved().kafka_cluster_id)?;
    let owned = crate::Journal::owned(&ctx.journal.entries());
    if !crate::Journal::owns(&owned, StepKind::Cluster, &id) {
        return Err(StepError::new(
            step,
            DOING,
            format!("cluster {id} was not created by linkplan (no journal record), so linkplan will not delete it"),
            Some("delete it yourself if it should go, then run apply again to create it as the plan says".to_owned()),
        ));
    }
    delete(ctx, step).await?;
    ctx.update(|r| r.kafka_cluster_id = None);
    apply(ctx, step).await
}

/// Destroy: the cluster goes only if linkplan created it and `delete_kafka_cluster` asks (its
/// data goes with it); a referenced one (`id`) never.
pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let wanted = &r.desired.confluent.cluster;
    let key = cluster_key(r.desired);
    let live = r.observed.cluster.as_ref().map(|c| c.id.as_str());
    let owner = match &wanted.id {
        None => r.ownership(StepKind::Cluster, &key, live),
        Some(_) => Ownership::NotRecorded,
    };
    let c = r.observed.cluster.as_ref()?;
    let kept = if wanted.id.is_some() {
        Some("kept: referenced by `confluent.cluster.id`".to_owned())
    } else if let Some(reason) = owner.kept() {
        Some(reason)
    } else if !r.options.delete_kafka_cluster {
        Some("kept: deleting a Kafka cluster deletes its data (--delete-kafka-cluster deletes it)".to_owned())
    } else {
        None
    };
    Some(match kept {
        Some(reason) => ReverseStep::keep(&key, reason, Some(&c.id)),
        None => {
            r.resolved.kafka_cluster_id = Some(c.id.clone());
            let summary = format!("delete the Kafka cluster \"{}\" and its data", wanted.display_name);
            ReverseStep::delete(&key, summary, Some(&c.id))
        }
    })
}

/// Destroy (only when asked for explicitly): delete the cluster, then wait until a GET says 404.
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the Kafka cluster";
    let env = ctx.desired.confluent.environment.as_str();
    let id = recorded(step, DOING, ctx.resolved().kafka_cluster_id)?;
    let clusters = ctx.engine.confluent.clusters();
    match clusters.delete(env, &id).await {
        Ok(()) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let poll = || async {
        match clusters.get(env, &id).await {
            Ok(c) => Ok(Some(c)),
            Err(e) if e.is_not_found() || e.is_forbidden() => Ok(None),
            Err(e) => Err(e),
        }
    };
    wait_gone(ctx, step, ctx.engine.config.cluster, poll, |_| "DELETING".to_owned()).await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
