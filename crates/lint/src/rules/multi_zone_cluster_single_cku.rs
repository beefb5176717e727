//! ## What it does
//! Flags a `MULTI_ZONE` Dedicated cluster with fewer than 2 CKUs (`cku` defaults to 1).
//!
//! ## Why is this bad?
//! Confluent refuses to create a multi-zone Dedicated cluster with one CKU; the apply would
//! fail after the network and the access were already made.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   cluster:
//!     type: dedicated
//!     availability: MULTI_ZONE
//!     cku: 1
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   cluster:
//!     type: dedicated
//!     availability: MULTI_ZONE
//!     cku: 2
//! ```
//!
//! ## Needs
//! `confluent.cluster`.
//!
//! ## References
//! - Confluent cmk/v2 Dedicated config: `cku` >= 2 for MULTI_ZONE

use crate::context::Context;
use crate::facts::Facts;

/// CL003
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(cluster) = plan.confluent().and_then(|c| c.cluster()) else {
        return;
    };
    if cluster.r#type().is_none_or(|t| t.value != "dedicated") {
        return;
    }
    let Some(availability) = cluster.availability().filter(|a| a.value == "MULTI_ZONE") else {
        return;
    };
    let finding = match cluster.cku() {
        Some(cku) if cku.value < 2 => ctx
            .finding(cku.span, format!("a MULTI_ZONE Dedicated cluster needs at least 2 CKUs; this has {}", cku.value))
            .with_label("too few CKUs")
            .with_related(availability.span, "multi-zone"),
        None if !cluster.has("cku") => ctx
            .finding(availability.span, "a MULTI_ZONE Dedicated cluster needs at least 2 CKUs; `cku` defaults to 1")
            .with_label("needs `cku: 2`"),
        _ => return,
    };
    ctx.report(finding.with_help("set `cku: 2` or more, or use `availability: SINGLE_ZONE`"));
}
