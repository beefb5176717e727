//! The world file's format: the seed types serde reads from YAML (every key, its default, what
//! it means), and the empty world.

use serde::{Deserialize, Serialize};

use crate::faults::Fault;

/// The seed of a simulation, as read from a YAML world file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// API keys both vendors accept.
    #[serde(default)]
    pub credentials: Credentials,
    /// The Confluent organization id (a UUID) used in resource names.
    #[serde(default = "default_org")]
    pub organization_id: String,
    /// What exists on the TiDB Cloud side.
    #[serde(default)]
    pub tidbcloud: TidbSide,
    /// What exists on the Confluent Cloud side.
    #[serde(default)]
    pub confluent: ConfluentSide,
    /// Lifecycle delays (overridden by [`crate::SimConfig::delays`]).
    #[serde(default)]
    pub delays: Option<Delays>,
    /// Faults armed from the start.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Resources that go FAILED instead of becoming ready.
    #[serde(default)]
    pub failures: Vec<ForcedFailure>,
    /// Rate limits: counted and reported in headers always, enforced unless `enforce: false`
    /// (overridden by [`crate::SimConfig::rate_limits`]).
    #[serde(default)]
    pub rate_limits: RateLimits,
    /// Seed for generated ids, so runs are reproducible.
    #[serde(default)]
    pub seed: u64,
}

fn default_org() -> String {
    "11111111-2222-4333-8444-555555555555".to_owned()
}

/// Accepted keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Confluent Cloud API key / secret pairs (HTTP Basic).
    #[serde(default)]
    pub confluent: Vec<ConfluentKey>,
    /// TiDB Cloud public / private key pairs (HTTP Digest).
    #[serde(default)]
    pub tidbcloud: Vec<TidbKey>,
}

/// One Confluent Cloud API key.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfluentKey {
    /// The key id (Basic user name).
    pub key: String,
    /// The secret (Basic password).
    pub secret: String,
}

impl std::fmt::Debug for ConfluentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfluentKey").field("key", &self.key).field("secret", &"<redacted>").finish()
    }
}

/// One TiDB Cloud API key.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TidbKey {
    /// The public key (Digest user name).
    pub public_key: String,
    /// The private key (Digest password).
    pub private_key: String,
}

impl std::fmt::Debug for TidbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TidbKey").field("public_key", &self.public_key).field("private_key", &"<redacted>").finish()
    }
}

/// The TiDB Cloud side of the world.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TidbSide {
    /// Existing clusters.
    #[serde(default)]
    pub clusters: Vec<TidbClusterSeed>,
    /// Existing private link connections, with their attached domains.
    #[serde(default)]
    pub private_link_connections: Vec<ConnectionSeed>,
}

/// An existing TiDB Cloud Starter/Essential cluster.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TidbClusterSeed {
    /// `clusterId`.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// AWS region code, e.g. `us-east-1`.
    pub region: String,
    /// Cloud provider, e.g. `aws`.
    #[serde(default = "default_tidb_cloud")]
    pub cloud: String,
    /// `ESSENTIAL` or `STARTER`.
    #[serde(default = "default_plan")]
    pub plan: String,
    /// Cluster state, e.g. `ACTIVE`.
    #[serde(default = "default_state")]
    pub state: String,
    /// TiDB's AWS account for this cluster (what the Confluent access must allow).
    pub aws_account_id: String,
    /// AZ IDs of the cluster.
    pub availability_zones: Vec<String>,
    /// The `tidb.cloud/project` label.
    #[serde(default)]
    pub project_id: Option<String>,
    /// The cluster's user databases and their tables: what changefeed filters select and
    /// `:describeSchemaTable` reports.
    #[serde(default)]
    pub databases: Vec<DatabaseSeed>,
    /// A fixed `gcSafePoint` (RFC 3339). Without it the safe point trails simulated time by
    /// `gc_life_time`, as TiDB's GC does.
    #[serde(default)]
    pub gc_safe_point: Option<String>,
    /// Seconds the GC safe point trails simulated time by (TiDB's `tidb_gc_life_time`, 10 minutes
    /// by default); ignored when `gc_safe_point` is set.
    #[serde(default = "default_gc_life_time")]
    pub gc_life_time: f64,
}

fn default_gc_life_time() -> f64 {
    600.0
}

