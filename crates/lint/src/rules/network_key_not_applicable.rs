//! ## What it does
//! Flags network keys that do not apply to how the network is obtained: `display_name` and
//! `dns_resolution` on an existing network (`id`), and `dns_subdomain` or a domains
//! `unique_name` for a network linkplan creates.
//!
//! ## Why is this bad?
//! `display_name` and `dns_resolution` are only used when creating; on an existing network they
//! suggest a change linkplan will not make. A network that does not exist yet has no DNS
//! subdomain or unique name: a value there belongs to another network.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     id: n-abc123
//!     dns_resolution: CHASED_PRIVATE
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     id: n-abc123
//! ```
//!
//! ## Needs
//! `confluent.network`.
//!
//! ## References
//! - linkplan plan format: `display_name` and `dns_resolution` are create-only;
//!   `dns_subdomain` is for an existing network

use crate::context::Context;
use crate::facts::Facts;

/// NW009
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(network) = plan.confluent().and_then(|c| c.network()) else {
        return;
    };
    let existing = network.has("id");
    if existing == network.creates() {
        return; // NW007 or NW008.
    }
    if existing {
        for key in ["display_name", "dns_resolution"] {
            if let Some(span) = network.key_span_of(key) {
                let finding = ctx
                    .finding(span, format!("`{key}` only applies to a network linkplan creates"))
                    .with_label("ignored for an existing network")
                    .with_help(format!("remove `{key}`; linkplan does not change an existing network"));
                ctx.report(finding);
            }
        }
        return;
    }
    if let Some(span) = network.key_span_of("dns_subdomain") {
        let finding = ctx
            .finding(span, "a network linkplan creates has no DNS subdomain yet")
            .with_label("belongs to an existing network")
            .with_help("remove `dns_subdomain`; linkplan reads it from the network once created");
        ctx.report(finding);
    }
    let unique = plan.private_link_connection().and_then(|p| p.domains()).and_then(|d| d.key_span_of("unique_name"));
    if let Some(span) = unique {
        let finding = ctx
            .finding(span, "a network linkplan creates has no unique name yet")
            .with_label("belongs to an existing network")
            .with_help("remove `unique_name`; linkplan derives it from the network once created");
        ctx.report(finding);
    }
}
