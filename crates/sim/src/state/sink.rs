//! The second half of the link rule: whether a changefeed's Kafka sink reaches a Kafka cluster
//! through a private link connection and may write its topics ([`State::sink_link`]). The first
//! half, whether the connection itself can be ACTIVE, is [`State::link`]; this rule asks it again,
//! so a network that went away breaks both.
//!
//! The checks, in the order a real client meets them (network, then TLS, then SASL, then ACLs):
//! `networkType` PRIVATE_LINK; the `privateLinkConnectionId` names a connection of the
//! changefeed's TiDB cluster that is ACTIVE (and that `State::link` still finds possible); its
//! CONFLUENT domain for the network behind it is attached and ACTIVE; the port is the Kafka
//! bootstrap port 9092; `authType` SASL_PLAIN; `enableTls` true; `serverName` is the host of a
//! PROVISIONED Kafka cluster's PRIVATE_LINK bootstrap endpoint on that network; the username is
//! a live API key for exactly that cluster, the password its secret, and the key past its
//! `api_key_ready` delay; the key's owner holds, for every topic the changefeed writes, a role
//! that may write it and one that may create it (topics never pre-exist in the simulator, so the
//! changefeed must create them: DeveloperWrite **and** DeveloperManage, or ResourceOwner, or an
//! admin role on the cluster, environment or organization); and a `replicationFactor`, when
//! given, is 3, the only one Confluent Cloud creates topics with.

use std::fmt;

use super::{ACTIVE, Hidden, KafkaCluster, PROVISIONED, Plc, State};
use crate::table_filter::TableFilter;

/// The bootstrap port of a Confluent Cloud Kafka cluster.
pub(crate) const BOOTSTRAP_PORT: i64 = 9092;

/// Roles that may produce to a topic the binding's pattern covers.
const WRITE_ROLES: [&str; 5] =
    ["DeveloperWrite", "ResourceOwner", "CloudClusterAdmin", "EnvironmentAdmin", "OrganizationAdmin"];
/// Roles that may create a topic the binding's pattern covers.
const MANAGE_ROLES: [&str; 5] =
    ["DeveloperManage", "ResourceOwner", "CloudClusterAdmin", "EnvironmentAdmin", "OrganizationAdmin"];

/// How a changefeed spreads its events over topics (`topicPartitionConfig.dispatchType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DispatchType {
    OneTopic,
    ByTable,
    ByDatabase,
}

/// A Kafka sink, typed: what the link rule reads from `sink.kafka`.
#[derive(Debug, Clone)]
pub(crate) struct KafkaSink {
    pub(crate) network_type: String,
    pub(crate) connection_id: Option<String>,
    pub(crate) port: Option<i64>,
    pub(crate) auth_type: String,
    pub(crate) username: Option<String>,
    pub(crate) password: Hidden,
    pub(crate) tls: bool,
    pub(crate) server_name: Option<String>,
    pub(crate) dispatch: DispatchType,
    pub(crate) default_topic: Option<String>,
    pub(crate) topic_prefix: String,
    pub(crate) separator: String,
    pub(crate) topic_suffix: String,
    pub(crate) replication_factor: Option<i64>,
}

/// The tables a changefeed replicates: its filter and whether tables without a handle key count.
#[derive(Debug, Clone)]
pub(crate) struct TableSelection {
    pub(crate) filter: TableFilter,
    pub(crate) force_sync: bool,
}

/// Which permission a topic lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    Write,
    Create,
}

