//! The planner: a pure function from desired and observed state to the ordered step plan.
//!
//! No IO and no clock: the same inputs give the same plan, in topological order with ties
//! broken by [`StepId`].

use std::collections::{BTreeMap, BTreeSet};

use linkplan_confluent::resources::Phase;
use linkplan_tidbcloud::resources::clusters::{ClusterPlan, ClusterState};

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
    // Every kind in the table's order, each after the steps of the kinds it needs.
    let mut planned: BTreeMap<StepKind, StepId> = BTreeMap::new();
    for def in steps::STEPS {
        let after = def.after.iter().filter_map(|kind| planned.get(kind).cloned()).collect();
        if let Some(id) = (def.plan)(&mut planner, &resolved, after) {
            planned.insert(def.kind, id);
        }
    }
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
    overlapping_zones(&desired.confluent.network.region, tidb_zones)
}

/// Three AZ IDs of `region` that overlap TiDB's zones as much as they can: TiDB's (sorted), filled
/// up to three with the region's other zones (`<prefix>-az1`, `-az2`, …); sorted.
pub fn overlapping_zones(region: &linkplan_model::Region, tidb_zones: &[String]) -> Vec<String> {
    let mut zones: Vec<String> = tidb_zones.iter().cloned().collect::<BTreeSet<_>>().into_iter().take(3).collect();
    if let Some(prefix) = region.az_prefix() {
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

/// What each step kind's `plan` (in `steps/<kind>.rs`) works with: the inputs, and the steps,
/// blockers and context lines planned so far.
pub(crate) struct Planner<'a> {
    pub(crate) desired: &'a Desired,
    pub(crate) observed: &'a Observed,
    pub(crate) options: &'a PlanOptions,
    steps: Vec<Step>,
    blockers: Vec<Blocker>,
    context: Vec<String>,
}

impl Planner<'_> {
    fn resolve(&self) -> Resolved {
        let network = self.observed.network.as_ref();
        let cdc = self.observed.cdc.as_ref();
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
            kafka_bootstrap_host: self.observed.cluster.as_ref().and_then(|c| c.bootstrap_host.clone()),
            organization_id: cdc.and_then(|c| c.organization_id.clone()),
            service_account_id: cdc.and_then(|c| c.service_account.as_ref()).map(|s| s.id.clone()),
            api_key_id: cdc.and_then(|c| {
                let in_use = c.changefeed.as_ref().and_then(|f| f.username.as_deref());
                c.api_keys.iter().find(|k| Some(k.id.as_str()) == in_use).map(|k| k.id.clone())
            }),
            role_binding_ids: cdc.map(|c| c.role_bindings.iter().map(|b| b.id.clone()).collect()).unwrap_or_default(),
            changefeed_id: cdc.and_then(|c| c.changefeed.as_ref()).map(|f| f.id.clone()),
        }
    }

    pub(crate) fn tidb_zones(&self) -> Vec<String> {
        match &self.observed.tidb {
            Some(t) if !t.az_ids.is_empty() => t.az_ids.clone(),
            _ => self.desired.tidb.availability_zones.iter().flatten().map(|z| z.as_str().to_owned()).collect(),
        }
    }

    pub(crate) fn block(&mut self, message: String, hint: &str) {
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
                    t.state.as_ref().map_or("(no state)", ClusterState::as_str),
                    t.cloud.as_deref().unwrap_or("(unknown cloud)"),
                    t.region.as_deref().unwrap_or("(unknown region)"),
                    t.plan.as_ref().map_or("(unknown)", ClusterPlan::as_str),
                    t.account_id.as_deref().unwrap_or("(unknown)"),
                    t.az_ids.join(", ")
                ));
                if t.state != Some(ClusterState::Active) {
                    let state = t.state.as_ref().map_or("unknown", ClusterState::as_str);
                    self.block(
                        format!("TiDB cluster {} is {state}, not ACTIVE", t.cluster_id),
                        "wait until the cluster is ACTIVE (resume it if it is paused), then plan again",
                    );
                }
                if let Some(plan) = t.plan.as_ref().filter(|p| **p != ClusterPlan::Essential) {
                    self.block(
                        format!("TiDB cluster {} is on plan {plan}, not ESSENTIAL", t.cluster_id),
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
                    n.phase.as_ref().map_or("(no phase)", Phase::as_str),
                    n.region.as_deref().unwrap_or("(unknown region)"),
                    n.zones.join(", "),
                    n.service_name.as_deref().unwrap_or("(not yet known)")
                ));
                if matches!(desired.confluent.network.source, NetworkSource::Existing { .. })
                    && n.phase != Some(Phase::Ready)
                {
                    let phase = n.phase.as_ref().map_or("(no phase)", Phase::as_str);
                    let hint = match n.phase {
                        Some(Phase::Failed) => {
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

    /// The action of the step planned for `kind`, if one was (kinds are planned in table order,
    /// so a kind sees the steps of the kinds it needs).
    pub(crate) fn planned(&self, kind: StepKind) -> Option<Action> {
        self.steps.iter().find(|s| s.kind == kind).map(|s| s.action)
    }

    /// The step planned last (to add its changes).
    pub(crate) fn last_step_mut(&mut self) -> Option<&mut Step> {
        self.steps.last_mut()
    }

    pub(crate) fn push(
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

    /// The action for a live resource with `changes` (`action`: what its lifecycle says). A
    /// change that forces replacement makes it `-/+` — allowed when `--replace` names the step
    /// and `replaceable` (linkplan knows how to replace this kind), else a blocker that names
    /// each change; other changes make a `=` or `~` step an update.
    pub(crate) fn changed(
        &mut self,
        step_id: &StepId,
        action: Action,
        changes: &[Change],
        what: &str,
        replaceable: bool,
    ) -> Action {
        let forced: Vec<String> = changes
            .iter()
            .filter(|c| c.forces_replacement)
            .map(|c| format!("`{}` {} → {}", c.key, c.from, c.to))
            .collect();
        if forced.is_empty() {
            return if !changes.is_empty() && matches!(action, Action::Unchanged | Action::Wait) {
                Action::Update
            } else {
                action
            };
        }
        if replaceable && self.options.replace.contains(step_id) {
            return Action::Replace;
        }
        let message = format!("{step_id}: {} cannot change in place; {what} must be replaced", forced.join(", "));
        let hint = if replaceable {
            format!(
                "put the live value back in the plan, or ask for the replacement: `linkplan plan --replace {step_id}` \
                 (then apply with the same flag)"
            )
        } else {
            "put the live value back in the plan, or `linkplan destroy` with the old plan and apply the new one"
                .to_owned()
        };
        self.block(message, &hint);
        Action::Replace
    }

    /// `=`, `~` or a blocker for a resource that exists.
    pub(crate) fn lifecycle(&mut self, acceptor: Acceptor, id: &str) -> Action {
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
