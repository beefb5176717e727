//! Changefeeds (TiDB Cloud's dataflow into Kafka): list, create, get, edit, delete, start, stop,
//! the connectivity test (`…/changefeeds:test`) and the table check
//! (`…/changefeeds:describeSchemaTable`).
//!
//! The Kafka password (for Confluent, a Kafka API key's secret) is a [`Secret`] from the moment
//! it enters a request: `Debug` prints `<redacted>`, and the public types that hold it
//! ([`Sink`], [`KafkaSink`], [`KafkaAuthentication`], [`Changefeed`]) do not implement
//! `Serialize`, so no journal, plan or JSON output can write it. Only the request bodies built
//! here (private types, sent and dropped) expose it.

use serde::{Deserialize, Serialize};

use super::{cluster_path, int64_opt, null_default, secret_opt};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::{ListBody, list_all};
use linkplan_http::Secret;

/// The page size of the changefeed list (the document gives only the default, 10; the limit is
/// unconfirmed, and a cluster has at most 10 changefeeds anyway).
pub const MAX_PAGE_SIZE: u32 = 100;

/// The bootstrap port of a Confluent Cloud Dedicated cluster behind PrivateLink.
pub const CONFLUENT_PRIVATE_LINK_PORT: i32 = 9092;

linkplan_http::open_enum! {
    /// `state` of a changefeed.
    pub enum ChangefeedState {
        /// Being created.
        Creating = "CREATING",
        /// Replicating.
        Running = "RUNNING",
        /// Creation failed (terminal; see `error`).
        CreateFailed = "CREATE_FAILED",
        /// Stopped by an error while running (see `error`).
        RunningFailed = "RUNNING_FAILED",
        /// Stopped (after `:stop`).
        Paused = "PAUSED",
        /// Deleted.
        Deleted = "DELETED",
        /// Running with a problem (see `error`).
        Warning = "WARNING",
    }
}

