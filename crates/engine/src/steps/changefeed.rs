//! Ensure the changefeed that streams TiDB's changes into the Kafka cluster over the link.
//!
//! ## What it does
//! Proves the link from TiDB's side first (`POST …/changefeeds:test` with the sink, retried for
//! a bounded time: a new key or role binding takes a moment to work), then
//! `POST /v1beta1/clusters/{id}/changefeeds` with a Kafka sink on network PRIVATE_LINK (the
//! plan's connection, port 9092), SASL_PLAIN with the Kafka API key, TLS on and the server name
//! (SNI) of the cluster's private bootstrap endpoint; the plan's filter, topics, protocol and
//! start position. A changefeed that writes with a key that is gone (a new key was made) is
//! stopped, edited to the new key and started again.
//!
//! ## Preconditions
//! The connection is ACTIVE with the CONFLUENT domains attached, the Kafka cluster is
//! provisioned (its bootstrap host known), and the credentials exist (made by the key and role
//! binding steps, or read from the plan's environment variables).
//!
//! ## Idempotency
//! Natural key: TiDB cluster + display name. Looked up before the create; a lost create answer
//! is found by display name, never re-sent while it may have landed.
//!
//! ## Waits for
//! State RUNNING; CREATE_FAILED and RUNNING_FAILED fail the step with TiDB's message and a hint
//! naming the likely cause.
//!
//! ## Undo
//! `DELETE …/changefeeds/{id}`, first of all, then wait until it is gone.

use std::time::Duration;

use linkplan_tidbcloud::resources::changefeeds::{
    Changefeed, ChangefeedState, CreateChangefeed, EditChangefeed, StartPosition,
};

use super::{ApplyCtx, StepError, StepOutcome, create_unless_found, recorded, retry_hint, wait_failed, wait_gone};
use crate::cdc::{ChangefeedObserved, changefeed_observed, filter, sink, supplied_key};
use crate::desired::{ChangefeedDesired, CredentialsDesired, StartAt};
use crate::destroy::{ReverseStep, Reverser};
use crate::diff::Planner;
use crate::observe::with_causes;
use crate::step::{Action, Resolved, Step, StepId, StepKind};
use crate::wait::Acceptor;

/// How long the connectivity test is retried before apply gives up (a new Kafka API key can
/// take up to a minute to work).
const TEST_BUDGET: Duration = Duration::from_secs(120);
/// The pause between two connectivity tests for the first [`TEST_STEADY`] retries (a key usually
/// works within seconds); then each doubles, up to [`TEST_PAUSE_MAX`] (TiDB allows 100 requests
/// a minute).
const TEST_PAUSE: Duration = Duration::from_secs(2);
const TEST_PAUSE_MAX: Duration = Duration::from_secs(16);
const TEST_STEADY: u32 = 5;

/// RUNNING, a failed state, or pending (CREATING, WARNING, PAUSED).
pub fn acceptor(feed: &ChangefeedObserved) -> Acceptor {
    match &feed.state {
        Some(ChangefeedState::Running) => Acceptor::Ready,
        Some(state @ (ChangefeedState::CreateFailed | ChangefeedState::RunningFailed)) => Acceptor::Failed {
            state: state.to_string(),
            reason: feed.error.clone().unwrap_or_else(|| "no reason given".to_owned()),
        },
        Some(state) => Acceptor::Pending(match &feed.error {
            Some(error) => format!("{state} ({error})"),
            None => state.to_string(),
        }),
        None => Acceptor::Pending("(no state)".to_owned()),
    }
}

/// What TiDB's message most likely means, as the way out.
pub fn hint_for(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    // Authorization first: its message names the key too.
    let cause = if m.contains("authoriz") || m.contains("role binding") {
        "the key's service account lacks a role binding (DeveloperWrite and DeveloperManage) on the topics"
    } else if m.contains("sasl") || m.contains("api key") || m.contains("password") {
        "the Kafka API key is wrong, not for this Kafka cluster, or not usable yet: check `changefeed.credentials`"
    } else if m.contains("domain") {
        "the CONFLUENT domains are not attached to the connection (or not ACTIVE): run apply again, or check the \
         connection's domains"
    } else if m.contains("servername") || m.contains("tls") || m.contains("bootstrap") {
        "the TLS server name is not the Kafka cluster's private bootstrap host"
    } else if m.contains("handle key") || m.contains("primary") || m.contains("unique key") {
        "a table has no primary or not-null unique key: set `changefeed.table_mode: FORCE_SYNC` or leave it out"
    } else if m.contains("private link connection") || m.contains("privatelink") {
        "the private link connection is not ACTIVE or reaches another network"
    } else {
        "see TiDB's message; fix the cause, then run apply again"
    };
    cause.to_owned()
}

