//! ## What it does
//! Online: flags a plan whose changefeed does not exist yet on a TiDB cluster that already has
//! ten other changefeeds.
//!
//! ## Why is this bad?
//! TiDB Cloud allows at most ten changefeeds per cluster. Creating an eleventh fails — after
//! `apply` has made the service account, the Kafka API key and the role bindings for it.
//!
//! ## Example
//! ```yaml
//! # the cluster already runs ten changefeeds
//! changefeed:
//!   display_name: orders-to-kafka
//! ```
//!
//! Use instead:
//! ```yaml
//! # delete a changefeed the cluster no longer needs, or change this plan's
//! # display_name to one of the existing changefeeds to take it over
//! changefeed:
//!   display_name: orders-to-kafka
//! ```
//!
//! ## Needs
//! Live data: the cluster's other changefeeds (`lint --online`, and the gate of `plan`,
//! `apply` and `status`). Offline the rule does not run: no plan key could hold the fact.
//!
//! ## References
//! - TiDB Cloud docs, changefeeds: at most 10 changefeeds per cluster (`vendor-apis.md` §11)

use crate::context::Context;
use crate::facts::Facts;

/// TiDB Cloud's limit of changefeeds per cluster.
const LIMIT: usize = 10;

/// CF101
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let (Some(live), Some(changefeed)) = (facts.changefeeds, facts.plan.changefeed()) else {
        return;
    };
    if live.others.len() < LIMIT {
        return;
    }
    let mut names: Vec<String> = live.others.iter().take(5).map(|n| format!("`{n}`")).collect();
    if live.others.len() > 5 {
        names.push(format!("{} more", live.others.len() - 5));
    }
    let finding = ctx
        .finding(
            changefeed.key_span(),
            format!(
                "the TiDB cluster already has {} other changefeeds: TiDB allows {LIMIT} per cluster",
                live.others.len()
            ),
        )
        .with_label("no room for another (live, from TiDB Cloud)")
        .with_help(format!("delete one the cluster no longer needs ({}) before applying", names.join(", ")));
    ctx.report(finding);
}
