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

use linkplan_model::{DnsSubdomain, PlanView};

use crate::context::Context;

/// NW006
pub(crate) fn check(ctx: &mut Context, plan: &PlanView<'_>) {
    let Some(subdomain) = plan.confluent().and_then(|c| c.network()).and_then(|n| n.dns_subdomain()) else {
        return;
    };
    if let Err(error) = DnsSubdomain::parse(subdomain.value) {
        let finding = ctx
            .finding(subdomain.span, error.to_string())
            .with_label("not a network DNS name")
            .with_help("copy one of the network's zonal subdomains from Confluent Cloud (`status.zonal_subdomains`)");
        ctx.report(finding);
    }
}
