//! `linkplan apply`: plan, confirm, then carry the plan out with progress, journaled and locked
//! so a second apply of the same plan cannot run at the same time. Given a plan saved by
//! `plan --out`, it applies that plan without a prompt, unless the saved plan was edited, the
//! plan file changed, or the clouds changed.

use std::path::Path;

use linkplan_engine::{Action, Journal, Known, PlanOptions, SAVED_PLAN_KIND, SavedPlan};
use miette::{IntoDiagnostic, WrapErr, miette};

use super::plan::{observe_and_plan, plan_options, resolve_saved, warn_unused_replace};
use crate::args::ApplyArgs;
use crate::runner::{self, Verb};
use crate::session::{self, Target, failure};
use crate::{ExitStatus, printer};

const MAKE_IT_AGAIN: &str = "run `linkplan plan --out` again and review the new plan";

pub(crate) fn run(args: &ApplyArgs) -> miette::Result<ExitStatus> {
    if crate::fleet::is_fleet(&args.target.paths) || args.format == crate::args::PlanFormat::Json {
        if args.journal.is_some() || !args.replace.is_empty() {
            return Err(miette!("--journal and --replace take one plan file, not several"));
        }
        let fleet = crate::fleet::FleetArgs {
            paths: &args.target.paths,
            cloud: &args.target.cloud,
            state: &args.state,
            format: args.format,
            parallelism: usize::from(args.parallelism),
            auto_approve: args.auto_approve,
            lock_timeout: args.lock_timeout,
        };
        return crate::fleet::apply(&fleet, None);
    }
    // The file is read once: a saved plan names its plan file; a plan file is the input itself.
    let bytes = session::read_file(args.target.file())?;
    let saved = read_saved(args.target.file(), &bytes)?;
    let input = match &saved {
        Some(saved) => session::load_plan(&resolve_saved(args.target.file(), &saved.plan_file))?,
        None => session::plan_from_bytes(args.target.file(), bytes)?,
    };
    let input = match input {
        Ok(input) => input,
        Err(gate) => {
            gate.print(crate::args::PlanFormat::Human);
            return Ok(ExitStatus::Failure);
        }
    };
    if let Some(saved) = &saved {
        saved.verify(&input.text).map_err(|e| failure(&e, Some(MAKE_IT_AGAIN.to_owned())))?;
    }
    // A saved plan is compared with the plan its own replacements make.
    let options = match &saved {
        Some(saved) => PlanOptions {
            replace: saved.plan.steps.iter().filter(|s| s.action == Action::Replace).map(|s| s.id.clone()).collect(),
        },
        None => plan_options(&args.replace)?,
    };
    let journal_target = session::journal_target(
        args.journal.as_deref(),
        &args.state,
        &input.path,
        input.state.as_deref(),
        args.target.cloud.sandbox,
        true,
    )?;
    session::runtime()?.block_on(async {
        let journal = session::open_journal(&journal_target, "apply", args.lock_timeout).await?;
        let guard = session::guard_lock(&journal_target, &journal);
        let applied = apply_locked(args, &input, saved, &options, &journal, guard).await;
        session::close_journal(journal, &journal_target);
        applied
    })
}

/// Observe, plan, confirm and apply, holding the journal's lock.
async fn apply_locked(
    args: &ApplyArgs,
    input: &session::PlanInput,
    saved: Option<SavedPlan>,
    options: &PlanOptions,
    journal: &Journal,
    guard: session::LockGuard,
) -> miette::Result<ExitStatus> {
    let target = Target::start(&args.target.cloud).await?;
    let known = Known::from_owned(&Journal::owned(&journal.entries()));
    let Some((observed, fresh)) =
        observe_and_plan(&target.engine, input, &known, options, crate::args::PlanFormat::Human).await?
    else {
        return Ok(ExitStatus::Failure);
    };
    if saved.is_none() {
        warn_unused_replace(options, &fresh);
    }
    let plan = match saved {
        Some(saved) if !saved.plan.is_current(&observed) => {
            return Err(miette!(
                help = MAKE_IT_AGAIN,
                "the clouds changed since the plan was saved; refusing to apply a stale plan"
            ));
        }
        // The same file and the same world make the same plan: anything else was edited.
        Some(saved) if saved.plan != fresh => {
            return Err(miette!(
                help = MAKE_IT_AGAIN,
                "the saved plan's steps are not the ones `linkplan plan` makes from this file and world"
            ));
        }
        // A saved plan is the reviewed one: no prompt.
        Some(saved) => saved.plan,
        None => {
            printer::plan(&fresh.to_string());
            if fresh.can_apply()
                && !fresh.is_converged()
                && !args.auto_approve
                && !session::confirmed("Apply these changes?", "apply")?
            {
                printer::status("apply cancelled");
                return Ok(ExitStatus::Failure);
            }
            fresh
        }
    };
    if !plan.can_apply() {
        return Ok(ExitStatus::Failure);
    }
    if plan.is_converged() {
        printer::status("nothing to do: every step is already done");
        let not_owned =
            target.engine.settle_ownership(&input.desired, &plan, &[], journal).map_err(session::journal_error)?;
        runner::warn_not_owned(&not_owned, journal, &[]);
        return Ok(ExitStatus::Success);
    }
    drop(guard);
    runner::run(&target, &input.desired, &plan, journal, Verb::Apply).await
}

/// A plan saved by `plan --out`, when the bytes of `path` are one (a plan file is YAML, never this JSON).
fn read_saved(path: &Path, bytes: &[u8]) -> miette::Result<Option<SavedPlan>> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else { return Ok(None) };
    if value.get("kind").and_then(serde_json::Value::as_str) != Some(SAVED_PLAN_KIND) {
        return Ok(None);
    }
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(linkplan_engine::SAVED_PLAN_VERSION)) {
        return Err(miette!(
            help = MAKE_IT_AGAIN,
            "`{}` is a saved plan of version {}; this linkplan applies version {}",
            path.display(),
            version.map_or_else(|| "(none)".to_owned(), |v| v.to_string()),
            linkplan_engine::SAVED_PLAN_VERSION
        ));
    }
    let saved: SavedPlan = serde_json::from_value(value)
        .into_diagnostic()
        .wrap_err_with(|| format!("`{}` is not a plan saved by this version of linkplan", path.display()))?;
    Ok(Some(saved))
}