/// Why a sink does not work, one variant per condition of the rule; the `Display` is the
/// message `:test` answers and a failed changefeed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SinkProblem {
    NotPrivateLink { network_type: String },
    NoConnection,
    UnknownConnection { id: String, cluster: String },
    ConnectionNotActive { id: String, state: &'static str },
    ConnectionBroken { id: String, why: String },
    DomainsMissing { id: String, unique_name: String },
    DomainsNotActive { id: String, unique_name: String, state: &'static str },
    WrongPort { port: Option<i64> },
    NotSaslPlain { auth_type: String },
    TlsOff,
    NoServerName,
    UnknownServerName { server_name: String, id: String, hosts: Vec<String> },
    ClusterElsewhere { server_name: String, cluster: String, network: String, id: String, expected: String },
    ClusterNotReady { cluster: String, phase: &'static str },
    NoUsername,
    UnknownKey { key: String },
    KeyForOtherResource { key: String, resource: Option<String>, cluster: String },
    WrongSecret { key: String },
    KeyNotReady { key: String },
    MissingRole { key: String, principal: String, permission: Permission, topic: String, crn: String },
    ReplicationFactor { factor: i64 },
}

impl fmt::Display for SinkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinkProblem::NotPrivateLink { network_type } => write!(
                f,
                "sink.kafka.network.networkType is {network_type}: the Kafka cluster is reachable only over \
                 PRIVATE_LINK"
            ),
            SinkProblem::NoConnection => {
                write!(f, "sink.kafka.network.privateLink.privateLinkConnectionId is required for PRIVATE_LINK")
            }
            SinkProblem::UnknownConnection { id, cluster } => {
                write!(f, "private link connection {id} does not exist on cluster {cluster}")
            }
            SinkProblem::ConnectionNotActive { id, state } => {
                write!(f, "private link connection {id} is {state}, not ACTIVE")
            }
            SinkProblem::ConnectionBroken { id, why } => {
                write!(f, "private link connection {id} no longer reaches its endpoint service: {why}")
            }
            SinkProblem::DomainsMissing { id, unique_name } => write!(
                f,
                "no CONFLUENT domain is attached to private link connection {id}: attach uniqueName {unique_name} \
                 so the Kafka cluster's names resolve"
            ),
            SinkProblem::DomainsNotActive { id, unique_name, state } => {
                write!(f, "the CONFLUENT domain {unique_name} of private link connection {id} is {state}, not ACTIVE")
            }
            SinkProblem::WrongPort { port: Some(port) } => write!(
                f,
                "sink.kafka.network.privateLink.port is {port}, not the Kafka bootstrap port {BOOTSTRAP_PORT}"
            ),
            SinkProblem::WrongPort { port: None } => write!(
                f,
                "sink.kafka.network.privateLink.port is missing: use the Kafka bootstrap port {BOOTSTRAP_PORT}"
            ),
            SinkProblem::NotSaslPlain { auth_type } => write!(
                f,
                "sink.kafka.authentication.authType is {auth_type}: Confluent Cloud takes SASL_PLAIN with a Kafka \
                 API key"
            ),
            SinkProblem::TlsOff => {
                write!(f, "sink.kafka.authentication.enableTls is off: Confluent Cloud accepts only TLS connections")
            }
            SinkProblem::NoServerName => write!(
                f,
                "sink.kafka.authentication.serverName is empty: Confluent Dedicated needs the TLS server name (SNI) \
                 of the Kafka cluster's PRIVATE_LINK bootstrap host"
            ),
            SinkProblem::UnknownServerName { server_name, id, hosts } => {
                write!(
                    f,
                    "sink.kafka.authentication.serverName {server_name} is not the bootstrap host of a Kafka \
                     cluster behind private link connection {id}"
                )?;
                if hosts.is_empty() {
                    write!(f, " (no PROVISIONED Kafka cluster is on its network)")
                } else {
                    write!(f, " (hosts there: {})", hosts.join(", "))
                }
            }
            SinkProblem::ClusterElsewhere { server_name, cluster, network, id, expected } => write!(
                f,
                "sink.kafka.authentication.serverName {server_name} is Kafka cluster {cluster} on network {network}, \
                 but private link connection {id} reaches network {expected}"
            ),
            SinkProblem::ClusterNotReady { cluster, phase } => {
                write!(f, "Kafka cluster {cluster} is {phase}, not PROVISIONED")
            }
            SinkProblem::NoUsername => {
                write!(f, "sink.kafka.authentication.username is empty: use a Kafka API key for the cluster")
            }
            SinkProblem::UnknownKey { key } => {
                write!(f, "SASL authentication failed: {key} is not a live API key")
            }
            SinkProblem::KeyForOtherResource { key, resource: Some(resource), cluster } => write!(
                f,
                "SASL authentication failed: API key {key} is for resource {resource}, not for Kafka cluster {cluster}"
            ),
            SinkProblem::KeyForOtherResource { key, resource: None, cluster } => write!(
                f,
                "SASL authentication failed: API key {key} is not a Kafka API key for cluster {cluster} (it has no \
                 resource)"
            ),
            SinkProblem::WrongSecret { key } => {
                write!(f, "SASL authentication failed: the password is not the secret of API key {key}")
            }
            SinkProblem::KeyNotReady { key } => write!(
                f,
                "SASL authentication failed: API key {key} is not usable yet (a new key takes a moment to work); \
                 retry shortly"
            ),
            SinkProblem::MissingRole { key, principal, permission, topic, crn } => {
                let (what, roles) = match permission {
                    Permission::Write => ("write to", "DeveloperWrite"),
                    Permission::Create => ("create", "DeveloperManage"),
                };
                write!(
                    f,
                    "topic authorization failed: {principal} (the owner of API key {key}) may not {what} topic \
                     {topic}: no {roles} role binding matches {crn}"
                )
            }
            SinkProblem::ReplicationFactor { factor } => write!(
                f,
                "sink.kafka.topicPartitionConfig.replicationFactor is {factor}: Confluent Cloud creates topics only \
                 with replication factor 3"
            ),
        }
    }
}

