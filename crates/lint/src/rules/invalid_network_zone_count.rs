//! ## What it does
//! Flags a Confluent network zone list that is not exactly three distinct AZ IDs, and a network
//! linkplan creates (`create: true`) without zones.
//!
//! ## Why is this bad?
//! Confluent networks given zones must name exactly three. When none are given, Confluent
//! picks the zones itself, and they may not be the ones TiDB Cloud uses: the connection then
//! fails at the end of a long apply. Zones cannot be changed after the network exists.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     create: true
//!     zones: [use1-az1, use1-az2]
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     create: true
//!     zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! ## Needs
//! The declared network zones.
//!
//! ## References
//! - Confluent networking/v1 `spec.zones`: exactly three when given
//! - Field report: networks created without zones did not overlap the TiDB side

use crate::context::Context;
use crate::facts::Facts;

/// AZ005
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(network) = plan.confluent().and_then(|c| c.network()) else {
        return;
    };
    let Some(zones) = network.zones() else {
        if network.creates() {
            let finding = ctx
                .finding(network.key_span(), "a network linkplan creates must name its three zones")
                .with_label("no `zones`")
                .with_help("add `zones:` with three AZ IDs from `tidb.availability_zones`; otherwise Confluent picks zones that may not overlap TiDB's");
            ctx.report(finding);
        }
        return;
    };
    let items: Vec<_> = zones.items().collect();
    for (idx, item) in items.iter().enumerate() {
        if let Some(first) = items[..idx].iter().find(|f| f.value == item.value) {
            let finding = ctx
                .finding(item.span, format!("zone `{}` is listed twice", item.value))
                .with_label("again")
                .with_related(first.span, "first listed here")
                .with_help("a network's three zones must be distinct");
            ctx.report(finding);
        }
    }
    if zones.len() != 3 {
        let finding = ctx
            .finding(zones.span(), format!("a Confluent network has exactly 3 zones; this lists {}", zones.len()))
            .with_label("not three zones")
            .with_help("list three distinct AZ IDs, as many as possible shared with the TiDB cluster");
        ctx.report(finding);
    }
}
