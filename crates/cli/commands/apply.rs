//! `linkplan apply`: plan, confirm, then carry the plan out with progress lines, journaled and
//! locked so a second apply of the same plan cannot run at the same time. Given a plan saved by
//! `plan --out`, it applies that plan without a prompt, unless the plan file or the clouds changed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use linkplan_engine::{Action, ApplyError, DestroyOptions, Journal, SAVED_PLAN_KIND, SavedPlan, destroy_plan};
use miette::{IntoDiagnostic, WrapErr, miette};

use super::plan::{Target, desired, observe_and_plan, runtime};
use crate::args::{ApplyArgs, DestroyArgs};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &ApplyArgs) -> miette::Result<ExitStatus> {
    let saved = read_saved(&args.target.file)?;
    let plan_file = match &saved {
        Some(saved) => PathBuf::from(&saved.plan_file),
        None => args.target.file.clone(),
    };
    let Some((desired, plan_text)) = desired(&plan_file)? else { return Ok(ExitStatus::Failure) };
    if let Some(saved) = &saved
        && !saved.matches_file(&plan_text)
    {
        return Err(miette!(
            help = "run `linkplan plan --out` again and review the new plan",
            "`{}` changed since the plan was saved",
            plan_file.display()
        ));
    }
    let journal_path = match &args.journal {
        Some(path) => path.clone(),
        None => default_journal(&plan_file, args.target.cloud.sandbox)?,
    };
    let journal = open_journal(&journal_path, args.lock_timeout)?;
    runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let (observed, fresh) = observe_and_plan(&target.engine, &desired).await?;
        let plan = match saved {
            Some(saved) if !saved.plan.is_current(&observed) => {
                return Err(miette!(
                    help = "run `linkplan plan --out` again and review the new plan",
                    "the clouds changed since the plan was saved; refusing to apply a stale plan"
                ));
            }
            // A saved plan is the reviewed one: no prompt.
            Some(saved) => saved.plan,
            None => {
                printer::stdout(&fresh.to_string());
                if fresh.can_apply() && !fresh.is_converged() && !args.auto_approve && !confirmed()? {
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
            return Ok(ExitStatus::Success);
        }
        let progress = crate::progress::Display::new();
        let applied = target.engine.apply(&desired, &plan, &journal, &progress).await;
        progress.finish();
        match applied {
            Ok(report) => {
                printer::status(&format!(
                    "apply complete: {} step(s) done, {} already done",
                    report.completed.len(),
                    report.skipped.len()
                ));
                Ok(ExitStatus::Success)
            }
            Err(ApplyError::Step(error)) => {
                printer::status(&format!("apply failed: {error}"));
                Ok(ExitStatus::Failure)
            }
            Err(error) => Err(miette!("{error}")),
        }
    })
}

/// A plan saved by `plan --out`, when `path` is one (a plan file is YAML, never this JSON).
fn read_saved(path: &Path) -> miette::Result<Option<SavedPlan>> {
    let text = std::fs::read_to_string(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read `{}`", path.display()))?;
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { return Ok(None) };
    if value.get("kind").and_then(serde_json::Value::as_str) != Some(SAVED_PLAN_KIND) {
        return Ok(None);
    }
    let saved: SavedPlan = serde_json::from_value(value)
        .into_diagnostic()
        .wrap_err_with(|| format!("`{}` is not a plan saved by this version of linkplan", path.display()))?;
    Ok(Some(saved))
}

/// `.linkplan/<plan file name>.journal.jsonl` next to the plan file; for the sandbox (whose world
/// lives only as long as the process) a directory under the system's temp dir instead.
fn default_journal(plan: &Path, sandbox: bool) -> miette::Result<PathBuf> {
    let dir = if sandbox {
        std::env::temp_dir().join(format!("linkplan-sandbox-{}", std::process::id()))
    } else {
        plan.parent().unwrap_or_else(|| Path::new(".")).join(".linkplan")
    };
    std::fs::create_dir_all(&dir).into_diagnostic().wrap_err_with(|| format!("cannot create `{}`", dir.display()))?;
    let name = plan.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".to_owned());
    Ok(dir.join(format!("{name}.journal.jsonl")))
}

/// Open (and lock) the journal, waiting up to `timeout` for another apply to finish.
fn open_journal(path: &Path, timeout: std::time::Duration) -> miette::Result<Journal> {
    let waiting =
        || printer::status(&format!("waiting up to {}s for another apply of this plan to finish", timeout.as_secs()));
    Journal::open_waiting(path, timeout, waiting).map_err(|e| match e {
        linkplan_engine::JournalError::Locked { .. } => {
            miette!(help = "wait for it to finish, or pass --lock-timeout 10m to wait here", "{e}")
        }
        e => miette!("{e}"),
    })
}

/// Ask on the terminal; without one, refuse (`--auto-approve` is the way to say yes).
fn confirmed() -> miette::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(miette!(
            help = "pass --auto-approve to apply without a prompt",
            "cannot ask for confirmation: standard input is not a terminal"
        ));
    }
    let answer = printer::prompt("Apply these changes? Only `yes` is accepted: ").into_diagnostic()?;
    Ok(answer.trim() == "yes")
}

/// `linkplan destroy`: the runbook in reverse (detach, delete the connection, then the Confluent
/// resources linkplan manages); referenced resources are kept, the Kafka cluster only with
/// `--delete-kafka-cluster`.
pub(crate) fn destroy(args: &DestroyArgs) -> miette::Result<ExitStatus> {
    let Some((desired, _)) = desired(&args.target.file)? else { return Ok(ExitStatus::Failure) };
    let journal_path = match &args.journal {
        Some(path) => path.clone(),
        None => default_journal(&args.target.file, args.target.cloud.sandbox)?,
    };
    let journal = open_journal(&journal_path, args.lock_timeout)?;
    runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let observed = target.engine.observe(&desired).await.map_err(|e| miette!("{e}"))?;
        let entries = Journal::read(journal.path()).map_err(|e| miette!("{e}"))?;
        let options = DestroyOptions {
            delete_kafka_cluster: args.delete_kafka_cluster,
            delete_access: args.delete_access,
            created: Journal::created(&entries),
        };
        let plan = destroy_plan(&desired, &observed, &options);
        printer::stdout(&plan.to_string());
        if plan.steps.iter().all(|s| s.action != Action::Delete) {
            printer::status("nothing to delete");
            return Ok(ExitStatus::Success);
        }
        if !args.auto_approve && !confirmed()? {
            printer::status("destroy cancelled");
            return Ok(ExitStatus::Failure);
        }
        let progress = crate::progress::Display::new();
        let applied = target.engine.apply(&desired, &plan, &journal, &progress).await;
        progress.finish();
        match applied {
            Ok(report) => {
                printer::status(&format!("destroy complete: {} deleted", report.completed.len()));
                Ok(ExitStatus::Success)
            }
            Err(ApplyError::Step(error)) => {
                printer::status(&format!("destroy failed: {error}"));
                Ok(ExitStatus::Failure)
            }
            Err(error) => Err(miette!("{error}")),
        }
    })
}
