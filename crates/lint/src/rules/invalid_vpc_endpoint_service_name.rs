//! ## What it does
//! Flags a `vpc_service_endpoint` that is not an AWS VPC endpoint service name,
//! `com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>`.
//!
//! ## Why is this bad?
//! TiDB Cloud's private link connection is created with exactly this name. A truncated ID, a
//! VPC *endpoint* ID (`vpce-…` without `svc-`) or a pasted console label makes the connection
//! fail. 8-digit legacy IDs are accepted with a warning (NW003).
//!
//! ## Example
//! ```yaml
//! confluent:
//!   vpc_service_endpoint: com.amazonaws.vpce.us-east-1.vpce-0123456789abcdef0
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   vpc_service_endpoint: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
//! ```
//!
//! ## Needs
//! `confluent.vpc_service_endpoint` (optional; read from the network online).
//!
//! ## References
//! - Runbook, step 2: note the network's VPC Service Endpoint
//! - Confluent networking/v1 `status.cloud.private_link_endpoint_service`

use linkplan_model::Located;
use linkplan_model::values::ValueError;

use crate::context::Context;
use crate::facts::Facts;

/// NW002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(Located { value: Err(error), span }) = &facts.service_name else {
        return;
    };
    let label = match error {
        ValueError::ServiceIdLength { len, .. } => format!("service ID of {len} characters"),
        ValueError::ServiceIdNotHex { .. } => "service ID is not lowercase hex".to_owned(),
        _ => "not `com.amazonaws.vpce.<region>.vpce-svc-<id>`".to_owned(),
    };
    let finding = ctx
        .finding(*span, error.to_string())
        .with_label(label)
        .with_help("copy the network's \"VPC Service Endpoint\" from Confluent Cloud, e.g. `com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0`");
    ctx.report(finding);
}
