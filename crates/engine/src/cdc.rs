//! The changefeed side of [`Observed`]: the plan's changefeed and the cluster's others, the
//! tables its filter matches (`:describeSchemaTable`), and — when linkplan makes the
//! credentials — the service account, its Kafka API keys and its role bindings; plus the
//! connectivity proof from TiDB's side (`changefeeds:test`) when it can be run at plan time.
//!
//! Secrets: a Kafka API key's secret is never observed (Confluent shows it only in the create
//! answer); a user-supplied one is read from its environment variable only to build a request.

use linkplan_confluent::resources::role_bindings::{self, RoleBindingFilter};
use linkplan_tidbcloud::Secret;
use linkplan_tidbcloud::resources::changefeeds::{
    CONFLUENT_PRIVATE_LINK_PORT, Changefeed, ChangefeedState, DataFormat, Filter, KafkaAuthentication, KafkaNetwork,
    KafkaProtocol, KafkaSink, Sink, TableMode, TopicDispatchType, TopicPartitionConfig,
};
use linkplan_tidbcloud::resources::private_link_connections::PrivateLinkConnectionState;
use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::desired::{ChangefeedDesired, CredentialsDesired, Desired, Dispatch, Protocol};
use crate::observe::{ObserveError, Observed, with_causes};

/// Everything live about the plan's changefeed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdcObserved {
    /// The plan's changefeed (by display name on the TiDB cluster).
    #[serde(default)]
    pub changefeed: Option<ChangefeedObserved>,
    /// The display names of the cluster's other changefeeds (TiDB allows ten per cluster).
    #[serde(default)]
    pub others: Vec<String>,
    /// What `:describeSchemaTable` says of the plan's filter.
    #[serde(default)]
    pub tables: Option<TablesObserved>,
    /// The Confluent organization (for role binding CRNs).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The service account linkplan makes (`credentials.create`), by display name.
    #[serde(default)]
    pub service_account: Option<NamedObserved>,
    /// Its Kafka API keys for the cluster under the plan's key name, oldest first (none of them
    /// usable without the secret its create returned).
    #[serde(default)]
    pub api_keys: Vec<NamedObserved>,
    /// Its role bindings on the plan's topics.
    #[serde(default)]
    pub role_bindings: Vec<RoleBindingObserved>,
    /// `changefeeds:test` at plan time (only with user-supplied credentials, the connection
    /// ACTIVE and the domains attached).
    #[serde(default)]
    pub sink_test: Option<SinkTest>,
    /// User-supplied credentials that cannot be read (which variables are unset or empty):
    /// the plan is blocked, not found out at the changefeed step after everything else is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_missing: Option<String>,
}

/// A changefeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangefeedObserved {
    pub id: String,
    pub display_name: Option<String>,
    pub state: Option<ChangefeedState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The SASL user name: the Kafka API key it writes with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The private link connection it goes through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The checkpoint, RFC 3339 (changes up to it are in Kafka).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_time: Option<String>,
    /// The checkpoint as Unix milliseconds (from its TSO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_ms: Option<u64>,
    /// How far Kafka is behind TiDB: the observing clock's now minus the checkpoint, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_ms: Option<u64>,
}

impl ChangefeedObserved {
    /// The lag as people read it (`2s`, `4 min`, `3 h 5 min`).
    pub fn lag(&self) -> Option<String> {
        let secs = self.lag_ms? / 1000;
        Some(match secs {
            0..120 => format!("{secs}s"),
            120..7200 => format!("{} min", secs / 60),
            _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        })
    }
}

/// The tables a filter matches, and the cluster's GC safe point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TablesObserved {
    pub handle_key: Vec<String>,
    pub non_handle_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gc_safe_point: Option<String>,
}

/// A resource known by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedObserved {
    pub id: String,
    pub display_name: Option<String>,
}

/// A role binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBindingObserved {
    pub id: String,
    pub role_name: String,
    pub crn_pattern: String,
}

/// The result of `changefeeds:test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkTest {
    pub passed: bool,
    /// TiDB's message when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The roles a changefeed's writer needs on its topics: write, and manage (TiDB creates them).
pub const ROLES: [&str; 2] = [role_bindings::DEVELOPER_WRITE, role_bindings::DEVELOPER_MANAGE];

