//! ## What it does
//! Flags a `# linkplan: allow CODE …` comment that suppresses nothing: the rule it names did not
//! fire on that line, or the code is not a linkplan rule.
//!
//! ## Why is this bad?
//! A stale suppression hides the next real problem on that line and misleads reviewers about
//! what the plan needs. Remove it once the finding it covered is fixed.
//!
//! ## Example
//! ```yaml
//! # linkplan: allow AZ004 only two zones are shared, accepted by the platform team
//! zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! Use instead:
//! ```yaml
//! zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! ## Needs
//! Only the file.
//!
//! ## References
//! - linkplan README, "Suppressing a finding"

use linkplan_model::Span;

use crate::finding::Finding;
use crate::rules::builtin;

/// PL005: a suppression code that matched no finding, or is not a rule at all.
pub(crate) fn finding(span: Span, code: &str, known: bool) -> Finding {
    let rule = builtin("PL005");
    if known {
        Finding::new(rule.code, rule.severity, span, format!("unused suppression of {code}"))
            .with_label("nothing to allow here")
            .with_help("remove the code from the comment; the finding it allowed is gone")
    } else if code.is_empty() {
        Finding::new(rule.code, rule.severity, span, "the suppression names no rule")
            .with_label("no code")
            .with_help("write `# linkplan: allow CODE reason`; `linkplan explain --all` lists the rules")
    } else {
        Finding::new(rule.code, rule.severity, span, format!("`{code}` is not a linkplan rule"))
            .with_label("unknown code")
            .with_help("`linkplan explain --all` lists the rules")
    }
}
