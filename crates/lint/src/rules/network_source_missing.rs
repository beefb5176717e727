//! ## What it does
//! Flags a network with neither an `id` nor `create: true`.
//!
//! ## Why is this bad?
//! linkplan needs to know whether to use an existing network or create one. It never picks a
//! network by region on its own: that could attach the connection to someone else's network.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     connection_types: [PRIVATELINK]
//!     region: us-east-1
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     id: n-abc123
//!     connection_types: [PRIVATELINK]
//!     region: us-east-1
//! ```
//!
//! ## Needs
//! `confluent.network`.
//!
//! ## References
//! - linkplan plan format: `id` or `create: true`

use crate::context::Context;
use crate::facts::Facts;

/// NW008
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(network) = plan.confluent().and_then(|c| c.network()) else {
        return;
    };
    if network.has("id") || network.creates() {
        return;
    }
    let span = network.key_span_of("create").unwrap_or(network.key_span());
    let finding = ctx
        .finding(span, "the network has neither `id` nor `create: true`")
        .with_label("which network?")
        .with_help("add `id: n-…` to use an existing network, or `create: true` to have linkplan create one");
    ctx.report(finding);
}
