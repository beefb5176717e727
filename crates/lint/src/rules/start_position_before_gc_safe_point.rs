//! ## What it does
//! Online: flags a `changefeed.start_position` (a TSO or a time) older than the TiDB cluster's
//! GC safe point.
//!
//! ## Why is this bad?
//! TiDB keeps old versions of rows only back to its GC safe point; changes from before it are
//! gone. A changefeed asked to start earlier cannot be created (or fails at once), after
//! `apply` has made its credentials. Once the plan's changefeed exists its start no longer
//! matters, and the engine does not report the safe point for it.
//!
//! ## Example
//! ```yaml
//! # the cluster's GC safe point is 2024-05-01T00:00:00Z
//! changefeed:
//!   start_position: 2024-04-01T00:00:00Z
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   start_position: now   # or a time after the GC safe point
//! ```
//!
//! ## Needs
//! Live data: the cluster's GC safe point (`:describeSchemaTable`'s `gcSafePoint`, through
//! `lint --online` and the gate of `plan`, `apply` and `status`). Offline the rule does not
//! run.
//!
//! ## References
//! - TiDB Cloud changefeed API: `startPosition`, and `gcSafePoint` in the answer of
//!   `:describeSchemaTable` (`vendor-apis.md` §11: a start older than it cannot work)
//! - TiDB docs, "GC Overview": the safe point and `tidb_gc_life_time`

use linkplan_model::StartPosition;
use linkplan_model::values::format_ms;

use crate::context::Context;
use crate::facts::Facts;

/// CF102
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(safe_point) = facts.changefeeds.and_then(|l| l.gc_safe_point_ms) else {
        return;
    };
    let Some(node) = facts.plan.changefeed().and_then(|c| c.start_position()) else {
        return;
    };
    let Ok(start) = StartPosition::from_node(node) else {
        return; // CF004
    };
    let Some(start_ms) = start.unix_ms() else {
        return;
    };
    if start_ms >= safe_point {
        return;
    }
    let finding = ctx
        .finding(
            node.span,
            format!(
                "the changefeed would start at {}, before the cluster's GC safe point {}: TiDB no longer has those changes",
                format_ms(start_ms),
                format_ms(safe_point)
            ),
        )
        .with_label("before the GC safe point (live, from TiDB Cloud)")
        .with_help(format!("start at `now`, or at or after {}", format_ms(safe_point)));
    ctx.report(finding);
}
