//! ## What it does
//! Flags a `private_link_connection.domains.unique_name` that is not a Confluent network unique
//! name `<dns-id>.<region>` (`domnprzqrog.us-east-1`): a full DNS name, a name that still starts
//! with the zone label, or one with the `glb` label.
//!
//! ## Why is this bad?
//! The runbook derives the unique name from a zonal subdomain by dropping the zone label and the
//! `.aws.confluent.cloud` suffix. Pasting the whole subdomain is the usual mistake, and TiDB
//! Cloud then rejects the domain attachment.
//!
//! ## Example
//! ```yaml
//! private_link_connection:
//!   domains:
//!     unique_name: use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud
//! ```
//!
//! Use instead:
//! ```yaml
//! private_link_connection:
//!   domains:
//!     unique_name: domnprzqrog.us-east-1
//! ```
//!
//! ## Needs
//! `domains.unique_name`.
//!
//! ## References
//! - Runbook, step 1: `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud` → `domnprzqrog.us-east-1`

use linkplan_model::values::ValueError;
use linkplan_model::{DnsSubdomain, Located};

use crate::context::Context;
use crate::facts::Facts;

/// NW005
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(Located { value: Err(error), span }) = &facts.unique_name else {
        return;
    };
    let reason = match error {
        ValueError::UniqueName { reason, .. } => *reason,
        _ => "not `<dns-id>.<region>`",
    };
    let written = facts.plan.private_link_connection().and_then(|p| p.domains()).and_then(|d| d.unique_name());
    let help = match written.map(|w| DnsSubdomain::parse(w.value)) {
        Some(Ok(subdomain)) => format!("use `{}`", subdomain.unique_name()),
        _ => "the unique name is `<dns-id>.<region>`, e.g. `domnprzqrog.us-east-1`".to_owned(),
    };
    let finding = ctx.finding(*span, error.to_string()).with_label(reason).with_help(help);
    ctx.report(finding);
}