/// The step key of the credentials linkplan makes (the key and its role bindings): the service
/// account and the Kafka cluster's display name; `None` with user-supplied credentials.
pub(crate) fn credentials_key(desired: &Desired) -> Option<[&str; 2]> {
    match &desired.changefeed.as_ref()?.credentials {
        CredentialsDesired::Create { service_account } => {
            Some([service_account.as_str(), desired.confluent.cluster.display_name.as_str()])
        }
        CredentialsDesired::FromEnv { .. } => None,
    }
}

/// The Kafka API key's display name: the changefeed's, so the key says what it is for.
pub fn api_key_name(changefeed: &ChangefeedDesired) -> String {
    format!("{} (linkplan changefeed)", changefeed.display_name)
}

/// The role bindings the plan needs (principal `User:<sa>`, role, topic CRN pattern).
pub fn wanted_bindings(
    changefeed: &ChangefeedDesired,
    organization: &str,
    environment: &str,
    cluster: &str,
    service_account: &str,
) -> Vec<role_bindings::CreateRoleBinding> {
    let crn = role_bindings::topic_crn(organization, environment, cluster, &changefeed.topics.dispatch.topic_pattern());
    ROLES
        .iter()
        .map(|role| role_bindings::CreateRoleBinding {
            principal: role_bindings::principal(service_account),
            role_name: (*role).to_owned(),
            crn_pattern: crn.clone(),
        })
        .collect()
}

/// The TLS server name for a Kafka cluster: the host of its private bootstrap endpoint.
pub(crate) fn bootstrap_host(cluster: &linkplan_confluent::resources::clusters::Cluster) -> Option<String> {
    use linkplan_confluent::resources::clusters::EndpointConnectionType;
    let endpoint = cluster
        .spec
        .endpoints
        .values()
        .find(|e| e.connection_type == Some(EndpointConnectionType::PrivateLink))
        .and_then(|e| e.kafka_bootstrap_endpoint.as_deref())?;
    let host = endpoint.trim_start_matches("SASL_SSL://");
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned())
}

/// The sink a changefeed (or `:test`) gets: PRIVATE_LINK through `connection` to the bootstrap
/// port, SASL_PLAIN with `key`/`secret`, TLS on and `server_name` for SNI.
pub(crate) fn sink(
    changefeed: &ChangefeedDesired,
    connection: &str,
    server_name: &str,
    key: &str,
    secret: Secret,
) -> Sink {
    let topics = &changefeed.topics;
    let config = match &topics.dispatch {
        Dispatch::OneTopic { topic } => TopicPartitionConfig::one_topic(topic.clone()),
        Dispatch::ByTable { prefix, separator, suffix } => {
            let mut c = TopicPartitionConfig::per_table(TopicDispatchType::ByTable, prefix.clone());
            c.separator = Some(separator.clone());
            c.topic_suffix = (!suffix.is_empty()).then(|| suffix.clone());
            c
        }
        Dispatch::ByDatabase { prefix, suffix } => {
            let mut c = TopicPartitionConfig::per_table(TopicDispatchType::ByDatabase, prefix.clone());
            c.topic_suffix = (!suffix.is_empty()).then(|| suffix.clone());
            c
        }
    }
    // Confluent Cloud creates topics with replication factor 3 only (TiCDC's own default is 1).
    .with_topic_settings(topics.partitions, Some(topics.replication_factor.unwrap_or(3)));
    let protocol = match changefeed.protocol {
        Protocol::CanalJson => KafkaProtocol::CanalJson,
        Protocol::OpenProtocol => KafkaProtocol::OpenProtocol,
        Protocol::Debezium => KafkaProtocol::Debezium,
    };
    Sink::kafka(KafkaSink::new(
        KafkaNetwork::private_link(connection, CONFLUENT_PRIVATE_LINK_PORT),
        KafkaAuthentication::sasl_plain_tls(key, secret, server_name),
        DataFormat::protocol(protocol),
        config,
    ))
}

