//! ## What it does
//! Flags a `changefeed.tables` whose every rule is an exclusion (`!…`).
//!
//! ## Why is this bad?
//! In TiDB's table filter a table is replicated only when the last rule that matches it
//! includes it; a table no rule matches is left out. A filter of exclusions alone therefore
//! matches no table at all, and the changefeed streams nothing. To replicate everything but a
//! few tables, include them all first.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   tables: ["!orders.tmp_*"]
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   tables: ["orders.*", "!orders.tmp_*"]
//! ```
//!
//! ## Needs
//! `changefeed.tables`.
//!
//! ## References
//! - TiDB docs, "Table Filter", "Exclusion": add `*.*` (or another inclusion) before the
//!   exclusions; "Precedence order": the last matching rule decides

use linkplan_model::TableFilterRule;

use crate::context::Context;
use crate::facts::Facts;

/// CF009
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(tables) = facts.plan.changefeed().and_then(|c| c.tables()) else {
        return;
    };
    let mut rules = Vec::new();
    for item in tables.items() {
        match TableFilterRule::parse(item.value) {
            Ok(rule) => rules.push(rule),
            Err(_) => return, // CF001; the fixed rule may be the inclusion
        }
    }
    if rules.is_empty() || !rules.iter().all(TableFilterRule::is_exclusion) {
        return;
    }
    let example = rules
        .first()
        .and_then(|r| r.database().literal().map(|_| format!("{}.*", r.database().as_str())))
        .unwrap_or_else(|| "*.*".to_owned());
    let finding = ctx
        .finding(tables.key_span(), "every rule of the filter is an exclusion, so it matches no table")
        .with_label("matches nothing")
        .with_help(format!(
            "include the tables first, e.g. `\"{example}\"`, then exclude: a table is replicated only when the last rule matching it includes it"
        ));
    ctx.report(finding);
}
