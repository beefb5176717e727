//! ## What it does
//! Flags a network whose `region` differs from the TiDB cluster's, and a region inside
//! `vpc_service_endpoint`, `dns_subdomain` or `domains.unique_name` that differs from the TiDB
//! cluster's. A name that agrees with the network's declared region is covered by the network's
//! finding, so a whole network in the wrong region is one finding, not four. Regions linkplan
//! does not know are left to RG003.
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
    // A region linkplan does not know is RG003's finding (with a "did you mean"); comparing
    // against it would only repeat that finding here.
    let known = |r: &&Located<Region>| r.value.az_prefix().is_some();
    let tidb = facts.tidb_region.as_ref().filter(known);
    let network = facts.network_region.as_ref().filter(known);
    if let (Some(tidb), Some(network)) = (tidb, network)
        && network.value != tidb.value
    {
        let finding = ctx
            .finding(
                network.span,
                format!("the network is in `{}`, but the TiDB cluster is in `{}`", network.value, tidb.value),
            )
            .with_label(format!("`{}`", network.value))
            .with_related(tidb.span, "the TiDB cluster's region")
            .with_help(format!(
                "PrivateLink here does not cross regions: use a Confluent network in `{}` (its service name, DNS \
                 subdomain and unique name follow from it)",
                tidb.value
            ));
        ctx.report(finding);
    }
    // Names derived from the network must name TiDB's region too. A name that agrees with the
    // declared network's region is covered by the finding above (a whole network in the wrong
    // region is one finding, not four).
    let reference = tidb.map(|r| (r, "the TiDB cluster")).or(network.map(|r| (r, "the network")));
    let compare = |ctx: &mut Context, region: &Region, span, what: &str| {
        let Some((reference, who)) = reference else {
            return;
        };
        if *region != reference.value && network.is_none_or(|n| *region != n.value) {
            let finding = ctx
                .finding(span, format!("{what} is in `{region}`, but {who} is in `{}`", reference.value))
                .with_label(format!("`{region}`"))
                .with_related(reference.span, format!("{who}'s region"))
                .with_help(format!(
                    "PrivateLink here does not cross regions: {what} must name `{}`; was it copied from another network?",
                    reference.value
                ));
            ctx.report(finding);
        }
    };
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