linkplan_http::open_enum! {
    /// `sink.type` (also the list's `changefeedType` filter).
    pub enum ChangefeedType {
        /// Into Kafka (what linkplan makes).
        Kafka = "KAFKA",
        /// Into MySQL.
        Mysql = "MYSQL",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.network.networkType`.
    pub enum KafkaNetworkType {
        /// Over the internet (`publicEndpoints`).
        Public = "PUBLIC",
        /// Through a private link connection (`privateLink`).
        PrivateLink = "PRIVATE_LINK",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.authentication.authType`.
    pub enum KafkaAuthType {
        /// No authentication.
        Disable = "DISABLE",
        /// SASL PLAIN (Confluent Cloud: a Kafka API key and its secret).
        SaslPlain = "SASL_PLAIN",
        /// SASL SCRAM-SHA-256.
        SaslScramSha256 = "SASL_SCRAM_SHA_256",
        /// SASL SCRAM-SHA-512.
        SaslScramSha512 = "SASL_SCRAM_SHA_512",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.broker.kafkaVersion`.
    pub enum KafkaVersion {
        /// Kafka 2.x.
        Version2xx = "VERSION_2XX",
        /// Kafka 3.x.
        Version3xx = "VERSION_3XX",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.broker.compression`.
    pub enum KafkaCompression {
        /// Uncompressed.
        None = "NONE",
        /// gzip.
        Gzip = "GZIP",
        /// Snappy.
        Snappy = "SNAPPY",
        /// LZ4.
        Lz4 = "LZ4",
        /// Zstandard.
        Zstd = "ZSTD",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.dataFormat.protocol`.
    pub enum KafkaProtocol {
        /// Canal-JSON.
        CanalJson = "CANAL_JSON",
        /// TiCDC's Open Protocol.
        OpenProtocol = "OPEN_PROTOCOL",
        /// Avro (needs a schema registry, which this client does not model).
        Avro = "AVRO",
        /// Debezium.
        Debezium = "DEBEZIUM",
    }
}

linkplan_http::open_enum! {
    /// `sink.kafka.topicPartitionConfig.dispatchType`.
    pub enum TopicDispatchType {
        /// Every change into `defaultTopic`.
        OneTopic = "ONE_TOPIC",
        /// One topic per table (`topicPrefix`, `separator`, `topicSuffix`).
        ByTable = "BY_TABLE",
        /// One topic per database.
        ByDatabase = "BY_DATABASE",
    }
}

linkplan_http::open_enum! {
    /// `partitionDispatchers[].partitionType`.
    pub enum PartitionDispatchType {
        /// By table.
        Table = "TABLE",
        /// By the value of an index.
        IndexValue = "INDEX_VALUE",
        /// By commit timestamp.
        Ts = "TS",
        /// By column values.
        Columns = "COLUMNS",
    }
}

linkplan_http::open_enum! {
    /// `filter.mode`: what to do with tables that cannot be replicated (no primary or
    /// not-null unique key).
    pub enum TableMode {
        /// Skip them.
        IgnoreNotSupportTable = "IGNORE_NOT_SUPPORT_TABLE",
        /// Replicate them anyway.
        ForceSync = "FORCE_SYNC",
    }
}

linkplan_http::open_enum! {
    /// `startPosition.mode`.
    pub enum StartMode {
        /// From the moment of creation.
        FromNow = "FROM_NOW",
        /// From a TSO (`tso`).
        FromTso = "FROM_TSO",
        /// From a point in time (`time`).
        FromTime = "FROM_TIME",
    }
}

/// A changefeed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Changefeed {
    /// The id.
    pub changefeed_id: String,
    /// The cluster.
    pub cluster_id: Option<String>,
    /// The name (linkplan's natural key, with the cluster).
    pub display_name: Option<String>,
    /// Lifecycle state.
    pub state: Option<ChangefeedState>,
    /// Where changes go.
    pub sink: Option<Sink>,
    /// Which tables.
    pub filter: Option<Filter>,
    /// Where it started.
    pub start_position: Option<StartPosition>,
    /// How far it got.
    pub checkpoint: Option<Checkpoint>,
    /// Why it failed (with CREATE_FAILED, RUNNING_FAILED or WARNING).
    pub error: Option<String>,
    /// RFC 3339.
    pub create_time: Option<String>,
    /// RFC 3339.
    pub update_time: Option<String>,
}

impl Changefeed {
    /// The Kafka sink, for a `KAFKA` changefeed.
    pub fn kafka(&self) -> Option<&KafkaSink> {
        self.sink.as_ref()?.kafka.as_ref()
    }

    /// The private link connection the Kafka sink goes through.
    pub fn private_link_connection_id(&self) -> Option<&str> {
        self.kafka()?.network.as_ref()?.private_link.as_ref()?.private_link_connection_id.as_deref()
    }

    /// The Kafka SASL user name (for Confluent, the Kafka API key id).
    pub fn kafka_username(&self) -> Option<&str> {
        self.kafka()?.authentication.as_ref()?.username.as_deref()
    }

    /// Whether the state is a failure (CREATE_FAILED or RUNNING_FAILED).
    pub fn has_failed(&self) -> bool {
        matches!(self.state, Some(ChangefeedState::CreateFailed | ChangefeedState::RunningFailed))
    }
}

/// `sink`: where a changefeed writes. Not `Serialize`: it may hold the Kafka password.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Sink {
    /// `KAFKA` or `MYSQL` (required in requests; [`Sink::kafka`] sets it).
    #[serde(rename = "type")]
    pub kind: Option<ChangefeedType>,
    /// For `KAFKA`.
    pub kafka: Option<KafkaSink>,
}

impl Sink {
    /// A Kafka sink.
    pub fn kafka(kafka: KafkaSink) -> Sink {
        Sink { kind: Some(ChangefeedType::Kafka), kafka: Some(kafka) }
    }
}

/// `sink.kafka`. Not `Serialize`: it may hold the password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaSink {
    /// How TiDB reaches the brokers.
    pub network: Option<KafkaNetwork>,
    /// Kafka version and compression.
    pub broker: Option<KafkaBroker>,
    /// SASL and TLS.
    pub authentication: Option<KafkaAuthentication>,
    /// The message format.
    pub data_format: Option<DataFormat>,
    /// Topics and partitions.
    pub topic_partition_config: Option<TopicPartitionConfig>,
    /// Which columns of which tables are written.
    #[serde(default, deserialize_with = "null_default")]
    pub column_selectors: Vec<ColumnSelector>,
    /// Write updates as raw change events.
    pub output_raw_change_event: Option<bool>,
}

impl KafkaSink {
    /// A sink through a private link connection with the rest of its settings; `None`s are
    /// left out of the request (the service's defaults apply).
    pub fn new(
        network: KafkaNetwork,
        authentication: KafkaAuthentication,
        data_format: DataFormat,
        topic_partition_config: TopicPartitionConfig,
    ) -> KafkaSink {
        KafkaSink {
            network: Some(network),
            broker: None,
            authentication: Some(authentication),
            data_format: Some(data_format),
            topic_partition_config: Some(topic_partition_config),
            column_selectors: Vec::new(),
            output_raw_change_event: None,
        }
    }

    /// With `broker` settings.
    pub fn with_broker(mut self, broker: KafkaBroker) -> KafkaSink {
        self.broker = Some(broker);
        self
    }
}

/// `sink.kafka.network`. (The key is `publicEndpoints`, plural, whatever older examples say.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaNetwork {
    /// `PUBLIC` or `PRIVATE_LINK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_type: Option<KafkaNetworkType>,
    /// For `PRIVATE_LINK`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_link: Option<KafkaPrivateLink>,
    /// For `PUBLIC`: the brokers, `host:port,…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_endpoints: Option<String>,
}

impl KafkaNetwork {
    /// Through the private link connection `plc_id` to `port` (Confluent:
    /// [`CONFLUENT_PRIVATE_LINK_PORT`]).
    pub fn private_link(plc_id: impl Into<String>, port: i32) -> KafkaNetwork {
        KafkaNetwork {
            network_type: Some(KafkaNetworkType::PrivateLink),
            private_link: Some(KafkaPrivateLink { private_link_connection_id: Some(plc_id.into()), port: Some(port) }),
            public_endpoints: None,
        }
    }
}

/// `sink.kafka.network.privateLink`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaPrivateLink {
    /// `plc-…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_link_connection_id: Option<String>,
    /// The bootstrap port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
}

/// `sink.kafka.authentication`. Its `Debug` shows the password as `<redacted>`; it is not
/// `Serialize`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaAuthentication {
    /// The SASL mechanism.
    pub auth_type: Option<KafkaAuthType>,
    /// The SASL user name (the key is `username`, not `userName`).
    pub username: Option<String>,
    /// The SASL password, if the service echoes it at all.
    #[serde(default, deserialize_with = "secret_opt")]
    pub password: Option<Secret>,
    /// TLS to the brokers.
    pub enable_tls: Option<bool>,
    /// The TLS server name (SNI), which Confluent Cloud Dedicated needs: the host of the
    /// cluster's private bootstrap endpoint.
    pub server_name: Option<String>,
}

impl KafkaAuthentication {
    /// SASL PLAIN with TLS on and `server_name` for SNI: what Confluent Cloud Dedicated takes
    /// (`username` a Kafka API key id, `password` its secret).
    pub fn sasl_plain_tls(
        username: impl Into<String>,
        password: Secret,
        server_name: impl Into<String>,
    ) -> KafkaAuthentication {
        KafkaAuthentication {
            auth_type: Some(KafkaAuthType::SaslPlain),
            username: Some(username.into()),
            password: Some(password),
            enable_tls: Some(true),
            server_name: Some(server_name.into()),
        }
    }
}

/// `sink.kafka.broker`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaBroker {
    /// The Kafka version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka_version: Option<KafkaVersion>,
    /// Message compression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<KafkaCompression>,
}

