//! ## What it does
//! Flags a Confluent network whose `connection_types` does not include `PRIVATELINK`.
//!
//! ## Why is this bad?
//! TiDB Cloud reaches Confluent through an AWS endpoint service, which only PrivateLink
//! networks publish. A peering or transit-gateway network has no VPC endpoint service name to
//! connect to, and the connection type cannot be changed after the network is created.
//!
//! ## Example
//! ```yaml
//! confluent:
//!   network:
//!     connection_types: [PEERING]
//! ```
//!
//! Use instead:
//! ```yaml
//! confluent:
//!   network:
//!     connection_types: [PRIVATELINK]
//! ```
//!
//! ## Needs
//! `confluent.network.connection_types`.
//!
//! ## References
//! - Runbook, step 1: the network must be of type PrivateLink

use crate::context::Context;
use crate::facts::Facts;

/// The connection types the schema accepts.
const KNOWN: [&str; 4] = ["PRIVATELINK", "PEERING", "TRANSITGATEWAY", "PRIVATE_NETWORK_INTERFACE"];

/// NW001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(types) = plan.confluent().and_then(|c| c.network()).and_then(|n| n.connection_types()) else {
        return;
    };
    // A value outside the schema's enum (`privatelink`, `PRIVATE_LINK`) is the schema's finding;
    // reporting "not PrivateLink" for it too would only repeat it.
    if types.is_empty() || types.items().any(|t| t.value == "PRIVATELINK" || !KNOWN.contains(&t.value)) {
        return;
    }
    let found: Vec<&str> = types.items().map(|t| t.value).collect();
    let finding = ctx
        .finding(types.span(), "the network is not a PrivateLink network")
        .with_label(format!("connection types: {}", found.join(", ")))
        .with_help(
            "TiDB Cloud connects through PrivateLink only: use a network with `connection_types: [PRIVATELINK]`",
        );
    ctx.report(finding);
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_types_are_the_schema_enum() {
        let schema: serde_json::Value = serde_json::from_str(crate::schema::PLAN_SCHEMA).expect("embedded schema");
        let items = &schema["$defs"]["Network"]["properties"]["connection_types"]["items"]["enum"];
        let items: Vec<&str> = items.as_array().expect("enum").iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(items, super::KNOWN);
    }
}
