//! Apply: run the plan's steps, each as soon as its dependencies succeeded (so the access and
//! the cluster run concurrently), journaling every start and end.

use std::collections::BTreeSet;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Poll;
use std::time::Duration;

use crate::Engine;
use crate::desired::Desired;
use crate::fleet::{Fleet, Turn};
use crate::journal::{Entry, JOURNAL_VERSION, Journal, JournalError, JournalEvent, Owned};
use crate::progress::{Event, Progress};
use crate::step::{Action, Step, StepId, StepKind, StepPlan};
use crate::steps::{self, ApplyCtx, StepError, StepOutcome};

/// Why apply stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The plan has blockers or drift: nothing was called.
    #[error("the plan cannot be applied: {}", reasons.join("; "))]
    Blocked { reasons: Vec<String> },
    /// A step failed (the first one; steps already running were let finish).
    #[error(transparent)]
    Step(#[from] StepError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What apply did, in completion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub completed: Vec<(StepId, StepOutcome)>,
    /// `=` steps: nothing to do.
    pub skipped: Vec<StepId>,
    /// Resources of this plan that exist but that the journal does not record linkplan as
    /// having created (step and live id): found by natural key, made by someone else or by a
    /// run whose journal was lost. Destroy keeps them (unless told to adopt them). What the plan
    /// only references (`confluent.cluster.id`) is not listed.
    pub not_owned: Vec<(StepId, String)>,
}

type Running<'a> = Pin<Box<dyn Future<Output = (StepId, Result<StepOutcome, StepError>, Duration)> + Send + 'a>>;

impl Engine {
    /// Carry out `plan` (made by [`crate::plan`] or [`crate::destroy_plan`] from `desired`).
    /// Refuses a plan with blockers
    /// or drift. Steps whose dependencies are done start at once; after a failure no new step
    /// starts, running ones finish, and the first failure is returned.
    pub async fn apply(
        &self,
        desired: &Desired,
        plan: &StepPlan,
        journal: &Journal,
        progress: &dyn Progress,
    ) -> Result<ApplyReport, ApplyError> {
        self.apply_in(desired, plan, journal, progress, &Fleet::default(), "").await
    }

    /// [`Engine::apply`] as one plan (`label`, its file) of a run that applies several: steps
    /// the plans share run once, and no more than the fleet's parallelism run at once (see
    /// [`crate::fleet`]).
    pub async fn apply_in(
        &self,
        desired: &Desired,
        plan: &StepPlan,
        journal: &Journal,
        progress: &dyn Progress,
        fleet: &Fleet,
        label: &str,
    ) -> Result<ApplyReport, ApplyError> {
        if !plan.can_apply() {
            let reasons = plan
                .blockers
                .iter()
                .map(|b| b.message.clone())
                .chain(
                    plan.drift
                        .iter()
                        .map(|d| format!("`{}` declares {} but the live value is {}", d.key, d.declared, d.live)),
                )
                .collect();
            return Err(ApplyError::Blocked { reasons });
        }
        let ctx = ApplyCtx {
            engine: self,
            desired,
            resolved: Mutex::new(plan.resolved.clone()),
            progress,
            journal,
            kafka_key: Mutex::new(None),
        };
        let mut report = ApplyReport::default();
        let mut started: BTreeSet<&StepId> = BTreeSet::new();
        let mut done: BTreeSet<&StepId> = BTreeSet::new();
        let mut running: Vec<Running<'_>> = Vec::new();
        let mut failure: Option<StepError> = None;
        loop {
            // Start every step whose dependencies are done (skipping `=` steps in place).
            let mut progressed = true;
            while failure.is_none() && progressed {
                progressed = false;
                for step in &plan.steps {
                    if started.contains(&step.id) || !step.depends_on.iter().all(|d| done.contains(d)) {
                        continue;
                    }
                    started.insert(&step.id);
                    progressed = true;
                    if step.action == Action::Unchanged {
                        progress.event(&Event::Skipped { step: &step.id });
                        report.skipped.push(step.id.clone());
                        done.insert(&step.id);
                        continue;
                    }
                    journal.record(&self.entry(step, JournalEvent::Started, None, None))?;
                    progress.event(&Event::Started { step: &step.id, action: step.action });
                    running.push(Box::pin(run_step(&ctx, step, fleet, label)));
                }
            }
            if running.is_empty() {
                break;
            }
            let (id, result, elapsed) = poll_fn(|cx| {
                for idx in 0..running.len() {
                    if let Poll::Ready(out) = running[idx].as_mut().poll(cx) {
                        drop(running.swap_remove(idx));
                        return Poll::Ready(out);
                    }
                }
                Poll::Pending
            })
            .await;
            let Some(step) = plan.steps.iter().find(|s| s.id == id) else { continue };
            match result {
                Ok(outcome) => {
                    journal.record(&self.entry(step, JournalEvent::Succeeded, Some(&outcome), None))?;
                    progress.event(&Event::Succeeded { step: &step.id, outcome: &outcome, elapsed });
                    report.completed.push((step.id.clone(), outcome));
                    done.insert(&step.id);
                }
                Err(error) => {
                    journal.record(&self.entry(step, JournalEvent::Failed, None, Some(error.to_string())))?;
                    progress.event(&Event::Failed { step: &step.id, error: &error });
                    failure.get_or_insert(error);
                }
            }
        }
        match failure {
            Some(error) => Err(ApplyError::Step(error)),
            None => {
                if !plan.destroy {
                    report.not_owned = self.settle_ownership(desired, plan, &report.completed, journal)?;
                }
                Ok(report)
            }
        }
    }

