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
enum Ownership {
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
    fn kept(&self) -> Option<String> {
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

const NOT_CREATED: &str = "kept: no journal record says linkplan created it (--adopt claims it)";

/// The steps that undo `desired` in `observed`, in reverse order of apply. Steps use the same
/// [`StepId`]s as apply; `-` deletes, `=` keeps (with the reason in the summary).
pub fn destroy_plan(desired: &Desired, observed: &Observed, options: &DestroyOptions) -> StepPlan {
    let mut steps = Vec::new();
    let mut context = Vec::new();
    let unique = unique_name(desired, observed);
    let account = observed.account(desired).map(str::to_owned);
    let network_key = desired.confluent.network.key();
    let cluster_id = desired.tidb.cluster_id.as_str();
    let plc_name = desired.connection.display_name.as_str();
    let mut resolved = Resolved {
        account: account.clone(),
        network_id: observed.network.as_ref().map(|n| n.id.clone()),
        connection_id: observed.connection.as_ref().map(|c| c.id.clone()),
        unique_name: unique.clone(),
        ..Resolved::default()
    };
    let mut push = |kind, key: &[&str], action, depends_on: Vec<StepId>, summary: String, id: Option<&str>| {
        let step_id = StepId::new(kind, key);
        let details = id.map(|id| vec![("id".to_owned(), id.to_owned())]).unwrap_or_default();
        steps.push(Step { id: step_id.clone(), kind, action, depends_on, summary, details, changes: Vec::new() });
        step_id
    };
    // Whether the resource found live under this step is the one linkplan recorded; a
    // recorded id with nothing live under it is reported as gone.
    let mut ownership = |kind, key: &[&str], live: Option<&str>| {
        let step = StepId::new(kind, key);
        context.extend(options.gone(&step, live));
        options.ownership(&step, live)
    };

    let domains_key = [cluster_id, plc_name, "CONFLUENT"];
    let connection_key = [cluster_id, plc_name];
    let connection_live = observed.connection.as_ref().map(|c| c.id.as_str());
    let connection_owner = ownership(StepKind::PrivateLinkConnection, &connection_key, connection_live);
    let connection_goes = connection_live.is_some() && connection_owner == Ownership::Ours;

    // What goes on the Confluent side, decided up front: the network needs its cluster and
    // access gone first.
    let wanted = &desired.confluent.cluster;
    let cluster_key = [network_key, wanted.display_name.as_str()];
    let cluster_live = observed.cluster.as_ref().map(|c| c.id.as_str());
    let cluster_owner = match &wanted.id {
        None => ownership(StepKind::Cluster, &cluster_key, cluster_live),
        Some(_) => Ownership::NotRecorded,
    };
    let cluster_goes = cluster_live.is_some()
        && wanted.id.is_none()
        && cluster_owner == Ownership::Ours
        && options.delete_kafka_cluster;
    let network_key_created = match &desired.confluent.network.source {
        NetworkSource::Create { display_name, .. } => Some([desired.confluent.environment.as_str(), display_name]),
        NetworkSource::Existing { .. } => None,
    };
    let network_live = observed.network.as_ref().map(|n| n.id.as_str());
    let network_owner = network_key_created.map(|key| ownership(StepKind::CreateNetwork, &key, network_live));
    let network_goes = network_live.is_some()
        && network_owner == Some(Ownership::Ours)
        && (observed.cluster.is_none() || cluster_goes);

    let attachment = match (&observed.connection, &unique) {
        (Some(c), Some(u)) => c.attachment(u),
        _ => None,
    };
    let domains_owner = ownership(StepKind::AttachDomains, &domains_key, attachment.and_then(|a| a.id.as_deref()));
    let mut before_connection = Vec::new();
    if let Some(a) = attachment {
        // Detached before the connection is deleted, whoever attached them.
        if domains_owner == Ownership::Ours || connection_goes {
            resolved.attach_domain_id.clone_from(&a.id);
            before_connection.push(push(
                StepKind::AttachDomains,
                &domains_key,
                Action::Delete,
                Vec::new(),
                "detach the CONFLUENT domains".to_owned(),
                a.id.as_deref(),
            ));
        } else {
            let summary = domains_owner.kept().unwrap_or_else(|| NOT_CREATED.to_owned());
            push(StepKind::AttachDomains, &domains_key, Action::Unchanged, Vec::new(), summary, a.id.as_deref());
        }
    }
    let mut before_confluent = Vec::new();
    if let Some(c) = &observed.connection {
        if connection_goes {
            before_confluent.push(push(
                StepKind::PrivateLinkConnection,
                &connection_key,
                Action::Delete,
                before_connection,
                "delete the TiDB private link connection".to_owned(),
                Some(&c.id),
            ));
        } else {
            let summary = connection_owner.kept().unwrap_or_else(|| NOT_CREATED.to_owned());
            push(StepKind::PrivateLinkConnection, &connection_key, Action::Unchanged, Vec::new(), summary, Some(&c.id));
        }
    }
    let mut before_network = Vec::new();
    if let Some(account) = &account {
        let key = [network_key, account.as_str()];
        let live = observed.access_for(account);
        let owner = ownership(StepKind::PrivateLinkAccess, &key, live.map(|a| a.id.as_str()));
        if let Some(a) = live {
            let kept = if let Some(reason) = owner.kept() {
                Some(format!("{reason}; other connections from AWS account {account} may use it"))
            } else if !network_goes && !options.delete_access {
                Some(format!(
                    "kept: other TiDB clusters on AWS account {account} may connect through this network \
                     (--delete-access deletes it)"
                ))
            } else {
                None
            };
            match kept {
                None => {
                    resolved.access_id = Some(a.id.clone());
                    before_network.push(push(
                        StepKind::PrivateLinkAccess,
                        &key,
                        Action::Delete,
                        before_confluent.clone(),
                        format!("delete the PrivateLink access for AWS account {account}"),
                        Some(&a.id),
                    ));
                }
                Some(reason) => {
                    push(StepKind::PrivateLinkAccess, &key, Action::Unchanged, Vec::new(), reason, Some(&a.id));
                }
            }
        }
    }
    if let Some(c) = &observed.cluster {
        let summary = if wanted.id.is_some() {
            Some("kept: referenced by `confluent.cluster.id`".to_owned())
        } else if let Some(reason) = cluster_owner.kept() {
            Some(reason)
        } else if !options.delete_kafka_cluster {
            Some("kept: deleting a Kafka cluster deletes its data (--delete-kafka-cluster deletes it)".to_owned())
        } else {
            None
        };
        match summary {
            Some(summary) => {
                push(StepKind::Cluster, &cluster_key, Action::Unchanged, Vec::new(), summary, Some(&c.id));
            }
            None => {
                resolved.kafka_cluster_id = Some(c.id.clone());
                before_network.push(push(
                    StepKind::Cluster,
                    &cluster_key,
                    Action::Delete,
                    before_confluent.clone(),
                    format!("delete the Kafka cluster \"{}\" and its data", wanted.display_name),
                    Some(&c.id),
                ));
            }
        }
    }
    if let Some(n) = &observed.network {
        match (&desired.confluent.network.source, network_key_created, &network_owner) {
            (NetworkSource::Create { display_name, .. }, Some(key), Some(owner)) => {
                let (action, summary) = if let Some(reason) = owner.kept() {
                    (Action::Unchanged, reason)
                } else if !network_goes {
                    (Action::Unchanged, format!("kept: network \"{display_name}\" still holds the Kafka cluster"))
                } else {
                    (Action::Delete, format!("delete the PrivateLink network \"{display_name}\""))
                };
                push(StepKind::CreateNetwork, &key, action, before_network, summary, Some(&n.id));
            }
            _ => {
                context.push(format!("Confluent network {}: referenced by `confluent.network.id`, kept", n.id));
            }
        }
    }
    StepPlan {
        version: PLAN_VERSION,
        context,
        steps,
        blockers: Vec::new(),
        drift: Vec::new(),
        resolved,
        observed_fingerprint: observed.fingerprint(),
        destroy: true,
    }
}