impl State {
    /// The host of a Kafka cluster's PRIVATE_LINK bootstrap endpoint (`lkc-….<dns id>.<region>.aws.confluent.cloud`).
    pub(crate) fn bootstrap_host(&self, c: &KafkaCluster) -> String {
        let dns = c.network.as_ref().and_then(|nid| self.networks.iter().find(|n| &n.id == nid)).map_or_else(
            || format!("{}.aws.confluent.cloud", c.region),
            |n| format!("{}.{}.aws.confluent.cloud", n.dns_id, n.region),
        );
        format!("{}.{dns}", c.id)
    }

    /// The topics a changefeed with this sink writes: the default topic, and with a table
    /// selection the per-table or per-database topics of the tables it replicates (`:test` has
    /// no filter, so it checks only the topics the sink names by itself).
    pub(crate) fn topics(&self, cluster_id: &str, sink: &KafkaSink, tables: Option<&TableSelection>) -> Vec<String> {
        let mut topics: Vec<String> = sink.default_topic.iter().filter(|t| !t.is_empty()).cloned().collect();
        if let (Some(selection), Some(cluster)) = (tables, self.tidb_clusters.iter().find(|c| c.id == cluster_id)) {
            for t in
                cluster.tables.iter().filter(|t| selection.selects(t.schema.as_str(), t.name.as_str(), t.handle_key))
            {
                let topic = match sink.dispatch {
                    DispatchType::OneTopic => continue,
                    DispatchType::ByTable => {
                        format!("{}{}{}{}{}", sink.topic_prefix, t.schema, sink.separator, t.name, sink.topic_suffix)
                    }
                    DispatchType::ByDatabase => format!("{}{}{}", sink.topic_prefix, t.schema, sink.topic_suffix),
                };
                if !topics.contains(&topic) {
                    topics.push(topic);
                }
            }
        }
        topics
    }

