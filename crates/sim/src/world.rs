//! The world file: what exists before the simulator starts (credentials, clusters, networks…).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{SimError, WorldLocation};
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

/// The built-in world: matches `examples/orders-cdc.yaml` and `fixtures/sim/worlds/example.yaml`.
pub const EXAMPLE_WORLD: &str = include_str!("../../../fixtures/sim/worlds/example.yaml");

impl World {
    /// Parse a world from YAML text; errors carry the line and column of the problem.
    pub fn from_yaml(text: &str) -> Result<World, SimError> {
        let world: World = serde_saphyr::from_str(text).map_err(|e| syntax_error(text, &e))?;
        world.validate().map_err(|invalid| SimError::World {
            path: None,
            location: invalid.near.as_deref().and_then(|needle| locate(text, needle)),
            message: invalid.message,
        })?;
        Ok(world)
    }

    /// Read and parse a world file.
    pub fn from_path(path: &Path) -> Result<World, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Read { path: path.to_owned(), source })?;
        World::from_yaml(&text).map_err(|e| match e {
            SimError::World { location, message, .. } => {
                SimError::World { path: Some(path.to_owned()), location, message }
            }
            other => other,
        })
    }

    /// The built-in example world.
    pub fn example() -> World {
        // The example is compiled in and covered by a test, so this cannot fail at run time;
        // fall back to an empty world rather than panic.
        World::from_yaml(EXAMPLE_WORLD).unwrap_or_else(|_| World::empty())
    }

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

    fn validate(&self) -> Result<(), Invalid> {
        let mut seen = std::collections::HashSet::new();
        if self.rate_limits.confluent_per_minute == 0 || self.rate_limits.tidbcloud_per_minute == 0 {
            return Err(Invalid::new(
                "rate_limits: a limit must be at least 1 request a minute (use `enforce: false` to send more)",
                None,
            ));
        }
        for key in &self.credentials.confluent {
            if key.key.is_empty() || key.secret.is_empty() {
                return Err(Invalid::new("a Confluent credential needs a non-empty key and secret", None));
            }
        }
        for key in &self.credentials.tidbcloud {
            if key.public_key.is_empty() || key.private_key.is_empty() {
                return Err(Invalid::new("a TiDB Cloud credential needs a non-empty public_key and private_key", None));
            }
        }
        for c in &self.tidbcloud.clusters {
            unique(&mut seen, &c.id)?;
            if !is_account(&c.aws_account_id) {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: aws_account_id must be 12 digits (quote it)", c.id),
                    Some(&c.aws_account_id),
                ));
            }
            if !is_tidb_display_name(&c.display_name) {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: display_name must be 4 to 64 letters, digits and inner hyphens", c.id),
                    Some(&c.display_name),
                ));
            }
            one_of("TiDB cluster plan", &c.plan, &["STARTER", "ESSENTIAL"])?;
            one_of("TiDB cluster state", &c.state, &TIDB_STATES)?;
            one_of("TiDB cluster cloud", &c.cloud, &["aws", "gcp", "azure", "alicloud"])?;
            if c.availability_zones.is_empty() {
                return Err(Invalid::new(
                    format!("TiDB cluster {} needs at least one availability zone", c.id),
                    Some(&c.id),
                ));
            }
        }
        let envs: Vec<&str> = self.confluent.environments.iter().map(|e| e.id.as_str()).collect();
        let nets: Vec<&str> = self.confluent.networks.iter().map(|n| n.id.as_str()).collect();
        for e in &self.confluent.environments {
            unique(&mut seen, &e.id)?;
        }
        for n in &self.confluent.networks {
            unique(&mut seen, &n.id)?;
            if !envs.contains(&n.environment.as_str()) {
                return Err(Invalid::new(
                    format!("network {} names unknown environment {}", n.id, n.environment),
                    Some(&n.environment),
                ));
            }
            let mut zones = n.zones.clone();
            zones.sort();
            zones.dedup();
            if n.zones.len() != 3 || zones.len() != 3 {
                return Err(Invalid::new(format!("network {} must have exactly 3 distinct zones", n.id), Some(&n.id)));
            }
            if let Some(phase) = &n.phase {
                one_of("network phase", phase, &["PROVISIONING", "READY", "FAILED", "DEPROVISIONING"])?;
            }
        }
        for a in &self.confluent.private_link_accesses {
            unique(&mut seen, &a.id)?;
            if !envs.contains(&a.environment.as_str()) {
                return Err(Invalid::new(
                    format!("private link access {} names unknown environment {}", a.id, a.environment),
                    Some(&a.environment),
                ));
            }
            if !nets.contains(&a.network.as_str()) {
                return Err(Invalid::new(
                    format!("private link access {} names unknown network {}", a.id, a.network),
                    Some(&a.network),
                ));
            }
            if !is_account(&a.account) {
                return Err(Invalid::new(
                    format!("private link access {}: account must be 12 digits (quote it)", a.id),
                    Some(&a.account),
                ));
            }
            if let Some(phase) = &a.phase {
                one_of("private link access phase", phase, &["PROVISIONING", "READY", "FAILED", "DEPROVISIONING"])?;
            }
        }
        for c in &self.confluent.clusters {
            unique(&mut seen, &c.id)?;
            if !envs.contains(&c.environment.as_str()) {
                return Err(Invalid::new(
                    format!("cluster {} names unknown environment {}", c.id, c.environment),
                    Some(&c.environment),
                ));
            }
            if let Some(n) = &c.network
                && !nets.contains(&n.as_str())
            {
                return Err(Invalid::new(format!("cluster {} names unknown network {n}", c.id), Some(n)));
            }
            one_of("cluster availability", &c.availability, &["SINGLE_ZONE", "MULTI_ZONE", "LOW", "HIGH"])?;
            if c.cku == 0 {
                return Err(Invalid::new(format!("cluster {} needs cku of at least 1", c.id), Some(&c.id)));
            }
            if let Some(phase) = &c.phase {
                one_of("cluster phase", phase, &["PROVISIONING", "PROVISIONED", "FAILED"])?;
            }
        }
        let mut domain_ids = std::collections::HashSet::new();
        for p in &self.tidbcloud.private_link_connections {
            unique(&mut seen, &p.id)?;
            let Some(cluster) = self.tidbcloud.clusters.iter().find(|c| c.id == p.cluster_id) else {
                return Err(Invalid::new(
                    format!("private link connection {} names unknown TiDB cluster {}", p.id, p.cluster_id),
                    Some(&p.cluster_id),
                ));
            };
            if p.display_name.trim().is_empty() || p.display_name.chars().count() > 64 {
                return Err(Invalid::new(
                    format!("private link connection {}: display_name must be 1 to 64 characters", p.id),
                    Some(&p.id),
                ));
            }
            one_of("private link connection state", &p.state, &PLC_STATES)?;
            if p.state == "ACTIVE"
                && let Some(reason) = self.link_problem(cluster, p)
            {
                return Err(Invalid::new(
                    format!(
                        "private link connection {} is ACTIVE, but {reason}; seed it as PENDING_ACCEPTANCE or \
                         FAILED, or fix the world",
                        p.id
                    ),
                    Some(&p.id),
                ));
            }
            if !p.domains.is_empty() && p.state != "ACTIVE" {
                return Err(Invalid::new(
                    format!("private link connection {}: domains can only be attached to an ACTIVE connection", p.id),
                    Some(&p.state),
                ));
            }
            let network = self.confluent.networks.iter().find(|n| n.service_name == p.service_name);
            let mut attached = std::collections::HashSet::new();
            for d in &p.domains {
                if let Some(id) = &d.id
                    && (id.is_empty() || !domain_ids.insert(id.as_str()))
                {
                    return Err(Invalid::new(format!("attached domain id {id:?} is empty or used twice"), Some(id)));
                }
                one_of("attached domain type", &d.kind, &["CONFLUENT", "TIDBCLOUD_MANAGED"])?;
                one_of("attached domain state", &d.state, &["CREATING", "ACTIVE", "DELETING"])?;
                if d.unique_name.is_empty() {
                    return Err(Invalid::new(
                        format!("private link connection {}: an attached domain needs a unique_name", p.id),
                        Some(&p.id),
                    ));
                }
                if d.kind == "CONFLUENT"
                    && let Some(n) = network
                    && d.unique_name != format!("{}.{}", n.dns_domain_id, n.region)
                {
                    return Err(Invalid::new(
                        format!(
                            "private link connection {}: CONFLUENT unique_name must be {}.{} (network {})",
                            p.id, n.dns_domain_id, n.region, n.id
                        ),
                        Some(&d.unique_name),
                    ));
                }
                if !attached.insert((d.kind.as_str(), d.unique_name.as_str())) {
                    return Err(Invalid::new(
                        format!("private link connection {}: {} {} is attached twice", p.id, d.kind, d.unique_name),
                        Some(&d.unique_name),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Why an ACTIVE connection could not be ACTIVE in this world (the simulator's link rule).
    fn link_problem(&self, cluster: &TidbClusterSeed, p: &ConnectionSeed) -> Option<String> {
        let ready = |phase: &Option<String>| phase.as_deref().is_none_or(|ph| ph == "READY");
        let Some(net) = self.confluent.networks.iter().find(|n| n.service_name == p.service_name && ready(&n.phase))
        else {
            return Some(format!("no READY network has service name {}", p.service_name));
        };
        if let Some(r) = p.region.as_ref().filter(|r| *r != &net.region) {
            return Some(format!("network {} is in {}, but the connection's region is {r}", net.id, net.region));
        }
        if net.region != cluster.region {
            return Some(format!(
                "network {} is in {}, but TiDB cluster {} is in {}",
                net.id, net.region, cluster.id, cluster.region
            ));
        }
        if !cluster.availability_zones.iter().any(|az| net.zones.contains(az)) {
            return Some(format!("network {} shares no availability zone with the cluster", net.id));
        }
        let allowed = self
            .confluent
            .private_link_accesses
            .iter()
            .any(|a| a.network == net.id && a.account == cluster.aws_account_id && ready(&a.phase));
        if !allowed {
            return Some(format!(
                "no READY private link access on network {} allows account {}",
                net.id, cluster.aws_account_id
            ));
        }
        None
    }
}

/// TiDB private link connection states (`PrivateLinkConnectionState.Enum`).
const PLC_STATES: [&str; 5] = ["CREATING", "ACTIVE", "PENDING_ACCEPTANCE", "FAILED", "DELETING"];

/// TiDB Cloud cluster states (`commonv1beta1ClusterState`).
const TIDB_STATES: [&str; 13] = [
    "CREATING",
    "DELETING",
    "ACTIVE",
    "RESTORING",
    "MAINTENANCE",
    "DELETED",
    "INACTIVE",
    "UPGRADING",
    "IMPORTING",
    "MODIFYING",
    "PAUSING",
    "PAUSED",
    "RESUMING",
];

/// A semantic problem in a world, and a value to point at.
struct Invalid {
    message: String,
    near: Option<String>,
}

impl Invalid {
    fn new(message: impl Into<String>, near: Option<&str>) -> Invalid {
        Invalid { message: message.into(), near: near.map(str::to_owned) }
    }
}

fn unique<'w>(seen: &mut std::collections::HashSet<&'w str>, id: &'w str) -> Result<(), Invalid> {
    if id.is_empty() {
        return Err(Invalid::new("an id must not be empty", None));
    }
    if seen.insert(id) { Ok(()) } else { Err(Invalid::new(format!("id {id} is used twice"), Some(id))) }
}

fn one_of(what: &str, value: &str, allowed: &[&str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Invalid::new(format!("{what} must be one of {}, not {value:?}", allowed.join(", ")), Some(value)))
    }
}

/// The vendor's pattern for a cluster name: `^[A-Za-z0-9][-A-Za-z0-9]{2,62}[A-Za-z0-9]$`.
fn is_tidb_display_name(s: &str) -> bool {
    let b = s.as_bytes();
    (4..=64).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A parse error with its position (the message without serde-saphyr's "at line…" suffix).
fn syntax_error(text: &str, e: &serde_saphyr::Error) -> SimError {
    let plain = e.without_snippet().to_string();
    let loc = e.location().filter(|l| l.line() > 0);
    let message = match loc {
        Some(l) => {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            plain.strip_suffix(&suffix).map_or_else(|| plain.clone(), str::to_owned)
        }
        None => plain,
    };
    let location = loc.and_then(|l| {
        let line = usize::try_from(l.line()).ok()?;
        let column = usize::try_from(l.column()).ok()?.max(1);
        let offset = offset_of(text, line, column)?;
        let len = l
            .span()
            .byte_len()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0 && offset + n <= text.len() && text.is_char_boundary(offset + n))
            .unwrap_or_else(|| token_len(text, offset));
        Some(WorldLocation { line, column, offset, len })
    });
    SimError::World { path: None, location, message: message.trim().to_owned() }
}

/// The byte offset of a 1-based line and character column, if inside the text.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)? };
    let rest = text.get(start..)?;
    let line_text = rest.split('\n').next().unwrap_or_default();
    let within = line_text.char_indices().nth(column - 1).map_or(line_text.len(), |(i, _)| i);
    Some(start + within)
}

/// The length of the token at `offset` (up to whitespace, a comma or a bracket), at least one
/// character unless at the end of the text.
fn token_len(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or_default();
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}')).unwrap_or(rest.len());
    if end > 0 { end } else { rest.chars().next().map_or(0, char::len_utf8) }
}

/// The first place `needle` appears as a whole scalar (not inside a longer id).
fn locate(text: &str, needle: &str) -> Option<WorldLocation> {
    if needle.is_empty() {
        return None;
    }
    let is_id_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let offset = text.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })?;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count() + 1;
    Some(WorldLocation { line, column, offset, len: needle.len() })
}

