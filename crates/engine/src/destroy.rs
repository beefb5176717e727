//! Destroy planning (pure): the runbook in reverse — detach the domains, delete the connection,
//! then the Confluent resources linkplan created. What the plan only references (`network.id`,
//! `cluster.id`) is never deleted; a Kafka cluster (and its data) only with an explicit option.
//!
//! Ownership, as Terraform's state gives it: a resource is deleted only when the journal
//! recorded its **id** as created by an apply of this plan ([`crate::Journal::owned`]). Destroy
//! looks resources up by natural key, then acts on what it found only when the id is the
//! recorded one: a resource found by name but not recorded (made in a console, by another tool,
//! or in the place of a deleted one) is kept and reported, and a recorded id that no longer
//! exists is reported as already gone. Without the journal (another machine, a lost file)
//! destroy deletes nothing unless told to claim what it finds (`adopt`, `--adopt`). The
//! PrivateLink access needs more: TiDB Cloud
//! uses one AWS account for all its clusters in a region, so the access can serve other TiDB
//! clusters' connections to the same network; it goes only with the network linkplan deletes,
//! or when asked (`delete_access`).

use std::collections::BTreeMap;

use crate::desired::{Desired, NetworkSource};
use crate::journal::Owned;
use crate::observe::{Observed, unique_name};
use crate::step::{Action, PLAN_VERSION, Resolved, Step, StepId, StepKind, StepPlan};
use crate::steps;

/// What destroy may delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyOptions {
    /// Delete the Kafka cluster too (it deletes the cluster's data).
    pub delete_kafka_cluster: bool,
    /// Delete the PrivateLink access (if linkplan created it) though the network stays.
    pub delete_access: bool,
    /// What linkplan created, by step ([`crate::Journal::owned`]): a resource is deleted only
    /// when its live id is the recorded one.
    pub owned: BTreeMap<StepId, Owned>,
    /// Claim every resource found by natural key as linkplan's (after a lost journal).
    pub adopt: bool,
}

/// Whether destroy may delete a resource it found, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ownership {
    /// The journal recorded this id (or destroy was told to adopt it).
    Ours,
    /// The journal has no record of creating anything for this step.
    NotRecorded,
    /// A create was sent, but the run stopped before it learned the id.
    Unconfirmed,
    /// linkplan created another resource under this natural key, which is gone.
    Other { recorded: String },
}

impl Ownership {
    /// The `=` summary for a resource that is kept for this reason (`None`: it is ours).
    pub(crate) fn kept(&self) -> Option<String> {
        match self {
            Ownership::Ours => None,
            Ownership::NotRecorded => {
                Some("kept: no journal record says linkplan created it (--adopt claims it)".to_owned())
            }
            Ownership::Unconfirmed => Some(
                "kept: a create was sent, but the run stopped before it recorded the id; run `linkplan apply` \
                 to finish it (or pass --adopt)"
                    .to_owned(),
            ),
            Ownership::Other { recorded } => Some(format!(
                "kept: found by name, but linkplan created {recorded}, which is gone; this one is someone \
                 else's (--adopt claims it)"
            )),
        }
    }
}

impl DestroyOptions {
    fn ownership(&self, step: &StepId, live_id: Option<&str>) -> Ownership {
        if self.adopt {
            return Ownership::Ours;
        }
        match self.owned.get(step) {
            None => Ownership::NotRecorded,
            Some(Owned { id: None }) => Ownership::Unconfirmed,
            Some(Owned { id: Some(recorded) }) if Some(recorded.as_str()) == live_id => Ownership::Ours,
            Some(Owned { id: Some(recorded) }) => Ownership::Other { recorded: recorded.clone() },
        }
    }

    /// Context lines for recorded ids that nothing live has any more.
    fn gone(&self, step: &StepId, live_id: Option<&str>) -> Option<String> {
        let recorded = self.owned.get(step)?.id.as_deref()?;
        (Some(recorded) != live_id).then(|| format!("{step}: {recorded}, which linkplan created, is already gone"))
    }
}

pub(crate) const NOT_CREATED: &str = "kept: no journal record says linkplan created it (--adopt claims it)";

/// The steps that undo `desired` in `observed`, in reverse order of apply: each kind of the step
/// table, walked backwards, gives its `-` or `=` step ([`steps::StepDef::reverse`]); a delete
/// waits for the deletes of the kinds that come after it in apply. Steps use the same
/// [`StepId`]s as apply.
pub fn destroy_plan(desired: &Desired, observed: &Observed, options: &DestroyOptions) -> StepPlan {
    let mut r = Reverser::new(desired, observed, options);
    let mut steps: Vec<Step> = Vec::new();
    let mut deleted: BTreeMap<StepKind, StepId> = BTreeMap::new();
    for def in steps::STEPS.iter().rev() {
        let Some(planned) = (def.reverse)(&mut r) else { continue };
        let key: Vec<&str> = planned.key.iter().map(String::as_str).collect();
        let id = StepId::new(def.kind, &key);
        let depends_on = if planned.action == Action::Delete {
            let after_us = steps::STEPS.iter().filter(|d| d.after.contains(&def.kind));
            let ids: Vec<StepId> = after_us.filter_map(|d| deleted.get(&d.kind).cloned()).collect();
            deleted.insert(def.kind, id.clone());
            ids
        } else {
            Vec::new()
        };
        let details = planned.id.map(|live| vec![("id".to_owned(), live)]).unwrap_or_default();
        steps.push(Step {
            id,
            kind: def.kind,
            action: planned.action,
            depends_on,
            summary: planned.summary,
            details,
            changes: Vec::new(),
        });
    }
    StepPlan {
        version: PLAN_VERSION,
        context: r.context,
        steps,
        blockers: Vec::new(),
        drift: Vec::new(),
        resolved: r.resolved,
        observed_fingerprint: observed.fingerprint(),
        destroy: true,
    }
}

