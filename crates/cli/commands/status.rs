//! `linkplan status`: every step's live state and any drift (the plan, read as a status), and
//! what the journal says linkplan owns.

use linkplan_engine::{Journal, Known};
use miette::IntoDiagnostic;

use super::plan::observe_and_plan;
use crate::args::{PlanFormat, StatusArgs};
use crate::session::{self, Target};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &StatusArgs) -> miette::Result<ExitStatus> {
    let Some(input) = session::load_plan(&args.target.file)? else { return Ok(ExitStatus::Failure) };
    let journal = session::read_journal(args.journal.as_deref(), &input.path, args.target.cloud.sandbox)?;
    let owned = Journal::owned(&journal.entries);
    session::runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let known = Known::from_owned(&owned);
        let Some((observed, plan)) = observe_and_plan(&target.engine, &input, &known, &Default::default()).await?
        else {
            return Ok(ExitStatus::Failure);
        };
        let text = match args.format {
            PlanFormat::Human => plan.to_string(),
            PlanFormat::Json => {
                let owned: serde_json::Map<String, serde_json::Value> = owned
                    .into_iter()
                    .map(|(step, owned)| (step.to_string(), serde_json::json!({ "id": owned.id })))
                    .collect();
                let value = serde_json::json!({ "version": 1, "observed": observed, "plan": plan, "owned": owned });
                serde_json::to_string_pretty(&value).into_diagnostic()? + "\n"
            }
        };
        printer::stdout(&text);
        Ok(super::plan::exit_status(&plan, args.detailed_exitcode))
    })
}
