//! Ensure the Confluent PrivateLink access for TiDB Cloud's AWS account.
//!
//! ## What it does
//! `POST /networking/v1/private-link-accesses` (`AwsPrivateLinkAccess`, TiDB's `accountId`,
//! the network) so that TiDB's VPC endpoint is accepted by the network's endpoint service.
//!
//! ## Preconditions
//! The network exists (referenced, or the network step succeeded); TiDB's AWS account is known
//! (from `getAvailabilityZones`, or declared).
//!
//! ## Idempotency
//! Natural key: network + AWS account. Looked up before the create; a 409 (a second access for
//! the same account, say from a concurrent apply) and an ambiguous failure both re-list.
//!
//! ## Waits for
//! `status.phase` READY; FAILED fails the step.
//!
//! ## Undo
//! `DELETE /networking/v1/private-link-accesses/{id}`, then wait for 404.

use linkplan_confluent::resources::private_link_accesses::CreatePrivateLinkAccess;

use super::{
    ApplyCtx, StepError, StepOutcome, create_unless_found, phase_acceptor, recorded, retry_hint, wait_failed, wait_gone,
};
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::{AccessObserved, access_observed, with_causes};
use crate::step::{Action, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

/// READY, FAILED, or pending.
pub fn acceptor(access: &AccessObserved) -> Acceptor {
    phase_acceptor(access.phase.as_ref(), access.error.as_deref())
}

/// The plan's step for this kind (`None`: the plan needs none), after the steps `after`.
pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = p.desired;
    let account = resolved.account.as_deref()?;
    let key = desired.confluent.network.key();
    let found = p.observed.access_for(account);
    let action = match found {
        None => Action::Create,
        Some(a) => p.lifecycle(crate::steps::private_link_access::acceptor(a), &a.id),
    };
    let mut details = vec![("display_name", desired.confluent.access.display_name.clone())];
    if let Some(a) = found {
        details.insert(0, ("id", a.id.clone()));
        details.push(("phase", a.phase.as_ref().map(ToString::to_string).unwrap_or_default()));
    }
    Some(p.push(
        StepKind::PrivateLinkAccess,
        &[key, account],
        action,
        after,
        format!("PrivateLink access for TiDB Cloud's AWS account {account}"),
        details,
    ))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the PrivateLink access";
    let desired = &ctx.desired.confluent;
    let env = desired.environment.as_str();
    let resolved = ctx.resolved();
    let (Some(network), Some(account)) = (resolved.network_id, resolved.account) else {
        return Err(StepError::new(step, DOING, "the network id or TiDB's AWS account is unknown", retry_hint()));
    };
    let accesses = ctx.engine.confluent.private_link_accesses();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let find = || async {
        accesses.find(env, &network, &account).await.map_err(|e| vendor("looking the PrivateLink access up", &e))
    };
    let mut created = false;
    let access = match find().await? {
        Some(a) => a,
        None => {
            let request = CreatePrivateLinkAccess {
                environment: env.to_owned(),
                network: network.clone(),
                aws_account: account.clone(),
                display_name: Some(desired.access.display_name.clone()),
            };
            // 409: someone else created it meanwhile; ambiguous: ours may have landed.
            let settles = |e: &linkplan_confluent::Error| e.is_conflict() || e.is_ambiguous();
            let made =
                create_unless_found(ctx, step, find, || accesses.create(&request), settles, |e| vendor(DOING, &e))
                    .await?;
            created = made.1 > 0;
            made.0
        }
    };
    let id = access.id.clone();
    ctx.wait(step, ctx.engine.config.access, || accesses.get(env, &id), |a| acceptor(&access_observed(a.clone())))
        .await
        .map_err(|e| {
            wait_failed(step, "waiting for the PrivateLink access", e, |_| {
                Some(format!("delete access {id} in Confluent Cloud, then run apply again"))
            })
        })?;
    Ok(StepOutcome { resource_id: id, created, ..StepOutcome::default() })
}

/// Destroy: the access goes only if linkplan created it and either the network goes too or
/// `delete_access` asks (other TiDB clusters on the same AWS account may use it).
pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let account = r.account.clone()?;
    let key = [r.desired.confluent.network.key(), account.as_str()];
    let live = r.observed.access_for(&account);
    let owner = r.ownership(StepKind::PrivateLinkAccess, &key, live.map(|a| a.id.as_str()));
    let a = live?;
    let kept = if let Some(reason) = owner.kept() {
        Some(format!("{reason}; other connections from AWS account {account} may use it"))
    } else if !r.network_goes && !r.options.delete_access {
        Some(format!(
            "kept: other TiDB clusters on AWS account {account} may connect through this network \
             (--delete-access deletes it)"
        ))
    } else {
        None
    };
    Some(match kept {
        None => {
            r.resolved.access_id = Some(a.id.clone());
            ReverseStep::delete(&key, format!("delete the PrivateLink access for AWS account {account}"), Some(&a.id))
        }
        Some(reason) => ReverseStep::keep(&key, reason, Some(&a.id)),
    })
}

/// Destroy: delete the access, then wait until a GET says 404.
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the PrivateLink access";
    let env = ctx.desired.confluent.environment.as_str();
    let id = recorded(step, DOING, ctx.resolved().access_id)?;
    let accesses = ctx.engine.confluent.private_link_accesses();
    match accesses.delete(env, &id).await {
        Ok(()) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let poll = || async {
        match accesses.get(env, &id).await {
            Ok(a) => Ok(Some(a)),
            Err(e) if e.is_not_found() || e.is_forbidden() => Ok(None),
            Err(e) => Err(e),
        }
    };
    wait_gone(ctx, step, ctx.engine.config.access, poll, |a| {
        a.phase().map_or_else(|| "(no phase)".to_owned(), ToString::to_string)
    })
    .await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