impl KafkaBroker {
    /// A version and a compression.
    pub fn new(kafka_version: Option<KafkaVersion>, compression: Option<KafkaCompression>) -> KafkaBroker {
        KafkaBroker { kafka_version, compression }
    }
}

/// `sink.kafka.dataFormat` (`avroConfig` is not modelled: it carries schema registry
/// credentials, and linkplan does not make AVRO changefeeds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DataFormat {
    /// The protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<KafkaProtocol>,
    /// TiDB's extension fields (CANAL_JSON and AVRO only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_tidb_extension: Option<bool>,
    /// For DEBEZIUM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debezium_config: Option<DebeziumConfig>,
}

impl DataFormat {
    /// Just a protocol.
    pub fn protocol(protocol: KafkaProtocol) -> DataFormat {
        DataFormat { protocol: Some(protocol), enable_tidb_extension: None, debezium_config: None }
    }
}

/// `sink.kafka.dataFormat.debeziumConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DebeziumConfig {
    /// Leave out the old value of an update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_output_old_value: Option<bool>,
    /// Leave out the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_schema: Option<bool>,
}

/// `sink.kafka.topicPartitionConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TopicPartitionConfig {
    /// How changes are spread over topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_type: Option<TopicDispatchType>,
    /// `ONE_TOPIC`: the topic; otherwise where what matches no table goes (DDL, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_topic: Option<String>,
    /// `BY_TABLE` / `BY_DATABASE`: before the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_prefix: Option<String>,
    /// Between database and table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// After the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_suffix: Option<String>,
    /// For the topics TiDB creates.
    #[serde(default, deserialize_with = "int64_opt", skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<i64>,
    /// For the topics TiDB creates.
    #[serde(default, deserialize_with = "int64_opt", skip_serializing_if = "Option::is_none")]
    pub partition_num: Option<i64>,
    /// How rows are spread over partitions.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub partition_dispatchers: Vec<PartitionDispatcher>,
}

impl TopicPartitionConfig {
    /// Every change into one topic.
    pub fn one_topic(topic: impl Into<String>) -> TopicPartitionConfig {
        TopicPartitionConfig {
            dispatch_type: Some(TopicDispatchType::OneTopic),
            default_topic: Some(topic.into()),
            ..TopicPartitionConfig::default()
        }
    }

    /// One topic per table (`by_database`: per database), named `<prefix><db><separator><table>`.
    pub fn per_table(dispatch_type: TopicDispatchType, prefix: impl Into<String>) -> TopicPartitionConfig {
        TopicPartitionConfig {
            dispatch_type: Some(dispatch_type),
            topic_prefix: Some(prefix.into()),
            ..TopicPartitionConfig::default()
        }
    }

