//! `doctor`: why a connection (or its changefeed) does not work, from what is live.
//!
//! [`diagnose`] checks each known live-state cause against [`Observed`] — the TiDB cluster not
//! ACTIVE or not Essential, the network missing or not READY, no access for TiDB's account (or
//! one for another account only, or a FAILED one), a Kafka cluster that failed or is not
//! Dedicated, a FAILED or long PENDING_ACCEPTANCE connection, domains not attached, failed, or
//! attached under a unique name that is not the network's, a failed or warning changefeed — and
//! returns the causes it finds, each with the fix and the lint rule that would have caught it
//! (when one would). Rule-level causes (regions, zones, PRIVATELINK, AZ names) are not repeated
//! here: they are the linter's, run on the plan merged with the live facts (the CLI prints both).

use linkplan_confluent::resources::Phase;
use linkplan_confluent::resources::clusters::ClusterPhase;
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
        Some(access) if access.phase == Some(Phase::Failed) => d.found(
            format!(
                "the PrivateLink access {} FAILED: {}",
                access.id,
                access.error.as_deref().unwrap_or("no reason given")
            ),
            format!("delete access {} and run `linkplan apply` again", access.id),
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

    d.check("the Kafka cluster is Dedicated and PROVISIONED");
    if let Some(cluster) = &observed.cluster {
        if !cluster.dedicated {
            d.found(
                format!("Kafka cluster {} is not Dedicated", cluster.id),
                "only Dedicated clusters can sit in a PrivateLink network",
                Some("CL001"),
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
