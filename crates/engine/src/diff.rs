//! The planner: a pure function from desired and observed state to the ordered step plan.
//!
//! No IO and no clock: the same inputs give the same plan, in topological order with ties
//! broken by [`StepId`].

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::{Desired, NetworkSource};
use crate::observe::{Observed, drift, unique_name};
use crate::step::{Action, Blocker, Change, PLAN_VERSION, PlanOptions, Resolved, Step, StepId, StepKind, StepPlan};
use crate::steps;
use crate::wait::Acceptor;

/// Plan the steps that take `observed` to `desired`.
pub fn plan(desired: &Desired, observed: &Observed) -> StepPlan {
    plan_with(desired, observed, &PlanOptions::default())
}

/// [`plan`], allowing what `options` allow (replacing a resource whose change cannot be made
/// in place).
pub fn plan_with(desired: &Desired, observed: &Observed, options: &PlanOptions) -> StepPlan {
    let mut planner =
        Planner { desired, observed, options, steps: Vec::new(), blockers: Vec::new(), context: Vec::new() };
    let resolved = planner.resolve();
    planner.preflight(&resolved);
    let network = planner.network(&resolved);
    let access = planner.access(&resolved, network.as_ref());
    let cluster = planner.cluster(network.as_ref());
    let connection = planner.connection(&resolved, [access, cluster].into_iter().flatten().collect());
    planner.domains(&resolved, connection);
    StepPlan {
        version: PLAN_VERSION,
        context: planner.context,
        steps: topological(planner.steps),
        blockers: planner.blockers,
        drift: drift(desired, observed),
        resolved,
        observed_fingerprint: observed.fingerprint(),
        destroy: false,
    }
}

/// Three AZ IDs for a network linkplan creates: the declared zones, else TiDB's zones (sorted),
/// filled up to three with the region's other zones (`<prefix>-az1`, `-az2`, …) so the overlap
/// with TiDB is as large as it can be; sorted.
pub fn choose_zones(desired: &Desired, tidb_zones: &[String]) -> Vec<String> {
    if let Some(zones) = &desired.confluent.network.zones {
        return zones.iter().map(|z| z.as_str().to_owned()).collect();
    }
    let mut zones: Vec<String> = tidb_zones.iter().cloned().collect::<BTreeSet<_>>().into_iter().take(3).collect();
    if let Some(prefix) = desired.confluent.network.region.az_prefix() {
        let mut n = 1;
        while zones.len() < 3 && n < 10 {
            let zone = format!("{prefix}-az{n}");
            if !zones.contains(&zone) {
                zones.push(zone);
            }
            n += 1;
        }
    }
    zones.sort();
    zones
}

struct Planner<'a> {
    desired: &'a Desired,
    observed: &'a Observed,
    options: &'a PlanOptions,
    steps: Vec<Step>,
    blockers: Vec<Blocker>,
    context: Vec<String>,
}

