//! Ensure the Confluent service account the changefeed writes as (`credentials.create: true`).
//!
//! ## What it does
//! `POST /iam/v2/service-accounts` with the plan's display name (default `tidb-<name>-cdc`).
//!
//! ## Preconditions
//! None: it is control plane only, so it runs at once, beside the network and the cluster.
//!
//! ## Idempotency
//! Natural key: the display name (unique in the organization). Looked up before the create; a
//! 409 (a concurrent apply made it) and an ambiguous failure both look it up again.
//!
//! ## Waits for
//! Nothing: a service account is usable as soon as it exists.
//!
//! ## Undo
//! `DELETE /iam/v2/service-accounts/{id}` (after its key and role bindings), only when the
//! journal records that linkplan created it.

use linkplan_confluent::resources::service_accounts::CreateServiceAccount;

use super::{ApplyCtx, StepError, StepOutcome, create_unless_found, recorded, retry_hint};
use crate::desired::CredentialsDesired;
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::with_causes;
use crate::step::{Action, Resolved, Step, StepId, StepKind};

/// The display name, when linkplan makes the credentials.
fn name(desired: &crate::Desired) -> Option<&str> {
    match &desired.changefeed.as_ref()?.credentials {
        CredentialsDesired::Create { service_account } => Some(service_account),
        CredentialsDesired::FromEnv { .. } => None,
    }
}

pub(crate) fn plan(p: &mut Planner<'_>, _resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let name = name(p.desired)?;
    let found = p.observed.cdc.as_ref().and_then(|c| c.service_account.as_ref());
    let action = if found.is_some() { Action::Unchanged } else { Action::Create };
    let mut details = vec![("display_name", name.to_owned())];
    if let Some(sa) = found {
        details.insert(0, ("id", sa.id.clone()));
    }
    Some(p.push(
        StepKind::ServiceAccount,
        &[name],
        action,
        after,
        "Confluent service account the changefeed writes as".to_owned(),
        details,
    ))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the service account";
    let Some(name) = name(ctx.desired) else {
        return Err(StepError::new(step, DOING, "the plan supplies its own Kafka credentials", None));
    };
    let accounts = ctx.engine.confluent.service_accounts();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let find = || async { accounts.find(name).await.map_err(|e| vendor("looking the service account up", &e)) };
    let (account, created) = match find().await? {
        Some(sa) => (sa, false),
        None => {
            let request = CreateServiceAccount {
                display_name: name.to_owned(),
                description: Some(format!(
                    "Writes the changefeed \"{}\" into Kafka (made by linkplan)",
                    ctx.desired.changefeed.as_ref().map_or("", |c| c.display_name.as_str())
                )),
            };
            let settles = |e: &linkplan_confluent::Error| e.is_conflict() || e.is_ambiguous();
            let made =
                create_unless_found(ctx, step, find, || accounts.create(&request), settles, |e| vendor(DOING, &e))
                    .await?;
            (made.0, made.1 > 0)
        }
    };
    ctx.update(|r| r.service_account_id = Some(account.id.clone()));
    Ok(StepOutcome { resource_id: account.id, created, ..StepOutcome::default() })
}

pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let name = name(r.desired)?.to_owned();
    let live = r.observed.cdc.as_ref().and_then(|c| c.service_account.clone());
    let owner = r.ownership(StepKind::ServiceAccount, &[&name], live.as_ref().map(|s| s.id.as_str()));
    let sa = live?;
    Some(match owner.kept() {
        Some(reason) => ReverseStep::keep(&[&name], reason, Some(&sa.id)),
        None => {
            r.resolved.service_account_id = Some(sa.id.clone());
            ReverseStep::delete(&[&name], format!("delete the service account \"{name}\""), Some(&sa.id))
        }
    })
}

pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the service account";
    let id = recorded(step, DOING, ctx.resolved().service_account_id)?;
    match ctx.engine.confluent.service_accounts().delete(&id).await {
        Ok(()) => Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) if e.is_not_found() => Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
}