/// A user database of a TiDB cluster.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSeed {
    /// The schema name.
    pub name: String,
    /// Its tables: a name (a table with a handle key) or `{name, handle_key}`.
    #[serde(default)]
    pub tables: Vec<TableSeed>,
}

/// A table: its name and whether it has a handle key (a primary key or a NOT NULL unique key),
/// without which a changefeed replicates it only in `FORCE_SYNC` mode.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(from = "TableSeedRepr")]
pub struct TableSeed {
    /// The table name.
    pub name: String,
    /// Has a primary or NOT NULL unique key (default true).
    pub handle_key: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TableSeedRepr {
    Name(String),
    Table(TableFields),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFields {
    name: String,
    #[serde(default = "yes")]
    handle_key: bool,
}

fn yes() -> bool {
    true
}

impl From<TableSeedRepr> for TableSeed {
    fn from(repr: TableSeedRepr) -> TableSeed {
        match repr {
            TableSeedRepr::Name(name) => TableSeed { name, handle_key: true },
            TableSeedRepr::Table(t) => TableSeed { name: t.name, handle_key: t.handle_key },
        }
    }
}

/// An existing TiDB private link connection (`AWS_ENDPOINT_SERVICE`), ACTIVE unless `state` says
/// otherwise. An ACTIVE one must be consistent with the Confluent side (see [`World::from_yaml`]).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSeed {
    /// `privateLinkConnectionId`, e.g. `plc-…`.
    pub id: String,
    /// The owning TiDB cluster's `clusterId`.
    pub cluster_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `awsEndpointService.name`: the Confluent network's VPC endpoint service name.
    pub service_name: String,
    /// `awsEndpointService.region` as given at creation (the cluster's region when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// `CREATING`, `ACTIVE` (default), `PENDING_ACCEPTANCE`, `FAILED` or `DELETING`.
    #[serde(default = "default_state")]
    pub state: String,
    /// The status message (for FAILED, default `simulated failure`).
    #[serde(default)]
    pub message: Option<String>,
    /// `awsEndpointService.endpointId` of an ACTIVE connection (generated when absent).
    #[serde(default)]
    pub endpoint_id: Option<String>,
    /// Attached domains (only on an ACTIVE connection).
    #[serde(default)]
    pub domains: Vec<DomainSeed>,
}

/// Domains attached to a connection (one `attachDomains` call).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DomainSeed {
    /// `attachDomainId` (19 generated digits when absent).
    #[serde(default)]
    pub id: Option<String>,
    /// `CONFLUENT` (default) or `TIDBCLOUD_MANAGED`.
    #[serde(rename = "type", default = "default_domain_type")]
    pub kind: String,
    /// `uniqueName`; for CONFLUENT, the network's `<dns_domain_id>.<region>`.
    pub unique_name: String,
    /// `ACTIVE` (default), `CREATING` or `DELETING`.
    #[serde(default = "default_state")]
    pub state: String,
}

fn default_domain_type() -> String {
    "CONFLUENT".to_owned()
}

fn default_tidb_cloud() -> String {
    "aws".to_owned()
}
fn default_plan() -> String {
    "ESSENTIAL".to_owned()
}
fn default_state() -> String {
    "ACTIVE".to_owned()
}

/// The Confluent Cloud side of the world.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfluentSide {
    /// Environments.
    #[serde(default)]
    pub environments: Vec<EnvironmentSeed>,
    /// Existing networks.
    #[serde(default)]
    pub networks: Vec<NetworkSeed>,
    /// Existing PrivateLink accesses.
    #[serde(default)]
    pub private_link_accesses: Vec<AccessSeed>,
    /// Existing Kafka clusters.
    #[serde(default)]
    pub clusters: Vec<KafkaClusterSeed>,
    /// Existing service accounts (`iam/v2`).
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountSeed>,
    /// Existing API keys (`iam/v2`), with their secrets: what a changefeed's SASL login needs.
    #[serde(default)]
    pub api_keys: Vec<ApiKeySeed>,
    /// Existing role bindings (`iam/v2`, the RBAC document).
    #[serde(default)]
    pub role_bindings: Vec<RoleBindingSeed>,
}

