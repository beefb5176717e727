//! ## What it does
//! Flags an exclusion in `changefeed.tables` (`!orders.tmp_*`) that a later inclusion covers
//! entirely (`orders.*`, `*.*`, or the same pattern without the `!`).
//!
//! ## Why is this bad?
//! In TiDB's table filter the last rule that matches a table decides. Every table the
//! exclusion matches is matched again by the later inclusion, so the exclusion never decides
//! anything: the tables it names are replicated after all — often exactly the scratch or
//! sensitive tables it was written to keep out of Kafka.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   tables: ["!orders.tmp_*", "orders.*"]
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   tables: ["orders.*", "!orders.tmp_*"]
//! ```
//!
//! ## Needs
//! `changefeed.tables` (and `changefeed.case_sensitive`, default false, to compare names).
//!
//! ## Known problems
//! Only certain cover is reported: a later rule whose database and table patterns are each `*`,
//! the exclusion's own pattern, or the same name. An inclusion such as `orders.t*` covering
//! `!orders.tmp_*` is not worked out.
//!
//! ## References
//! - TiDB docs, "Table Filter", "Precedence order": the last matching rule decides

use linkplan_model::values::FilterPattern;
use linkplan_model::{Located, TableFilterRule};

use crate::context::Context;
use crate::facts::Facts;

/// CF010
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(changefeed) = facts.plan.changefeed() else {
        return;
    };
    let Some(tables) = changefeed.tables() else {
        return;
    };
    let case_sensitive = changefeed.case_sensitive().is_some_and(|c| c.value);
    let rules: Vec<Located<TableFilterRule>> = tables
        .items()
        .filter_map(|item| TableFilterRule::parse(item.value).ok().map(|rule| Located::new(rule, item.span)))
        .collect();
    for (i, exclusion) in rules.iter().enumerate() {
        if !exclusion.value.is_exclusion() {
            continue;
        }
        let cover = rules[i + 1..].iter().find(|later| {
            !later.value.is_exclusion()
                && covers(later.value.database(), exclusion.value.database(), case_sensitive)
                && covers(later.value.table(), exclusion.value.table(), case_sensitive)
        });
        if let Some(later) = cover {
            let finding = ctx
                .finding(
                    exclusion.span,
                    format!(
                        "`{}` excludes nothing: the later `{}` matches the same tables and includes them",
                        exclusion.value, later.value
                    ),
                )
                .with_label("overridden")
                .with_related(later.span, "the last matching rule decides")
                .with_help(format!("move `{}` after `{}`", exclusion.value, later.value));
            ctx.report(finding);
        }
    }
}

/// Every name `inner` matches, `outer` matches too (as far as can be told without patterns
/// algebra).
fn covers(outer: &FilterPattern, inner: &FilterPattern, case_sensitive: bool) -> bool {
    if outer.as_str() == "*" || outer.as_str() == inner.as_str() {
        return true;
    }
    match (outer.literal(), inner.literal()) {
        (Some(a), Some(b)) if case_sensitive => a == b,
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    }
}
