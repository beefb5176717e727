//! Destroy planning (pure): the runbook in reverse — detach the domains, delete the connection,
//! then the Confluent resources linkplan created. What the plan only references (`network.id`,
//! `cluster.id`) is never deleted; a Kafka cluster (and its data) only with an explicit option.
//!
//! Ownership: the domains and the connection carry this plan's own display name, so they are
//! the plan's. The Confluent side is shared: TiDB Cloud uses one AWS account for all its
//! clusters in a region, so one PrivateLink access can serve other connections, and a network
//! or cluster found by its name may predate linkplan. Those are deleted only when the journal
//! says an apply created them ([`crate::Journal::created`]); otherwise they are kept, with why.

use std::collections::BTreeSet;

use crate::desired::{Desired, NetworkSource};
use crate::observe::{Observed, unique_name};
use crate::step::{Action, PLAN_VERSION, Resolved, Step, StepId, StepKind, StepPlan};

/// What destroy may delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyOptions {
    /// Delete the Kafka cluster too (it deletes the cluster's data).
    pub delete_kafka_cluster: bool,
    /// The steps whose resources linkplan created ([`crate::Journal::created`]); the access,
    /// the cluster and the network are deleted only when listed.
    pub created: BTreeSet<StepId>,
}

const NOT_CREATED: &str = "kept: no journal record says linkplan created it";

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
        steps.push(Step { id: step_id.clone(), kind, action, depends_on, summary, details });
        step_id
    };

    let attachment = match (&observed.connection, &unique) {
        (Some(c), Some(u)) => c.attachment(u),
        _ => None,
    };
    let mut before_connection = Vec::new();
    if let Some(a) = attachment {
        resolved.attach_domain_id.clone_from(&a.id);
        before_connection.push(push(
            StepKind::AttachDomains,
            &[cluster_id, plc_name, "CONFLUENT"],
            Action::Delete,
            Vec::new(),
            "detach the CONFLUENT domains".to_owned(),
            a.id.as_deref(),
        ));
    }
    let mut before_confluent = Vec::new();
    if let Some(c) = &observed.connection {
        before_confluent.push(push(
            StepKind::PrivateLinkConnection,
            &[cluster_id, plc_name],
            Action::Delete,
            before_connection,
            "delete the TiDB private link connection".to_owned(),
            Some(&c.id),
        ));
    }
    let mut before_network = Vec::new();
    let owned = |kind, key: &[&str]| options.created.contains(&StepId::new(kind, key));
    if let (Some(account), Some(a)) = (&account, account.as_deref().and_then(|a| observed.access_for(a))) {
        let key = [network_key, account.as_str()];
        if owned(StepKind::PrivateLinkAccess, &key) {
            resolved.access_id = Some(a.id.clone());
            before_network.push(push(
                StepKind::PrivateLinkAccess,
                &key,
                Action::Delete,
                before_confluent.clone(),
                format!("delete the PrivateLink access for AWS account {account}"),
                Some(&a.id),
            ));
        } else {
            push(
                StepKind::PrivateLinkAccess,
                &key,
                Action::Unchanged,
                Vec::new(),
                format!("{NOT_CREATED}; other connections from AWS account {account} may use it"),
                Some(&a.id),
            );
        }
    }
    if let Some(c) = &observed.cluster {
        let wanted = &desired.confluent.cluster;
        let key = [network_key, wanted.display_name.as_str()];
        if wanted.id.is_some() {
            push(
                StepKind::Cluster,
                &key,
                Action::Unchanged,
                Vec::new(),
                "kept: referenced by `confluent.cluster.id`".to_owned(),
                Some(&c.id),
            );
        } else if !owned(StepKind::Cluster, &key) {
            push(StepKind::Cluster, &key, Action::Unchanged, Vec::new(), NOT_CREATED.to_owned(), Some(&c.id));
        } else if !options.delete_kafka_cluster {
            push(
                StepKind::Cluster,
                &key,
                Action::Unchanged,
                Vec::new(),
                "kept: deleting a Kafka cluster deletes its data; ask for it explicitly".to_owned(),
                Some(&c.id),
            );
        } else {
            resolved.kafka_cluster_id = Some(c.id.clone());
            before_network.push(push(
                StepKind::Cluster,
                &key,
                Action::Delete,
                before_confluent.clone(),
                format!("delete the Kafka cluster \"{}\" and its data", wanted.display_name),
                Some(&c.id),
            ));
        }
    }
    if let Some(n) = &observed.network {
        match &desired.confluent.network.source {
            NetworkSource::Existing { .. } => {
                context.push(format!("Confluent network {}: referenced by `confluent.network.id`, kept", n.id));
            }
            NetworkSource::Create { display_name, .. } => {
                let key = [desired.confluent.environment.as_str(), display_name];
                let kafka_kept = observed.cluster.is_some() && resolved.kafka_cluster_id.is_none();
                let (action, summary) = if !owned(StepKind::CreateNetwork, &key) {
                    (Action::Unchanged, NOT_CREATED.to_owned())
                } else if kafka_kept {
                    (Action::Unchanged, format!("kept: network \"{display_name}\" still holds the Kafka cluster"))
                } else {
                    (Action::Delete, format!("delete the PrivateLink network \"{display_name}\""))
                };
                push(StepKind::CreateNetwork, &key, action, before_network, summary, Some(&n.id));
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
    }
}
