//! ## What it does
//! Flags a Confluent network whose zones share no availability zone with the TiDB cluster.
//!
//! ## Why is this bad?
//! A PrivateLink endpoint can only be placed in zones both sides have. With no zone in common,
//! TiDB Cloud's private link connection goes FAILED and nothing can connect. The network's zones
//! cannot be changed after creation, so this needs a different network.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2]
//! confluent:
//!   network:
//!     zones: [use1-az4, use1-az5, use1-az6]
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2]
//! confluent:
//!   network:
//!     zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! ## Needs
//! `tidb.availability_zones` and `confluent.network.zones` (declared, or online).
//!
//! ## References
//! - Runbook, step 1: the network's availability zones must overlap the TiDB cluster's

use crate::context::Context;
use crate::facts::Facts;
use crate::facts::Zones;
use crate::rules::zones::listing;

/// AZ003
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some((tidb, network)) = both_zone_lists(ctx, facts) else {
        return;
    };
    if tidb.ids.is_empty() || network.ids.is_empty() {
        return;
    }
    if network.ids.iter().any(|z| tidb.contains(&z.value)) {
        return;
    }
    let finding = ctx
        .finding(network.list.span(), "the network shares no availability zone with the TiDB cluster")
        .with_label(format!("network zones {}", listing(&network.names())))
        .with_related(tidb.list.span(), "TiDB cluster zones")
        .with_help(format!("use a network with at least one of {}", listing(&tidb.names())));
    ctx.report(finding);
}

/// Both zone lists; records the missing ones as undeclared facts. None when the network is in
/// another region than the cluster: zones cannot overlap then, and RG002 says why.
pub(crate) fn both_zone_lists<'f, 'd>(
    ctx: &mut Context,
    facts: &'f Facts<'d>,
) -> Option<(&'f Zones<'d>, &'f Zones<'d>)> {
    if let (Some(tidb), Some(network)) = (&facts.tidb_region, &facts.network_region)
        && tidb.value != network.value
    {
        return None;
    }
    let plan = &facts.plan;
    let tidb = facts.tidb_zones.as_ref();
    let network = facts.network_zones.as_ref();
    if tidb.is_none()
        && let Some(section) = plan.tidb()
    {
        ctx.missing("tidb.availability_zones", section.key_span());
    }
    if network.is_none() {
        // A network linkplan creates must declare its zones: AZ005 reports that.
        if let Some(section) = plan.confluent().and_then(|c| c.network()).filter(|n| !n.creates()) {
            ctx.missing("confluent.network.zones", section.key_span());
        }
    }
    Some((tidb?, network?))
}
