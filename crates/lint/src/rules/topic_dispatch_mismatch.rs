//! ## What it does
//! Flags topic settings that do not fit `changefeed.topics.dispatch`: `topic` with `BY_TABLE`
//! or `BY_DATABASE`; `prefix` or `suffix` with `ONE_TOPIC`; `separator` with anything but
//! `BY_TABLE`; and the setting the dispatch needs when it is missing (`topic` for `ONE_TOPIC`,
//! `prefix` for the others).
//!
//! ## Why is this bad?
//! TiDB reads only the settings of the dispatch type: `ONE_TOPIC` writes every change to
//! `topic`; `BY_TABLE` writes to `<prefix><database><separator><table><suffix>`;
//! `BY_DATABASE` to `<prefix><database><suffix>`. A setting of another type is silently
//! ignored, so the changefeed writes to topics the reviewer did not expect — and the role
//! bindings linkplan creates cover only the topics the dispatch names.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: BY_TABLE
//!     topic: orders-cdc
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: ONE_TOPIC
//!     topic: orders-cdc
//! ```
//!
//! ## Needs
//! `changefeed.topics.dispatch`.
//!
//! ## References
//! - TiDB Cloud changefeed API: `topicPartitionConfig` (`dispatchType`, `defaultTopic`,
//!   `topicPrefix`, `separator`, `topicSuffix`; `vendor-apis.md` §11)

use crate::context::Context;
use crate::facts::Facts;

/// CF003
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(topics) = facts.plan.changefeed().and_then(|c| c.topics()) else {
        return;
    };
    let Some(dispatch) = topics.dispatch() else {
        return;
    };
    let (needs, refuses, names): (&str, &[&str], &str) = match dispatch.value {
        "ONE_TOPIC" => ("topic", &["prefix", "separator", "suffix"], "writes every change to `topic`"),
        "BY_TABLE" => ("prefix", &["topic"], "names topics `<prefix><database><separator><table><suffix>`"),
        "BY_DATABASE" => ("prefix", &["topic", "separator"], "names topics `<prefix><database><suffix>`"),
        _ => return, // PL004
    };
    for key in refuses {
        if let Some(span) = topics.key_span_of(key) {
            let other = match *key {
                "topic" => " (for a single topic, use `dispatch: ONE_TOPIC`)",
                "separator" => " (only BY_TABLE puts a separator between database and table)",
                _ => "",
            };
            let finding = ctx
                .finding(span, format!("`{key}` does not apply to `dispatch: {}`", dispatch.value))
                .with_label("ignored by this dispatch")
                .with_related(dispatch.span, "dispatch")
                .with_help(format!("remove `{key}`: {} {names}{other}", dispatch.value));
            ctx.report(finding);
        }
    }
    if !topics.has(needs) {
        let example = if needs == "topic" { "topic: orders-cdc" } else { "prefix: tidb_" };
        let finding = ctx
            .finding(dispatch.span, format!("`dispatch: {}` needs `{needs}`", dispatch.value))
            .with_label(format!("no `{needs}`"))
            .with_help(format!("add `{example}` to `changefeed.topics`: {} {names}", dispatch.value));
        ctx.report(finding);
    }
}
