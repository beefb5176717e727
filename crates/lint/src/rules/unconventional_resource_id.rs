//! ## What it does
//! Warns when a Confluent ID does not have its usual prefix: `env-` for environments, `n-` (or
//! `nr-`) for networks, `lkc-` for Kafka clusters.
//!
//! ## Why is this bad?
//! The prefixes are conventions, not a contract, so this is only a warning. But an ID without
//! one is usually a display name or an ID of another kind pasted into the wrong key (`lkc-…`
//! in `network.id`), which only fails later, online.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   environment: production
//!   network:
//!     id: lkc-abc123
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   environment: env-abc123
//!   network:
//!     id: n-abc123
//! ```
//!
//! ## Needs
//! The declared IDs.
//!
//! ## References
//! - Confluent Cloud API guide, "Object model": IDs are opaque strings with conventional prefixes

use linkplan_model::Located;

use crate::context::Context;
use crate::facts::Facts;

/// ID001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(confluent) = plan.confluent() else {
        return;
    };
    if let Some(id) = confluent.environment() {
        check_id(ctx, id, "environment", &["env-"]);
    }
    if let Some(id) = confluent.network().and_then(|n| n.id()) {
        check_id(ctx, id, "network", &["n-", "nr-"]);
    }
    if let Some(id) = confluent.cluster().and_then(|c| c.id()) {
        check_id(ctx, id, "Kafka cluster", &["lkc-"]);
    }
}

fn check_id(ctx: &mut Context, id: Located<&str>, kind: &str, prefixes: &[&str]) {
    if prefixes.iter().any(|p| id.value.starts_with(p)) {
        return;
    }
    let finding = ctx
        .finding(id.span, format!("`{}` does not look like a Confluent {kind} ID", id.value))
        .with_label(format!("expected `{}…`", prefixes[0]))
        .with_help(format!(
            "{kind} IDs start with `{}`; is this a display name or another resource's ID?",
            prefixes[0]
        ));
    ctx.report(finding);
}
