//! ## What it does
//! Flags a `private_link_connection.domains.unique_name` that differs from the unique name the
//! network's `dns_subdomain` derives: `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud` gives
//! `domnprzqrog.us-east-1`.
//!
//! ## Why is this bad?
//! TiDB Cloud attaches DNS records for the unique name given. A name of another network
//! attaches the wrong domains: the connection is ACTIVE but Kafka bootstrap names do not resolve
//! to it.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     dns_subdomain: use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud
//! private_link_connection:
//!   domains:
//!     unique_name: domxyz.us-east-1
//! ```
//!
//! Use instead:
//! ```yaml
//! private_link_connection:
//!   domains:
//!     type: CONFLUENT   # unique_name is derived from dns_subdomain
//! ```
//!
//! ## Needs
//! `domains.unique_name` and `confluent.network.dns_subdomain` (declared, or online).
//!
//! ## References
//! - Runbook, step 1: get the unique name from any zonal DNS subdomain
//! - Runbook, step 4: attach domains of type CONFLUENT with the unique name

use crate::context::Context;
use crate::facts::Facts;

/// NW004
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(unique) = &facts.unique_name else {
        return;
    };
    let Some(network) = facts.plan.confluent().and_then(|c| c.network()) else {
        return;
    };
    if network.creates() {
        return; // NW009: a network still to be created has no name yet.
    }
    let Some(subdomain) = &facts.dns_subdomain else {
        ctx.missing("confluent.network.dns_subdomain", network.key_span());
        return;
    };
    let (Ok(declared), Ok(parsed)) = (&unique.value, &subdomain.value) else {
        return; // NW005 and NW006 report malformed values.
    };
    if declared != parsed.unique_name() {
        let finding = ctx
            .finding(unique.span, format!("unique name `{declared}` is not the network's `{}`", parsed.unique_name()))
            .with_label("another network's name")
            .with_related(subdomain.span, format!("derives `{}`", parsed.unique_name()))
            .with_help(format!("use `unique_name: {}`, or leave it out to derive it", parsed.unique_name()));
        ctx.report(finding);
    }
}
