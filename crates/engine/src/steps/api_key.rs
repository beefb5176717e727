//! Ensure the Kafka API key the changefeed authenticates with (`credentials.create: true`).
//!
//! ## What it does
//! `POST /iam/v2/api-keys` owned by the service account, for exactly the plan's Kafka cluster.
//! The secret is only in that answer: it goes, in memory, to the changefeed step's request and
//! nowhere else (not the journal, a saved plan, the output or a log).
//!
//! ## Preconditions
//! The service account and the Kafka cluster exist.
//!
//! ## Idempotency
//! Natural key: owner + cluster + display name (`<changefeed> (linkplan changefeed)`). A key
//! the changefeed already writes with is kept. Any other key under the natural key is useless
//! (its secret is gone: a run stopped between the key and the changefeed, or a create answer
//! was lost), so it is deleted and a new one made — never adopted; an ambiguous create is not
//! re-sent blindly: the keys it may have made are deleted first.
//!
//! ## Waits for
//! Nothing here; a new key takes a moment to work, which the changefeed step's connectivity
//! test allows for.
//!
//! ## Undo
//! `DELETE /iam/v2/api-keys/{id}` for every key under the natural key, after the changefeed.

use linkplan_confluent::resources::api_keys::{ApiKeyFilter, CreateApiKey};

use super::{ApplyCtx, StepError, StepOutcome, recorded, retry_hint};
use crate::cdc::api_key_name;
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::with_causes;
use crate::step::{Action, Resolved, Step, StepId, StepKind};

/// How many creates are sent in all when each answer is lost.
const CREATE_ATTEMPTS: u32 = 3;

use crate::cdc::credentials_key as key;

pub(crate) fn plan(p: &mut Planner<'_>, _resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let key = key(p.desired)?;
    let changefeed = p.desired.changefeed.as_ref()?;
    let cdc = p.observed.cdc.as_ref();
    let keys: Vec<&str> = cdc.map(|c| c.api_keys.iter().map(|k| k.id.as_str()).collect()).unwrap_or_default();
    let in_use =
        cdc.and_then(|c| c.changefeed.as_ref()).and_then(|f| f.username.as_deref()).filter(|u| keys.contains(u));
    let unusable: Vec<&str> = keys.iter().copied().filter(|k| Some(*k) != in_use).collect();
    // A new Kafka cluster: its key is a new one (the old cluster's keys go with it).
    let replaced = p.planned(StepKind::Cluster) == Some(Action::Replace);
    let in_use = in_use.filter(|_| !replaced);
    let action = match (in_use, unusable.is_empty()) {
        (Some(_), true) => Action::Unchanged,
        // Keys nobody holds the secret of: deleted, the one in use kept.
        (Some(_), false) => Action::Update,
        (None, true) => Action::Create,
        // The changefeed needs a secret, and only a new key's create answer has one.
        (None, false) => Action::Replace,
    };
    let mut details = vec![("display_name", api_key_name(changefeed)), ("for", "the Kafka cluster".to_owned())];
    if let Some(id) = in_use {
        details.insert(0, ("id", id.to_owned()));
    }
    if !unusable.is_empty() {
        details.push((
            "deletes",
            format!("{} (its secret was only in its create answer, which no run kept)", unusable.join(", ")),
        ));
    }
    Some(p.push(StepKind::ApiKey, &key, action, after, "Kafka API key for the changefeed".to_owned(), details))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the Kafka API key";
    let (Some(changefeed), Some(_)) = (ctx.desired.changefeed.as_ref(), key(ctx.desired)) else {
        return Err(StepError::new(step, DOING, "the plan supplies its own Kafka credentials", None));
    };
    let resolved = ctx.resolved();
    let (Some(owner), Some(cluster)) = (resolved.service_account_id, resolved.kafka_cluster_id) else {
        return Err(StepError::new(
            step,
            DOING,
            "the service account or the Kafka cluster id is unknown",
            retry_hint(),
        ));
    };
    let keys = ctx.engine.confluent.api_keys();
    let vendor =
        |doing: &str, e: &linkplan_confluent::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let name = api_key_name(changefeed);
    // The key the changefeed writes with now, if any: kept (its secret is in TiDB already).
    let in_use = match &resolved.changefeed_id {
        Some(id) => match ctx.engine.tidb.changefeeds().get(&ctx.desired.tidb.cluster_id, id).await {
            Ok(feed) => feed.kafka_username().map(str::to_owned),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(StepError::new(step, "reading the changefeed", with_causes(&e), retry_hint())),
        },
        None => None,
    };
    let mut attempts = 0;
    loop {
        // Every key of ours under the key's name: for this cluster (one kept, if the changefeed
        // writes with it) or for one the plan no longer uses (a replaced cluster).
        let filter = ApiKeyFilter { owner: Some(owner.clone()), resource: None };
        let found = keys.list(&filter).await.map_err(|e| vendor("listing the Kafka API keys", &e))?;
        let found = found.into_iter().filter(|k| k.spec.display_name.as_deref() == Some(name.as_str()));
        let mut kept = None;
        for k in found {
            if k.resource_id() == Some(cluster.as_str()) && in_use.as_deref() == Some(k.id.as_str()) {
                kept = Some(k.id);
                continue;
            }
            match keys.delete(&k.id).await {
                Ok(()) => (),
                Err(e) if e.is_not_found() => (),
                Err(e) => return Err(vendor("deleting an unusable Kafka API key", &e)),
            }
        }
        if let Some(id) = kept {
            ctx.update(|r| r.api_key_id = Some(id.clone()));
            return Ok(StepOutcome { resource_id: id, created: false, ..StepOutcome::default() });
        }
        attempts += 1;
        let request = CreateApiKey {
            display_name: name.clone(),
            description: Some(format!(
                "The changefeed \"{}\" writes with it (made by linkplan)",
                changefeed.display_name
            )),
            owner: owner.clone(),
            cluster: cluster.clone(),
            environment: ctx.desired.confluent.environment.clone(),
        };
        ctx.create_sent(step)?;
        match keys.create(&request).await {
            Ok(made) => {
                let id = made.id().to_owned();
                ctx.hand_over_key(id.clone(), made.secret);
                ctx.update(|r| r.api_key_id = Some(id.clone()));
                return Ok(StepOutcome { resource_id: id, created: true, ..StepOutcome::default() });
            }
            // The key may exist, but its secret is gone: the next round deletes it.
            Err(e) if e.is_ambiguous() && attempts < CREATE_ATTEMPTS => continue,
            Err(e) => return Err(vendor(DOING, &e)),
        }
    }
}

pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let key = key(r.desired)?;
    let keys = r.observed.cdc.as_ref().map(|c| c.api_keys.clone()).unwrap_or_default();
    let first = keys.first().map(|k| k.id.clone());
    let owner = r.ownership(StepKind::ApiKey, &key, first.as_deref());
    let first = first?;
    // What the delete needs to find every key under the natural key.
    if let Some(sa) = r.observed.cdc.as_ref().and_then(|c| c.service_account.as_ref()) {
        r.resolved.service_account_id.get_or_insert_with(|| sa.id.clone());
    }
    if let Some(cluster) = &r.observed.cluster {
        r.resolved.kafka_cluster_id.get_or_insert_with(|| cluster.id.clone());
    }
    Some(match owner.kept() {
        Some(reason) => ReverseStep::keep(&key, reason, Some(&first)),
        None => {
            r.resolved.api_key_id = Some(first.clone());
            let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
            ReverseStep::delete(&key, format!("delete the Kafka API key {}", ids.join(", ")), Some(&first))
        }
    })
}

/// Destroy: every key under the natural key (the one in use and any a stopped run left).
pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the Kafka API key";
    let resolved = ctx.resolved();
    let id = recorded(step, DOING, resolved.api_key_id.clone())?;
    let keys = ctx.engine.confluent.api_keys();
    let mut ids = vec![id.clone()];
    if let (Some(owner), Some(cluster), Some(changefeed)) =
        (&resolved.service_account_id, &resolved.kafka_cluster_id, &ctx.desired.changefeed)
    {
        let found = keys
            .find_all(owner, cluster, &api_key_name(changefeed))
            .await
            .map_err(|e| StepError::new(step, DOING, with_causes(&e), retry_hint()))?;
        ids.extend(found.into_iter().map(|k| k.id).filter(|k| k != &id));
    }
    for k in ids {
        match keys.delete(&k).await {
            Ok(()) => (),
            Err(e) if e.is_not_found() => (),
            Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
        }
    }
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