impl Planner<'_> {
    fn resolve(&self) -> Resolved {
        let network = self.observed.network.as_ref();
        let tidb_zones = self.tidb_zones();
        Resolved {
            account: self.observed.account(self.desired).map(str::to_owned),
            network_id: network.map(|n| n.id.clone()),
            network_zones: match &self.desired.confluent.network.source {
                NetworkSource::Create { .. } => choose_zones(self.desired, &tidb_zones),
                NetworkSource::Existing { .. } => network.map(|n| n.zones.clone()).unwrap_or_default(),
            },
            service_name: network
                .and_then(|n| n.service_name.clone())
                .or_else(|| self.desired.confluent.vpc_service_endpoint.as_ref().map(|s| s.as_str().to_owned())),
            unique_name: unique_name(self.desired, self.observed),
            connection_id: self.observed.connection.as_ref().map(|c| c.id.clone()),
            access_id: self
                .observed
                .account(self.desired)
                .and_then(|a| self.observed.access_for(a))
                .map(|a| a.id.clone()),
            kafka_cluster_id: self.observed.cluster.as_ref().map(|c| c.id.clone()),
            attach_domain_id: match (&self.observed.connection, unique_name(self.desired, self.observed)) {
                (Some(c), Some(u)) => c.attachment(&u).and_then(|a| a.id.clone()),
                _ => None,
            },
        }
    }

    fn tidb_zones(&self) -> Vec<String> {
        match &self.observed.tidb {
            Some(t) if !t.az_ids.is_empty() => t.az_ids.clone(),
            _ => self.desired.tidb.availability_zones.iter().flatten().map(|z| z.as_str().to_owned()).collect(),
        }
    }

    fn block(&mut self, message: String, hint: &str) {
        self.blockers.push(Blocker { message, hint: hint.to_owned() });
    }

    /// What only the live state can block: the TiDB cluster found, ACTIVE and ESSENTIAL, its AWS
    /// account known, the environment found, a referenced network found and READY. The runbook's
    /// rules (AWS, one region, PRIVATELINK, a shared zone) are the linter's: the CLI runs every
    /// rule on the plan merged with [`Observed::live_facts`] before it plans.
    fn preflight(&mut self, resolved: &Resolved) {
        let desired = self.desired;
        match &self.observed.tidb {
            None => self.block(
                format!("TiDB cluster {} was not found", desired.tidb.cluster_id),
                "check `tidb.cluster_id` and that the TiDB Cloud API key belongs to the cluster's organization",
            ),
            Some(t) => {
                self.context.push(format!(
                    "TiDB cluster {}: {} on {} in {}, plan {}, AWS account {}, zones {}",
                    t.cluster_id,
                    t.state.as_deref().unwrap_or("(no state)"),
                    t.cloud.as_deref().unwrap_or("(unknown cloud)"),
                    t.region.as_deref().unwrap_or("(unknown region)"),
                    t.plan.as_deref().unwrap_or("(unknown)"),
                    t.account_id.as_deref().unwrap_or("(unknown)"),
                    t.az_ids.join(", ")
                ));
                if t.state.as_deref() != Some("ACTIVE") {
                    let state = t.state.as_deref().unwrap_or("unknown");
                    self.block(
                        format!("TiDB cluster {} is {state}, not ACTIVE", t.cluster_id),
                        "wait until the cluster is ACTIVE (resume it if it is paused), then plan again",
                    );
                }
                if t.plan.as_deref().is_some_and(|p| p != "ESSENTIAL") {
                    self.block(
                        format!(
                            "TiDB cluster {} is on plan {}, not ESSENTIAL",
                            t.cluster_id,
                            t.plan.as_deref().unwrap_or("")
                        ),
                        "private link connections for dataflow need an Essential cluster",
                    );
                }
            }
        }
        if resolved.account.is_none() && self.observed.tidb.is_some() {
            self.block(
                "TiDB Cloud did not report its AWS account".to_owned(),
                "declare `tidb.aws_account_id` (shown in the console's \"Create Private Link Connection\" dialog)",
            );
        }
        if !self.observed.environment_found {
            self.block(
                format!("Confluent environment {} was not found", desired.confluent.environment),
                "check `confluent.environment` and that the Cloud API key can read it",
            );
            return;
        }
        match (&desired.confluent.network.source, &self.observed.network) {
            (NetworkSource::Existing { id }, None) => self.block(
                format!("Confluent network {id} was not found in environment {}", desired.confluent.environment),
                "check `confluent.network.id`, or set `create: true` (without `id`) to let linkplan create one",
            ),
            (_, Some(n)) => {
                self.context.push(format!(
                    "Confluent network {}: {} in {}, zones {}, service {}",
                    n.id,
                    n.phase.as_deref().unwrap_or("(no phase)"),
                    n.region.as_deref().unwrap_or("(unknown region)"),
                    n.zones.join(", "),
                    n.service_name.as_deref().unwrap_or("(not yet known)")
                ));
                if matches!(desired.confluent.network.source, NetworkSource::Existing { .. })
                    && n.phase.as_deref() != Some("READY")
                {
                    let phase = n.phase.as_deref().unwrap_or("(no phase)");
                    let hint = match phase {
                        "FAILED" => {
                            "the referenced network failed; fix or replace it in Confluent Cloud, then plan again"
                        }
                        _ => {
                            "wait until the network is READY (its endpoint service name appears then), then plan again"
                        }
                    };
                    self.block(format!("Confluent network {} is {phase}, not READY", n.id), hint);
                }
            }
            (NetworkSource::Create { .. }, None) => (),
        }
    }

    fn push(
        &mut self,
        kind: StepKind,
        key: &[&str],
        action: Action,
        depends_on: Vec<StepId>,
        summary: String,
        details: Vec<(&str, String)>,
    ) -> StepId {
        let id = StepId::new(kind, key);
        let details = details.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self.steps.push(Step { id: id.clone(), kind, action, depends_on, summary, details, changes: Vec::new() });
        id
    }

    fn network(&mut self, resolved: &Resolved) -> Option<StepId> {
        let desired = self.desired;
        let NetworkSource::Create { display_name, dns_resolution } = &desired.confluent.network.source else {
            return None;
        };
        let observed = self.observed.network.as_ref();
        let action = match observed {
            None => Action::Create,
            Some(n) => self.lifecycle(steps::create_network::acceptor(n), &n.id),
        };
        let mut details = vec![
            ("environment", desired.confluent.environment.clone()),
            ("region", desired.confluent.network.region.to_string()),
            ("zones", resolved.network_zones.join(", ")),
            ("dns_resolution", dns_resolution.as_str().to_owned()),
        ];
        if let Some(n) = observed {
            details.insert(0, ("id", n.id.clone()));
        }
        Some(self.push(
            StepKind::CreateNetwork,
            &[&desired.confluent.environment, display_name],
            action,
            Vec::new(),
            format!("PrivateLink network \"{display_name}\""),
            details,
        ))
    }

    /// `=`, `~` or a blocker for a resource that exists.
    fn lifecycle(&mut self, acceptor: Acceptor, id: &str) -> Action {
        match acceptor {
            Acceptor::Ready => Action::Unchanged,
            Acceptor::Pending(_) => Action::Wait,
            Acceptor::Failed { state, reason } => {
                self.block(
                    format!("{id} is {state}: {reason}"),
                    &format!("delete {id} (or fix its cause with the vendor), then plan again"),
                );
                Action::Wait
            }
        }
    }

    fn access(&mut self, resolved: &Resolved, network: Option<&StepId>) -> Option<StepId> {
        let desired = self.desired;
        let account = resolved.account.as_deref()?;
        let key = desired.confluent.network.key();
        let found = self.observed.access_for(account);
        let action = match found {
            None => Action::Create,
            Some(a) => self.lifecycle(steps::private_link_access::acceptor(a), &a.id),
        };
        let mut details = vec![("display_name", desired.confluent.access.display_name.clone())];
        if let Some(a) = found {
            details.insert(0, ("id", a.id.clone()));
            details.push(("phase", a.phase.clone().unwrap_or_default()));
        }
        Some(self.push(
            StepKind::PrivateLinkAccess,
            &[key, account],
            action,
            network.into_iter().cloned().collect(),
            format!("PrivateLink access for TiDB Cloud's AWS account {account}"),
            details,
        ))
    }

    fn cluster(&mut self, network: Option<&StepId>) -> Option<StepId> {
        let desired = &self.desired.confluent.cluster;
        let key = self.desired.confluent.network.key();
        let found = self.observed.cluster.as_ref();
        let action = match (found, &desired.id) {
            (None, Some(id)) => {
                self.block(
                    format!("Kafka cluster {id} was not found in network {key}"),
                    "check `confluent.cluster.id`, or leave it out to let linkplan create the cluster",
                );
                Action::Wait
            }
            (None, None) => Action::Create,
            (Some(c), _) if !c.dedicated => {
                self.block(
                    format!("Kafka cluster {} is not a Dedicated cluster", c.id),
                    "only Dedicated clusters support PrivateLink on AWS",
                );
                Action::Wait
            }
            (Some(c), _) => self.lifecycle(steps::cluster::acceptor(c), &c.id),
        };
        let step_id = StepId::new(StepKind::Cluster, &[key, &desired.display_name]);
        // What linkplan manages of a cluster it creates: a referenced one (`id`) is only used.
        let changes = match found {
            Some(c) if desired.id.is_none() && c.dedicated => cluster_changes(desired, c),
            _ => Vec::new(),
        };
        let action = if changes.iter().any(|c| c.forces_replacement) {
            if self.options.replace.contains(&step_id) {
                Action::Replace
            } else {
                let what: Vec<String> = changes
                    .iter()
                    .filter(|c| c.forces_replacement)
                    .map(|c| format!("`{}` {} → {}", c.key, c.from, c.to))
                    .collect();
                self.block(
                    format!(
                        "{step_id}: {} cannot change in place; the Kafka cluster must be replaced (deleted, with its \
                         data, and created again)",
                        what.join(", ")
                    ),
                    &format!(
                        "put the live value back in the plan, or ask for the replacement: `linkplan plan --replace \
                         {step_id}` (then apply with the same flag)"
                    ),
                );
                Action::Replace
            }
        } else if !changes.is_empty() && matches!(action, Action::Unchanged | Action::Wait) {
            Action::Update
        } else {
            action
        };
        let (availability, cku) = match found {
            // The live values (the changes show the plan's).
            Some(c) => (
                c.availability.clone().unwrap_or_else(|| desired.availability.as_str().to_owned()),
                c.cku.unwrap_or(desired.cku).to_string(),
            ),
            None => (desired.availability.as_str().to_owned(), desired.cku.to_string()),
        };
        let mut details = vec![("availability", availability), ("cku", cku)];
        if let Some(c) = found {
            details.insert(0, ("id", c.id.clone()));
            details.push(("phase", c.phase.clone().unwrap_or_default()));
            if let (Some(asked), Some(serving)) = (c.cku, c.status_cku)
                && asked != serving
            {
                details.push(("cku in service", serving.to_string()));
            }
        }
        let id = self.push(
            StepKind::Cluster,
            &[key, &desired.display_name],
            action,
            network.into_iter().cloned().collect(),
            format!("Dedicated Kafka cluster \"{}\"", desired.display_name),
            details,
        );
        if let Some(step) = self.steps.last_mut() {
            step.changes = changes;
        }
        Some(id)
    }

    fn connection(&mut self, resolved: &Resolved, depends_on: Vec<StepId>) -> StepId {
        let desired = self.desired;
        let found = self.observed.connection.as_ref();
        let action = match found {
            None => Action::Create,
            Some(c) => match steps::private_link_connection::acceptor(c) {
                Acceptor::Ready => Action::Unchanged,
                Acceptor::Pending(_) => Action::Wait,
                Acceptor::Failed { reason, .. } => {
                    self.block(
                        format!("private link connection {} is FAILED: {reason}", c.id),
                        &format!("delete connection {} in TiDB Cloud, fix the cause, then plan again", c.id),
                    );
                    Action::Wait
                }
            },
        };
        let mut details = vec![
            ("display_name", desired.connection.display_name.clone()),
            ("type", "AWS_ENDPOINT_SERVICE".to_owned()),
            (
                "endpoint_service",
                resolved.service_name.clone().unwrap_or_else(|| "(known once the network is READY)".to_owned()),
            ),
        ];
        if let Some(c) = found {
            details.insert(0, ("id", c.id.clone()));
            details.push(("state", c.state.clone().unwrap_or_default()));
        }
        self.push(
            StepKind::PrivateLinkConnection,
            &[&desired.tidb.cluster_id, &desired.connection.display_name],
            action,
            depends_on,
            "TiDB private link connection to the network's endpoint service".to_owned(),
            details,
        )
    }

    fn domains(&mut self, resolved: &Resolved, connection: StepId) {
        let desired = self.desired;
        let attached = match (&self.observed.connection, &resolved.unique_name) {
            (Some(c), Some(u)) => c.attachment(u),
            _ => None,
        };
        let action = match attached {
            None => Action::Attach,
            Some(a) => self.lifecycle(steps::attach_domains::acceptor(a), a.id.as_deref().unwrap_or("the attachment")),
        };
        let mut details = vec![(
            "unique_name",
            resolved.unique_name.clone().unwrap_or_else(|| "(known once the network is READY)".to_owned()),
        )];
        if let Some(id) = attached.and_then(|a| a.id.clone()) {
            details.insert(0, ("id", id));
        }
        match (attached, &self.observed.domains_preview) {
            (Some(a), _) => {
                let names: Vec<String> = a
                    .domains
                    .iter()
                    .map(|d| format!("{} ({})", d.name.as_deref().unwrap_or("?"), d.state.as_deref().unwrap_or("?")))
                    .collect();
                details.push(("domains", names.join(", ")));
            }
            (None, Some(preview)) => details.push(("domains (validate-only preview)", preview.join(", "))),
            (None, None) => details.push(("domains", "(previewed once the connection is ACTIVE)".to_owned())),
        }
        self.push(
            StepKind::AttachDomains,
            &[&desired.tidb.cluster_id, &desired.connection.display_name, "CONFLUENT"],
            action,
            vec![connection],
            "attach CONFLUENT domains to the connection".to_owned(),
            details,
        );
    }
}

