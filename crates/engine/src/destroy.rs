//! Destroy planning (pure): the runbook in reverse — detach the domains, delete the connection,
//! then the Confluent resources linkplan created. What the plan only references (`network.id`,
//! `cluster.id`) is never deleted; a Kafka cluster (and its data) only with an explicit option.
//!
//! Ownership, as Terraform's state gives it: a resource is deleted only when the journal says an
//! apply of this plan created it ([`crate::Journal::created`]); one linkplan found and adopted
//! (made in a console, or by another tool) is kept, with why. Without the journal (another
//! machine, a lost file) destroy deletes nothing. The PrivateLink access needs more: TiDB Cloud
//! uses one AWS account for all its clusters in a region, so the access can serve other TiDB
//! clusters' connections to the same network; it goes only with the network linkplan deletes,
//! or when asked (`delete_access`).

use std::collections::BTreeSet;

use crate::desired::{Desired, NetworkSource};
use crate::observe::{Observed, unique_name};
use crate::step::{Action, PLAN_VERSION, Resolved, Step, StepId, StepKind, StepPlan};

/// What destroy may delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyOptions {
    /// Delete the Kafka cluster too (it deletes the cluster's data).
    pub delete_kafka_cluster: bool,
    /// Delete the PrivateLink access (if linkplan created it) though the network stays.
    pub delete_access: bool,
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

    let owned = |kind, key: &[&str]| options.created.contains(&StepId::new(kind, key));
    let domains_key = [cluster_id, plc_name, "CONFLUENT"];
    let connection_key = [cluster_id, plc_name];
    let connection_goes = observed.connection.is_some() && owned(StepKind::PrivateLinkConnection, &connection_key);

    // What goes on the Confluent side, decided up front: the network needs its cluster and
    // access gone first.
    let wanted = &desired.confluent.cluster;
    let cluster_key = [network_key, wanted.display_name.as_str()];
    let cluster_owned = wanted.id.is_none() && owned(StepKind::Cluster, &cluster_key);
    let cluster_goes = observed.cluster.is_some() && cluster_owned && options.delete_kafka_cluster;
    let network_key_created = match &desired.confluent.network.source {
        NetworkSource::Create { display_name, .. } => Some([desired.confluent.environment.as_str(), display_name]),
        NetworkSource::Existing { .. } => None,
    };
    let network_owned = network_key_created.is_some_and(|key| owned(StepKind::CreateNetwork, &key));
    let network_goes = observed.network.is_some() && network_owned && (observed.cluster.is_none() || cluster_goes);

    let attachment = match (&observed.connection, &unique) {
        (Some(c), Some(u)) => c.attachment(u),
        _ => None,
    };
    let mut before_connection = Vec::new();
    if let Some(a) = attachment {
        // Detached before the connection is deleted, whoever attached them.
        if owned(StepKind::AttachDomains, &domains_key) || connection_goes {
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
            push(
                StepKind::AttachDomains,
                &domains_key,
                Action::Unchanged,
                Vec::new(),
                NOT_CREATED.to_owned(),
                a.id.as_deref(),
            );
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
            push(
                StepKind::PrivateLinkConnection,
                &connection_key,
                Action::Unchanged,
                Vec::new(),
                NOT_CREATED.to_owned(),
                Some(&c.id),
            );
        }
    }
    let mut before_network = Vec::new();
    if let (Some(account), Some(a)) = (&account, account.as_deref().and_then(|a| observed.access_for(a))) {
        let key = [network_key, account.as_str()];
        let kept = if !owned(StepKind::PrivateLinkAccess, &key) {
            Some(format!("{NOT_CREATED}; other connections from AWS account {account} may use it"))
        } else if !network_goes && !options.delete_access {
            Some(format!(
                "kept: other TiDB clusters on AWS account {account} may connect through this network; ask to delete it"
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
    if let Some(c) = &observed.cluster {
        let summary = if wanted.id.is_some() {
            Some("kept: referenced by `confluent.cluster.id`".to_owned())
        } else if !cluster_owned {
            Some(NOT_CREATED.to_owned())
        } else if !options.delete_kafka_cluster {
            Some("kept: deleting a Kafka cluster deletes its data; ask for it explicitly".to_owned())
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
        match (&desired.confluent.network.source, network_key_created) {
            (NetworkSource::Create { display_name, .. }, Some(key)) => {
                let (action, summary) = if !network_owned {
                    (Action::Unchanged, NOT_CREATED.to_owned())
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
