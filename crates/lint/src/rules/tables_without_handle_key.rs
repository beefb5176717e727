//! ## What it does
//! Online: warns when tables the changefeed's filter matches have no handle key — no primary
//! key and no unique key on NOT NULL columns — and `table_mode` is not `FORCE_SYNC`. It names
//! up to ten of them.
//!
//! ## Why is this bad?
//! TiDB skips such tables by default (`IGNORE_NOT_SUPPORT_TABLE`): without a key, a change
//! cannot be told apart from a duplicate, so TiDB does not replicate them at all. The filter
//! says they are wanted, but none of their changes reach Kafka. `vendor-apis.md` §11 says only
//! that these tables are not replicated with FORCE_SYNC off (and that `:describeSchemaTable`
//! lists them). With `table_mode: FORCE_SYNC` TiDB replicates them anyway; TiCDC's docs
//! (`force-replicate`) warn that their rows may then arrive duplicated, which consumers must
//! tolerate — so the rule stays quiet once that choice is written down.
//!
//! ## Example
//! ```yaml
//! # orders.events has no primary key
//! changefeed:
//!   tables: ["orders.*"]
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   tables: ["orders.*", "!orders.events"]   # or add a primary key to orders.events,
//!   # or table_mode: FORCE_SYNC (its rows may be duplicated in Kafka)
//! ```
//!
//! ## Needs
//! Live data: the matched tables without a handle key (`:describeSchemaTable`'s
//! `nonHandleKeyTables`, through `lint --online` and the gate of `plan`, `apply` and
//! `status`). Offline the rule does not run.
//!
//! ## References
//! - TiDB Cloud changefeed API: `filter.mode` (IGNORE_NOT_SUPPORT_TABLE / FORCE_SYNC) and
//!   `:describeSchemaTable` (`vendor-apis.md` §11)
//! - TiCDC docs, "force-replicate": tables without a valid index, and duplicate rows

use crate::context::Context;
use crate::facts::Facts;

/// How many tables the message names.
const NAMED: usize = 10;

/// `describeSchemaTable` answers at most this many tables per list.
const API_LIMIT: usize = 1000;

/// CF103
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let (Some(live), Some(changefeed)) = (facts.changefeeds, facts.plan.changefeed()) else {
        return;
    };
    if live.non_handle_key_tables.is_empty() || changefeed.force_sync() {
        return;
    }
    let Some(tables) = changefeed.tables() else {
        return;
    };
    let count = live.non_handle_key_tables.len();
    let mut names: Vec<String> = live.non_handle_key_tables.iter().take(NAMED).map(|t| format!("`{t}`")).collect();
    if count > NAMED {
        let more = if count >= API_LIMIT { "more".to_owned() } else { format!("{} more", count - NAMED) };
        names.push(format!("and {more}"));
    }
    let (count_text, verb, them) = match count {
        1 => ("1 table".to_owned(), "has", "it"),
        n if n >= API_LIMIT => (format!("at least {n} tables"), "have", "them"),
        n => (format!("{n} tables"), "have", "them"),
    };
    let finding = ctx
        .finding(
            tables.key_span(),
            format!(
                "{count_text} the filter matches {verb} no primary key or not-null unique key, so TiDB will not replicate {them}: {}",
                names.join(", ")
            ),
        )
        .with_label("skipped tables (live, from TiDB Cloud)")
        .with_help("add a primary key to them, exclude them (`!db.table`), or set `table_mode: FORCE_SYNC` (their rows may then be duplicated in Kafka)");
    ctx.report(finding);
}
