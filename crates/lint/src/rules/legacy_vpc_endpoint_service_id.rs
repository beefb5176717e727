//! ## What it does
//! Warns when `vpc_service_endpoint` has an 8-digit service ID
//! (`vpce-svc-0123abcd`) instead of the 17 digits current endpoint services have.
//!
//! ## Why is this bad?
//! AWS issued 8-digit IDs before it lengthened them, and such services still exist, but a
//! Confluent network created today has a 17-digit ID. An 8-digit ID is more often a truncated
//! copy than a real legacy service: check it against the network's page.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   vpc_service_endpoint: com.amazonaws.vpce.us-east-1.vpce-svc-0123abcd
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   vpc_service_endpoint: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
//! ```
//!
//! ## Needs
//! `confluent.vpc_service_endpoint`.
//!
//! ## References
//! - TiDB Cloud docs: the service name has the form `com.amazonaws.vpce.<region>.vpce-svc-<17 hex>`

use linkplan_model::Located;

use crate::context::Context;
use crate::facts::Facts;

/// NW003
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    if let Some(Located { value: Ok(name), span }) = &facts.service_name
        && name.is_legacy()
    {
        let finding = ctx
            .finding(*span, "the VPC endpoint service ID has 8 hex digits, the legacy length")
            .with_label("8-digit service ID")
            .with_help("current endpoint services have 17 hex digits; check the name against the network's page in Confluent Cloud");
        ctx.report(finding);
    }
}