    /// With partitions and replication factor for the topics TiDB creates.
    pub fn with_topic_settings(mut self, partition_num: Option<i64>, replication_factor: Option<i64>) -> Self {
        self.partition_num = partition_num;
        self.replication_factor = replication_factor;
        self
    }
}

/// One of `partitionDispatchers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PartitionDispatcher {
    /// How.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_type: Option<PartitionDispatchType>,
    /// Which tables (filter rules).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub matcher: Vec<String>,
    /// `INDEX_VALUE`: the index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_name: Option<String>,
    /// `COLUMNS`: the columns.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

/// One of `columnSelectors`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ColumnSelector {
    /// Which tables (filter rules).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub matcher: Vec<String>,
    /// Which columns.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

/// `filter`: the tables (and events) a changefeed replicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Filter {
    /// TiDB table filter rules, e.g. `orders.*`, `!orders.tmp_*`.
    #[serde(default, deserialize_with = "null_default")]
    pub filter_rule: Vec<String>,
    /// Tables without a primary or not-null unique key: skipped or forced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<TableMode>,
    /// Events to leave out.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub event_filter_rule: Vec<EventFilterRule>,
    /// Whether the rules are case-sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_sensitive: Option<bool>,
}

impl Filter {
    /// These rules in this mode.
    pub fn rules(rules: impl IntoIterator<Item = impl Into<String>>, mode: Option<TableMode>) -> Filter {
        Filter { filter_rule: rules.into_iter().map(Into::into).collect(), mode, ..Filter::default() }
    }
}

/// One of `filter.eventFilterRule`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventFilterRule {
    /// Which tables (filter rules).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub matcher: Vec<String>,
    /// Which events, e.g. `delete`.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub ignore_event: Vec<String>,
}

/// `startPosition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StartPosition {
    /// Now, a TSO or a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<StartMode>,
    /// `FROM_TSO`: a TSO (an unsigned 64-bit integer, as a decimal string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tso: Option<String>,
    /// `FROM_TIME`: RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

impl StartPosition {
    /// From the moment of creation.
    pub fn now() -> StartPosition {
        StartPosition { mode: Some(StartMode::FromNow), tso: None, time: None }
    }

    /// From a TSO.
    pub fn tso(tso: u64) -> StartPosition {
        StartPosition { mode: Some(StartMode::FromTso), tso: Some(tso.to_string()), time: None }
    }

    /// From an RFC 3339 time.
    pub fn time(rfc3339: impl Into<String>) -> StartPosition {
        StartPosition { mode: Some(StartMode::FromTime), tso: None, time: Some(rfc3339.into()) }
    }
}

/// `checkpoint`: how far a changefeed got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Checkpoint {
    /// The checkpoint TSO (an unsigned 64-bit integer, as a decimal string).
    pub tso: Option<String>,
    /// The checkpoint time, RFC 3339 (lag = now − this).
    pub time: Option<String>,
}

impl Checkpoint {
    /// The TSO as a number.
    pub fn tso_value(&self) -> Option<u64> {
        self.tso.as_deref()?.parse().ok()
    }
}

/// `:describeSchemaTable`: the tables a filter matches, by whether TiDB can replicate them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SchemaTables {
    /// The cluster.
    pub cluster_id: Option<String>,
    /// Tables with a primary or not-null unique key (at most 1000 are listed).
    #[serde(default, deserialize_with = "null_default")]
    pub handle_key_tables: Vec<String>,
    /// Tables without one (at most 1000 are listed): not replicated unless the mode is FORCE_SYNC.
    #[serde(default, deserialize_with = "null_default")]
    pub non_handle_key_tables: Vec<String>,
    /// The cluster's GC safe point, RFC 3339: a start position before it cannot work.
    pub gc_safe_point: Option<String>,
}

/// `POST …/changefeeds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateChangefeed {
    /// The cluster (in the path).
    pub cluster_id: String,
    /// The name (the natural key: a lost answer is found by it, never re-sent).
    pub display_name: String,
    /// Where changes go.
    pub sink: Sink,
    /// Which tables.
    pub filter: Filter,
    /// Where to start (`None`: the service's default, now).
    pub start_position: Option<StartPosition>,
}

/// `PATCH …/changefeeds/{id}`: the whole sink and filter again (the password included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditChangefeed {
    /// A new name, or `None` to keep it.
    pub display_name: Option<String>,
    /// Where changes go.
    pub sink: Sink,
    /// Which tables.
    pub filter: Filter,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangefeedList {
    #[serde(default, deserialize_with = "null_default")]
    changefeeds: Vec<Changefeed>,
    next_page_token: Option<String>,
}

impl ListBody for ChangefeedList {
    type Item = Changefeed;
    fn into_parts(self) -> (Vec<Changefeed>, Option<String>) {
        (self.changefeeds, self.next_page_token)
    }
}

