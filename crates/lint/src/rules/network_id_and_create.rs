//! ## What it does
//! Flags a network that has both an `id` and `create: true`.
//!
//! ## Why is this bad?
//! The plan either references an existing network (`id`) or has linkplan create one
//! (`create: true`); it cannot do both. Guessing would either create a second network next to
//! the one named, or ignore the request to create.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     id: n-abc123
//!     create: true
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     id: n-abc123
//! ```
//!
//! ## Needs
//! `confluent.network`.
//!
//! ## References
//! - linkplan plan format: `id` and `create` are exclusive

use crate::context::Context;
use crate::facts::Facts;

/// NW007
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(network) = plan.confluent().and_then(|c| c.network()) else {
        return;
    };
    let (Some(id), Some(create)) = (network.id(), network.create()) else {
        return;
    };
    if create.value {
        let finding = ctx
            .finding(create.span, "the network has both `id` and `create: true`")
            .with_label("create a new network…")
            .with_related(id.span, "…or use this one?")
            .with_help(format!("remove `create: true` to use `{}`, or remove `id` to create a network", id.value));
        ctx.report(finding);
    }
}