#[cfg(test)]
mod tests {
    use super::{EXAMPLE_WORLD, World};
    use crate::SimError;

    #[test]
    fn the_example_world_parses_and_matches_the_example_plan() {
        let w = World::from_yaml(EXAMPLE_WORLD).expect("example world parses");
        assert_eq!(w, World::example());
        let c = &w.tidbcloud.clusters[0];
        assert_eq!(
            (c.id.as_str(), c.region.as_str(), c.aws_account_id.as_str()),
            ("10140100115280519574", "us-east-1", "123456789012")
        );
        let n = &w.confluent.networks[0];
        assert_eq!(n.id, "n-abc123");
        assert_eq!(n.service_name, "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0");
        assert_eq!(n.dns_domain_id, "domnprzqrog");
    }

    #[test]
    fn bad_worlds_are_errors_not_panics() {
        assert!(World::from_yaml("").is_ok_and(|w| w == World::empty()));
        let bad_network = "confluent:\n  environments: [{id: env-x, display_name: x}]\n  networks:\n    - {id: n-1, environment: env-x, region: r, zones: [a], dns_domain_id: d, service_name: s}\n";
        for text in ["credentials: 5", "unknown_key: 1", "tidbcloud: {clusters: [{id: 1}]}", "[", bad_network] {
            assert!(World::from_yaml(text).is_err(), "{text}");
        }
    }

