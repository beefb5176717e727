//! ## What it does
//! Warns when a `SINGLE_ZONE` Dedicated cluster sits in a network that has zones the TiDB
//! cluster does not use: Confluent may place the cluster in one of them.
//!
//! ## Why is this bad?
//! A single-zone cluster lives in one of the network's zones, chosen by Confluent. If that zone
//! is not one of TiDB Cloud's, no endpoint of the connection is in the cluster's zone and the
//! cluster cannot be reached at all. `availability` defaults to `SINGLE_ZONE`.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2]
//! confluent:
//!   network:
//!     zones: [use1-az1, use1-az2, use1-az6]
//!   cluster:
//!     type: dedicated
//!     availability: SINGLE_ZONE
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
//! `tidb.availability_zones` and `confluent.network.zones` (declared, or online).
//!
//! ## References
//! - Field report: a single-zone cluster whose zone is not shared cannot be reached

use crate::context::Context;
use crate::facts::Facts;
use crate::rules::no_shared_availability_zone::both_zone_lists;
use crate::rules::zones::listing;

/// CL002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(cluster) = plan.confluent().and_then(|c| c.cluster()) else {
        return;
    };
    if cluster.r#type().is_some_and(|t| t.value != "dedicated") {
        return;
    }
    let availability = cluster.availability();
    if availability.is_some_and(|a| a.value != "SINGLE_ZONE") {
        return;
    }
    let Some((tidb, network)) = both_zone_lists(ctx, facts) else {
        return;
    };
    if tidb.ids.is_empty() || !network.ids.iter().any(|z| tidb.contains(&z.value)) {
        return; // AZ003 reports networks with nothing shared.
    }
    let unshared: Vec<&str> = network.names().into_iter().filter(|n| !tidb.names().contains(n)).collect();
    if unshared.is_empty() {
        return;
    }
    let span = availability.map_or(cluster.key_span(), |a| a.span);
    let label = if availability.is_some() { "single zone" } else { "SINGLE_ZONE by default" };
    let finding = ctx
        .finding(
            span,
            format!(
                "a single-zone cluster may be placed in {}, which the TiDB cluster does not use",
                listing(&unshared)
            ),
        )
        .with_label(label)
        .with_related(network.list.span(), "network zones")
        .with_help("use `availability: MULTI_ZONE` (with cku >= 2), or a network whose zones are all TiDB's");
    ctx.report(finding);
}