pub(crate) fn plan(p: &mut Planner<'_>, resolved: &Resolved, after: Vec<StepId>) -> Option<StepId> {
    let desired = p.desired;
    let changefeed = desired.changefeed.as_ref()?;
    let cdc = p.observed.cdc.as_ref();
    let found = cdc.and_then(|c| c.changefeed.as_ref());
    // A new key, or a new Kafka cluster (a new server name): the changefeed is pointed at it.
    let key_step_makes_a_key = matches!(p.planned(StepKind::ApiKey), Some(Action::Create | Action::Replace))
        || p.planned(StepKind::Cluster) == Some(Action::Replace);
    let mut action = match found {
        None => Action::Create,
        // It writes with a key that is gone: edited to the new one.
        Some(_) if key_step_makes_a_key => Action::Update,
        Some(f) => match acceptor(f) {
            Acceptor::Ready => Action::Unchanged,
            Acceptor::Pending(_) => Action::Wait,
            Acceptor::Failed { state, reason } => {
                p.block(
                    format!("changefeed {} is {state}: {reason}", f.id),
                    &format!(
                        "{}; delete changefeed {} (or `linkplan destroy`), then apply again",
                        hint_for(&reason),
                        f.id
                    ),
                );
                Action::Wait
            }
        },
    };
    if let (Some(missing), CredentialsDesired::FromEnv { key_var, secret_var }) =
        (cdc.and_then(|c| c.credentials_missing.as_ref()), &changefeed.credentials)
    {
        p.block(
            missing.clone(),
            &format!(
                "export {key_var} and {secret_var} (a Kafka API key for this cluster and its secret), then plan again"
            ),
        );
    }
    if found.is_none() && cdc.is_some_and(|c| c.others.len() >= 10) {
        // Lint says so too (online); a plan that cannot be applied must not look applicable.
        p.block(
            "the TiDB cluster already has 10 changefeeds, the most TiDB Cloud allows".to_owned(),
            "delete one it no longer needs, then plan again",
        );
    }
    let mut details = vec![
        ("display_name", changefeed.display_name.clone()),
        ("tables", changefeed.tables.join(", ")),
        ("topics", format!("{} {}", changefeed.topics.dispatch.as_str(), changefeed.topics.dispatch.topic_pattern())),
        ("protocol", changefeed.protocol.as_str().to_owned()),
        (
            "sink",
            "Kafka over PRIVATE_LINK, port 9092, SASL_PLAIN, TLS with the bootstrap host as server name".to_owned(),
        ),
    ];
    if let Some(f) = found {
        details.insert(0, ("id", f.id.clone()));
        details.push(("state", f.state.as_ref().map(ToString::to_string).unwrap_or_default()));
        // The checkpoint and lag move every second: `status` shows them, the plan does not
        // (a saved plan must stay the plan `plan` makes).
        if let Some(error) = &f.error {
            details.push(("error", error.clone()));
        }
    }
    let test = match cdc.and_then(|c| c.sink_test.as_ref()) {
        Some(t) if t.passed => "passed (changefeeds:test from TiDB's side)".to_owned(),
        Some(t) => {
            let message = t.message.clone().unwrap_or_default();
            p.block(format!("TiDB cannot use the Kafka sink through the connection: {message}"), &hint_for(&message));
            action = if found.is_some() { action } else { Action::Create };
            format!("FAILED: {message}")
        }
        None if found.is_some() && action == Action::Unchanged => "not needed (the changefeed is running)".to_owned(),
        None if resolved.connection_id.is_none() || p.observed.connection.is_none() => {
            "runs during apply, once the connection is ACTIVE".to_owned()
        }
        None => match changefeed.credentials {
            CredentialsDesired::Create { .. } => "runs during apply, once the Kafka API key exists".to_owned(),
            CredentialsDesired::FromEnv { .. } => "runs during apply, once the domains are attached".to_owned(),
        },
    };
    details.push(("connectivity test", test));
    Some(p.push(
        StepKind::Changefeed,
        &[&desired.tidb.cluster_id, &changefeed.display_name],
        action,
        after,
        "changefeed from TiDB into the Kafka cluster over the private link".to_owned(),
        details,
    ))
}

