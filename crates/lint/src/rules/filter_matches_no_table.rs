//! ## What it does
//! Online: warns when the changefeed's table filter matches no table on the TiDB cluster.
//!
//! ## Why is this bad?
//! A changefeed with nothing to replicate streams nothing, which usually means a misspelt
//! database or table name, or the wrong `case_sensitive`. It is a warning and not an error
//! because it can be intended: tables created later that match the filter are replicated from
//! then on, so a changefeed may be set up before the schema it is for. Use `--deny warnings` to
//! stop on it.
//!
//! ## Example
//! ```yaml
//! # the cluster has the database `orders`, not `order`
//! changefeed:
//!   tables: ["order.*"]
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   tables: ["orders.*"]
//! ```
//!
//! ## Needs
//! Live data: the tables the filter matches (`:describeSchemaTable`'s `handleKeyTables` and
//! `nonHandleKeyTables`, through `lint --online` and the gate of `plan`, `apply` and `status`).
//! Offline the rule does not run.
//!
//! ## References
//! - TiDB Cloud changefeed API: `:describeSchemaTable` (`vendor-apis.md` §11)
//! - TiDB docs, "Table Filter": matching and case sensitivity

use crate::context::Context;
use crate::facts::Facts;

/// CF104
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let (Some(live), Some(changefeed)) = (facts.changefeeds, facts.plan.changefeed()) else {
        return;
    };
    if !live.handle_key_tables.is_empty() || !live.non_handle_key_tables.is_empty() {
        return;
    }
    let Some(tables) = changefeed.tables() else {
        return;
    };
    let finding = ctx
        .finding(tables.key_span(), "the table filter matches no table on the TiDB cluster")
        .with_label("matches nothing (live, from TiDB Cloud)")
        .with_help("check the database and table names and `case_sensitive`; tables created later that match are replicated then");
    ctx.report(finding);
}