    /// The example world plus one seeded connection (YAML flow mapping) and maybe an access.
    fn with_connection(connection: &str, access: bool) -> String {
        let mut text = EXAMPLE_WORLD.replacen(
            "\nconfluent:",
            &format!("  private_link_connections:\n    - {connection}\n\nconfluent:"),
            1,
        );
        if access {
            text.push_str(
                "  private_link_accesses:\n    - {id: pla-1, environment: env-abc123, network: n-abc123, account: \"123456789012\"}\n",
            );
        }
        text
    }

    const ACTIVE: &str = "{id: plc-1, cluster_id: \"10140100115280519574\", display_name: c, \
                          service_name: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

    #[test]
    fn seeded_connections_must_be_consistent() {
        let ok = with_connection(&format!("{ACTIVE}, domains: [{{unique_name: domnprzqrog.us-east-1}}]}}"), true);
        let w = World::from_yaml(&ok).expect("an ACTIVE connection with its access parses");
        let p = &w.tidbcloud.private_link_connections[0];
        assert_eq!(
            (p.state.as_str(), p.domains[0].kind.as_str(), p.domains[0].state.as_str()),
            ("ACTIVE", "CONFLUENT", "ACTIVE")
        );

        let cases = [
            (with_connection(&format!("{ACTIVE}}}"), false), "no READY private link access on network n-abc123"),
            (with_connection(&format!("{ACTIVE}, state: PENDING_ACCEPTANCE}}"), false), ""),
            (
                with_connection(&format!("{ACTIVE}, state: PENDING_ACCEPTANCE, domains: [{{unique_name: x}}]}}"), true),
                "only be attached to an ACTIVE connection",
            ),
            (
                with_connection(&format!("{ACTIVE}, domains: [{{unique_name: other.us-east-1}}]}}"), true),
                "must be domnprzqrog.us-east-1",
            ),
            (
                with_connection(
                    &format!(
                        "{ACTIVE}, domains: [{{id: \"1\", type: TIDBCLOUD_MANAGED, unique_name: a}}, {{id: \"1\", type: TIDBCLOUD_MANAGED, unique_name: b}}]}}"
                    ),
                    true,
                ),
                "used twice",
            ),
            (
                with_connection(&format!("{ACTIVE}, state: RUNNING}}"), true),
                "private link connection state must be one of",
            ),
            (
                with_connection(
                    &format!(
                        "{ACTIVE}, domains: [{{unique_name: domnprzqrog.us-east-1}}, {{unique_name: domnprzqrog.us-east-1}}]}}"
                    ),
                    true,
                ),
                "is attached twice",
            ),
            (with_connection(&format!("{ACTIVE}, x: 1}}"), true), "unknown field"),
            (
                with_connection(&format!("{}}}", ACTIVE.replace("10140100115280519574", "404")), true),
                "unknown TiDB cluster 404",
            ),
            (
                with_connection(
                    &format!("{}}}", ACTIVE.replace("us-east-1.vpce-svc-0123456789abcdef0", "us-east-1.vpce-svc-1")),
                    true,
                ),
                "no READY network has service name",
            ),
        ];
        for (text, want) in cases {
            match World::from_yaml(&text) {
                Ok(_) if want.is_empty() => {}
                Ok(_) => panic!("expected an error containing {want:?}"),
                Err(e) => assert!(!want.is_empty() && e.to_string().contains(want), "{want:?}: {e}"),
            }
        }
        let no_access = with_connection(&format!("{ACTIVE}}}"), false);
        let (_, _, text, _) = located(&no_access);
        assert_eq!(text, "plc-1");
    }

