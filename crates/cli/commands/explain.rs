//! `linkplan explain`: a rule's documentation, or the list of rules.

use linkplan_lint::rules::{self, RULES};
use miette::miette;

use crate::args::ExplainArgs;
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &ExplainArgs) -> miette::Result<ExitStatus> {
    let Some(query) = args.rule.as_deref().filter(|_| !args.all) else {
        let mut text = String::new();
        for rule in RULES {
            text.push_str(&format!(
                "{}  {:<38} {:<8} {}\n",
                rule.code,
                rule.name,
                rule.severity.as_str(),
                rule.summary()
            ));
        }
        printer::stdout(&text);
        return Ok(ExitStatus::Success);
    };
    let Some(rule) = rules::rule(query) else {
        let suggestion = RULES
            .iter()
            .find(|r| strsim_like(query, r.name) || strsim_like(query, r.code))
            .map(|r| format!("did you mean `{}` ({})?", r.code, r.name))
            .unwrap_or_else(|| "`linkplan explain --all` lists the rules".to_owned());
        return Err(miette!(help = suggestion, "unknown rule `{query}`"));
    };
    printer::stdout(&rule.markdown());
    Ok(ExitStatus::Success)
}

/// A cheap likeness test: same text ignoring case and separators, or one contains the other.
fn strsim_like(query: &str, candidate: &str) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_', ' '], "");
    let (q, c) = (norm(query), norm(candidate));
    q.len() >= 4 && (c.contains(&q) || q.contains(&c))
}
