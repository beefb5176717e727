//! ## What it does
//! Flags a `changefeed.topics.replication_factor` other than 3.
//!
//! ## Why is this bad?
//! Confluent Cloud creates topics only with a replication factor of 3 and refuses any other,
//! so the changefeed would fail when it creates its first topic — after `apply` made the
//! credentials and the changefeed itself.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: BY_TABLE
//!     prefix: tidb_
//!     replication_factor: 1
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: BY_TABLE
//!     prefix: tidb_
//!     replication_factor: 3
//! ```
//!
//! ## Needs
//! `changefeed.topics.replication_factor`.
//!
//! ## References
//! - Confluent Cloud, topic configuration: `replication.factor` is fixed at 3
//! - TiDB Cloud changefeed API: `topicPartitionConfig.replicationFactor` (`vendor-apis.md` §11)

use crate::context::Context;
use crate::facts::Facts;

/// CF007
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(factor) = facts.plan.changefeed().and_then(|c| c.topics()).and_then(|t| t.replication_factor()) else {
        return;
    };
    if factor.value != 3 {
        let finding = ctx
            .finding(
                factor.span,
                format!("Confluent Cloud creates topics only with replication factor 3, not {}", factor.value),
            )
            .with_label("Confluent Cloud refuses this")
            .with_help("use `replication_factor: 3`");
        ctx.report(finding);
    }
}