/// `client.changefeeds()`.
#[derive(Debug, Clone, Copy)]
pub struct Changefeeds<'c> {
    client: &'c Client,
}

impl<'c> Changefeeds<'c> {
    pub(crate) fn new(client: &'c Client) -> Changefeeds<'c> {
        Changefeeds { client }
    }

    /// `GET /v1beta1/clusters/{clusterId}/changefeeds`, every page, optionally of one sink type
    /// (`ChangefeedService_ListChangefeeds`).
    pub async fn list(&self, cluster_id: &str, kind: Option<&ChangefeedType>) -> Result<Vec<Changefeed>, Error> {
        let query: Vec<(&str, String)> = kind.map(|k| ("changefeedType", k.to_string())).into_iter().collect();
        list_all::<ChangefeedList>(self.client, &collection(cluster_id), &query, MAX_PAGE_SIZE).await
    }

    /// The changefeed named `display_name` on the cluster (the natural key); the oldest one not
    /// deleted wins, else a deleted one.
    pub async fn find(&self, cluster_id: &str, display_name: &str) -> Result<Option<Changefeed>, Error> {
        let mut matching: Vec<Changefeed> = self
            .list(cluster_id, None)
            .await?
            .into_iter()
            .filter(|c| c.display_name.as_deref() == Some(display_name))
            .collect();
        oldest_first(&mut matching);
        let live = matching.iter().position(|c| c.state != Some(ChangefeedState::Deleted));
        Ok(match live {
            Some(idx) => Some(matching.swap_remove(idx)),
            None => matching.into_iter().next(),
        })
    }

    /// Every live (not DELETED, not CREATE_FAILED) changefeed named `display_name`, oldest first
    /// (`createTime`, then id): after a create, more than one means a concurrent apply made one
    /// too, and the oldest is kept.
    pub async fn find_all(&self, cluster_id: &str, display_name: &str) -> Result<Vec<Changefeed>, Error> {
        let mut found: Vec<Changefeed> = self
            .list(cluster_id, None)
            .await?
            .into_iter()
            .filter(|c| {
                c.display_name.as_deref() == Some(display_name)
                    && !matches!(c.state, Some(ChangefeedState::Deleted | ChangefeedState::CreateFailed))
            })
            .collect();
        oldest_first(&mut found);
        Ok(found)
    }

    /// `GET …/changefeeds/{changefeedId}` (`ChangefeedService_GetChangefeed`).
    pub async fn get(&self, cluster_id: &str, id: &str) -> Result<Changefeed, Error> {
        self.client.json(&Call::get(item(cluster_id, id))).await
    }

    /// `POST …/changefeeds` (`ChangefeedService_CreateChangefeed`; state CREATING). Never replayed
    /// after an ambiguous failure: on [`Error::is_ambiguous`] call [`Changefeeds::find`] by the
    /// display name (a second create would make a second changefeed).
    pub async fn create(&self, request: &CreateChangefeed) -> Result<Changefeed, Error> {
        let body = CreateBody {
            display_name: &request.display_name,
            sink: SinkOut::of(&request.sink),
            filter: &request.filter,
            start_position: request.start_position.as_ref(),
        };
        self.client.json(&Call::create(collection(&request.cluster_id), &body)?).await
    }

    /// `PATCH …/changefeeds/{changefeedId}` (`ChangefeedService_EditChangefeed`; the service may
    /// want it stopped first). Setting values is idempotent: replayed on a lost answer.
    pub async fn edit(&self, cluster_id: &str, id: &str, request: &EditChangefeed) -> Result<Changefeed, Error> {
        let body = EditBody {
            display_name: request.display_name.as_deref(),
            sink: SinkOut::of(&request.sink),
            filter: &request.filter,
        };
        let target = item(cluster_id, id);
        let body =
            serde_json::to_vec(&body).map_err(|source| linkplan_http::EncodeError { path: target.clone(), source })?;
        let call = Call {
            method: linkplan_http::Method::PATCH,
            target,
            body: Some(body),
            replay: linkplan_http::retry::Replay::Safe,
        };
        self.client.json(&call).await
    }

    /// `DELETE …/changefeeds/{changefeedId}` (`ChangefeedService_DeleteChangefeed`; answers the
    /// changefeed).
    pub async fn delete(&self, cluster_id: &str, id: &str) -> Result<Changefeed, Error> {
        self.client.json(&Call::delete(item(cluster_id, id))).await
    }

    /// `POST …/changefeeds/{changefeedId}:start` (`ChangefeedService_StartChangefeed`): resume a
    /// paused changefeed. Asking for a state is idempotent (it cannot make a second
    /// changefeed), so it is retried like a read.
    pub async fn start(&self, cluster_id: &str, id: &str) -> Result<Changefeed, Error> {
        self.client.json(&Call::post_idempotent(custom(cluster_id, id, "start"), &Empty {})?).await
    }

    /// `POST …/changefeeds/{changefeedId}:stop` (`ChangefeedService_StopChangefeed`; PAUSED).
    /// Retried like [`Changefeeds::start`].
    pub async fn stop(&self, cluster_id: &str, id: &str) -> Result<Changefeed, Error> {
        self.client.json(&Call::post_idempotent(custom(cluster_id, id, "stop"), &Empty {})?).await
    }

    /// `POST …/changefeeds:test` (`ChangefeedService_TestChangefeed`): whether TiDB can reach and
    /// use `sink` (network, TLS, credentials, topics). `Ok(())` when it can; the vendor's error
    /// (an [`Error::Api`], its message saying why) when not. Changes nothing: retried like a read.
    pub async fn test(&self, cluster_id: &str, sink: &Sink) -> Result<(), Error> {
        let body = TestBody { sink: SinkOut::of(sink) };
        let path = format!("{}:test", collection(cluster_id));
        self.client.send(&Call::post_idempotent(path, &body)?).await.map(drop)
    }

    /// `POST …/changefeeds:describeSchemaTable` (`ChangefeedService_DescribeSchemaTable`): the
    /// tables `filter_rules` match, with and without a handle key, and the GC safe point.
    /// Changes nothing: retried like a read.
    pub async fn describe_schema_table(
        &self,
        cluster_id: &str,
        filter_rules: &[String],
    ) -> Result<SchemaTables, Error> {
        let body = DescribeBody { filter_rules };
        let path = format!("{}:describeSchemaTable", collection(cluster_id));
        self.client.json(&Call::post_idempotent(path, &body)?).await
    }
}

fn collection(cluster_id: &str) -> String {
    format!("{}/changefeeds", cluster_path(cluster_id))
}

fn item(cluster_id: &str, id: &str) -> String {
    format!("{}/{}", collection(cluster_id), linkplan_http::config::segment(id))
}

/// `…/{id}:verb` (a custom method: the colon is literal, the id is encoded).
fn custom(cluster_id: &str, id: &str, verb: &str) -> String {
    format!("{}:{verb}", item(cluster_id, id))
}

/// Oldest first by `createTime` (RFC 3339 UTC, which sorts as text), then id; changefeeds
/// without a creation time last. Every concurrent apply computes the same order.
fn oldest_first(changefeeds: &mut [Changefeed]) {
    changefeeds.sort_by(|a, b| {
        let rank = |c: &Changefeed| (c.create_time.is_none(), c.create_time.clone());
        rank(a).cmp(&rank(b)).then_with(|| a.changefeed_id.cmp(&b.changefeed_id))
    });
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    display_name: &'a str,
    sink: SinkOut<'a>,
    filter: &'a Filter,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_position: Option<&'a StartPosition>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EditBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    sink: SinkOut<'a>,
    filter: &'a Filter,
}

#[derive(Serialize)]
struct TestBody<'a> {
    sink: SinkOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescribeBody<'a> {
    filter_rules: &'a [String],
}