/// The filter a changefeed gets.
pub(crate) fn filter(changefeed: &ChangefeedDesired) -> Filter {
    let mode = if changefeed.force_sync { TableMode::ForceSync } else { TableMode::IgnoreNotSupportTable };
    let mut filter = Filter::rules(changefeed.tables.iter().cloned(), Some(mode));
    filter.case_sensitive = Some(changefeed.case_sensitive);
    filter
}

/// A user-supplied key: `(key, secret)` from the two variables, or which one is missing.
pub(crate) fn supplied_key(engine: &Engine, changefeed: &ChangefeedDesired) -> Result<(String, Secret), String> {
    let CredentialsDesired::FromEnv { key_var, secret_var } = &changefeed.credentials else {
        return Err("the plan has linkplan create the credentials".to_owned());
    };
    let read = |name: &str| (engine.env)(name).filter(|v| !v.trim().is_empty());
    match (read(key_var), read(secret_var)) {
        (Some(key), Some(secret)) => Ok((key, Secret::from(secret))),
        (key, secret) => {
            let missing: Vec<&str> = [(key.is_none(), key_var.as_str()), (secret.is_none(), secret_var.as_str())]
                .into_iter()
                .filter_map(|(missing, name)| missing.then_some(name))
                .collect();
            Err(format!("the Kafka API key variables are not set (or empty): {}", missing.join(", ")))
        }
    }
}

pub(crate) fn changefeed_observed(c: &Changefeed) -> ChangefeedObserved {
    let checkpoint = c.checkpoint.as_ref();
    ChangefeedObserved {
        id: c.changefeed_id.clone(),
        display_name: c.display_name.clone(),
        state: c.state.clone(),
        error: c.error.clone(),
        username: c.kafka_username().map(str::to_owned),
        connection_id: c.private_link_connection_id().map(str::to_owned),
        checkpoint_time: checkpoint.and_then(|k| k.time.clone()),
        checkpoint_ms: checkpoint.and_then(|k| k.tso_value()).map(|tso| tso >> 18),
        lag_ms: None,
    }
}

impl Observed {
    /// Everything the linter checks online: [`Observed::live_facts`], and what was seen of the
    /// cluster's changefeeds (the GC safe point only while the plan's changefeed does not exist
    /// yet: its start position matters only for the create).
    pub fn live(&self, desired: &Desired) -> linkplan_model::Live {
        let changefeeds = self.cdc.as_ref().and_then(|cdc| {
            let tables = cdc.tables.as_ref()?;
            let gc_safe_point_ms = match &cdc.changefeed {
                Some(_) => None,
                None => tables.gc_safe_point.as_deref().and_then(linkplan_model::values::rfc3339_unix_ms),
            };
            Some(linkplan_model::LiveChangefeeds {
                others: cdc.others.clone(),
                gc_safe_point_ms,
                handle_key_tables: tables.handle_key.clone(),
                non_handle_key_tables: tables.non_handle_key.clone(),
            })
        });
        linkplan_model::Live { facts: self.live_facts(desired), changefeeds }
    }
}

impl Engine {
    /// Read the changefeed side (see the module docs); `observed` holds the rest already.
    pub(crate) async fn observe_cdc(
        &self,
        desired: &Desired,
        changefeed: &ChangefeedDesired,
        observed: &Observed,
    ) -> Result<CdcObserved, ObserveError> {
        let tidb_err =
            |what: &'static str, e: &linkplan_tidbcloud::Error| ObserveError::Tidb { what, message: with_causes(e) };
        let confluent_err = |what: &'static str, e: &linkplan_confluent::Error| ObserveError::Confluent {
            what,
            message: with_causes(e),
        };
        let mut cdc = CdcObserved::default();
        if observed.tidb.is_none() {
            return Ok(cdc);
        }
        let cluster_id = &desired.tidb.cluster_id;
        let feeds = self.tidb.changefeeds();
        let all = feeds.list(cluster_id, None).await.map_err(|e| tidb_err("the changefeeds", &e))?;
        let live: Vec<&Changefeed> = all.iter().filter(|c| c.state != Some(ChangefeedState::Deleted)).collect();
        let ours = |c: &Changefeed| c.display_name.as_deref() == Some(changefeed.display_name.as_str());
        let now = self.clock.unix_ms();
        cdc.changefeed = live.iter().find(|c| ours(c)).map(|c| {
            let mut feed = changefeed_observed(c);
            feed.lag_ms = feed.checkpoint_ms.map(|at| now.saturating_sub(at));
            feed
        });
        cdc.others = live.iter().filter(|c| !ours(c)).filter_map(|c| c.display_name.clone()).collect();
        let tables = feeds
            .describe_schema_table(cluster_id, &changefeed.tables)
            .await
            .map_err(|e| tidb_err("the tables the changefeed's filter matches", &e))?;
        cdc.tables = Some(TablesObserved {
            handle_key: tables.handle_key_tables,
            non_handle_key: tables.non_handle_key_tables,
            gc_safe_point: tables.gc_safe_point,
        });