    /// A journal line for `step` (its action on everything but a failure; the outcome's outputs).
    pub(crate) fn entry(
        &self,
        step: &Step,
        event: JournalEvent,
        outcome: Option<&StepOutcome>,
        message: Option<String>,
    ) -> Entry {
        let mut outputs = outcome.map(|o| o.outputs.clone()).unwrap_or_default();
        if let Some(o) = outcome {
            outputs.insert("id".to_owned(), o.resource_id.clone());
            outputs.insert("created".to_owned(), o.created.to_string());
        }
        let action = (event != JournalEvent::Failed).then_some(step.action);
        Entry {
            version: JOURNAL_VERSION,
            step_id: step.id.clone(),
            event,
            at: self.clock.unix_ms(),
            action,
            outputs,
            message,
        }
    }
}

impl Engine {
    /// Settle ownership after an apply (or instead of one, when every step is `=`): a `=` step
    /// whose create was sent by a run that stopped before it learned the id now records the id
    /// it found (that create's resource); then lists [`ApplyReport::not_owned`]. `completed` are
    /// the steps apply ran, with their outcomes.
    pub fn settle_ownership(
        &self,
        desired: &Desired,
        plan: &StepPlan,
        completed: &[(StepId, StepOutcome)],
        journal: &Journal,
    ) -> Result<Vec<(StepId, String)>, JournalError> {
        let ran: BTreeSet<&StepId> = completed.iter().map(|(id, _)| id).collect();
        let owned = Journal::owned(&journal.entries());
        for step in plan.steps.iter().filter(|s| s.action == Action::Unchanged && !ran.contains(&s.id)) {
            let Some(id) = live_id(step) else { continue };
            let settle = match owned.get(&step.id) {
                Some(Owned { id: None }) => true,
                Some(Owned { id: Some(recorded) }) => recorded != &id && Journal::owns(&owned, step.kind, &id),
                // Recorded under the step's earlier natural key (a rename a stopped run made).
                None => Journal::owns(&owned, step.kind, &id),
            };
            if settle {
                let outcome = StepOutcome { resource_id: id, created: false, ..StepOutcome::default() };
                journal.record(&self.entry(step, JournalEvent::Succeeded, Some(&outcome), None))?;
            }
        }
        let owned = Journal::owned(&journal.entries());
        let live = plan.steps.iter().filter_map(|step| {
            let id = match completed.iter().find(|(id, _)| id == &step.id) {
                Some((_, outcome)) => outcome.resource_id.clone(),
                None if step.action == Action::Unchanged => live_id(step)?,
                None => return None,
            };
            Some((step, id))
        });
        // What the plan only references is nobody's to own.
        let referenced = |step: &Step| desired.confluent.cluster.id.is_some() && step.kind == StepKind::Cluster;
        Ok(live
            .filter(|(step, id)| {
                owned.get(&step.id).and_then(|o| o.id.as_deref()) != Some(id.as_str()) && !referenced(step)
            })
            .map(|(step, id)| (step.id.clone(), id))
            .collect())
    }
}

/// The live resource id a planned step shows (its `id` detail).
fn live_id(step: &Step) -> Option<String> {
    step.details.iter().find(|(k, _)| k == "id").map(|(_, v)| v.clone())
}

async fn run_step(
    ctx: &ApplyCtx<'_>,
    step: &Step,
    fleet: &Fleet,
    label: &str,
) -> (StepId, Result<StepOutcome, StepError>, Duration) {
    let clock = ctx.engine.clock.as_ref();
    let start = clock.now();
    let waiting = |other: &str| {
        let state = format!("carried out for {other}");
        ctx.progress.event(&Event::Waiting { step: &step.id, state: &state, elapsed: Duration::ZERO });
    };
    let result = match fleet.turn(label, step, waiting).await {
        Turn::Failed { plan, error } => Err(StepError::new(
            step,
            "the step it shares with another plan",
            format!("it failed for {plan}: {error}"),
            Some(format!("fix what failed for {plan}, then apply again")),
        )),
        Turn::Run(lead) => {
            let def = steps::def(step.kind);
            let result = if step.action == Action::Delete {
                (def.delete)(ctx, step).await
            } else {
                (def.apply)(ctx, step).await
            };
            lead.settle(&result);
            result
        }
    };
    (step.id.clone(), result, clock.now().saturating_sub(start))
}
