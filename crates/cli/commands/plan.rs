//! `linkplan plan`: lint the plan file, observe both clouds, print the steps apply would take;
//! `--out` saves them for a later `apply`.

use std::path::{Component, Path, PathBuf};

use linkplan_engine::{Engine, Journal, Known, Observed, PlanOptions, SavedPlan, StepId, StepPlan};
use miette::{IntoDiagnostic, WrapErr};

use crate::args::{PlanArgs, PlanFormat};
use crate::session::{self, PlanInput, Target, failure};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &PlanArgs) -> miette::Result<ExitStatus> {
    if crate::fleet::is_fleet(&args.target.paths) {
        if args.out.is_some() || args.journal.is_some() || !args.replace.is_empty() {
            return Err(miette::miette!("--out, --journal and --replace take one plan file, not several"));
        }
        let fleet = fleet_args(&args.target, &args.state, args.format);
        return crate::fleet::plan(&fleet, args.detailed_exitcode, "plan");
    }
    let Some(input) = session::load_plan_or_print(args.target.file(), args.format)? else {
        return Ok(ExitStatus::Failure);
    };
    let journal = session::read_state(args.journal.as_deref(), &args.state, &input, args.target.cloud.sandbox)?;
    let known = Known::from_owned(&Journal::owned(&journal.entries));
    session::runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let options = plan_options(&args.replace)?;
        let Some((observed, plan)) = observe_and_plan(&target.engine, &input, &known, &options, args.format).await?
        else {
            return Ok(ExitStatus::Failure);
        };
        warn_unused_replace(&options, &plan);
        let text = match args.format {
            PlanFormat::Human => plan.to_string() + &zone_picture(&input.desired, &observed),
            PlanFormat::Json => serde_json::to_string_pretty(&plan).into_diagnostic()? + "\n",
        };
        printer::plan(&text);
        if let Some(out) = &args.out {
            let saved = SavedPlan::new(&relative_to_saved(&input.path, out), &input.text, plan.clone());
            let json = serde_json::to_string_pretty(&saved).into_diagnostic()?;
            std::fs::write(out, json + "\n")
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write the plan to `{}`", out.display()))?;
        }
        Ok(exit_status(&plan, args.detailed_exitcode))
    })
}

/// The zone picture after the step list (a blank line first), `✓` on a terminal and plain `x`
/// elsewhere; nothing when TiDB's or the network's zones are unknown.
pub(crate) fn zone_picture(desired: &linkplan_engine::Desired, observed: &Observed) -> String {
    use std::io::IsTerminal;
    let unicode = std::io::stdout().is_terminal() && !printer::no_color();
    linkplan_engine::ZonePicture::of(desired, observed).map(|z| format!("\n{}", z.render(unicode))).unwrap_or_default()
}

/// The fleet commands' view of the arguments plan and status share.
pub(crate) fn fleet_args<'a>(
    target: &'a crate::args::PlansArgs,
    state: &'a crate::args::LocationArgs,
    format: PlanFormat,
) -> crate::fleet::FleetArgs<'a> {
    crate::fleet::FleetArgs {
        paths: &target.paths,
        cloud: &target.cloud,
        state,
        format,
        parallelism: linkplan_engine::DEFAULT_PARALLELISM,
        auto_approve: true,
        lock_timeout: std::time::Duration::ZERO,
    }
}

/// Say so when a `--replace` step id replaces nothing: not a step of this plan, or nothing
/// forces its replacement (a change the API makes in place is made in place).
pub(crate) fn warn_unused_replace(options: &PlanOptions, plan: &StepPlan) {
    for id in &options.replace {
        if !plan.steps.iter().any(|s| &s.id == id && s.action == linkplan_engine::Action::Replace) {
            printer::warning(&format!(
                "--replace {id}: nothing is replaced (no such step in this plan, or no change that forces it)"
            ));
        }
    }
}

/// Terraform's exit status for a plan: 1 when it cannot be applied, 2 for changes only with
/// `--detailed-exitcode`, else 0.
pub(crate) fn exit_status(plan: &StepPlan, detailed: bool) -> ExitStatus {
    if !plan.can_apply() {
        ExitStatus::Failure
    } else if detailed && !plan.is_converged() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

/// Observe (also what the journal recorded, `known`), lint the plan with the live facts
/// (`None` after printing the findings when that finds an error), then plan.
pub(crate) async fn observe_and_plan(
    engine: &Engine,
    input: &PlanInput,
    known: &Known,
    options: &PlanOptions,
    format: PlanFormat,
) -> miette::Result<Option<(Observed, StepPlan)>> {
    let observed = engine.observe_with(&input.desired, known).await.map_err(|e| failure(&e, None))?;
    if let Err(gate) = input.lint_live(&observed) {
        gate.print(format);
        return Ok(None);
    }
    let plan = linkplan_engine::plan_with(&input.desired, &observed, options);
    Ok(Some((observed, plan)))
}

/// `--replace` step ids as plan options.
pub(crate) fn plan_options(replace: &[String]) -> miette::Result<PlanOptions> {
    let replace = replace
        .iter()
        .map(|id| {
            StepId::parse(id).ok_or_else(|| {
                miette::miette!(
                    help = "use a step id as `linkplan plan` prints it, e.g. confluent.cluster/n-abc123/orders",
                    "`{id}` is not a step id"
                )
            })
        })
        .collect::<miette::Result<Vec<_>>>()?;
    Ok(PlanOptions { replace })
}

/// The plan file as a saved plan at `out` names it: relative to `out`'s directory, so the pair
/// can be moved together and applied from any directory (absolute when no relative path exists,
/// e.g. on another drive).
fn relative_to_saved(plan: &Path, out: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).ok().map(|p| normalize(&p));
    let out_dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (Some(plan), Some(base)) = (absolute(plan), absolute(out_dir)) else {
        return plan.display().to_string();
    };
    let (plan_parts, base_parts): (Vec<_>, Vec<_>) = (plan.components().collect(), base.components().collect());
    if plan_parts.first() != base_parts.first() {
        return plan.display().to_string();
    }
    let common = plan_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    for part in &plan_parts[common..] {
        relative.push(part);
    }
    relative.display().to_string()
}

/// `a/./b/../c` → `a/c`, lexically (the paths are only compared, never opened).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => (),
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Where the plan file a saved plan at `saved` names is: relative to the saved plan's directory.
pub(crate) fn resolve_saved(saved: &Path, plan_file: &str) -> PathBuf {
    let plan_file = Path::new(plan_file);
    if plan_file.is_absolute() {
        return plan_file.to_owned();
    }
    saved.parent().unwrap_or(Path::new("")).join(plan_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_file_is_named_relative_to_the_saved_plan() {
        let cases = [
            ("examples/orders.yaml", "saved.json", "examples/orders.yaml"),
            ("examples/orders.yaml", "out/saved.json", "../examples/orders.yaml"),
            ("./a/b/../orders.yaml", "a/c/saved.json", "../orders.yaml"),
            ("orders.yaml", "orders.json", "orders.yaml"),
        ];
        for (plan, out, expected) in cases {
            let named = relative_to_saved(Path::new(plan), Path::new(out));
            assert_eq!(named, expected, "{plan} saved as {out}");
            let resolved = normalize(&std::path::absolute(resolve_saved(Path::new(out), &named)).unwrap_or_default());
            let direct = normalize(&std::path::absolute(plan).unwrap_or_default());
            assert_eq!(resolved, direct, "{plan} saved as {out}");
        }
    }
}
