//! ## What it does
//! Flags an availability zone *name* (`us-east-1a`) where an AZ *ID* (`use1-az1`) is needed:
//! in `tidb.availability_zones` and `confluent.network.zones`.
//!
//! ## Why is this bad?
//! AWS maps zone names to physical zones differently in every account: `us-east-1a` in your
//! account may be `use1-az4` in TiDB Cloud's and `use1-az2` in Confluent's. PrivateLink matches
//! on physical zones, so names make the overlap check meaningless; tools that accepted names
//! failed later, silently.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   availability_zones: [us-east-1a, us-east-1b]
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   availability_zones: [use1-az1, use1-az2]
//! ```
//!
//! ## Needs
//! The declared zone lists.
//!
//! ## References
//! - AWS, "Availability Zone IDs for your AWS resources"
//! - TiDB Cloud getAvailabilityZones returns `azIds`; Confluent `spec.zones` are AZ IDs

use linkplan_model::plan::List;
use linkplan_model::{AzId, AzIdError};

use crate::context::Context;
use crate::facts::Facts;

/// AZ001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    if let Some(list) = plan.tidb().and_then(|t| t.availability_zones()) {
        check_list(ctx, list);
    }
    if let Some(list) = plan.confluent().and_then(|c| c.network()).and_then(|n| n.zones()) {
        check_list(ctx, list);
    }
}

fn check_list(ctx: &mut Context, list: List<'_>) {
    for item in list.items() {
        if let Err(AzIdError::Name { value, region }) = AzId::parse(item.value) {
            let finding = ctx
                .finding(item.span, format!("`{value}` is an availability zone name, not an AZ ID"))
                .with_label("AZ name: a different zone in every AWS account")
                .with_help(format!(
                    "use the AZ ID, e.g. `{}`; `aws ec2 describe-availability-zones --region {region} --query 'AvailabilityZones[].[ZoneName,ZoneId]'` maps names to IDs in your account",
                    linkplan_model::Region::parse(&region).ok().and_then(|r| r.az_prefix()).map_or("use1-az1".to_owned(), |p| format!("{p}-az1"))
                ));
            ctx.report(finding);
        }
    }
}
