//! ## What it does
//! Flags a TiDB cluster (`tidb.cloud`) or Confluent network (`confluent.network.cloud`) that is
//! not on AWS.
//!
//! ## Why is this bad?
//! The connection is an AWS PrivateLink endpoint from TiDB Cloud's VPC to Confluent's endpoint
//! service: both sides must be on AWS. Both keys default to AWS.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   cloud: gcp
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   cloud: aws
//! ```
//!
//! ## Needs
//! `tidb.cloud` and `confluent.network.cloud` (both default to AWS).
//!
//! ## References
//! - Runbook, prerequisites: a TiDB Cloud Essential cluster hosted on AWS

use linkplan_model::Located;

use crate::context::Context;
use crate::facts::Facts;

/// RG001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    if let Some(cloud) = plan.tidb().and_then(|t| t.cloud()) {
        check_cloud(ctx, cloud, "aws", "the TiDB cluster");
    }
    if let Some(cloud) = plan.confluent().and_then(|c| c.network()).and_then(|n| n.cloud()) {
        check_cloud(ctx, cloud, "AWS", "the Confluent network");
    }
}

fn check_cloud(ctx: &mut Context, cloud: Located<&str>, aws: &str, what: &str) {
    if cloud.value == aws || !matches!(cloud.value, "gcp" | "azure" | "alicloud" | "GCP" | "AZURE") {
        return; // The schema reports values that are no cloud at all.
    }
    let finding = ctx
        .finding(cloud.span, format!("{what} is on {}, not AWS", cloud.value))
        .with_label("not AWS")
        .with_help(format!("AWS PrivateLink needs both sides on AWS: use `cloud: {aws}` and an AWS-hosted resource"));
    ctx.report(finding);
}