#[derive(Serialize)]
struct Empty {}

/// The wire form of a [`Sink`]: the only place the password is exposed, for the request body.
#[derive(Serialize)]
struct SinkOut<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'a ChangefeedType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kafka: Option<KafkaOut<'a>>,
}

impl<'a> SinkOut<'a> {
    fn of(sink: &'a Sink) -> SinkOut<'a> {
        let kafka = sink.kafka.as_ref().map(|k| KafkaOut {
            network: k.network.as_ref(),
            broker: k.broker.as_ref(),
            authentication: k.authentication.as_ref().map(|a| AuthOut {
                auth_type: a.auth_type.as_ref(),
                username: a.username.as_deref(),
                password: a.password.as_ref().map(Secret::expose),
                enable_tls: a.enable_tls,
                server_name: a.server_name.as_deref(),
            }),
            data_format: k.data_format.as_ref(),
            topic_partition_config: k.topic_partition_config.as_ref(),
            column_selectors: &k.column_selectors,
            output_raw_change_event: k.output_raw_change_event,
        });
        SinkOut { kind: sink.kind.as_ref(), kafka }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KafkaOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a KafkaNetwork>,
    #[serde(skip_serializing_if = "Option::is_none")]
    broker: Option<&'a KafkaBroker>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication: Option<AuthOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_format: Option<&'a DataFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic_partition_config: Option<&'a TopicPartitionConfig>,
    #[serde(skip_serializing_if = "<[ColumnSelector]>::is_empty")]
    column_selectors: &'a [ColumnSelector],
    #[serde(skip_serializing_if = "Option::is_none")]
    output_raw_change_event: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_type: Option<&'a KafkaAuthType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_tls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PASSWORD: &str = "kafka-secret-Zq8vT3";

    fn sink() -> Sink {
        Sink::kafka(
            KafkaSink::new(
                KafkaNetwork::private_link("plc-7h2k", CONFLUENT_PRIVATE_LINK_PORT),
                KafkaAuthentication::sasl_plain_tls(
                    "ABCDKEY123",
                    Secret::new(PASSWORD),
                    "lkc-x1y2z3.dom0a1b2c.us-east-1.aws.confluent.cloud",
                ),
                DataFormat::protocol(KafkaProtocol::CanalJson),
                TopicPartitionConfig::per_table(TopicDispatchType::ByTable, "tidb_")
                    .with_topic_settings(Some(6), Some(3)),
            )
            .with_broker(KafkaBroker::new(Some(KafkaVersion::Version3xx), Some(KafkaCompression::Lz4))),
        )
    }

    #[test]
    fn paths_keep_the_colon_and_encode_ids() {
        assert_eq!(collection("1"), "/v1beta1/clusters/1/changefeeds");
        assert_eq!(item("1", "cf a/b"), "/v1beta1/clusters/1/changefeeds/cf%20a%2Fb");
        assert_eq!(custom("1", "cf:1", "stop"), "/v1beta1/clusters/1/changefeeds/cf%3A1:stop");
    }

    #[test]
    fn the_create_body_uses_the_documents_keys() -> Result<(), serde_json::Error> {
        let request = CreateChangefeed {
            cluster_id: "1".to_owned(),
            display_name: "orders-to-kafka".to_owned(),
            sink: sink(),
            filter: Filter::rules(["orders.*", "!orders.tmp_*"], Some(TableMode::IgnoreNotSupportTable)),
            start_position: Some(StartPosition::tso(449_812_354_101_215_234)),
        };
        let body = CreateBody {
            display_name: &request.display_name,
            sink: SinkOut::of(&request.sink),
            filter: &request.filter,
            start_position: request.start_position.as_ref(),
        };
        assert_eq!(
            serde_json::to_value(&body)?,
            json!({
                "displayName": "orders-to-kafka",
                "sink": { "type": "KAFKA", "kafka": {
                    "network": { "networkType": "PRIVATE_LINK",
                                 "privateLink": { "privateLinkConnectionId": "plc-7h2k", "port": 9092 } },
                    "broker": { "kafkaVersion": "VERSION_3XX", "compression": "LZ4" },
                    "authentication": { "authType": "SASL_PLAIN", "username": "ABCDKEY123", "password": PASSWORD,
                                        "enableTls": true,
                                        "serverName": "lkc-x1y2z3.dom0a1b2c.us-east-1.aws.confluent.cloud" },
                    "dataFormat": { "protocol": "CANAL_JSON" },
                    "topicPartitionConfig": { "dispatchType": "BY_TABLE", "topicPrefix": "tidb_",
                                              "replicationFactor": 3, "partitionNum": 6 },
                }},
                "filter": { "filterRule": ["orders.*", "!orders.tmp_*"], "mode": "IGNORE_NOT_SUPPORT_TABLE" },
                "startPosition": { "mode": "FROM_TSO", "tso": "449812354101215234" },
            })
        );
        Ok(())
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let request = CreateChangefeed {
            cluster_id: "1".to_owned(),
            display_name: "x".to_owned(),
            sink: sink(),
            filter: Filter::default(),
            start_position: None,
        };
        let shown = format!("{request:?} {request:#?}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn edit_test_and_describe_bodies() -> Result<(), serde_json::Error> {
        let edit = EditChangefeed { display_name: None, sink: sink(), filter: Filter::rules(["a.b"], None) };
        let body = EditBody { display_name: None, sink: SinkOut::of(&edit.sink), filter: &edit.filter };
        let value = serde_json::to_value(&body)?;
        assert_eq!(value["filter"], json!({ "filterRule": ["a.b"] }));
        assert!(value.get("displayName").is_none());
        assert_eq!(value["sink"]["kafka"]["authentication"]["password"], json!(PASSWORD));
        let test = serde_json::to_value(TestBody { sink: SinkOut::of(&edit.sink) })?;
        assert_eq!(test["sink"]["type"], json!("KAFKA"));
        let rules = vec!["orders.*".to_owned()];
        assert_eq!(serde_json::to_string(&DescribeBody { filter_rules: &rules })?, r#"{"filterRules":["orders.*"]}"#);
        assert_eq!(serde_json::to_string(&Empty {})?, "{}");
        Ok(())
    }

    #[test]
    fn a_changefeed_decodes_with_open_enums_and_a_redacted_password() -> Result<(), serde_json::Error> {
        let cf: Changefeed = serde_json::from_value(json!({
            "changefeedId": "cfd-91", "clusterId": "1", "displayName": "orders-to-kafka", "state": "RUNNING",
            "sink": { "type": "KAFKA", "kafka": {
                "network": { "networkType": "PRIVATE_LINK",
                             "privateLink": { "privateLinkConnectionId": "plc-7h2k", "port": 9092 } },
                "authentication": { "authType": "SASL_PLAIN", "username": "ABCDKEY123", "password": PASSWORD,
                                    "enableTls": true, "serverName": "lkc-x1y2z3.example" },
                "dataFormat": { "protocol": "DEBEZIUM", "debeziumConfig": { "disableSchema": true } },
                "topicPartitionConfig": { "dispatchType": "ONE_TOPIC", "defaultTopic": "orders",
                                          "partitionDispatchers": [{ "partitionType": "INDEX_VALUE",
                                                                     "matcher": ["*.*"], "indexName": "pk" }] },
                "columnSelectors": null,
            }},
            "filter": { "filterRule": ["orders.*"], "mode": "FORCE_SYNC", "caseSensitive": false,
                        "eventFilterRule": [{ "matcher": ["orders.audit"], "ignoreEvent": ["delete"] }] },
            "startPosition": { "mode": "FROM_NOW" },
            "checkpoint": { "tso": "449812354101215234", "time": "2026-03-01T10:00:00Z" },
            "createTime": "2026-03-01T09:00:00Z", "updateTime": null,
        }))?;
        assert_eq!(cf.state, Some(ChangefeedState::Running));
        assert_eq!(cf.private_link_connection_id(), Some("plc-7h2k"));
        assert_eq!(cf.kafka_username(), Some("ABCDKEY123"));
        let kafka = cf.kafka().expect("a kafka sink");
        let auth = kafka.authentication.as_ref().expect("authentication");
        assert_eq!(auth.password.as_ref().map(Secret::expose), Some(PASSWORD));
        assert_eq!(kafka.data_format.as_ref().and_then(|d| d.protocol.clone()), Some(KafkaProtocol::Debezium));
        let topics = kafka.topic_partition_config.as_ref().expect("topics");
        assert_eq!(topics.partition_dispatchers[0].partition_type, Some(PartitionDispatchType::IndexValue));
        assert!(kafka.column_selectors.is_empty());
        let filter = cf.filter.as_ref().expect("filter");
        assert_eq!(filter.mode, Some(TableMode::ForceSync));
        assert_eq!(filter.event_filter_rule[0].ignore_event, ["delete"]);
        assert_eq!(cf.checkpoint.as_ref().and_then(Checkpoint::tso_value), Some(449_812_354_101_215_234));
        assert!(!format!("{cf:?}").contains(PASSWORD));

        let odd: Changefeed = serde_json::from_value(json!({
            "changefeedId": "cfd-2", "state": "SUSPENDED", "sink": { "type": "PULSAR" },
        }))?;
        assert_eq!(odd.state, Some(ChangefeedState::Other("SUSPENDED".to_owned())));
        assert!(!odd.has_failed());
        assert_eq!(odd.sink.and_then(|s| s.kind), Some(ChangefeedType::Other("PULSAR".to_owned())));
        Ok(())
    }

    #[test]
    fn lists_and_table_descriptions_decode() -> Result<(), serde_json::Error> {
        let page: ChangefeedList = serde_json::from_value(json!({
            "changefeeds": [{ "changefeedId": "a" }, { "changefeedId": "b", "state": "CREATE_FAILED",
                              "error": "broker unreachable" }],
            "nextPageToken": "", "totalSize": 2,
        }))?;
        let (items, next) = page.into_parts();
        assert_eq!(items.len(), 2);
        assert!(items[1].has_failed());
        assert_eq!(next.as_deref(), Some(""));
        let empty: ChangefeedList = serde_json::from_value(json!({ "changefeeds": null }))?;
        assert!(empty.into_parts().0.is_empty());

        let tables: SchemaTables = serde_json::from_value(json!({
            "clusterId": "1", "handleKeyTables": ["orders.items"], "nonHandleKeyTables": ["orders.log"],
            "gcSafePoint": "2026-03-01T08:00:00Z",
        }))?;
        assert_eq!(tables.non_handle_key_tables, ["orders.log"]);
        assert_eq!(tables.gc_safe_point.as_deref(), Some("2026-03-01T08:00:00Z"));
        Ok(())
    }

    #[test]
    fn the_oldest_live_changefeed_is_kept() -> Result<(), serde_json::Error> {
        let mut all: Vec<Changefeed> = serde_json::from_value(json!([
            { "changefeedId": "c", "createTime": "2026-03-01T10:00:00Z" },
            { "changefeedId": "b" },
            { "changefeedId": "a", "createTime": "2026-03-01T10:00:00Z" },
            { "changefeedId": "d", "createTime": "2026-03-01T09:00:00Z" },
        ]))?;
        oldest_first(&mut all);
        let ids: Vec<&str> = all.iter().map(|c| c.changefeed_id.as_str()).collect();
        assert_eq!(ids, ["d", "a", "c", "b"]);
        Ok(())
    }
}
