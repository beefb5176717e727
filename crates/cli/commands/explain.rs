//! `linkplan explain`: a rule's documentation, or the list of rules; as text, or as JSON
//! (version 1, docs/json-output.md).

use linkplan_lint::rules::{self, RULES, Rule};
use miette::miette;
use serde::Serialize;

use crate::args::{ExplainArgs, ExplainFormat};
use crate::{ExitStatus, printer};

/// The version of `explain --format json`; raised when a field changes meaning or goes.
const JSON_VERSION: u32 = 1;

pub(crate) fn run(args: &ExplainArgs) -> miette::Result<ExitStatus> {
    let Some(query) = args.rule.as_deref().filter(|_| !args.all) else {
        if args.format == ExplainFormat::Json {
            printer::stdout(&json(RULES.iter()));
            return Ok(ExitStatus::Success);
        }
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
    match args.format {
        ExplainFormat::Text => printer::stdout(&rule.markdown()),
        ExplainFormat::Json => printer::stdout(&json(std::iter::once(rule))),
    }
    Ok(ExitStatus::Success)
}

/// `explain --format json`: the envelope.
#[derive(Serialize)]
struct RulesJson {
    version: u32,
    rules: Vec<RuleJson>,
}

/// One rule: its code, name, category (the code's letters), default severity, summary,
/// documentation page (URL) and documentation (Markdown).
#[derive(Serialize)]
struct RuleJson {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    severity: &'static str,
    summary: String,
    url: String,
    docs: String,
}

/// `{"version": 1, "rules": [...]}`, in the fields' order.
fn json<'a>(rules: impl Iterator<Item = &'a Rule>) -> String {
    let rules = rules
        .map(|rule| RuleJson {
            code: rule.code,
            name: rule.name,
            category: rule.code.trim_end_matches(|c: char| c.is_ascii_digit()),
            severity: rule.severity.as_str(),
            summary: rule.summary(),
            url: rule.url(),
            docs: rule.doc(),
        })
        .collect();
    let document = RulesJson { version: JSON_VERSION, rules };
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

/// A cheap likeness test: same text ignoring case and separators, or one contains the other.
fn strsim_like(query: &str, candidate: &str) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_', ' '], "");
    let (q, c) = (norm(query), norm(candidate));
    q.len() >= 4 && (c.contains(&q) || q.contains(&c))
}