pub async fn apply(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "creating the changefeed";
    let Some(changefeed) = ctx.desired.changefeed.as_ref() else {
        return Err(StepError::new(step, DOING, "the plan has no changefeed", None));
    };
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let feeds = ctx.engine.tidb.changefeeds();
    let vendor =
        |doing: &str, e: &linkplan_tidbcloud::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let find = || async {
        feeds.find(cluster_id, &changefeed.display_name).await.map_err(|e| vendor("looking the changefeed up", &e))
    };
    let existing = find().await?.filter(|f| f.state != Some(ChangefeedState::Deleted));
    let resolved = ctx.resolved();
    let (feed, created) = match existing {
        Some(feed) if step.action != Action::Update => (feed, false),
        existing => {
            let (Some(connection), Some(server_name)) = (resolved.connection_id, resolved.kafka_bootstrap_host) else {
                return Err(StepError::new(
                    step,
                    DOING,
                    "the connection id or the Kafka cluster's private bootstrap host is unknown",
                    retry_hint(),
                ));
            };
            let (key, secret) = credentials(ctx, step, changefeed)?;
            let sink = sink(changefeed, &connection, &server_name, &key, secret);
            prove_the_link(ctx, step, &sink).await?;
            match existing {
                Some(feed) => (repoint(ctx, step, &feed, changefeed, sink).await?, false),
                None => {
                    let request = CreateChangefeed {
                        cluster_id: cluster_id.to_owned(),
                        display_name: changefeed.display_name.clone(),
                        sink,
                        filter: filter(changefeed),
                        start_position: Some(match &changefeed.start {
                            StartAt::Now => StartPosition::now(),
                            StartAt::Tso(tso) => StartPosition::tso(*tso),
                            StartAt::Time { rfc3339, .. } => StartPosition::time(rfc3339.clone()),
                        }),
                    };
                    let made = create_unless_found(
                        ctx,
                        step,
                        find,
                        || feeds.create(&request),
                        linkplan_tidbcloud::Error::is_ambiguous,
                        |e| {
                            let message = with_causes(&e);
                            let hint = hint_for(&message);
                            StepError::new(step, DOING, message, Some(hint))
                        },
                    )
                    .await?;
                    (made.0, made.1 > 0)
                }
            }
        }
    };
    let id = feed.changefeed_id.clone();
    ctx.update(|r| r.changefeed_id = Some(id.clone()));
    let ready = ctx
        .wait(step, ctx.engine.config.changefeed, || feeds.get(cluster_id, &id), |f| acceptor(&changefeed_observed(f)))
        .await
        .map_err(|e| {
            let reason = match &e {
                crate::wait::WaitError::FailedState { reason, .. } => Some(hint_for(reason)),
                _ => None,
            };
            wait_failed(step, "waiting for the changefeed", e, |_| reason)
        })?;
    let mut outcome = StepOutcome { resource_id: id, created, ..StepOutcome::default() };
    if let Some(time) = ready.checkpoint.as_ref().and_then(|c| c.time.clone()) {
        outcome.outputs.insert("checkpoint".to_owned(), time);
    }
    Ok(outcome)
}

/// The key and secret the changefeed writes with: the one the key step just made (in memory
/// only), or the user's from the plan's variables.
fn credentials(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    changefeed: &ChangefeedDesired,
) -> Result<(String, linkplan_tidbcloud::Secret), StepError> {
    const DOING: &str = "reading the Kafka credentials";
    match &changefeed.credentials {
        CredentialsDesired::Create { .. } => ctx.take_key().ok_or_else(|| {
            StepError::new(
                step,
                DOING,
                "no Kafka API key secret is at hand (Confluent shows a secret only when it creates the key)",
                Some("run apply again: it replaces the key whose secret is gone".to_owned()),
            )
        }),
        CredentialsDesired::FromEnv { key_var, secret_var } => supplied_key(ctx.engine, changefeed).map_err(|reason| {
            StepError::new(
                step,
                DOING,
                reason,
                Some(format!("export {key_var} and {secret_var} (a Kafka API key for this cluster and its secret)")),
            )
        }),
    }
}

