//! Carrying out a step plan, for `apply` and `destroy` alike: progress on standard error,
//! Ctrl-C (and SIGTERM) handled with a word about what was in flight, the outcome line, and the
//! ownership warning.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use linkplan_engine::{ApplyError, Desired, Event, Journal, Progress, StepId, StepPlan};

use crate::session::{Target, failure};
use crate::{ExitStatus, printer};

/// Which command runs the plan (for its messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Apply,
    Destroy,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Apply => "apply",
            Verb::Destroy => "destroy",
        }
    }
}

/// Run `plan` with progress; Ctrl-C or SIGTERM stops it (exit 130 / 143) after saying what was in
/// flight. Returns the exit status; errors are printed here.
pub(crate) async fn run(
    target: &Target,
    desired: &Desired,
    plan: &StepPlan,
    journal: &Journal,
    verb: Verb,
) -> miette::Result<ExitStatus> {
    let progress = Tracker { display: crate::progress::Display::new(), running: Mutex::new(BTreeMap::new()) };
    let applied = tokio::select! {
        applied = target.engine.apply(desired, plan, journal, &progress) => Ok(applied),
        signal = interrupted() => Err(signal),
    };
    progress.display.finish();
    let name = verb.name();
    let applied = match applied {
        Ok(applied) => applied,
        Err(signal) => {
            let running = progress.running.lock().unwrap_or_else(PoisonError::into_inner);
            let in_flight: Vec<String> = running.iter().map(|(step, doing)| format!("{step} ({doing})")).collect();
            let what = if in_flight.is_empty() {
                "no step was in flight".to_owned()
            } else {
                format!("in flight: {}", in_flight.join(", "))
            };
            printer::outcome(&format!("{name} interrupted by {}; {what}", signal.name));
            if verb == Verb::Apply {
                printer::status(
                    "resources already requested keep provisioning in the cloud; run `linkplan apply` again to \
                     resume: it looks every resource up before creating it, so nothing is created twice",
                );
            } else {
                printer::status("deletes already requested go on in the cloud; run `linkplan destroy` again to finish");
            }
            return Ok(signal.status);
        }
    };
    match applied {
        Ok(report) => {
            match verb {
                Verb::Apply => printer::status(&format!(
                    "apply complete: {} step(s) done, {} already done",
                    report.completed.len(),
                    report.skipped.len()
                )),
                Verb::Destroy => printer::status(&format!("destroy complete: {} deleted", report.completed.len())),
            }
            let ran: Vec<&StepId> = report.completed.iter().map(|(id, _)| id).collect();
            warn_not_owned(&report.not_owned, journal, &ran);
            Ok(ExitStatus::Success)
        }
        Err(ApplyError::Step(error)) => {
            printer::outcome(&format!("{name} failed: {error}"));
            Ok(ExitStatus::Failure)
        }
        Err(ApplyError::Journal(error)) => {
            printer::error(&crate::session::journal_error(error));
            Ok(ExitStatus::Failure)
        }
        Err(error) => {
            printer::error(&failure(&error, None));
            Ok(ExitStatus::Failure)
        }
    }
}

/// Apply found resources it did not create and the journal does not say linkplan created: say
/// so. With no journal before this run (it may have been lost), for every such resource; with
/// one, only for those this run's steps found (`ran`): a `=` resource the journal never owned
/// was reported when it was first found.
pub(crate) fn warn_not_owned(not_owned: &[(StepId, String)], journal: &Journal, ran: &[&StepId]) {
    let not_owned: Vec<&(StepId, String)> =
        not_owned.iter().filter(|(step, _)| journal.was_empty() || ran.contains(&step)).collect();
    if not_owned.is_empty() {
        return;
    }
    let list: Vec<String> = not_owned.iter().map(|(step, id)| format!("{step} ({id})")).collect();
    let why = if journal.was_empty() {
        format!(
            "there was no journal at {} before this run, so linkplan does not know it created them",
            journal.path().display()
        )
    } else {
        format!("the journal at {} has no record of linkplan creating them", journal.path().display())
    };
    printer::warning(&format!(
        "{} resource(s) of this plan were found, not created, by linkplan: {}. {why}: `linkplan destroy` will \
         keep them. If an earlier apply whose journal was lost created them, `linkplan destroy --adopt` claims \
         and deletes them",
        not_owned.len(),
        list.join(", ")
    ));
}

/// The progress display, and what each running step is doing (for an interruption).
struct Tracker {
    display: crate::progress::Display,
    running: Mutex<BTreeMap<StepId, String>>,
}

impl Progress for Tracker {
    fn event(&self, event: &Event<'_>) {
        {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            match event {
                Event::Started { step, action } => {
                    let doing = action.doing();
                    running.insert((*step).clone(), doing.to_owned());
                }
                Event::Waiting { step, state, .. } => {
                    if let Some(doing) = running.get_mut(*step) {
                        *doing = format!("waiting, {state}");
                    }
                }
                Event::Succeeded { step, .. } | Event::Failed { step, .. } => {
                    running.remove(*step);
                }
                _ => (),
            }
        }
        self.display.event(event);
    }
}

/// A signal that stops a run, and the exit status it ends with (128 + its number, as shells do).
pub(crate) struct Interrupt {
    pub(crate) name: &'static str,
    pub(crate) status: ExitStatus,
}

/// Resolves at the first Ctrl-C (SIGINT) or, on Unix, SIGTERM (a CI runner cancelling the job).
pub(crate) async fn interrupted() -> Interrupt {
    let ctrl_c = Interrupt { name: "Ctrl-C", status: ExitStatus::Interrupted(130) };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => ctrl_c,
                _ = term.recv() => Interrupt { name: "SIGTERM", status: ExitStatus::Interrupted(143) },
            };
        }
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => ctrl_c,
        // No signal handler could be installed: never interrupt.
        Err(_) => std::future::pending().await,
    }
}