        let cluster = observed.cluster.as_ref();
        if let CredentialsDesired::Create { service_account } = &changefeed.credentials {
            let org =
                self.confluent.organizations().current().await.map_err(|e| confluent_err("the organization", &e))?;
            cdc.organization_id = org.map(|o| o.id);
            let sa = self
                .confluent
                .service_accounts()
                .find(service_account)
                .await
                .map_err(|e| confluent_err("the service account", &e))?;
            cdc.service_account =
                sa.as_ref().map(|s| NamedObserved { id: s.id.clone(), display_name: s.display_name.clone() });
            if let (Some(sa), Some(cluster)) = (&sa, cluster) {
                let keys = self
                    .confluent
                    .api_keys()
                    .find_all(&sa.id, &cluster.id, &api_key_name(changefeed))
                    .await
                    .map_err(|e| confluent_err("the Kafka API keys", &e))?;
                cdc.api_keys =
                    keys.into_iter().map(|k| NamedObserved { id: k.id, display_name: k.spec.display_name }).collect();
                if let Some(org) = &cdc.organization_id {
                    let env = &desired.confluent.environment;
                    let wanted = wanted_bindings(changefeed, org, env, &cluster.id, &sa.id);
                    let under = role_bindings::cluster_crn(org, env, &cluster.id);
                    let filter =
                        RoleBindingFilter { principal: Some(sa.principal()), ..RoleBindingFilter::under(under) };
                    let bindings = self
                        .confluent
                        .role_bindings()
                        .list(&filter)
                        .await
                        .map_err(|e| confluent_err("the role bindings", &e))?;
                    cdc.role_bindings = bindings
                        .into_iter()
                        .filter(|b| wanted.iter().any(|w| b.matches(w)))
                        .map(|b| RoleBindingObserved {
                            id: b.id,
                            role_name: b.role_name.unwrap_or_default(),
                            crn_pattern: b.crn_pattern.unwrap_or_default(),
                        })
                        .collect();
                    // In the order apply makes them (the journal records the ids so).
                    let rank = |b: &RoleBindingObserved| ROLES.iter().position(|r| *r == b.role_name);
                    cdc.role_bindings.sort_by_key(rank);
                }
            }
        }

        if matches!(changefeed.credentials, CredentialsDesired::FromEnv { .. }) {
            cdc.credentials_missing = supplied_key(self, changefeed).err();
        }
        // The proof from TiDB's side, when everything it needs is there at plan time.
        let ready_connection =
            observed.connection.as_ref().filter(|c| c.state == Some(PrivateLinkConnectionState::Active)).filter(|c| {
                crate::observe::unique_name(desired, observed).is_some_and(|u| {
                    c.attachment(&u)
                        .is_some_and(|a| matches!(crate::steps::attach_domains::acceptor(a), crate::Acceptor::Ready))
                })
            });
        let server_name = cluster.and_then(|c| c.bootstrap_host.clone());
        if let (Some(connection), Some(server_name), CredentialsDesired::FromEnv { .. }) =
            (ready_connection, server_name, &changefeed.credentials)
            && let Ok((key, secret)) = supplied_key(self, changefeed)
        {
            let sink = sink(changefeed, &connection.id, &server_name, &key, secret);
            cdc.sink_test = Some(match feeds.test(cluster_id, &sink).await {
                Ok(()) => SinkTest { passed: true, message: None },
                Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
                    SinkTest { passed: false, message: Some(with_causes(&e)) }
                }
                Err(e) => return Err(tidb_err("the connectivity test", &e)),
            });
        }
        Ok(cdc)
    }
}