/// The managed values of a live cluster that differ from the plan: CKUs change in place (a
/// resize); availability cannot (Terraform replaces for it too).
fn cluster_changes(desired: &crate::desired::ClusterDesired, live: &crate::observe::ClusterObserved) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(live) = live.cku
        && live != desired.cku
    {
        changes.push(Change {
            key: "confluent.cluster.cku".to_owned(),
            from: live.to_string(),
            to: desired.cku.to_string(),
            forces_replacement: false,
        });
    }
    if let Some(live) = &live.availability
        && live != desired.availability.as_str()
    {
        changes.push(Change {
            key: "confluent.cluster.availability".to_owned(),
            from: live.clone(),
            to: desired.availability.as_str().to_owned(),
            forces_replacement: true,
        });
    }
    changes
}

/// Kahn's algorithm; among steps ready at the same time the smallest [`StepId`] goes first.
/// Dependencies outside the plan count as met.
fn topological(steps: Vec<Step>) -> Vec<Step> {
    let ids: BTreeSet<StepId> = steps.iter().map(|s| s.id.clone()).collect();
    let mut by_id: BTreeMap<StepId, Step> = steps.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut done: BTreeSet<StepId> = BTreeSet::new();
    let mut out = Vec::with_capacity(by_id.len());
    while !by_id.is_empty() {
        let ready = by_id
            .values()
            .find(|s| s.depends_on.iter().all(|d| done.contains(d) || !ids.contains(d)))
            .map(|s| s.id.clone());
        // The planner builds no cycles; should one appear, flush the rest in id order.
        let Some(id) = ready.or_else(|| by_id.keys().next().cloned()) else { break };
        if let Some(step) = by_id.remove(&id) {
            done.insert(id);
            out.push(step);
        }
    }
    out
}