/// An existing service account.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountSeed {
    /// `sa-…`.
    pub id: String,
    /// Display name, unique in the organization.
    pub display_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// An existing API key; it works on the data plane from the start.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySeed {
    /// The key id (the SASL username).
    pub id: String,
    /// The secret (the SASL password); never returned by the API.
    pub secret: String,
    /// The owner: a service account of this world (`sa-…`) or a user id (`u-…`).
    pub owner: String,
    /// The Kafka cluster (`lkc-…`, of this world) the key is for; none makes a key no sink accepts.
    #[serde(default)]
    pub resource: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

impl std::fmt::Debug for ApiKeySeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeySeed")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("owner", &self.owner)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

/// An existing role binding.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoleBindingSeed {
    /// `rb-…`.
    pub id: String,
    /// `User:sa-…` (or `User:u-…`, `Group:…`).
    pub principal: String,
    /// A Confluent Cloud role, e.g. `DeveloperWrite`.
    pub role_name: String,
    /// The scope, e.g. `crn://confluent.cloud/organization=…/environment=…/cloud-cluster=lkc-…/kafka=lkc-…/topic=orders.*`.
    pub crn_pattern: String,
}

/// A Confluent environment.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSeed {
    /// `env-…`.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// An existing Confluent network (READY unless `phase` says otherwise).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkSeed {
    /// `n-…`.
    pub id: String,
    /// Owning environment id.
    pub environment: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `AWS`.
    #[serde(default = "default_cf_cloud")]
    pub cloud: String,
    /// Region code.
    pub region: String,
    /// Connection types, default `[PRIVATELINK]`.
    #[serde(default = "default_connection_types")]
    pub connection_types: Vec<String>,
    /// AZ IDs.
    pub zones: Vec<String>,
    /// The DNS id (`domnprzqrog` in `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud`).
    pub dns_domain_id: String,
    /// The VPC endpoint service name.
    pub service_name: String,
    /// `PRIVATE` or `CHASED_PRIVATE`.
    #[serde(default)]
    pub dns_resolution: Option<String>,
    /// Phase, default `READY`.
    #[serde(default)]
    pub phase: Option<String>,
    /// The endpoint service makes every endpoint wait in PENDING_ACCEPTANCE until its owner
    /// accepts it (`POST /_sim/resources/{id}/accept`). Confluent's services do not: they accept
    /// the accounts an access allows by themselves, so this is off (and networks created through
    /// the API never have it).
    #[serde(default)]
    pub acceptance_required: bool,
}

fn default_cf_cloud() -> String {
    "AWS".to_owned()
}
fn default_connection_types() -> Vec<String> {
    vec!["PRIVATELINK".to_owned()]
}

/// An existing PrivateLink access.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccessSeed {
    /// `pla-…`.
    pub id: String,
    /// Owning environment id.
    pub environment: String,
    /// Network id.
    pub network: String,
    /// Allowed AWS account.
    pub account: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Phase, default `READY`.
    #[serde(default)]
    pub phase: Option<String>,
}

/// An existing Kafka cluster.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KafkaClusterSeed {
    /// `lkc-…`.
    pub id: String,
    /// Owning environment id.
    pub environment: String,
    /// Network id (dedicated clusters).
    #[serde(default)]
    pub network: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Availability.
    #[serde(default = "default_availability")]
    pub availability: String,
    /// Region.
    pub region: String,
    /// Dedicated CKUs.
    #[serde(default = "default_cku")]
    pub cku: u32,
    /// Phase, default `PROVISIONED`.
    #[serde(default)]
    pub phase: Option<String>,
}

fn default_availability() -> String {
    "SINGLE_ZONE".to_owned()
}
fn default_cku() -> u32 {
    1
}

