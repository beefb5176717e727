//! Ensure the role bindings that let the changefeed's service account write its topics.
//!
//! ## What it does
//! `POST /iam/v2/role-bindings` for `User:<service account>` with `DeveloperWrite` and
//! `DeveloperManage` (TiDB creates the topics) on the changefeed's topics only: the one topic,
//! or every topic with the plan's prefix (`crn://…/kafka=<lkc>/topic=<prefix>*`). Nothing on the
//! cluster as a whole, and no read role (a changefeed does not read).
//!
//! ## Preconditions
//! The service account and the Kafka cluster exist; the organization id is known.
//!
//! ## Idempotency
//! Natural key of each binding: principal + role + CRN pattern. Looked up before each create;
//! a 409 (it exists) and an ambiguous failure both look it up again.
//!
//! ## Waits for
//! Nothing (a binding takes effect within moments; the changefeed's test allows for it).
//!
//! ## Undo
//! `DELETE /iam/v2/role-bindings/{id}` for each, after the changefeed.

use super::{ApplyCtx, StepError, StepOutcome, create_unless_found, retry_hint};
use crate::cdc::wanted_bindings;
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::with_causes;
use crate::step::{Action, Resolved, Step, StepId, StepKind};

use crate::cdc::credentials_key as key;

pub(crate) fn plan(p: &mut Planner<'_>, _resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let key = key(p.desired)?;
    let changefeed = p.desired.changefeed.as_ref()?;
    let cdc = p.observed.cdc.as_ref();
    let found = cdc.map_or(0, |c| c.role_bindings.len());
    // A new Kafka cluster: its CRNs are new.
    let replaced = p.planned(StepKind::Cluster) == Some(Action::Replace);
    let all = found >= crate::cdc::ROLES.len() && !replaced;
    let action = if all { Action::Unchanged } else { Action::Create };
    let mut details =
        vec![("roles", crate::cdc::ROLES.join(", ")), ("topics", changefeed.topics.dispatch.topic_pattern())];
    if let Some(c) = cdc.filter(|c| !c.role_bindings.is_empty()) {
        let ids: Vec<&str> = c.role_bindings.iter().map(|b| b.id.as_str()).collect();
        details.insert(0, ("id", ids.join(",")));
    }
    Some(p.push(
        StepKind::RoleBindings,
        &key,
        action,
        after,
        "role bindings: write and create the changefeed's topics, nothing else".to_owned(),
        details,
    ))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the role bindings";
    let Some(changefeed) = ctx.desired.changefeed.as_ref() else {
        return Err(StepError::new(step, DOING, "the plan has no changefeed", None));
    };
    let resolved = ctx.resolved();
    let env = ctx.desired.confluent.environment.as_str();
    let organization = match resolved.organization_id {
        Some(org) => org,
        None => match ctx.engine.confluent.organizations().current().await {
            Ok(Some(org)) => org.id,
            Ok(None) => return Err(StepError::new(step, DOING, "the Cloud API key sees no organization", None)),
            Err(e) => return Err(StepError::new(step, "reading the organization", with_causes(&e), retry_hint())),
        },
    };
    let (Some(account), Some(cluster)) = (resolved.service_account_id, resolved.kafka_cluster_id) else {
        return Err(StepError::new(
            step,
            DOING,
            "the service account or the Kafka cluster id is unknown",
            retry_hint(),
        ));
    };
    let bindings = ctx.engine.confluent.role_bindings();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let mut ids = Vec::new();
    let mut created = false;
    for wanted in wanted_bindings(changefeed, &organization, env, &cluster, &account) {
        let find = || async { bindings.find(&wanted).await.map_err(|e| vendor("looking the role binding up", &e)) };
        let binding = match find().await? {
            Some(b) => b,
            None => {
                let settles = |e: &linkplan_confluent::Error| e.is_conflict() || e.is_ambiguous();
                let create = || bindings.create(&wanted);
                let made = create_unless_found(ctx, step, find, create, settles, |e| vendor(DOING, &e)).await?;
                created |= made.1 > 0;
                made.0
            }
        };
        ids.push(binding.id);
    }
    ctx.update(|r| {
        r.organization_id = Some(organization.clone());
        r.role_binding_ids.clone_from(&ids);
    });
    Ok(StepOutcome { resource_id: ids.join(","), created, ..StepOutcome::default() })
}

pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let key = key(r.desired)?;
    let bindings = r.observed.cdc.as_ref().map(|c| c.role_bindings.clone()).unwrap_or_default();
    if bindings.is_empty() {
        return None;
    }
    let ids: Vec<String> = bindings.iter().map(|b| b.id.clone()).collect();
    let joined = ids.join(",");
    let owner = r.ownership(StepKind::RoleBindings, &key, Some(&joined));
    Some(match owner.kept() {
        Some(reason) => ReverseStep::keep(&key, reason, Some(&joined)),
        None => {
            r.resolved.role_binding_ids = ids;
            ReverseStep::delete(&key, "delete the changefeed's role bindings".to_owned(), Some(&joined))
        }
    })
}

pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the role bindings";
    let ids = ctx.resolved().role_binding_ids;
    let bindings = ctx.engine.confluent.role_bindings();
    for id in &ids {
        match bindings.delete(id).await {
            Ok(()) => (),
            Err(e) if e.is_not_found() => (),
            Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
        }
    }
    Ok(StepOutcome { resource_id: ids.join(","), ..StepOutcome::default() })
}
