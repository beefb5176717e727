//! Ensure TiDB's private link connection to the network's AWS endpoint service.
//!
//! ## What it does
//! `POST /v1beta1/clusters/{clusterId}/privateLinkConnections` of type `AWS_ENDPOINT_SERVICE`
//! with the network's VPC endpoint service name. AWS refuses the endpoint (the connection goes
//! FAILED) unless the service allows TiDB's account, which is what the access does: so the
//! connection is created only after the access is READY.
//!
//! ## Preconditions
//! The access is READY (otherwise the connection goes FAILED: the service is not available to
//! the account) and the service name is known. Not the Kafka cluster: the connection reaches the
//! network's endpoint service, so it is made while the cluster provisions.
//!
//! ## Idempotency
//! Natural key: TiDB cluster + endpoint service name. Listed before the create and again after
//! an ambiguous failure.
//!
//! ## Waits for
//! `state` ACTIVE. FAILED fails with TiDB's `message` and a hint naming the access; a
//! PENDING_ACCEPTANCE (a service that wants its owner to accept each endpoint; Confluent's do
//! not) that lasts longer than the grace period fails with the hint to accept it.
//!
//! ## Undo
//! `DELETE …/privateLinkConnections/{id}` after the domains are detached.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

use linkplan_tidbcloud::resources::private_link_connections::{
    CreatePrivateLinkConnection, PrivateLinkConnection, PrivateLinkConnectionState as State,
};

use super::{
    ApplyCtx, StepError, StepOutcome, create_unless_found, failed, recorded, retry_hint, wait_failed, wait_gone,
    wait_keeping_oldest,
};
use crate::destroy::{NOT_CREATED, ReverseStep, Reverser, connection_key};
use crate::diff::Planner;
use crate::observe::{ConnectionObserved, connection_observed, with_causes};
use crate::step::{Action, Change, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

const PENDING_ACCEPTANCE: &str = "PENDING_ACCEPTANCE";

/// ACTIVE, FAILED, or pending (CREATING, PENDING_ACCEPTANCE).
pub fn acceptor(connection: &ConnectionObserved) -> Acceptor {
    match &connection.state {
        Some(State::Active) => Acceptor::Ready,
        Some(State::Failed) => failed(State::Failed.as_str(), connection.message.as_deref()),
        Some(state) => Acceptor::Pending(state.to_string()),
        None => Acceptor::Pending("(no state)".to_owned()),
    }
}

/// The plan's step for this kind (`None`: the plan needs none), after the steps `after`.
pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = p.desired;
    let found = p.observed.connection.as_ref();
    let action = match found {
        None => Action::Create,
        Some(c) => match crate::steps::private_link_connection::acceptor(c) {
            Acceptor::Ready => Action::Unchanged,
            Acceptor::Pending(_) => Action::Wait,
            Acceptor::Failed { reason, .. } => {
                p.block(
                    format!("private link connection {} is FAILED: {reason}", c.id),
                    &format!("delete connection {} in TiDB Cloud, fix the cause, then plan again", c.id),
                );
                Action::Wait
            }
        },
    };
    let mut details = vec![
        ("display_name", desired.connection.display_name.clone()),
        ("type", "AWS_ENDPOINT_SERVICE".to_owned()),
        (
            "endpoint_service",
            resolved.service_name.clone().unwrap_or_else(|| "(known once the network is READY)".to_owned()),
        ),
    ];
    if let Some(c) = found {
        details.insert(0, ("id", c.id.clone()));
        details.push(("state", c.state.as_ref().map(ToString::to_string).unwrap_or_default()));
    }
    let key = [desired.tidb.cluster_id.as_str(), desired.connection.display_name.as_str()];
    let step_id = StepId::new(StepKind::PrivateLinkConnection, &key);
    // The connection linkplan created (journal) to another endpoint service: the plan moved to
    // another network. TiDB cannot point a connection elsewhere.
    let changes: Vec<Change> = match (found.and_then(|c| c.service_name.as_ref()), &resolved.service_name) {
        (Some(live), Some(wanted)) if live != wanted => vec![Change {
            key: "confluent.vpc_service_endpoint".to_owned(),
            from: live.clone(),
            to: wanted.clone(),
            forces_replacement: true,
        }],
        _ => Vec::new(),
    };
    let action = p.changed(&step_id, action, &changes, "the private link connection (deleted and created again)", true);
    let id = p.push(
        StepKind::PrivateLinkConnection,
        &key,
        action,
        after,
        "TiDB private link connection to the network's endpoint service".to_owned(),
        details,
    );
    if let Some(step) = p.last_step_mut() {
        step.changes = changes;
    }
    Some(id)
}