    #[test]
    fn every_fault_action_has_a_yaml_form() {
        use crate::faults::FaultAction;
        let text = "faults:\n  - action: drop\n  - action: drop_after_apply\n  - action: { rate_limit: {} }\n  \
                    - action: { server_error: {} }\n  - action: { unavailable: { retry_after: 30 } }\n  \
                    - { vendor: confluent, method: get, path: /cmk, after: 1, times: 2, action: { slow: { millis: 5 } } }\n  \
                    - action: { hang: { after_apply: true } }\n";
        let w = World::from_yaml(text).expect("faults parse");
        let actions: Vec<FaultAction> = w.faults.iter().map(|f| f.action).collect();
        assert_eq!(
            actions,
            [
                FaultAction::Drop,
                FaultAction::DropAfterApply,
                FaultAction::RateLimit { retry_after: 1 },
                FaultAction::ServerError { status: 503 },
                FaultAction::Unavailable { retry_after: 30 },
                FaultAction::Slow { millis: 5 },
                FaultAction::Hang { millis: 60_000, after_apply: true },
            ]
        );
        assert_eq!((w.faults[5].after, w.faults[5].times, w.faults[0].times), (1, Some(2), None));
        assert!(World::from_yaml("faults:\n  - action: { slow: {} }\n").is_err(), "slow needs millis");
    }

