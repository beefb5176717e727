//! `linkplan status`: every step's live state and any drift (the plan, read as a status), and
//! what the journal says linkplan owns.

use linkplan_engine::{Journal, Known};
use miette::IntoDiagnostic;

use super::plan::observe_and_plan;
use crate::args::{PlanFormat, StatusArgs};
use crate::session::{self, Target};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &StatusArgs) -> miette::Result<ExitStatus> {
    if crate::fleet::is_fleet(&args.target.paths) {
        if args.journal.is_some() {
            return Err(miette::miette!("--journal takes one plan file, not several"));
        }
        let fleet = super::plan::fleet_args(&args.target, &args.state, args.format);
        return crate::fleet::plan(&fleet, args.detailed_exitcode, "status");
    }
    let Some(input) = session::load_plan_or_print(args.target.file(), args.format)? else {
        return Ok(ExitStatus::Failure);
    };
    let journal = session::read_state(args.journal.as_deref(), &args.state, &input, args.target.cloud.sandbox)?;
    let owned = Journal::owned(&journal.entries);
    session::runtime()?.block_on(async {
        let target = Target::start(&args.target.cloud).await?;
        let known = Known::from_owned(&owned);
        let Some((observed, plan)) =
            observe_and_plan(&target.engine, &input, &known, &Default::default(), args.format).await?
        else {
            return Ok(ExitStatus::Failure);
        };
        let feed = observed.cdc.as_ref().and_then(|c| c.changefeed.as_ref());
        let lagging = match (feed.and_then(|f| f.lag_ms), args.max_lag) {
            (Some(lag), Some(max)) => u128::from(lag) > max.as_millis(),
            _ => false,
        };
        let text = match args.format {
            PlanFormat::Human => {
                let mut text = plan.to_string() + &super::plan::zone_picture(&input.desired, &observed);
                if let Some(f) = feed {
                    text.push_str(&format!(
                        "\nchangefeed {}: {}, checkpoint {}, lag {}{}\n",
                        f.id,
                        f.state.as_ref().map_or("(no state)", |s| s.as_str()),
                        f.checkpoint_time.as_deref().unwrap_or("(none yet)"),
                        f.lag().unwrap_or_else(|| "unknown".to_owned()),
                        if lagging { " — more than --max-lag" } else { "" },
                    ));
                }
                text
            }
            PlanFormat::Json => {
                let owned: serde_json::Map<String, serde_json::Value> = owned
                    .into_iter()
                    .map(|(step, owned)| (step.to_string(), serde_json::json!({ "id": owned.id })))
                    .collect();
                let changefeed = feed.map(|f| {
                    serde_json::json!({
                        "id": f.id,
                        "state": f.state,
                        "checkpoint": f.checkpoint_time,
                        "lag_seconds": f.lag_ms.map(|ms| ms / 1000),
                        "lagging": lagging,
                    })
                });
                let value = serde_json::json!({
                    "version": 1,
                    "observed": observed,
                    "plan": plan,
                    "owned": owned,
                    "changefeed": changefeed,
                });
                serde_json::to_string_pretty(&value).into_diagnostic()? + "\n"
            }
        };
        printer::stdout(&text);
        if lagging {
            printer::warning("the changefeed's lag is more than --max-lag");
            if args.detailed_exitcode && plan.can_apply() {
                return Ok(ExitStatus::Changes);
            }
        }
        Ok(super::plan::exit_status(&plan, args.detailed_exitcode))
    })
}
