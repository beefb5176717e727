//! Attach the CONFLUENT domains (the network's unique name) to the private link connection.
//!
//! ## What it does
//! `POST …/privateLinkConnections/{id}:attachDomains` with `type: CONFLUENT` and the unique
//! name (`domnprzqrog.us-east-1`). The plan shows what a `validateOnly` attach returns.
//!
//! ## Preconditions
//! The connection is ACTIVE; the unique name is known (declared, derived from
//! `dns_subdomain`, or read from the network).
//!
//! ## Idempotency
//! Natural key: connection + type + unique name, read from the connection's `attachedDomains`
//! (a GET) before attaching, and again after a 409 or an ambiguous failure.
//!
//! ## Waits for
//! Every domain's `state` ACTIVE; FAILED or ERROR fails with the domain's `message`.
//!
//! ## Undo
//! `POST …:detachDomains` with the `attachDomainId`.

use linkplan_tidbcloud::resources::private_link_connections::{AttachDomainRequest, DomainType};

use super::{ApplyCtx, StepError, StepOutcome, create_unless_found, recorded, retry_hint, wait_failed, wait_gone};
use crate::destroy::{NOT_CREATED, Ownership, ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::{AttachedObserved, attached_observed, with_causes};
use crate::step::{Action, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

/// All domains ACTIVE, any FAILED/ERROR, or pending.
pub fn acceptor(attached: &AttachedObserved) -> Acceptor {
    for d in &attached.domains {
        match d.state.as_deref() {
            Some("ACTIVE") => (),
            Some(state @ ("FAILED" | "ERROR")) => {
                return Acceptor::Failed {
                    state: state.to_owned(),
                    reason: format!(
                        "{}: {}",
                        d.name.as_deref().unwrap_or("a domain"),
                        d.message.as_deref().unwrap_or("no reason given")
                    ),
                };
            }
            Some(state) => return Acceptor::Pending(state.to_owned()),
            None => return Acceptor::Pending("(no state)".to_owned()),
        }
    }
    Acceptor::Ready
}

/// The plan's step for this kind (`None`: the plan needs none), after the steps `after`.
pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = p.desired;
    let attached = match (&p.observed.connection, &resolved.unique_name) {
        (Some(c), Some(u)) => c.attachment(u),
        _ => None,
    };
    let action = match attached {
        None => Action::Attach,
        Some(a) => p.lifecycle(crate::steps::attach_domains::acceptor(a), a.id.as_deref().unwrap_or("the attachment")),
    };
    let mut details = vec![(
        "unique_name",
        resolved.unique_name.clone().unwrap_or_else(|| "(known once the network is READY)".to_owned()),
    )];
    if let Some(id) = attached.and_then(|a| a.id.clone()) {
        details.insert(0, ("id", id));
    }
    match (attached, &p.observed.domains_preview) {
        (Some(a), _) => {
            let names: Vec<String> = a
                .domains
                .iter()
                .map(|d| format!("{} ({})", d.name.as_deref().unwrap_or("?"), d.state.as_deref().unwrap_or("?")))
                .collect();
            details.push(("domains", names.join(", ")));
        }
        (None, Some(preview)) => details.push(("domains (validate-only preview)", preview.join(", "))),
        (None, None) => details.push(("domains", "(previewed once the connection is ACTIVE)".to_owned())),
    }
    Some(p.push(
        StepKind::AttachDomains,
        &[&desired.tidb.cluster_id, &desired.connection.display_name, "CONFLUENT"],
        action,
        after,
        "attach CONFLUENT domains to the connection".to_owned(),
        details,
    ))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "attaching the CONFLUENT domains";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let resolved = ctx.resolved();
    let (Some(connection), Some(unique_name)) = (resolved.connection_id, resolved.unique_name) else {
        return Err(StepError::new(
            step,
            DOING,
            "the connection id or the network's unique name is unknown",
            retry_hint(),
        ));
    };
    let plcs = ctx.engine.tidb.private_link_connections();
    let request = AttachDomainRequest { kind: DomainType::Confluent, unique_name: unique_name.clone() };
    let vendor =
        |doing: &str, e: &linkplan_tidbcloud::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let find = || async {
        plcs.find_attached(cluster_id, &connection, &request)
            .await
            .map_err(|e| vendor("reading the attached domains", &e))
    };
    let mut created = false;
    let attached = match find().await? {
        Some(a) => a,
        None => {
            let settles = |e: &linkplan_tidbcloud::Error| e.is_conflict() || e.is_ambiguous();
            let fail = |e: linkplan_tidbcloud::Error| {
                StepError::new(
                    step,
                    DOING,
                    e.to_string(),
                    Some(format!(
                        "check that `{unique_name}` is the unique name of the Confluent network (from its DNS \
                         subdomain), then run apply again"
                    )),
                )
            };
            let attach = || plcs.attach_domains(cluster_id, &connection, &request);
            let made = create_unless_found(ctx, step, find, attach, settles, fail).await?;
            created = made.1 > 0;
            made.0
        }
    };
    let id = attached.attach_domain_id.clone().unwrap_or_default();
    let done = ctx
        .wait(
            step,
            ctx.engine.config.domains,
            || async {
                match plcs.find_attached(cluster_id, &connection, &request).await {
                    Ok(Some(a)) => Ok(attached_observed(a)),
                    Ok(None) => Ok(AttachedObserved { id: None, kind: None, unique_name: None, domains: Vec::new() }),
                    Err(e) => Err(e),
                }
            },
            |a: &AttachedObserved| if a.id.is_none() { Acceptor::Pending("DETACHED".to_owned()) } else { acceptor(a) },
        )
        .await
        .map_err(|e| wait_failed(step, "waiting for the domains", e, |_| retry_hint()))?;
    let mut outcome = StepOutcome { resource_id: done.id.unwrap_or(id), created, ..StepOutcome::default() };
    let names: Vec<String> = done.domains.into_iter().filter_map(|d| d.name).collect();
    outcome.outputs.insert("domains".to_owned(), names.join(", "));
    Ok(outcome)
}

/// Destroy: detach the CONFLUENT domains (before the connection goes, whoever attached them).
pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let desired = r.desired;
    let key = [desired.tidb.cluster_id.as_str(), desired.connection.display_name.as_str(), "CONFLUENT"];
    let attachment = match (&r.observed.connection, &r.unique_name) {
        (Some(c), Some(u)) => c.attachment(u),
        _ => None,
    };
    let owner = r.ownership(StepKind::AttachDomains, &key, attachment.and_then(|a| a.id.as_deref()));
    let a = attachment?;
    if owner == Ownership::Ours || r.connection_goes {
        r.resolved.attach_domain_id.clone_from(&a.id);
        Some(ReverseStep::delete(&key, "detach the CONFLUENT domains".to_owned(), a.id.as_deref()))
    } else {
        Some(ReverseStep::keep(&key, owner.kept().unwrap_or_else(|| NOT_CREATED.to_owned()), a.id.as_deref()))
    }
}

/// Destroy: detach by `attachDomainId`, then wait until the attachment is gone from the
/// connection's `attachedDomains`.
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "detaching the CONFLUENT domains";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let resolved = ctx.resolved();
    let connection = recorded(step, DOING, resolved.connection_id)?;
    let id = recorded(step, DOING, resolved.attach_domain_id)?;
    let unique_name = recorded(step, DOING, resolved.unique_name)?;
    let plcs = ctx.engine.tidb.private_link_connections();
    match plcs.detach_domains(cluster_id, &connection, &id).await {
        Ok(_) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let request = AttachDomainRequest { kind: DomainType::Confluent, unique_name };
    let poll = || plcs.find_attached(cluster_id, &connection, &request);
    wait_gone(ctx, step, ctx.engine.config.domains, poll, |_| "DELETING".to_owned()).await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
