//! `linkplan state list|show|pull|push`: what a journal says linkplan owns, from either backend
//! (a file or S3), and moving a journal between them.

use std::time::{Duration, UNIX_EPOCH};

use linkplan_engine::journal::{Entry, JournalEvent};
use linkplan_engine::{Clock, Journal, StepId, SystemClock};
use miette::{IntoDiagnostic, WrapErr, miette};

use crate::args::{JournalArgs, PlanFormat, StateArgs, StateCommand, StateListArgs, StatePushArgs, StateShowArgs};
use crate::session::{self, JournalTarget, journal_error};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &StateArgs) -> miette::Result<ExitStatus> {
    match &args.command {
        StateCommand::List(args) => list(args),
        StateCommand::Show(args) => show(args),
        StateCommand::Pull(args) => {
            let target = target(&args.target, false)?;
            let bytes = session::runtime()?.block_on(target.backend.pull()).map_err(journal_error)?;
            match &args.out {
                Some(out) => std::fs::write(out, &bytes)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot write `{}`", out.display()))?,
                None => printer::stdout(&String::from_utf8_lossy(&bytes)),
            }
            Ok(ExitStatus::Success)
        }
        StateCommand::Push(args) => push(args),
    }
}

fn target(args: &JournalArgs, create: bool) -> miette::Result<JournalTarget> {
    session::journal_target(
        args.journal.as_deref(),
        &args.state,
        &args.file,
        session::declared_state(&args.file).as_deref(),
        false,
        create,
    )
}

fn list(args: &StateListArgs) -> miette::Result<ExitStatus> {
    let target = target(&args.target, false)?;
    let now = SystemClock::new().unix_ms();
    let (loaded, holder) = session::runtime()?
        .block_on(async {
            Ok::<_, linkplan_engine::JournalError>((target.backend.load().await?, target.backend.holder(now).await?))
        })
        .map_err(journal_error)?;
    if let Some(recovered) = &loaded.recovered {
        printer::warning(&format!("journal {}: {recovered}", target.backend.path().display()));
    }
    let owned = Journal::owned(&loaded.entries);
    match args.format {
        PlanFormat::Human => {
            let width = owned.keys().map(|s| s.as_str().len()).max().unwrap_or(0);
            let lines: String = owned
                .iter()
                .map(|(step, o)| {
                    let id = o.id.as_deref().unwrap_or("(id not known yet: a create was sent; apply records it)");
                    format!("{:width$}  {id}\n", step.as_str())
                })
                .collect();
            printer::stdout(&lines);
            if owned.is_empty() {
                printer::status(&format!(
                    "the journal {} records nothing linkplan owns ({} entries)",
                    target.backend.path().display(),
                    loaded.entries.len()
                ));
            }
            if let Some(holder) = &holder {
                printer::status(&format!("locked: {holder}"));
            }
        }
        PlanFormat::Json => {
            let resources: Vec<serde_json::Value> =
                owned.iter().map(|(step, o)| serde_json::json!({ "step": step.as_str(), "id": o.id })).collect();
            let lock = holder.as_ref().map(|h| {
                serde_json::json!({
                    "id": h.info.id, "operation": h.info.operation, "who": h.info.who, "where": h.info.place,
                    "created_ms": h.info.created_ms, "age_seconds": h.age.as_secs(),
                })
            });
            let json = serde_json::json!({
                "version": 1,
                "journal": target.backend.path().display().to_string(),
                "entries": loaded.entries.len(),
                "resources": resources,
                "lock": lock,
            });
            printer::stdout(&(serde_json::to_string_pretty(&json).into_diagnostic()? + "\n"));
        }
    }
    Ok(ExitStatus::Success)
}

fn show(args: &StateShowArgs) -> miette::Result<ExitStatus> {
    let target = target(&args.target, false)?;
    let step = StepId::parse(&args.step_id).ok_or_else(|| {
        miette!(
            help = "a step id is `<resource>/<natural key>`, as `state list` prints it",
            "`{}` is not a step id",
            args.step_id
        )
    })?;
    let loaded = session::runtime()?.block_on(target.backend.load()).map_err(journal_error)?;
    let entries: Vec<&Entry> = loaded.entries.iter().filter(|e| e.step_id == step).collect();
    if entries.is_empty() {
        let known: std::collections::BTreeSet<&str> = loaded.entries.iter().map(|e| e.step_id.as_str()).collect();
        let known: Vec<&str> = known.into_iter().collect();
        return Err(miette!(
            help = if known.is_empty() {
                "the journal is empty".to_owned()
            } else {
                format!("the journal records: {}", known.join(", "))
            },
            "the journal {} has no entry for {}",
            target.backend.path().display(),
            step.as_str()
        ));
    }
    let owned = Journal::owned(&loaded.entries);
    let mut text = format!("{}\n", step.as_str());
    text.push_str(&match owned.get(&step) {
        Some(o) => format!("  owned: {}\n", o.id.as_deref().unwrap_or("yes (a create was sent; id not known yet)")),
        None => "  owned: no (found, or deleted since)\n".to_owned(),
    });
    for e in entries {
        let event = match e.event {
            JournalEvent::Started => "started",
            JournalEvent::CreateSent => "create sent",
            JournalEvent::Succeeded => "succeeded",
            JournalEvent::Failed => "failed",
        };
        let action = e.action.map(|a| format!(" {}", a.symbol())).unwrap_or_default();
        let outputs: Vec<String> = e.outputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let outputs = if outputs.is_empty() { String::new() } else { format!("  {}", outputs.join(" ")) };
        let message = e.message.as_deref().map(|m| format!("  {m}")).unwrap_or_default();
        text.push_str(&format!("  {}  {event}{action}{outputs}{message}\n", time(e.at)));
    }
    printer::stdout(&text);
    Ok(ExitStatus::Success)
}

fn push(args: &StatePushArgs) -> miette::Result<ExitStatus> {
    let target = target(&args.target, true)?;
    let bytes = session::read_file(&args.source)?;
    let env = |name: &str| std::env::var(name).ok();
    let clock = SystemClock::new();
    let before =
        session::runtime()?.block_on(target.backend.push(&bytes, args.force, &clock, &env)).map_err(journal_error)?;
    let pushed = Journal::parse(&args.source, &bytes).map_err(journal_error)?.entries.len();
    printer::status(&format!(
        "pushed {pushed} entries from {} to {} (it held {before})",
        args.source.display(),
        target.backend.path().display()
    ));
    Ok(ExitStatus::Success)
}

/// `Wed, 02 Dec 2026 06:05:07 GMT` for milliseconds since the epoch.
fn time(ms: u64) -> String {
    linkplan_state::http_date(UNIX_EPOCH + Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_http_dates() {
        assert_eq!(super::time(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