/// `changefeeds:test` until it passes, for at most [`TEST_BUDGET`]: a 4xx is TiDB's verdict
/// (retried: a new key or binding takes a moment), anything else the client already retried.
async fn prove_the_link(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    sink: &linkplan_tidbcloud::resources::changefeeds::Sink,
) -> Result<(), StepError> {
    const DOING: &str = "testing the link from TiDB's side (changefeeds:test)";
    let clock = ctx.engine.clock.as_ref();
    let start = clock.now();
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let mut pause = TEST_PAUSE;
    let mut retries = 0;
    loop {
        match ctx.engine.tidb.changefeeds().test(cluster_id, sink).await {
            Ok(()) => return Ok(()),
            Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
                let message = with_causes(&e);
                if clock.now().saturating_sub(start) >= TEST_BUDGET {
                    let hint = hint_for(&message);
                    return Err(StepError::new(step, DOING, message, Some(hint)));
                }
                ctx.progress.event(&crate::progress::Event::Waiting {
                    step: &step.id,
                    state: "TESTING (TiDB cannot use the sink yet; retrying)",
                    elapsed: clock.now().saturating_sub(start),
                });
                clock.sleep(pause).await;
                retries += 1;
                if retries >= TEST_STEADY {
                    pause = (pause * 2).min(TEST_PAUSE_MAX);
                }
            }
            Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
        }
    }
}

/// A changefeed that writes with a key that is gone: stop it, point it at the new key, start it.
async fn repoint(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    feed: &Changefeed,
    changefeed: &ChangefeedDesired,
    sink: linkplan_tidbcloud::resources::changefeeds::Sink,
) -> Result<Changefeed, StepError> {
    const DOING: &str = "pointing the changefeed at the new Kafka API key";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let feeds = ctx.engine.tidb.changefeeds();
    let vendor =
        |doing: &str, e: &linkplan_tidbcloud::Error| StepError::new(step, doing, with_causes(&e), retry_hint());
    let id = feed.changefeed_id.as_str();
    if feed.state != Some(ChangefeedState::Paused) {
        feeds.stop(cluster_id, id).await.map_err(|e| vendor("stopping the changefeed", &e))?;
        let paused = |f: &Changefeed| match f.state {
            Some(ChangefeedState::Paused) => Acceptor::Ready,
            ref state => Acceptor::Pending(state.as_ref().map_or_else(|| "(no state)".to_owned(), ToString::to_string)),
        };
        ctx.wait(step, ctx.engine.config.changefeed, || feeds.get(cluster_id, id), paused)
            .await
            .map_err(|e| wait_failed(step, "waiting for the changefeed to stop", e, |_| None))?;
    }
    let edit = EditChangefeed { display_name: None, sink, filter: filter(changefeed) };
    feeds.edit(cluster_id, id, &edit).await.map_err(|e| vendor(DOING, &e))?;
    feeds.start(cluster_id, id).await.map_err(|e| vendor("starting the changefeed", &e))
}

pub(crate) fn reverse(r: &mut Reverser<'_>) -> Option<ReverseStep> {
    let changefeed = r.desired.changefeed.as_ref()?;
    let key = [r.desired.tidb.cluster_id.as_str(), changefeed.display_name.as_str()];
    let live = r.observed.cdc.as_ref().and_then(|c| c.changefeed.clone());
    let owner = r.ownership(StepKind::Changefeed, &key, live.as_ref().map(|f| f.id.as_str()));
    let feed = live?;
    Some(match owner.kept() {
        Some(reason) => ReverseStep::keep(&key, reason, Some(&feed.id)),
        None => {
            r.resolved.changefeed_id = Some(feed.id.clone());
            ReverseStep::delete(&key, format!("delete the changefeed \"{}\"", changefeed.display_name), Some(&feed.id))
        }
    })
}

pub async fn delete(ctx: &ApplyCtx<'_>, step: &Step) -> Result<StepOutcome, StepError> {
    const DOING: &str = "deleting the changefeed";
    let cluster_id = ctx.desired.tidb.cluster_id.as_str();
    let id = recorded(step, DOING, ctx.resolved().changefeed_id)?;
    let feeds = ctx.engine.tidb.changefeeds();
    match feeds.delete(cluster_id, &id).await {
        Ok(_) => (),
        Err(e) if e.is_not_found() => return Ok(StepOutcome { resource_id: id, ..StepOutcome::default() }),
        Err(e) => return Err(StepError::new(step, DOING, with_causes(&e), retry_hint())),
    }
    let poll = || async {
        match feeds.get(cluster_id, &id).await {
            Ok(f) if f.state == Some(ChangefeedState::Deleted) => Ok(None),
            Ok(f) => Ok(Some(f)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    };
    wait_gone(ctx, step, ctx.engine.config.changefeed, poll, |f: &Changefeed| {
        f.state.as_ref().map_or_else(|| "(no state)".to_owned(), ToString::to_string)
    })
    .await?;
    Ok(StepOutcome { resource_id: id, ..StepOutcome::default() })
}
