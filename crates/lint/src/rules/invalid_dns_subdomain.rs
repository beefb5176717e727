//! ## What it does
//! Flags a `confluent.network.dns_subdomain` that is not a Confluent network DNS name such as
//! `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud`.
//!
//! ## Why is this bad?
//! linkplan derives the network's unique name from it; a Kafka bootstrap host
//! (`lkc-abc-….confluent.cloud:9092`) or another cloud's domain derives nothing usable.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     dns_subdomain: lkc-abc123.domnprzqrog.us-east-1.aws.confluent.cloud:9092
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     dns_subdomain: use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud
//! ```
//!
//! ## Needs
//! `confluent.network.dns_subdomain`.
//!
//! ## References
//! - Confluent networking/v1 `status.zonal_subdomains`
//! - Runbook, step 1: the unique name comes from any zonal DNS subdomain

use linkplan_model::Located;

use crate::context::Context;
use crate::facts::Facts;

/// NW006
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    if let Some(Located { value: Err(error), span }) = &facts.dns_subdomain {
        let finding = ctx
            .finding(*span, error.to_string())
            .with_label("not a network DNS name")
            .with_help("copy one of the network's zonal subdomains from Confluent Cloud (`status.zonal_subdomains`)");
        ctx.report(finding);
    }
}
