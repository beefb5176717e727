//! `doctor`: why a connection (or its changefeed) does not work, from what is live.
//!
//! [`diagnose`] checks each known live-state cause against [`Observed`] — the TiDB cluster not
//! ACTIVE or not Essential, the network missing or not READY, no access for TiDB's account (or
//! one for another account only, or a FAILED one, which makes Confluent refuse a second), a
//! Kafka cluster that failed, is not Dedicated or is single-zone in a zone TiDB does not have, a FAILED or long PENDING_ACCEPTANCE connection, domains not attached, failed, or
//! attached under a unique name that is not the network's, a failed or warning changefeed — and
//! returns the causes it finds, each with the fix and the lint rule that would have caught it
//! (when one would). Rule-level causes (regions, zones, PRIVATELINK, AZ names) are not repeated
//! here: they are the linter's, run on the plan merged with the live facts (the CLI prints both).

use linkplan_confluent::resources::Phase;
use linkplan_confluent::resources::clusters::{Availability, ClusterPhase};
use linkplan_tidbcloud::resources::changefeeds::ChangefeedState;
use linkplan_tidbcloud::resources::clusters::{ClusterPlan, ClusterState};
use linkplan_tidbcloud::resources::private_link_connections::PrivateLinkConnectionState;
use serde::Serialize;

use crate::desired::Desired;
use crate::observe::{Observed, unique_name};

/// One cause found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// What is wrong, with the ids involved.
    pub cause: String,
    /// What to do about it.
    pub fix: String,
    /// The lint rule that catches it before apply, when one does (`linkplan explain CODE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
}

/// What [`diagnose`] looked at, and what it found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The checks made (one line each), found or not.
    pub checked: Vec<&'static str>,
    pub causes: Vec<Cause>,
}

impl Diagnosis {
    fn check(&mut self, what: &'static str) {
        self.checked.push(what);
    }

    fn found(&mut self, cause: String, fix: impl Into<String>, rule: Option<&'static str>) {
        self.causes.push(Cause { cause, fix: fix.into(), rule });
    }
}

