//! ## What it does
//! Flags a Kafka cluster whose `type` is not `dedicated`.
//!
//! ## Why is this bad?
//! On AWS, only Confluent Cloud Dedicated clusters can sit in a PrivateLink network. A Basic,
//! Standard, Enterprise or Freight cluster cannot be reached through the connection this plan
//! builds.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   cluster:
//!     display_name: orders
//!     type: standard
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   cluster:
//!     display_name: orders
//!     type: dedicated
//!     availability: MULTI_ZONE
//!     cku: 2
//! ```
//!
//! ## Needs
//! `confluent.cluster.type`.
//!
//! ## References
//! - Runbook, prerequisites: only Confluent Cloud Dedicated clusters support PrivateLink on AWS
//! - Runbook, step 3: create a Dedicated cluster in the network

use crate::context::Context;
use crate::facts::Facts;

const TYPES: &[&str] = &["basic", "standard", "enterprise", "freight"];

/// CL001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(kind) = plan.confluent().and_then(|c| c.cluster()).and_then(|c| c.r#type()) else {
        return;
    };
    if TYPES.contains(&kind.value) {
        let finding = ctx
            .finding(kind.span, format!("a `{}` cluster cannot use PrivateLink on AWS", kind.value))
            .with_label("not dedicated")
            .with_help("use `type: dedicated`; only Dedicated clusters can be placed in a PrivateLink network");
        ctx.report(finding);
    }
}