/// One kind's step in a destroy plan: its natural key, `-` or `=`, why, and the live id.
pub(crate) struct ReverseStep {
    pub(crate) key: Vec<String>,
    pub(crate) action: Action,
    pub(crate) summary: String,
    pub(crate) id: Option<String>,
}

impl ReverseStep {
    pub(crate) fn delete(key: &[&str], summary: String, id: Option<&str>) -> ReverseStep {
        ReverseStep::new(key, Action::Delete, summary, id)
    }

    pub(crate) fn keep(key: &[&str], summary: String, id: Option<&str>) -> ReverseStep {
        ReverseStep::new(key, Action::Unchanged, summary, id)
    }

    fn new(key: &[&str], action: Action, summary: String, id: Option<&str>) -> ReverseStep {
        ReverseStep { key: key.iter().map(|k| (*k).to_owned()).collect(), action, summary, id: id.map(str::to_owned) }
    }
}

/// What each kind's `reverse` (in `steps/<kind>.rs`) works with: the inputs, the values the
/// deletes will need, and the decisions that span kinds, made up front (the network goes only
/// with its cluster and access; the domains are detached whenever the connection goes).
pub(crate) struct Reverser<'a> {
    pub(crate) desired: &'a Desired,
    pub(crate) observed: &'a Observed,
    pub(crate) options: &'a DestroyOptions,
    /// TiDB's AWS account: live, else declared.
    pub(crate) account: Option<String>,
    pub(crate) unique_name: Option<String>,
    pub(crate) resolved: Resolved,
    pub(crate) context: Vec<String>,
    /// The connection is live and linkplan's.
    pub(crate) connection_goes: bool,
    /// The network is linkplan's, live, and nothing keeps it (its cluster goes, or there is none).
    pub(crate) network_goes: bool,
}

impl<'a> Reverser<'a> {
    fn new(desired: &'a Desired, observed: &'a Observed, options: &'a DestroyOptions) -> Reverser<'a> {
        let unique = unique_name(desired, observed);
        let account = observed.account(desired).map(str::to_owned);
        let resolved = Resolved {
            account: account.clone(),
            network_id: observed.network.as_ref().map(|n| n.id.clone()),
            connection_id: observed.connection.as_ref().map(|c| c.id.clone()),
            unique_name: unique.clone(),
            ..Resolved::default()
        };
        let owns = |kind, key: &[&str], live: Option<&str>| {
            live.is_some() && options.ownership(&StepId::new(kind, key), live) == Ownership::Ours
        };
        let connection_live = observed.connection.as_ref().map(|c| c.id.as_str());
        let connection_goes = owns(StepKind::PrivateLinkConnection, &connection_key(desired), connection_live);
        let wanted = &desired.confluent.cluster;
        let cluster_live = observed.cluster.as_ref().map(|c| c.id.as_str());
        let cluster_goes = wanted.id.is_none()
            && owns(StepKind::Cluster, &cluster_key(desired), cluster_live)
            && options.delete_kafka_cluster;
        let network_live = observed.network.as_ref().map(|n| n.id.as_str());
        let network_goes = created_network_key(desired)
            .is_some_and(|key| owns(StepKind::CreateNetwork, &key, network_live))
            && (observed.cluster.is_none() || cluster_goes);
        Reverser {
            desired,
            observed,
            options,
            account,
            unique_name: unique,
            resolved,
            context: Vec::new(),
            connection_goes,
            network_goes,
        }
    }

    /// Whether the resource live under this step (`live`) is the one linkplan recorded; a
    /// recorded id with nothing live under it is reported as gone.
    pub(crate) fn ownership(&mut self, kind: StepKind, key: &[&str], live: Option<&str>) -> Ownership {
        let step = StepId::new(kind, key);
        self.context.extend(self.options.gone(&step, live));
        self.options.ownership(&step, live)
    }
}

/// The natural keys destroy decides on before it walks the kinds.
pub(crate) fn connection_key(desired: &Desired) -> [&str; 2] {
    [desired.tidb.cluster_id.as_str(), desired.connection.display_name.as_str()]
}

pub(crate) fn cluster_key(desired: &Desired) -> [&str; 2] {
    [desired.confluent.network.key(), desired.confluent.cluster.display_name.as_str()]
}

/// A network linkplan creates: environment + display name (`None`: the plan references one).
pub(crate) fn created_network_key(desired: &Desired) -> Option<[&str; 2]> {
    match &desired.confluent.network.source {
        NetworkSource::Create { display_name, .. } => Some([desired.confluent.environment.as_str(), display_name]),
        NetworkSource::Existing { .. } => None,
    }
}
