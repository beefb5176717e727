//! ## What it does
//! Flags a `# linkplan: allow CODE` comment that gives no reason after the codes.
//!
//! ## Why is this bad?
//! A suppression overrides a documented rule of the runbook. The reason is what a reviewer
//! approves and what the next engineer reads before removing it. The suppression still applies.
//!
//! ## Example
//! ```yaml
//! availability: SINGLE_ZONE  # linkplan: allow CL002
//! ```
//!
//! Use instead:
//! ```yaml
//! availability: SINGLE_ZONE  # linkplan: allow CL002 dev cluster, outage acceptable
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

/// PL006: the finding for a suppression comment without a reason.
pub(crate) fn finding(span: Span) -> Finding {
    let rule = builtin("PL006");
    Finding::new(rule.code, rule.severity, span, "suppression without a reason")
        .with_label("say why this is allowed")
        .with_help("write the reason after the codes: `# linkplan: allow CODE why it is acceptable`")
}