    fn located(text: &str) -> (usize, usize, String, String) {
        match World::from_yaml(text) {
            Err(SimError::World { location: Some(l), message, .. }) => {
                (l.line, l.column, text[l.offset..l.offset + l.len].to_owned(), message)
            }
            other => panic!("expected a located world error, got {other:?}"),
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let typo = EXAMPLE_WORLD.replace("  environments:", "  environmentz:");
        let (line, _, text, message) = located(&typo);
        assert_eq!(line, 24, "{message}");
        assert_eq!(text, "environmentz");
        assert!(message.contains("environmentz"), "{message}");
        assert!(!message.contains("at line"), "{message}");

        let syntax = "credentials:\n  confluent: [\n";
        let (line, ..) = located(syntax);
        assert!(line >= 2, "{line}");

        let unknown_env = EXAMPLE_WORLD.replace("      environment: env-abc123", "      environment: env-nope");
        let (line, column, text, message) = located(&unknown_env);
        assert_eq!((line, column, text.as_str()), (29, 20, "env-nope"), "{message}");
        assert!(message.contains("unknown environment env-nope"));

        let bad_phase = EXAMPLE_WORLD
            .replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      phase: RUNNING");
        let (line, _, text, _) = located(&bad_phase);
        assert_eq!((line, text.as_str()), (38, "RUNNING"));
    }
}