/// The live-state causes of a connection (and changefeed) that does not work.
pub fn diagnose(desired: &Desired, observed: &Observed) -> Diagnosis {
    let mut d = Diagnosis::default();
    d.check("the TiDB cluster exists, is ACTIVE and on the Essential plan");
    match &observed.tidb {
        None => d.found(
            format!("TiDB cluster {} was not found", desired.tidb.cluster_id),
            "check `tidb.cluster_id` and that the TiDB Cloud API key belongs to its organization",
            None,
        ),
        Some(t) => {
            if t.state != Some(ClusterState::Active) {
                let state = t.state.as_ref().map_or("(no state)", |s| s.as_str());
                d.found(format!("TiDB cluster {} is {state}, not ACTIVE", t.cluster_id), "resume it or wait", None);
            }
            if let Some(plan) = t.plan.as_ref().filter(|p| **p != ClusterPlan::Essential) {
                d.found(
                    format!("TiDB cluster {} is on plan {plan}", t.cluster_id),
                    "private link connections for dataflow need an Essential cluster",
                    None,
                );
            }
        }
    }

    d.check("every fact the plan declares matches the live value");
    for drift in crate::observe::drift(desired, observed) {
        d.found(
            format!("the plan says `{}` is {}, but the live value is {}", drift.key, drift.declared, drift.live),
            format!("put the live value in `{}` (or leave the key out: linkplan reads it online)", drift.key),
            None,
        );
    }

    d.check("the Confluent network exists and is READY");
    let Some(network) = &observed.network else {
        d.found(
            format!("the Confluent network {} was not found", desired.confluent.network.key()),
            "check `confluent.network` (or run `linkplan apply` to create it)",
            Some("NW008"),
        );
        return d;
    };
    match &network.phase {
        Some(Phase::Ready) => (),
        Some(Phase::Failed) => d.found(
            format!("network {} FAILED: {}", network.id, network.error.as_deref().unwrap_or("no reason given")),
            "replace the network in Confluent Cloud (or with `create: true`, destroy and apply again)",
            None,
        ),
        phase => d.found(
            format!("network {} is {}, not READY", network.id, phase.as_ref().map_or("(no phase)", |p| p.as_str())),
            "wait until it is READY: its endpoint service name appears then",
            None,
        ),
    }

    d.check("a READY PrivateLink access for TiDB Cloud's AWS account");
    let account = observed.account(desired);
    match account.and_then(|a| observed.access_for(a)) {
        // Confluent allows one access per account and network: while the FAILED one exists, a
        // second (apply's) is refused with a 409.
        Some(access) if access.phase == Some(Phase::Failed) => d.found(
            format!(
                "the PrivateLink access {} for TiDB Cloud's AWS account {} FAILED ({}); while it exists a second \
                 access for that account on network {} is refused (409 Conflict)",
                access.id,
                account.unwrap_or("(unknown)"),
                access.error.as_deref().unwrap_or("no reason given"),
                network.id
            ),
            format!("delete access {} in Confluent Cloud, wait until it is gone, then run `linkplan apply`", access.id),
            None,
        ),
        Some(_) => (),
        None => {
            let others: Vec<&str> = observed.accesses.iter().filter_map(|a| a.account.as_deref()).collect();
            let account = account.unwrap_or("(unknown)");
            if others.is_empty() {
                d.found(
                    format!("network {} has no PrivateLink access for TiDB Cloud's AWS account {account}", network.id),
                    "run `linkplan apply`: it adds the access before the connection (AWS refuses an endpoint from an \
                     account the service does not allow)",
                    None,
                );
            } else {
                d.found(
                    format!(
                        "network {} allows AWS account(s) {}, not TiDB Cloud's {account}",
                        network.id,
                        others.join(", ")
                    ),
                    "the access must be for the account `getAvailabilityZones` reports; run `linkplan apply` to add it",
                    Some("AC002"),
                );
            }
        }
    }

    d.check("the Kafka cluster is Dedicated, PROVISIONED and (single-zone) in one of TiDB's zones");
    if let Some(cluster) = &observed.cluster {
        if !cluster.dedicated {
            d.found(
                format!("Kafka cluster {} is not Dedicated", cluster.id),
                "only Dedicated clusters can sit in a PrivateLink network",
                Some("CL001"),
            );
        }
        // A single-zone cluster is reached only through an endpoint in its own zone.
        let tidb_zones: Vec<String> = match &observed.tidb {
            Some(t) if !t.az_ids.is_empty() => t.az_ids.clone(),
            _ => desired.tidb.availability_zones.iter().flatten().map(|z| z.as_str().to_owned()).collect(),
        };
        if cluster.availability == Some(Availability::SingleZone)
            && !cluster.zones.is_empty()
            && !tidb_zones.is_empty()
            && !cluster.zones.iter().any(|z| tidb_zones.contains(z))
        {
            d.found(
                format!(
                    "Kafka cluster {} is SINGLE_ZONE in {}, a zone TiDB does not have ({}): no endpoint of the \
                     connection is in its zone, so it cannot be reached",
                    cluster.id,
                    cluster.zones.join(", "),
                    tidb_zones.join(", ")
                ),
                format!(
                    "use a MULTI_ZONE cluster (`availability: MULTI_ZONE`, `cku: 2`; `linkplan plan --replace \
                     confluent.cluster/{}/{}` shows the replacement)",
                    network.id, desired.confluent.cluster.display_name
                ),
                Some("CL002"),
            );
        }
        if cluster.phase == Some(ClusterPhase::Failed) {
            d.found(
                format!("Kafka cluster {} FAILED", cluster.id),
                format!("see cluster {} in the Confluent Cloud console; delete it and apply again", cluster.id),
                None,
            );
        }
    }

    d.check("the private link connection is ACTIVE");
    let unique = unique_name(desired, observed);
    match &observed.connection {
        None => d.found(
            format!(
                "TiDB cluster {} has no private link connection to the network's endpoint service",
                desired.tidb.cluster_id
            ),
            "run `linkplan apply`",
            None,
        ),
        Some(c) => match &c.state {
            Some(PrivateLinkConnectionState::Active) => (),
            Some(PrivateLinkConnectionState::Failed) => {
                let message = c.message.as_deref().unwrap_or("no reason given");
                let (fix, rule) = if message.contains("availability zone") {
                    ("give the network zones that overlap TiDB's AZ IDs", Some("AZ003"))
                } else if message.contains("account") || message.contains("not available") {
                    ("add the PrivateLink access for TiDB Cloud's account first, then recreate the connection", None)
                } else if message.contains("region") {
                    ("the network must be in the TiDB cluster's region", Some("RG002"))
                } else {
                    ("delete the connection, fix the cause, then apply again", None)
                };
                d.found(format!("connection {} FAILED: {message}", c.id), fix, rule);
            }
            Some(PrivateLinkConnectionState::PendingAcceptance) => d.found(
                format!("connection {} waits for acceptance (PENDING_ACCEPTANCE)", c.id),
                "Confluent accepts by itself once the account is allowed: check the PrivateLink access for TiDB's \
                 account; a service that requires acceptance needs its owner to accept the endpoint",
                None,
            ),
            _ => (),
        },
    }

    d.check("the CONFLUENT domains are attached and ACTIVE, under the network's unique name");
    if let Some(c) = observed.connection.as_ref().filter(|c| c.state == Some(PrivateLinkConnectionState::Active)) {
        let confluent: Vec<_> = c
            .attached
            .iter()
            .filter(|a| a.kind == Some(linkplan_tidbcloud::resources::private_link_connections::DomainType::Confluent))
            .collect();
        let live_unique = network.unique_name();
        match (confluent.as_slice(), &unique) {
            ([], _) => d.found(
                format!("connection {} has no CONFLUENT domains attached", c.id),
                "run `linkplan apply`: the changefeed's TLS server name resolves only once they are",
                None,
            ),
            (attached, _) => {
                for a in attached {
                    if let (Some(name), Some(live)) = (&a.unique_name, &live_unique)
                        && name != live
                    {
                        d.found(
                            format!("domains attached under unique name {name}, but the network's is {live}"),
                            "detach them and attach the network's (fix `private_link_connection.domains.unique_name`)",
                            Some("NW004"),
                        );
                    }
                    for domain in &a.domains {
                        if matches!(domain.state.as_deref(), Some("FAILED" | "ERROR")) {
                            d.found(
                                format!(
                                    "domain {} is {}: {}",
                                    domain.name.as_deref().unwrap_or("?"),
                                    domain.state.as_deref().unwrap_or("?"),
                                    domain.message.as_deref().unwrap_or("no reason given")
                                ),
                                "detach the domains and apply again",
                                None,
                            );
                        }
                    }
                }
            }
        }
    }

    if desired.changefeed.is_some() {
        d.check("the changefeed is RUNNING");
        let cdc = observed.cdc.as_ref();
        match cdc.and_then(|c| c.changefeed.as_ref()) {
            None => d.found("the plan's changefeed does not exist".to_owned(), "run `linkplan apply`", None),
            Some(f) => match &f.state {
                Some(ChangefeedState::Running) => (),
                Some(state) => {
                    let message = f.error.clone().unwrap_or_else(|| "no reason given".to_owned());
                    let fix = crate::steps::changefeed::hint_for(&message);
                    d.found(format!("changefeed {} is {state}: {message}", f.id), fix, None);
                }
                None => (),
            },
        }
        if let Some(test) = cdc.and_then(|c| c.sink_test.as_ref()).filter(|t| !t.passed) {
            let message = test.message.clone().unwrap_or_default();
            let fix = crate::steps::changefeed::hint_for(&message);
            d.found(format!("changefeeds:test from TiDB's side fails: {message}"), fix, None);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use linkplan_model::{Document, PlanView};

    use super::*;
    use crate::observe::{AccessObserved, AttachedObserved};

    fn desired() -> Desired {
        let text = include_str!("../../../fixtures/plans/runbook.yaml");
        let document = Document::parse(text).expect("the runbook plan parses");
        Desired::from_plan(&PlanView::new(&document).expect("a plan")).expect("the runbook plan is complete")
    }

    /// The example world after apply: everything there and working.
    fn converged() -> Observed {
        let json = include_str!("../../../fixtures/engine/example-converged/observed.json");
        serde_json::from_str(json).expect("the converged scenario parses")
    }

    fn rules(d: &Diagnosis) -> Vec<Option<&'static str>> {
        d.causes.iter().map(|c| c.rule).collect()
    }

    #[test]
    fn a_converged_connection_has_no_cause() {
        assert_eq!(diagnose(&desired(), &converged()).causes, Vec::new());
    }

    #[test]
    fn a_single_zone_cluster_outside_tidbs_zones_cannot_be_reached() {
        let mut observed = converged();
        let cluster = observed.cluster.as_mut().expect("a cluster");
        cluster.availability = Some(Availability::SingleZone);
        cluster.zones = vec!["use1-az6".to_owned()];
        let d = diagnose(&desired(), &observed);
        assert_eq!(rules(&d), vec![Some("CL002")], "{d:?}");
        assert!(d.causes[0].cause.contains("SINGLE_ZONE in use1-az6, a zone TiDB does not have"), "{d:?}");
        assert!(d.causes[0].fix.contains("MULTI_ZONE"), "{d:?}");

        // In one of TiDB's zones it is fine; MULTI_ZONE too.
        let cluster = observed.cluster.as_mut().expect("a cluster");
        cluster.zones = vec!["use1-az2".to_owned()];
        assert_eq!(diagnose(&desired(), &observed).causes, Vec::new());
        let cluster = observed.cluster.as_mut().expect("a cluster");
        cluster.zones = vec!["use1-az6".to_owned()];
        cluster.availability = Some(Availability::MultiZone);
        assert_eq!(diagnose(&desired(), &observed).causes, Vec::new());
    }

    #[test]
    fn a_failed_access_is_why_a_second_one_is_refused() {
        let mut observed = converged();
        observed.accesses[0].phase = Some(Phase::Failed);
        observed.accesses[0].error = Some("account not allowed".to_owned());
        let d = diagnose(&desired(), &observed);
        assert_eq!(d.causes.len(), 1, "{d:?}");
        let cause = &d.causes[0];
        assert!(cause.cause.contains("pla-1 for TiDB Cloud's AWS account 123456789012 FAILED (account not allowed)"));
        assert!(cause.cause.contains("a second access for that account on network n-abc123 is refused (409"));
        assert!(cause.fix.starts_with("delete access pla-1"), "{cause:?}");
    }

    #[test]
    fn an_access_for_another_account_is_named() {
        let mut observed = converged();
        observed.accesses = vec![AccessObserved {
            id: "pla-9".to_owned(),
            display_name: None,
            account: Some("999999999999".to_owned()),
            phase: Some(Phase::Ready),
            error: None,
        }];
        let d = diagnose(&desired(), &observed);
        assert_eq!(rules(&d), vec![Some("AC002")], "{d:?}");
        assert!(d.causes[0].cause.contains("allows AWS account(s) 999999999999, not TiDB Cloud's 123456789012"));
    }

    #[test]
    fn domains_under_another_unique_name_are_named() {
        let mut observed = converged();
        let connection = observed.connection.as_mut().expect("a connection");
        connection.attached = vec![AttachedObserved {
            id: Some("ad-2".to_owned()),
            kind: Some(linkplan_tidbcloud::resources::private_link_connections::DomainType::Confluent),
            unique_name: Some("otherdomain.us-east-1".to_owned()),
            domains: Vec::new(),
        }];
        let d = diagnose(&desired(), &observed);
        assert!(rules(&d).contains(&Some("NW004")), "{d:?}");
        let cause = d.causes.iter().find(|c| c.rule == Some("NW004")).expect("the mismatch");
        assert!(cause.cause.contains("otherdomain.us-east-1, but the network's is domnprzqrog.us-east-1"), "{cause:?}");
    }
}