    /// Whether TiDB cluster `cluster_id` can reach a Kafka cluster through `sink` and write (and
    /// create) `topics`: the rule in this module's docs, first failing condition first.
    pub(crate) fn sink_link(&self, cluster_id: &str, sink: &KafkaSink, topics: &[String]) -> Result<(), SinkProblem> {
        if sink.network_type != "PRIVATE_LINK" {
            return Err(SinkProblem::NotPrivateLink { network_type: sink.network_type.clone() });
        }
        let id = sink.connection_id.clone().filter(|c| !c.is_empty()).ok_or(SinkProblem::NoConnection)?;
        let plc = self
            .plcs
            .iter()
            .find(|p| p.id == id && p.cluster_id == cluster_id)
            .ok_or_else(|| SinkProblem::UnknownConnection { id: id.clone(), cluster: cluster_id.to_owned() })?;
        if plc.state != ACTIVE {
            return Err(SinkProblem::ConnectionNotActive { id, state: plc.state });
        }
        let link = self.link(plc);
        if link.state != ACTIVE {
            let why = link.message.unwrap_or_else(|| format!("the link rule makes it {}", link.state));
            return Err(SinkProblem::ConnectionBroken { id, why });
        }
        // `link` found the READY network behind the service.
        let Some(net) = self.networks.iter().find(|n| n.phase == super::READY && n.service_name == plc.service_name)
        else {
            return Err(SinkProblem::ConnectionBroken { id, why: "its endpoint service is gone".to_owned() });
        };
        domains_ready(plc, &net.unique_name())?;
        if sink.port != Some(BOOTSTRAP_PORT) {
            return Err(SinkProblem::WrongPort { port: sink.port });
        }
        if sink.auth_type != "SASL_PLAIN" {
            return Err(SinkProblem::NotSaslPlain { auth_type: sink.auth_type.clone() });
        }
        if !sink.tls {
            return Err(SinkProblem::TlsOff);
        }
        let server_name =
            sink.server_name.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or(SinkProblem::NoServerName)?;
        let live = |c: &&KafkaCluster| c.meta.deleted.is_none();
        let named = self.kafka.iter().filter(live).find(|c| self.bootstrap_host(c).eq_ignore_ascii_case(server_name));
        let Some(kafka) = named else {
            let hosts = self
                .kafka
                .iter()
                .filter(live)
                .filter(|c| c.phase == PROVISIONED && c.network.as_deref() == Some(net.id.as_str()))
                .map(|c| self.bootstrap_host(c))
                .collect();
            return Err(SinkProblem::UnknownServerName { server_name: server_name.to_owned(), id, hosts });
        };
        if kafka.network.as_deref() != Some(net.id.as_str()) {
            return Err(SinkProblem::ClusterElsewhere {
                server_name: server_name.to_owned(),
                cluster: kafka.id.clone(),
                network: kafka.network.clone().unwrap_or_else(|| "(none)".to_owned()),
                id,
                expected: net.id.clone(),
            });
        }
        if kafka.phase != PROVISIONED {
            return Err(SinkProblem::ClusterNotReady { cluster: kafka.id.clone(), phase: kafka.phase });
        }
        let user = sink.username.as_deref().filter(|u| !u.is_empty()).ok_or(SinkProblem::NoUsername)?;
        let key = self
            .api_keys
            .iter()
            .find(|k| k.id == user)
            .ok_or_else(|| SinkProblem::UnknownKey { key: user.to_owned() })?;
        let resource = key.resource.as_ref().map(|r| r.id.clone());
        if resource.as_deref() != Some(kafka.id.as_str()) {
            return Err(SinkProblem::KeyForOtherResource { key: key.id.clone(), resource, cluster: kafka.id.clone() });
        }
        if key.secret.0 != sink.password.0 {
            return Err(SinkProblem::WrongSecret { key: key.id.clone() });
        }
        if self.now() < key.ready_at {
            return Err(SinkProblem::KeyNotReady { key: key.id.clone() });
        }
        let principal = format!("User:{}", key.owner);
        for topic in topics {
            let crn = format!(
                "crn://confluent.cloud/organization={}/environment={}/cloud-cluster={}/kafka={}/topic={topic}",
                self.org, kafka.env, kafka.id, kafka.id
            );
            for (permission, roles) in [(Permission::Write, &WRITE_ROLES), (Permission::Create, &MANAGE_ROLES)] {
                let granted = self.role_bindings.iter().any(|b| {
                    b.principal == principal
                        && roles.contains(&b.role_name.as_str())
                        && crn_covers(&b.crn_pattern, &crn)
                });
                if !granted {
                    return Err(SinkProblem::MissingRole {
                        key: key.id.clone(),
                        principal,
                        permission,
                        topic: topic.clone(),
                        crn,
                    });
                }
            }
        }
        if let Some(factor) = sink.replication_factor.filter(|&f| f != 3) {
            return Err(SinkProblem::ReplicationFactor { factor });
        }
        Ok(())
    }
}

