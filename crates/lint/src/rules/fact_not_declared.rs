//! ## What it does
//! Says which checks could not run because the plan leaves out a fact that is only known
//! online, such as TiDB Cloud's availability zones or the network's VPC endpoint service name.
//!
//! ## Why is this bad?
//! It is not an error: the plan format lets these facts be looked up from the live APIs. But a
//! check that silently passes for want of data is worse than no check, so linkplan says what it
//! did not verify. The finding is informational and never fails a run, even with
//! `--deny warnings`.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574"
//!   region: us-east-1
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   cluster_id: "10140100115280519574"
//!   region: us-east-1
//!   availability_zones: [use1-az1, use1-az2, use1-az4]
//! ```
//!
//! ## Needs
//! Reports the facts other rules needed.
//!
//! ## References
//! - TiDB Cloud "Create Private Link Connection" dialog, or
//!   `GET /v1beta1/clusters/{id}/privateLinkConnections:getAvailabilityZones` (`accountId`, `azIds`)

use linkplan_model::Span;

use crate::context::MissingFact;
use crate::finding::Finding;
use crate::rules::builtin;

/// PL007: one finding per missing fact, naming every rule that needed it.
pub(crate) fn findings(missing: &[MissingFact]) -> Vec<Finding> {
    let rule = builtin("PL007");
    let mut keys: Vec<(&'static str, Span)> = Vec::new();
    for fact in missing {
        if !keys.iter().any(|(k, _)| *k == fact.key) {
            keys.push((fact.key, fact.at));
        }
    }
    keys.into_iter()
        .map(|(key, at)| {
            let mut rules: Vec<&str> = missing.iter().filter(|m| m.key == key).map(|m| m.rule).collect();
            rules.sort_unstable();
            rules.dedup();
            Finding::new(
                rule.code,
                rule.severity,
                at,
                format!("`{key}` is not declared, so {} could not be checked", list(&rules)),
            )
            .with_label("declare it here to check offline")
            .with_help(help(key))
        })
        .collect()
}

fn list(items: &[&str]) -> String {
    match items {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

fn help(key: &str) -> &'static str {
    match key {
        "tidb.availability_zones" | "tidb.aws_account_id" => {
            "TiDB Cloud shows the account ID and AZ IDs in the \"Create Private Link Connection\" dialog (API: privateLinkConnections:getAvailabilityZones)"
        }
        "confluent.network.zones" => "the network's zones are on its Confluent Cloud page (`spec.zones` in the API)",
        "confluent.vpc_service_endpoint" => {
            "the network's VPC endpoint service name is on its Confluent Cloud page (`status.cloud.private_link_endpoint_service`)"
        }
        _ => "declare it in the plan to check it offline",
    }
}