/// Replace (`-/+`, only with `--replace` for this step): delete the connection linkplan
/// created to the old endpoint service, wait until it is gone, then create the plan's. A
/// connection the journal does not record as linkplan's is never deleted.
pub async fn replace(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "replacing the private link connection";
    let id = recorded(step, DOING, ctx.resolved().connection_id)?;
    let owned = crate::Journal::owned(&ctx.journal.entries());
    if !crate::Journal::owns(&owned, StepKind::PrivateLinkConnection, &id) {
        return Err(StepError::new(
            step,
            DOING,
            format!("connection {id} was not created by linkplan (no journal record), so linkplan will not delete it"),
            Some("delete it yourself if it should go, then run apply again to create the plan's".to_owned()),
        ));
    }
    delete(ctx, step).await?;
    ctx.update(|r| {
        r.connection_id = None;
        r.attach_domain_id = None;
    });
    apply(ctx, step).await
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the private link connection";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let resolved = ctx.resolved();
    let Some(service_name) = resolved.service_name else {
        return Err(StepError::new(step, DOING, "the network's endpoint service name is unknown", retry_hint()));
    };
    let plcs = ctx.engine.tidb.private_link_connections();
    let vendor =
        |doing: &str, e: &linkplan_tidbcloud::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let find = || async {
        plcs.find(cluster_id, &service_name).await.map_err(|e| vendor("looking the private link connection up", &e))
    };
    // Creates this step sent (0: found by its natural key).
    let mut sent = 0;
    let plc = match find().await? {
        Some(p) => p,
        None => {
            let request = CreatePrivateLinkConnection {
                cluster_id: cluster_id.to_owned(),
                display_name: ctx.desired.connection.display_name.clone(),
                aws_endpoint_service: service_name.clone(),
                aws_region: None,
            };
            let made = create_unless_found(
                ctx,
                step,
                find,
                || plcs.create(&request),
                linkplan_tidbcloud::Error::is_ambiguous,
                |e| vendor(DOING, &e),
            )
            .await?;
            sent = made.1;
            made.0
        }
    };

    // PENDING_ACCEPTANCE clears when the service's owner accepts the endpoint; if it lasts
    // past the grace period, nobody will.
    let clock = ctx.engine.clock.as_ref();
    let grace = ctx.engine.config.pending_acceptance_grace;
    let pending_since: Mutex<Option<Duration>> = Mutex::new(None);
    let accept = |p: &PrivateLinkConnection| {
        let observed = connection_observed(p.clone());
        let verdict = acceptor(&observed);
        let mut since = pending_since.lock().unwrap_or_else(PoisonError::into_inner);
        if verdict != Acceptor::Pending(PENDING_ACCEPTANCE.to_owned()) {
            *since = None;
            return verdict;
        }
        let now = clock.now();
        let first = *since.get_or_insert(now);
        if now.saturating_sub(first) >= grace {
            return Acceptor::Failed {
                state: PENDING_ACCEPTANCE.to_owned(),
                reason: observed.message.unwrap_or_else(|| "the endpoint was not accepted".to_owned()),
            };
        }
        verdict
    };
    let account = resolved.account.unwrap_or_else(|| "(unknown)".to_owned());
    let network = resolved.network_id.unwrap_or_else(|| "(unknown)".to_owned());
    let (plcs, accept) = (&plcs, &accept);
    let (account, network) = (&account, &network);
    let wait = |id: String| async move {
        ctx.update(|r| r.connection_id = Some(id.clone()));
        ctx.wait(step, ctx.engine.config.connection, || plcs.get(cluster_id, &id), accept).await.map_err(|e| {
            wait_failed(step, "waiting for the private link connection", e, |state| match state {
                PENDING_ACCEPTANCE => Some(format!(
                    "the endpoint service wants each endpoint accepted by its owner: accept connection {id}'s \
                     endpoint there (Confluent's services accept by themselves: check that {network}'s service \
                     name is the one in the plan), then run apply again"
                )),
                _ => Some(format!(
                    "check that the PrivateLink access for TiDB Cloud's AWS account {account} on network {network} \
                     is READY (an endpoint service refuses an account it does not allow) and the region, shared \
                     zones and service name; then delete connection {id} in TiDB Cloud and run apply again"
                )),
            })
        })
    };
    let list = || async {
        plcs.find_all(cluster_id, &service_name)
            .await
            .map_err(|e| vendor("looking for a concurrent apply's connection", &e))
    };
    let delete = |id: String| async move {
        match plcs.delete(cluster_id, &id).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(vendor("deleting the duplicate private link connection", &e)),
        }
    };
    let id_of: fn(&PrivateLinkConnection) -> &str = |p| p.private_link_connection_id.as_str();
    let (id, _, created) = wait_keeping_oldest(plc.private_link_connection_id, sent, wait, id_of, list, delete).await?;
    Ok(StepOutcome { resource_id: id, created, ..StepOutcome::default() })
}

/// Destroy: delete the connection linkplan created.
pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let key = connection_key(r.desired);
    let live = r.observed.connection.as_ref().map(|c| c.id.as_str());
    let owner = r.ownership(StepKind::PrivateLinkConnection, &key, live);
    let c = r.observed.connection.as_ref()?;
    Some(if r.connection_goes {
        ReverseStep::delete(&key, "delete the TiDB private link connection".to_owned(), Some(&c.id))
    } else {
        ReverseStep::keep(&key, owner.kept().unwrap_or_else(|| NOT_CREATED.to_owned()), Some(&c.id))
    })
}

/// Destroy: delete the connection (after the domains are detached), then wait until a GET says
/// 404.
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the private link connection";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let id = recorded(step, DOING, ctx.resolved().connection_id)?;
    let plcs = ctx.engine.tidb.private_link_connections();
    match plcs.delete(cluster_id, &id).await {
        Ok(_) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let poll = || async {
        match plcs.get(cluster_id, &id).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    };
    wait_gone(ctx, step, ctx.engine.config.connection, poll, |p| {
        p.state.as_ref().map_or_else(|| "(no state)".to_owned(), ToString::to_string)
    })
    .await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
