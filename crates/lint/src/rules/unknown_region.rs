//! ## What it does
//! Warns when `tidb.region` or `confluent.network.region` is a well-formed AWS region code that
//! linkplan does not know the AZ ID prefix of.
//!
//! ## Why is this bad?
//! The AZ ID checks (AZ002) compare zone prefixes with the region's, from a table of AWS
//! regions. For a region missing from the table those checks are skipped, so a typo such as
//! `us-eats-1` would otherwise pass unnoticed.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   region: us-eats-1
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   region: us-east-1
//! ```
//!
//! ## Needs
//! The declared regions.
//!
//! ## Known problems
//! New AWS regions appear before linkplan's table knows them; allow the finding with a reason
//! until then.
//!
//! ## References
//! - AWS, "Availability Zone IDs for your AWS resources"

use linkplan_model::{Located, Region};

use crate::context::Context;
use crate::facts::Facts;
use crate::rules::unknown_key::did_you_mean;

/// RG003
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let tidb = facts.tidb_region.as_ref();
    if let Some(region) = tidb {
        check_region(ctx, region);
    }
    if let Some(region) = facts.network_region.as_ref().filter(|n| tidb.is_none_or(|t| t.value != n.value)) {
        check_region(ctx, region);
    }
}

fn check_region(ctx: &mut Context, region: &Located<Region>) {
    if region.value.az_prefix().is_some() {
        return;
    }
    let help = match did_you_mean(region.value.as_str(), Region::known()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            "if this is a new AWS region, allow this finding with a reason; AZ ID checks are skipped for it".to_owned()
        }
    };
    let finding = ctx
        .finding(region.span, format!("linkplan does not know region `{}`", region.value))
        .with_label("unknown region: zone checks skipped")
        .with_help(help);
    ctx.report(finding);
}
