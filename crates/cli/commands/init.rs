//! `linkplan init`: observe a TiDB cluster and a Confluent environment, choose the network (or
//! propose one to create), adopt what exists and write a complete, commented plan file
//! ([`linkplan_engine::init`] decides; this file asks for missing ids, writes and prints).

use std::io::{IsTerminal, Write};
use std::path::Path;

use linkplan_engine::init::{InitOptions, Proposal, propose};
use miette::{IntoDiagnostic, WrapErr, miette};

use crate::args::{InitArgs, PlanFormat};
use crate::session::{self, Target, failure};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &InitArgs) -> miette::Result<ExitStatus> {
    // Usage errors (a missing id without a terminal to ask, a file in the way) exit 2.
    let usage = |report: miette::Report| {
        printer::error(&report);
        Ok(ExitStatus::Error)
    };
    let cluster = match given_or_asked(args.tidb_cluster.as_deref(), "--tidb-cluster", "TiDB Cloud cluster id") {
        Ok(id) => id,
        Err(report) => return usage(report),
    };
    let environment =
        match given_or_asked(args.environment.as_deref(), "--environment", "Confluent environment (env-…)") {
            Ok(id) => id,
            Err(report) => return usage(report),
        };
    if let Some(out) = &args.output
        && !args.force
        && (out.exists() || out.is_symlink())
    {
        return usage(miette!(
            help = "pass --force to replace it, or choose another --output",
            "`{}` already exists; not overwriting it",
            out.display()
        ));
    }
    let proposal = session::runtime()?.block_on(async {
        let target = Target::start(&args.cloud).await?;
        let survey = target.engine.survey(&cluster, &environment).await.map_err(|e| failure(&e, None))?;
        let options = InitOptions { name: args.name.clone() };
        propose(&survey, &options).map_err(|e| failure(&e, e.help()))
    })?;
    if let Some(out) = &args.output {
        write_plan(out, &proposal.plan, args.force)?;
    }
    match args.format {
        PlanFormat::Json => {
            let value = serde_json::json!({
                "version": 1,
                "kind": "linkplan.init",
                "candidates": proposal.candidates,
                "chosen": proposal.chosen,
                "adopted": proposal.adopted,
                "plan": proposal.plan,
            });
            printer::stdout(&(serde_json::to_string_pretty(&value).into_diagnostic()? + "\n"));
        }
        PlanFormat::Human => {
            let unicode = std::io::stderr().is_terminal() && !printer::no_color();
            explain(&explanation(&proposal, args.output.as_deref(), unicode));
            if args.output.is_none() {
                printer::stdout(&proposal.plan);
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// The flag's value, else (on a terminal) the answer to a prompt; without a terminal, a usage
/// error naming the flag.
fn given_or_asked(given: Option<&str>, flag: &str, what: &str) -> miette::Result<String> {
    if let Some(value) = given {
        let value = value.trim();
        if value.is_empty() {
            return Err(miette!("{flag} is empty"));
        }
        return Ok(value.to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(miette!(
            help = format!("pass {flag} (standard input is not a terminal to ask on)"),
            "missing {flag}: the {what}"
        ));
    }
    let answer = printer::prompt(&format!("{what}: ")).into_diagnostic()?;
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(miette!(help = format!("pass {flag}"), "no {what} given"));
    }
    Ok(answer.to_owned())
}

/// Write the plan to `out` (a new file, unless `force`).
fn write_plan(out: &Path, plan: &str, force: bool) -> miette::Result<()> {
    let cannot = || format!("cannot write the plan to `{}`", out.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // The check before observing may have raced another writer: never replace a file here.
        options.create_new(true);
    }
    let mut file = options.open(out).into_diagnostic().wrap_err_with(cannot)?;
    file.write_all(plan.as_bytes()).into_diagnostic().wrap_err_with(cannot)
}

/// What `init` found and chose, for standard error: the candidates, the choice, what is adopted,
/// the zone picture and what to run next.
pub(crate) fn explanation(proposal: &Proposal, output: Option<&Path>, unicode: bool) -> String {
    let mut out = String::new();
    if proposal.candidates.is_empty() {
        out.push_str("networks: none in the environment\n");
    } else {
        out.push_str("networks:\n");
        for c in &proposal.candidates {
            let chosen = proposal.chosen.network_id.as_deref() == Some(c.id.as_str());
            let mark = if chosen {
                "chosen  "
            } else if c.fits {
                "fits    "
            } else {
                "rejected"
            };
            out.push_str(&format!("  {mark} {}\n", c.line()));
        }
    }
    let chosen = &proposal.chosen;
    match &chosen.network_id {
        Some(id) => out.push_str(&format!("network: {id} ({})\n", chosen.reason)),
        None => out.push_str(&format!(
            "network: create \"{}\" with zones {} ({})\n",
            chosen.display_name.as_deref().unwrap_or_default(),
            chosen.zones.join(", "),
            chosen.reason
        )),
    }
    if proposal.adopted.is_empty() {
        out.push_str("adopted: nothing (apply creates every resource)\n");
    } else {
        out.push_str("adopted:\n");
        for a in &proposal.adopted {
            out.push_str(&format!("  = {}  {} ({})\n", a.step, a.id, a.what));
        }
    }
    for note in &proposal.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if let Some(zones) = &proposal.zones {
        out.push('\n');
        out.push_str(&zones.render(unicode));
    }
    out.push('\n');
    match output {
        Some(path) => out.push_str(&format!("wrote {}; next: linkplan plan {}\n", path.display(), path.display())),
        None => {
            out.push_str("the plan is on standard output; save it (--output FILE), then run `linkplan plan` on it\n")
        }
    }
    out
}

/// Text on standard error, as it is (no `linkplan:` prefix on every line).
fn explain(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