/// Lifecycle delays in seconds, per resource kind.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Delays {
    /// Network PROVISIONING → READY.
    pub network: f64,
    /// Network DEPROVISIONING → gone.
    pub network_delete: f64,
    /// Access PROVISIONING → READY.
    pub private_link_access: f64,
    /// Access DEPROVISIONING → gone.
    pub private_link_access_delete: f64,
    /// Kafka cluster PROVISIONING → PROVISIONED.
    pub cluster: f64,
    /// Kafka cluster deleted → gone.
    pub cluster_delete: f64,
    /// PLC CREATING → ACTIVE / PENDING_ACCEPTANCE / FAILED.
    pub private_link_connection: f64,
    /// PLC DELETING → gone.
    pub private_link_connection_delete: f64,
    /// Attached domains CREATING → ACTIVE (and DELETING → gone on detach).
    pub domains: f64,
    /// Changefeed CREATING → RUNNING / CREATE_FAILED (the sink is judged when it ends).
    pub changefeed: f64,
    /// How far a RUNNING changefeed's checkpoint trails simulated time.
    pub changefeed_lag: f64,
    /// How long a changefeed stays WARNING (its sink broken, retrying) before RUNNING_FAILED.
    pub changefeed_warning: f64,
    /// A new API key works on the data plane (a SASL login) only this long after its creation.
    pub api_key_ready: f64,
}

impl Default for Delays {
    /// Short but visible delays for a human watching `linkplan apply` against the sandbox.
    fn default() -> Self {
        Delays {
            network: 6.0,
            network_delete: 3.0,
            private_link_access: 2.0,
            private_link_access_delete: 2.0,
            cluster: 8.0,
            cluster_delete: 3.0,
            private_link_connection: 4.0,
            private_link_connection_delete: 2.0,
            domains: 2.0,
            changefeed: 5.0,
            changefeed_lag: 2.0,
            changefeed_warning: 1800.0,
            api_key_ready: 3.0,
        }
    }
}

impl Delays {
    /// Every delay 0: each lifecycle finishes on the next request (a new API key works at once,
    /// a checkpoint has no lag, a broken changefeed fails on the first request after its warning).
    pub fn zero() -> Delays {
        Delays {
            network: 0.0,
            network_delete: 0.0,
            private_link_access: 0.0,
            private_link_access_delete: 0.0,
            cluster: 0.0,
            cluster_delete: 0.0,
            private_link_connection: 0.0,
            private_link_connection_delete: 0.0,
            domains: 0.0,
            changefeed: 0.0,
            changefeed_lag: 0.0,
            changefeed_warning: 0.0,
            api_key_ready: 0.0,
        }
    }
}

/// A resource (matched by kind and optionally display name) that fails instead of becoming ready.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ForcedFailure {
    /// Which kind of resource.
    pub kind: ResourceKind,
    /// Only resources with this display name (any when absent).
    #[serde(default)]
    pub display_name: Option<String>,
    /// The failure message shown in the resource's status.
    #[serde(default = "default_failure_message")]
    pub message: String,
}

fn default_failure_message() -> String {
    "simulated failure".to_owned()
}

/// The kinds of resource that move through a lifecycle.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// Confluent network.
    Network,
    /// Confluent PrivateLink access.
    PrivateLinkAccess,
    /// Confluent Kafka cluster.
    Cluster,
    /// TiDB private link connection.
    PrivateLinkConnection,
    /// TiDB changefeed (CREATE_FAILED instead of RUNNING).
    Changefeed,
}

/// Rate limits per API key and minute of simulated time: every authenticated request is counted
/// and every vendor response carries the vendor's headers (limit, remaining, reset); when
/// `enforce` is on (the default) a request over the limit gets the vendor's 429.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Answer 429 once a key exceeds its limit (default on, as the vendors do; turn it off only
    /// for a test that must send more, such as a load test of the simulator itself).
    pub enforce: bool,
    /// Confluent requests per minute (Confluent publishes no number, only the headers: our choice).
    pub confluent_per_minute: u32,
    /// TiDB Cloud requests per minute (documented: 100 per API key).
    pub tidbcloud_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { enforce: true, confluent_per_minute: 1000, tidbcloud_per_minute: 100 }
    }
}

impl RateLimits {
    /// The default limits, counted and reported but never answered with 429.
    pub fn not_enforced() -> RateLimits {
        RateLimits { enforce: false, ..RateLimits::default() }
    }
}

impl World {
    /// A world with nothing in it (no keys either: every request is a 401).
    pub fn empty() -> World {
        World {
            credentials: Credentials::default(),
            organization_id: default_org(),
            tidbcloud: TidbSide::default(),
            confluent: ConfluentSide::default(),
            delays: None,
            faults: Vec::new(),
            failures: Vec::new(),
            rate_limits: RateLimits::default(),
            seed: 0,
        }
    }
}
