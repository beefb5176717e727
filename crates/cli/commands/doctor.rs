//! `linkplan doctor`: why the connection (or its changefeed) does not work. Two sources, each
//! the one home of its knowledge: the linter's rules on the plan merged with the live facts
//! (regions, zones, PRIVATELINK, …), and the engine's live-state checks
//! ([`linkplan_engine::doctor::diagnose`]: accesses, states, domains, the changefeed).

use linkplan_engine::doctor::{Cause, diagnose};
use linkplan_engine::{Journal, Known};
use linkplan_lint::Severity;
use miette::IntoDiagnostic;

use crate::args::{DoctorArgs, PlanFormat};
use crate::session::{self, Target, failure};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &DoctorArgs) -> miette::Result<ExitStatus> {
    // A plan that fails lint offline: the findings are the causes (printed by the loader).
    let Some(input) = session::load_plan_or_print(&args.target.file, args.format)? else {
        return Ok(ExitStatus::Failure);
    };
    let journal = session::read_journal(args.journal.as_deref(), &input, args.target.cloud.sandbox)?;
    let known = Known::from_owned(&Journal::owned(&journal.entries));
    session::runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let observed = target.engine.observe_with(&input.desired, &known).await.map_err(|e| failure(&e, None))?;
        let report = input.live_report(&observed);
        let mut causes: Vec<Cause> = report
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .map(|f| Cause {
                cause: f.message.clone(),
                fix: f.help.clone().unwrap_or_else(|| format!("see `linkplan explain {}`", f.code)),
                rule: Some(f.code),
            })
            .collect();
        let diagnosis = diagnose(&input.desired, &observed);
        causes.extend(diagnosis.causes.iter().cloned());
        let text = match args.format {
            PlanFormat::Json => {
                let value = serde_json::json!({
                    "version": 1,
                    "plan": input.path.display().to_string(),
                    "checked": diagnosis.checked,
                    "causes": causes,
                });
                serde_json::to_string_pretty(&value).into_diagnostic()? + "\n"
            }
            PlanFormat::Human => human(&diagnosis.checked, &causes),
        };
        printer::stdout(&text);
        Ok(if causes.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
    })
}

fn human(checked: &[&str], causes: &[Cause]) -> String {
    let mut out = String::new();
    if causes.is_empty() {
        out.push_str("No known cause found; checked:\n");
        for line in checked {
            out.push_str(&format!("  ✓ {line}\n"));
        }
        out.push_str("  ✓ every lint rule, on the plan merged with the live values\n");
        return out;
    }
    out.push_str(&format!("Found {} cause{}:\n", causes.len(), if causes.len() == 1 { "" } else { "s" }));
    for cause in causes {
        let rule = cause.rule.map(|r| format!(" [{r}: `linkplan explain {r}`]")).unwrap_or_default();
        out.push_str(&format!("\n  ✗ {}{rule}\n    fix: {}\n", cause.cause, cause.fix));
    }
    out
}
