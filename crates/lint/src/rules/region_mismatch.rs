//! ## What it does
//! Flags a region that differs from the TiDB cluster's: the network's `region`, and the region
//! inside `vpc_service_endpoint`, `dns_subdomain` and `domains.unique_name`.
//!
//! ## Why is this bad?
//! PrivateLink does not cross regions here: TiDB Cloud creates the endpoint in its cluster's
//! region, and a service in another region is never found (the connection goes FAILED). The
//! region embedded in the names shows which network they were copied from.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   region: us-east-1
//! confluent:
//!   network:
//!     region: us-west-2
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   region: us-east-1
//! confluent:
//!   network:
//!     region: us-east-1
//! ```
//!
//! ## Needs
//! `tidb.region`, `confluent.network.region`; `confluent.vpc_service_endpoint` for an existing
//! network (declared, or online).
//!
//! ## References
//! - Runbook, step 1: the network must be in the same AWS region as the TiDB cluster

use linkplan_model::{Located, Region};

use crate::context::Context;
use crate::facts::Facts;

/// RG002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let tidb = facts.tidb_region.as_ref();
    let network = facts.network_region.as_ref();
    let Some(reference) = tidb.or(network) else {
        return;
    };
    let reference_label = if tidb.is_some() { "the TiDB cluster's region" } else { "the network's region" };
    let compare = |ctx: &mut Context, region: &Region, span, what: &str| {
        if *region != reference.value {
            let finding = ctx
                .finding(span, format!("{what} is in `{region}`, but the TiDB cluster is in `{}`", reference.value))
                .with_label(format!("`{region}`"))
                .with_related(reference.span, reference_label)
                .with_help("PrivateLink here does not cross regions: use resources in one region");
            ctx.report(finding);
        }
    };
    if tidb.is_some()
        && let Some(network) = network
    {
        compare(ctx, &network.value, network.span, "the network");
    }
    let Some(confluent) = facts.plan.confluent() else {
        return;
    };
    let creates = confluent.network().is_some_and(|n| n.creates());
    match &facts.service_name {
        Some(Located { value: Ok(name), span }) => compare(ctx, name.region(), *span, "the VPC endpoint service"),
        Some(_) => {}
        None if !creates => ctx.missing("confluent.vpc_service_endpoint", confluent.key_span()),
        None => {}
    }
    if let Some(Located { value: Ok(subdomain), span }) = &facts.dns_subdomain {
        compare(ctx, subdomain.unique_name().region(), *span, "the DNS subdomain");
    }
    if let Some(Located { value: Ok(unique), span }) = &facts.unique_name {
        compare(ctx, unique.region(), *span, "the unique name");
    }
}
