//! ## What it does
//! Warns when the Confluent network covers only some of the TiDB cluster's availability zones.
//!
//! ## Why is this bad?
//! The connection works through the shared zones, but TiDB nodes in the other zones reach
//! Kafka across zones, and losing a shared zone takes more of the connection down than it
//! would with full overlap. It is allowed, but should be a decision, not an accident.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2, use1-az4]
//! confluent:
//!   network:
//!     zones: [use1-az1, use1-az5, use1-az6]
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2, use1-az4]
//! confluent:
//!   network:
//!     zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! ## Needs
//! `tidb.availability_zones` and `confluent.network.zones` (declared, or online).
//!
//! ## Known problems
//! Whether full coverage is required is not documented by the vendors; linkplan warns.
//!
//! ## References
//! - Runbook, step 1: overlapping availability zones

use crate::context::Context;
use crate::facts::Facts;
use crate::rules::no_shared_availability_zone::both_zone_lists;
use crate::rules::zones::listing;

/// AZ004
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some((tidb, network)) = both_zone_lists(ctx, facts) else {
        return;
    };
    let shared = tidb.ids.iter().filter(|z| network.contains(&z.value)).count();
    if shared == 0 {
        return; // AZ003
    }
    let uncovered: Vec<&str> = tidb.names().into_iter().filter(|name| !network.names().contains(name)).collect();
    if uncovered.is_empty() {
        return;
    }
    let finding = ctx
        .finding(
            network.list.span(),
            format!("the network covers {shared} of the TiDB cluster's {} zones", tidb.names().len()),
        )
        .with_label(format!("misses {}", listing(&uncovered)))
        .with_related(tidb.list.span(), "TiDB cluster zones")
        .with_help(
            "include every TiDB zone in the network's zones if you can; otherwise allow this finding with a reason",
        );
    ctx.report(finding);
}
