//! ## What it does
//! Flags an AZ ID whose prefix belongs to another region than the one it is declared with:
//! `use2-az1` in a `us-east-1` zone list, or in a `us-east-1` network's DNS subdomain.
//!
//! ## Why is this bad?
//! An AZ ID's prefix names its region (`use1` is `us-east-1`, `apse1` is `ap-southeast-1`). A
//! zone from another region can never overlap anything in this one; it is almost always a copy
//! and paste from another plan.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   region: us-east-1
//!   availability_zones: [use1-az1, use2-az2]
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   region: us-east-1
//!   availability_zones: [use1-az1, use1-az2]
//! ```
//!
//! ## Needs
//! The declared regions and zones. Regions linkplan does not know are skipped (see RG003).
//!
//! ## References
//! - AWS, "Availability Zone IDs for your AWS resources"

use linkplan_model::{AzId, Located, Region, Span};

use crate::context::Context;
use crate::facts::Facts;

/// AZ002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    if let (Some(region), Some(zones)) = (&facts.tidb_region, &facts.tidb_zones) {
        check_ids(ctx, region, &zones.ids);
    }
    let Some(region) = &facts.network_region else {
        return;
    };
    if let Some(zones) = &facts.network_zones {
        check_ids(ctx, region, &zones.ids);
    }
    if let Some(Located { value: Ok(subdomain), span }) = &facts.dns_subdomain
        && let Some(zone) = subdomain.zone()
    {
        // Point at the zone label when the value is unquoted, at the whole value otherwise.
        let label = Span::new(span.start, span.start + zone.as_str().len());
        let span = if span.len() > subdomain.as_str().len() { *span } else { label };
        check_ids(ctx, region, &[Located::new(zone.clone(), span)]);
    }
}

fn check_ids(ctx: &mut Context, region: &Located<Region>, ids: &[Located<AzId>]) {
    let Some(prefix) = region.value.az_prefix() else {
        return;
    };
    for id in ids.iter().filter(|id| id.value.prefix() != prefix) {
        let elsewhere = id.value.region().map_or_else(|| "an unknown region".to_owned(), |r| format!("`{r}`"));
        let finding = ctx
            .finding(id.span, format!("AZ ID `{}` is not in region `{}`", id.value, region.value))
            .with_label(format!("a zone of {elsewhere}"))
            .with_related(region.span, "the region")
            .with_help(format!("AZ IDs in `{}` start with `{prefix}-`", region.value));
        ctx.report(finding);
    }
}