impl TableSelection {
    /// Whether the changefeed replicates this table.
    pub(crate) fn selects(&self, schema: &str, table: &str, handle_key: bool) -> bool {
        (handle_key || self.force_sync) && self.filter.matches(schema, table)
    }
}

/// The connection's CONFLUENT domain for the network's unique name is attached and ACTIVE.
fn domains_ready(plc: &Plc, unique_name: &str) -> Result<(), SinkProblem> {
    let attached = plc.domains.iter().find(|d| d.kind == "CONFLUENT" && d.unique_name == unique_name);
    match attached {
        None => Err(SinkProblem::DomainsMissing { id: plc.id.clone(), unique_name: unique_name.to_owned() }),
        Some(d) if d.state != ACTIVE => Err(SinkProblem::DomainsNotActive {
            id: plc.id.clone(),
            unique_name: unique_name.to_owned(),
            state: d.state,
        }),
        Some(_) => Ok(()),
    }
}

/// Whether a role binding's CRN pattern covers a resource CRN: the pattern's `key=value`
/// segments are the first segments of the resource's, and its last value, when it names a
/// resource rather than a scope, may end in `*` (a prefix: `topic=orders.*`, `topic=*`).
pub(crate) fn crn_covers(pattern: &str, crn: &str) -> bool {
    const AUTHORITY: &str = "crn://confluent.cloud/";
    let (Some(pattern), Some(crn)) = (pattern.strip_prefix(AUTHORITY), crn.strip_prefix(AUTHORITY)) else {
        return false;
    };
    let want: Vec<&str> = pattern.split('/').collect();
    let have: Vec<&str> = crn.split('/').collect();
    if want.is_empty() || want.len() > have.len() {
        return false;
    }
    let last = want.len() - 1;
    want.iter().zip(&have).enumerate().all(|(i, (w, h))| {
        let (Some((wk, wv)), Some((hk, hv))) = (w.split_once('='), h.split_once('=')) else {
            return false;
        };
        if wk != hk {
            return false;
        }
        // Only a resource name (a topic, a group…) may be a prefix; scopes are exact.
        let scope = matches!(wk, "organization" | "environment" | "cloud-cluster" | "kafka");
        match wv.strip_suffix('*') {
            Some(prefix) if i == last && !scope => hv.starts_with(prefix),
            _ => wv == hv,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::crn_covers;

    #[test]
    fn crn_patterns_cover_their_scope_and_prefixes() {
        let topic =
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders.items";
        for pattern in [
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders.items",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders.*",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=*",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1",
            "crn://confluent.cloud/organization=o",
        ] {
            assert!(crn_covers(pattern, topic), "{pattern}");
        }
        for pattern in [
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=orders",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-2/kafka=lkc-2/topic=*",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-*",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/group=*",
            "crn://other/organization=o",
            "organization=o",
        ] {
            assert!(!crn_covers(pattern, topic), "{pattern}");
        }
    }
}
