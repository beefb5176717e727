//! `Observed`: the live state both vendors report, gathered with one request per resource
//! (lists, not per-item gets), and the drift between what the plan declares and what is live.
//!
//! The types here are the engine's own (serializable, so planner scenarios can be JSON files);
//! the clients' wire types stop at [`Engine::observe`].

use std::collections::BTreeMap;

use linkplan_confluent::resources::clusters::{Availability, Cluster, ClusterFilter, ClusterPhase};
use linkplan_confluent::resources::networks::{ConnectionType, Network, NetworkFilter};
use linkplan_confluent::resources::private_link_accesses::{PrivateLinkAccess, PrivateLinkAccessFilter};
use linkplan_confluent::resources::{Cloud, Phase};
use linkplan_model::{DnsSubdomain, LiveFact, LiveValue};
use linkplan_tidbcloud::resources::clusters::{ClusterPlan, ClusterState};
use linkplan_tidbcloud::resources::private_link_connections::{
    AttachDomain, AttachDomainRequest, DomainType, PrivateLinkConnectionState,
};
use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::desired::{Desired, NetworkSource};
use crate::journal::Owned;
use crate::step::{StepId, StepKind};

/// The ids the journal says linkplan created, by step kind. [`Engine::observe_with`] looks them
/// up when the plan's natural key finds nothing, so an edit to a key (a renamed cluster, another
/// network, a new region) shows as a change to linkplan's resource — renamed in place, or marked
/// "must be replaced" — and never as a second resource beside the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    ids: BTreeMap<StepKind, Vec<String>>,
}

impl Known {
    /// From [`crate::Journal::owned`].
    pub fn from_owned(owned: &BTreeMap<StepId, Owned>) -> Known {
        let mut ids: BTreeMap<StepKind, Vec<String>> = BTreeMap::new();
        for (step, owned) in owned {
            if let (Some(kind), Some(id)) = (step.kind(), &owned.id) {
                ids.entry(kind).or_default().push(id.clone());
            }
        }
        Known { ids }
    }

    /// The recorded ids of `kind`.
    pub fn ids(&self, kind: StepKind) -> &[String] {
        self.ids.get(&kind).map_or(&[], Vec::as_slice)
    }
}

/// Reading live state failed (a transport or API error other than "not found").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObserveError {
    #[error("reading {what} from Confluent Cloud failed: {message}")]
    Confluent { what: &'static str, message: String },
    #[error("reading {what} from TiDB Cloud failed: {message}")]
    Tidb { what: &'static str, message: String },
}

/// Everything live that the plan depends on. `None` means "not found".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    pub tidb: Option<TidbObserved>,
    /// Whether `confluent.environment` exists.
    pub environment_found: bool,
    /// The referenced network (by id), or the one linkplan creates (by display name).
    pub network: Option<NetworkObserved>,
    /// The live (not deleting) accesses of that network.
    #[serde(default)]
    pub accesses: Vec<AccessObserved>,
    /// The Kafka cluster (by id, or network + display name).
    pub cluster: Option<ClusterObserved>,
    /// TiDB's connection to the network's endpoint service.
    pub connection: Option<ConnectionObserved>,
    /// What a validate-only attach returned (only asked when the connection is ACTIVE and the
    /// domains are not attached yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains_preview: Option<Vec<String>>,
    /// The changefeed side, when the plan has a `changefeed:` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdc: Option<crate::cdc::CdcObserved>,
}

/// The TiDB cluster and what `getAvailabilityZones` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TidbObserved {
    pub cluster_id: String,
    pub state: Option<ClusterState>,
    /// `region.cloudProvider`, e.g. `aws`.
    pub cloud: Option<String>,
    /// The AWS region code (`regionId` without `aws-`).
    pub region: Option<String>,
    /// `clusterPlan`, e.g. `ESSENTIAL`.
    pub plan: Option<ClusterPlan>,
    /// TiDB Cloud's AWS account (what the access must allow).
    pub account_id: Option<String>,
    #[serde(default)]
    pub az_ids: Vec<String>,
}

/// A Confluent network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkObserved {
    pub id: String,
    pub display_name: Option<String>,
    pub phase: Option<Phase>,
    pub cloud: Option<Cloud>,
    pub region: Option<String>,
    #[serde(default)]
    pub connection_types: Vec<ConnectionType>,
    #[serde(default)]
    pub zones: Vec<String>,
    #[serde(default)]
    pub zonal_subdomains: BTreeMap<String, String>,
    pub dns_domain: Option<String>,
    /// `status.cloud.private_link_endpoint_service`, once READY.
    pub service_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl NetworkObserved {
    /// The unique name (`domnprzqrog.us-east-1`) from any zonal subdomain, else the DNS domain.
    pub fn unique_name(&self) -> Option<String> {
        self.zonal_subdomains
            .values()
            .chain(self.dns_domain.as_ref())
            .find_map(|d| DnsSubdomain::parse(d.trim_start_matches('.')).ok())
            .map(|d| d.unique_name().as_str().to_owned())
    }
}

/// A PrivateLink access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessObserved {
    pub id: String,
    pub display_name: Option<String>,
    pub account: Option<String>,
    pub phase: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A Kafka cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterObserved {
    pub id: String,
    pub display_name: Option<String>,
    pub phase: Option<ClusterPhase>,
    pub network_id: Option<String>,
    pub dedicated: bool,
    /// `spec.config.kind`, lower-cased as plans write it (`dedicated`, `basic`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `spec.availability`, as plans write it (`LOW` reads as SINGLE_ZONE, `HIGH` as MULTI_ZONE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// `spec.config.cku`: the CKUs asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cku: Option<i32>,
    /// `status.cku`: the CKUs in service (behind `cku` while a resize runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_cku: Option<i32>,
    /// The host of the PRIVATE_LINK bootstrap endpoint (a changefeed's TLS server name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_host: Option<String>,
    /// `spec.config.zones`: the AZ IDs the cluster runs in, when it reports them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
}

/// A TiDB private link connection, with its attached domains (from a GET).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionObserved {
    pub id: String,
    pub display_name: Option<String>,
    pub service_name: Option<String>,
    pub state: Option<PrivateLinkConnectionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub attached: Vec<AttachedObserved>,
}

impl Observed {
    /// The live access for `account`.
    pub fn access_for(&self, account: &str) -> Option<&AccessObserved> {
        self.accesses.iter().find(|a| a.account.as_deref() == Some(account))
    }

    /// TiDB's AWS account: live, else declared.
    pub fn account<'a>(&'a self, desired: &'a Desired) -> Option<&'a str> {
        self.tidb
            .as_ref()
            .and_then(|t| t.account_id.as_deref())
            .or_else(|| desired.declared_account().map(|a| a.as_str()))
    }
}

impl ConnectionObserved {
    /// The CONFLUENT attachment for `unique_name`.
    pub fn attachment(&self, unique_name: &str) -> Option<&AttachedObserved> {
        self.attached
            .iter()
            .find(|a| a.kind == Some(DomainType::Confluent) && a.unique_name.as_deref() == Some(unique_name))
    }
}

/// One domain attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedObserved {
    pub id: Option<String>,
    pub kind: Option<DomainType>,
    pub unique_name: Option<String>,
    #[serde(default)]
    pub domains: Vec<DomainObserved>,
}

/// One attached domain and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainObserved {
    pub name: Option<String>,
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Observed {
    /// A digest of everything observed (FNV-1a over the JSON form): a saved plan records it, and
    /// apply refuses the plan when the world no longer matches.
    pub fn fingerprint(&self) -> String {
        // A running changefeed's checkpoint moves every second: it is status, not the world.
        let mut steady = self.clone();
        if let Some(feed) = steady.cdc.as_mut().and_then(|c| c.changefeed.as_mut()) {
            feed.checkpoint_time = None;
            feed.checkpoint_ms = None;
            feed.lag_ms = None;
        }
        // The GC safe point trails the clock too.
        if let Some(tables) = steady.cdc.as_mut().and_then(|c| c.tables.as_mut()) {
            tables.gc_safe_point = None;
        }
        let json = serde_json::to_string(&steady).unwrap_or_default();
        format!("{:016x}", crate::clock::seed_of(&json))
    }
}

impl Observed {
    /// What was observed, as the plan keys it fills in when the plan leaves them out (for
    /// online checks): TiDB's cloud, region, account and AZ IDs (looked
    /// up by `tidb.cluster_id`), the network's cloud, region, connection types, zones, DNS
    /// subdomain and endpoint service (by `confluent.network.id`: a network linkplan creates is
    /// the plan's to describe), the cluster's type.
    pub fn live_facts(&self, desired: &Desired) -> Vec<LiveFact> {
        const TIDB: &str = "TiDB Cloud";
        const CONFLUENT: &str = "Confluent Cloud";
        let mut facts = Vec::new();
        let mut push = |path: &[&'static str], value: LiveValue, from: &[&'static str], source| {
            facts.push(LiveFact { path: path.to_vec(), value, from: from.to_vec(), source });
        };
        let text = |v: &Option<String>| v.clone().map(LiveValue::Str);
        if let Some(tidb) = &self.tidb {
            let from: &[&str] = &["tidb", "cluster_id"];
            if let Some(v) = text(&tidb.cloud) {
                push(&["tidb", "cloud"], v, from, TIDB);
            }
            if let Some(v) = text(&tidb.region) {
                push(&["tidb", "region"], v, from, TIDB);
            }
            if let Some(v) = text(&tidb.account_id) {
                push(&["tidb", "aws_account_id"], v, from, TIDB);
            }
            if !tidb.az_ids.is_empty() {
                push(&["tidb", "availability_zones"], LiveValue::List(tidb.az_ids.clone()), from, TIDB);
            }
        }
        let referenced = matches!(desired.confluent.network.source, NetworkSource::Existing { .. });
        if let Some(network) = self.network.as_ref().filter(|_| referenced) {
            let from: &[&str] = &["confluent", "network", "id"];
            let key = |k: &'static str| ["confluent", "network", k];
            if let Some(v) = network.cloud.as_ref().map(|c| LiveValue::Str(c.to_string())) {
                push(&key("cloud"), v, from, CONFLUENT);
            }
            if let Some(v) = text(&network.region) {
                push(&key("region"), v, from, CONFLUENT);
            }
            if !network.connection_types.is_empty() {
                push(
                    &key("connection_types"),
                    LiveValue::List(network.connection_types.iter().map(ToString::to_string).collect()),
                    from,
                    CONFLUENT,
                );
            }
            if !network.zones.is_empty() {
                push(&key("zones"), LiveValue::List(network.zones.clone()), from, CONFLUENT);
            }
            if let Some(subdomain) = network.zonal_subdomains.values().next() {
                push(&key("dns_subdomain"), LiveValue::Str(subdomain.clone()), from, CONFLUENT);
            }
            if let Some(v) = text(&network.service_name) {
                push(&["confluent", "vpc_service_endpoint"], v, from, CONFLUENT);
            }
        }
        if let Some(kind) = self.cluster.as_ref().and_then(|c| c.kind.clone()) {
            push(&["confluent", "cluster", "type"], LiveValue::Str(kind), &["confluent", "cluster"], CONFLUENT);
        }
        facts
    }
}

/// A declared fact that disagrees with the live value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// The plan key, e.g. `tidb.aws_account_id`.
    pub key: String,
    pub declared: String,
    pub live: String,
}

/// Declared facts that disagree with live values (pure).
pub fn drift(desired: &Desired, observed: &Observed) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut check = |key: &str, declared: Option<&str>, live: Option<&str>| {
        if let (Some(declared), Some(live)) = (declared, live)
            && declared != live
        {
            out.push(Drift { key: key.to_owned(), declared: declared.to_owned(), live: live.to_owned() });
        }
    };
    if let Some(tidb) = &observed.tidb {
        check("tidb.region", Some(desired.tidb.region.as_str()), tidb.region.as_deref());
        check(
            "tidb.aws_account_id",
            desired.tidb.aws_account_id.as_ref().map(|a| a.as_str()),
            tidb.account_id.as_deref(),
        );
        check(
            "confluent.private_link_access.account",
            desired.confluent.access.account.as_ref().map(|a| a.as_str()),
            tidb.account_id.as_deref(),
        );
        let declared = desired.tidb.availability_zones.as_ref().map(|z| sorted(z.iter().map(|a| a.as_str())));
        check(
            "tidb.availability_zones",
            declared.as_deref(),
            (!tidb.az_ids.is_empty()).then(|| sorted(tidb.az_ids.iter().map(String::as_str))).as_deref(),
        );
    }
    if let Some(network) = &observed.network {
        let net = &desired.confluent.network;
        check("confluent.network.region", Some(net.region.as_str()), network.region.as_deref());
        let declared = net.zones.as_ref().map(|z| sorted(z.iter().map(|a| a.as_str())));
        let live = (!network.zones.is_empty()).then(|| sorted(network.zones.iter().map(String::as_str)));
        check("confluent.network.zones", declared.as_deref(), live.as_deref());
        if let Some(subdomain) = &net.dns_subdomain {
            let live = network.unique_name();
            check("confluent.network.dns_subdomain", Some(subdomain.unique_name().as_str()), live.as_deref());
        }
        check(
            "confluent.vpc_service_endpoint",
            desired.confluent.vpc_service_endpoint.as_ref().map(|s| s.as_str()),
            network.service_name.as_deref(),
        );
        let live = network.unique_name();
        check(
            "private_link_connection.domains.unique_name",
            desired.connection.unique_name.as_ref().map(|u| u.as_str()),
            live.as_deref(),
        );
    }
    out
}

fn sorted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = items.collect();
    v.sort_unstable();
    v.dedup();
    v.join(", ")
}

impl Engine {
    /// Read every resource the plan depends on: one request per resource (lists, each page),
    /// the TiDB side and the Confluent side concurrently.
    pub async fn observe(&self, desired: &Desired) -> Result<Observed, ObserveError> {
        self.observe_with(desired, &Known::default()).await
    }

    /// [`Engine::observe`], also looking up what the journal recorded (`known`) when the plan's
    /// natural key finds nothing: one GET per recorded id, only then.
    pub async fn observe_with(&self, desired: &Desired, known: &Known) -> Result<Observed, ObserveError> {
        let (tidb, confluent) = tokio::join!(self.observe_tidb(desired), self.observe_confluent(desired, known));
        let tidb = tidb?;
        let ConfluentSide { environment_found, network, accesses, cluster } = confluent?;
        let mut observed = Observed {
            tidb,
            environment_found,
            network,
            accesses,
            cluster,
            connection: None,
            domains_preview: None,
            cdc: None,
        };
        let service_name = observed
            .network
            .as_ref()
            .and_then(|n| n.service_name.clone())
            .or_else(|| desired.confluent.vpc_service_endpoint.as_ref().map(|s| s.as_str().to_owned()));
        if let (Some(_), Some(service_name)) = (&observed.tidb, &service_name) {
            observed.connection = self.observe_connection(desired, service_name).await?;
        }
        if observed.connection.is_none() && observed.tidb.is_some() {
            observed.connection = self.recorded_connection(desired, known).await?;
        }
        let unique_name = unique_name(desired, &observed);
        // Only for a connection to the plan's endpoint service (a recorded one to another
        // network is to be replaced: its domains are not the plan's).
        if let (Some(connection), Some(unique_name)) = (&observed.connection, unique_name)
            && connection.service_name.is_some()
            && connection.service_name == service_name
            && connection.state == Some(PrivateLinkConnectionState::Active)
            && connection.attachment(&unique_name).is_none()
        {
            let request = AttachDomainRequest { kind: DomainType::Confluent, unique_name };
            let preview = self
                .tidb
                .private_link_connections()
                .preview_domains(&desired.tidb.cluster_id, &connection.id, &request)
                .await
                .map_err(|e| tidb_error("the domain preview", &e))?;
            observed.domains_preview = Some(preview.domains.into_iter().filter_map(|d| d.name).collect());
        }
        if let Some(changefeed) = &desired.changefeed {
            observed.cdc = Some(self.observe_cdc(desired, changefeed, &observed).await?);
        }
        Ok(observed)
    }

    async fn observe_tidb(&self, desired: &Desired) -> Result<Option<TidbObserved>, ObserveError> {
        let id = &desired.tidb.cluster_id;
        let cluster = match self.tidb.clusters().get(id).await {
            Ok(cluster) => cluster,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(tidb_error("the cluster", &e)),
        };
        let zones = self
            .tidb
            .private_link_connections()
            .availability_zones(id)
            .await
            .map_err(|e| tidb_error("the availability zones", &e))?;
        Ok(Some(TidbObserved {
            cluster_id: cluster.cluster_id.clone(),
            state: cluster.state.clone(),
            cloud: cluster.region.as_ref().and_then(|r| r.cloud_provider.clone()),
            region: cluster.aws_region().map(str::to_owned),
            plan: cluster.cluster_plan.clone(),
            account_id: zones.account_id,
            az_ids: zones.az_ids,
        }))
    }

    async fn observe_confluent(&self, desired: &Desired, known: &Known) -> Result<ConfluentSide, ObserveError> {
        let env = &desired.confluent.environment;
        let found = async {
            match self.confluent.environments().get(env).await {
                Ok(_) => Ok(true),
                Err(e) if e.is_not_found() || e.is_forbidden() => Ok(false),
                Err(e) => Err(confluent_error("the environment", &e)),
            }
        };
        let found = match &self.reads {
            Some(reads) => reads.environments.get(env.clone(), found).await?,
            None => found.await?,
        };
        if !found {
            return Ok(ConfluentSide::default());
        }
        let filter = match &desired.confluent.network.source {
            NetworkSource::Existing { .. } => NetworkFilter::default(),
            NetworkSource::Create { display_name, .. } => {
                NetworkFilter { display_name: vec![display_name.clone()], ..NetworkFilter::default() }
            }
        };
        let list = async { self.confluent.networks().list(env, &filter).await };
        let networks = match &self.reads {
            Some(reads) => reads.networks.get(format!("{env} {filter:?}"), list).await,
            None => list.await,
        }
        .map_err(|e| confluent_error("the networks", &e))?;
        let mut network = pick_network(desired, networks).map(network_observed);
        if network.is_none() && matches!(desired.confluent.network.source, NetworkSource::Create { .. }) {
            network = self.recorded_network(env, known).await?;
        }
        let Some(network) = network else {
            return Ok(ConfluentSide { environment_found: true, ..ConfluentSide::default() });
        };

        let access_filter =
            PrivateLinkAccessFilter { network: vec![network.id.clone()], ..PrivateLinkAccessFilter::default() };
        let cluster_filter = ClusterFilter { network: vec![network.id.clone()] };
        let (access_handler, cluster_handler) = (self.confluent.private_link_accesses(), self.confluent.clusters());
        let (accesses, clusters) = match &self.reads {
            Some(reads) => {
                let key = format!("{env} {}", network.id);
                tokio::join!(
                    reads.accesses.get(key.clone(), access_handler.list(env, &access_filter)),
                    reads.clusters.get(key, cluster_handler.list(env, &cluster_filter)),
                )
            }
            None => tokio::join!(access_handler.list(env, &access_filter), cluster_handler.list(env, &cluster_filter)),
        };
        let accesses = accesses.map_err(|e| confluent_error("the PrivateLink accesses", &e))?;
        let clusters = clusters.map_err(|e| confluent_error("the Kafka clusters", &e))?;
        // The planner matches TiDB's account (known only from the TiDB side) among these.
        let accesses = accesses
            .into_iter()
            .filter(|a| a.network_id() == Some(network.id.as_str()))
            .filter(|a| a.metadata.deleted_at.is_none() && a.phase() != Some(&Phase::Deprovisioning))
            .map(access_observed)
            .collect();
        let wanted = &desired.confluent.cluster;
        let cluster = clusters
            .into_iter()
            .filter(|c| c.metadata.deleted_at.is_none())
            .find(|c| match &wanted.id {
                Some(id) => &c.id == id,
                None => {
                    c.network_id() == Some(network.id.as_str())
                        && c.spec.display_name.as_deref() == Some(wanted.display_name.as_str())
                }
            })
            .map(|c| cluster_observed(&c));
        let cluster = match cluster {
            None if wanted.id.is_none() => self.recorded_cluster(env, known).await?,
            found => found,
        };
        Ok(ConfluentSide { environment_found: true, network: Some(network), accesses, cluster })
    }

    /// The network linkplan created (journal) when none has the plan's display name: the plan's
    /// name or region changed.
    async fn recorded_network(&self, env: &str, known: &Known) -> Result<Option<NetworkObserved>, ObserveError> {
        for id in known.ids(StepKind::CreateNetwork) {
            match self.confluent.networks().get(env, id).await {
                Ok(n) if n.metadata.deleted_at.is_none() && n.phase() != Some(&Phase::Deprovisioning) => {
                    return Ok(Some(network_observed(n)));
                }
                Ok(_) => (),
                Err(e) if e.is_not_found() || e.is_forbidden() => (),
                Err(e) => return Err(confluent_error("the network linkplan created", &e)),
            }
        }
        Ok(None)
    }

    /// The Kafka cluster linkplan created (journal) when none has the plan's natural key: it
    /// was renamed in the plan, or the plan moved to another network.
    async fn recorded_cluster(&self, env: &str, known: &Known) -> Result<Option<ClusterObserved>, ObserveError> {
        for id in known.ids(StepKind::Cluster) {
            match self.confluent.clusters().get(env, id).await {
                Ok(c) if c.metadata.deleted_at.is_none() => return Ok(Some(cluster_observed(&c))),
                Ok(_) => (),
                Err(e) if e.is_not_found() || e.is_forbidden() => (),
                Err(e) => return Err(confluent_error("the Kafka cluster linkplan created", &e)),
            }
        }
        Ok(None)
    }

    /// The connection linkplan created (journal) when none reaches the plan's endpoint service:
    /// the plan now points at another network.
    async fn recorded_connection(
        &self,
        desired: &Desired,
        known: &Known,
    ) -> Result<Option<ConnectionObserved>, ObserveError> {
        let plcs = self.tidb.private_link_connections();
        for id in known.ids(StepKind::PrivateLinkConnection) {
            match plcs.get(&desired.tidb.cluster_id, id).await {
                Ok(plc) if plc.state != Some(PrivateLinkConnectionState::Deleting) => {
                    return Ok(Some(connection_observed(plc)));
                }
                Ok(_) => (),
                Err(e) if e.is_not_found() => (),
                Err(e) => return Err(tidb_error("the connection linkplan created", &e)),
            }
        }
        Ok(None)
    }

    async fn observe_connection(
        &self,
        desired: &Desired,
        service_name: &str,
    ) -> Result<Option<ConnectionObserved>, ObserveError> {
        let plcs = self.tidb.private_link_connections();
        let cluster_id = &desired.tidb.cluster_id;
        let Some(found) = plcs.find(cluster_id, service_name).await.map_err(|e| tidb_error("the connections", &e))?
        else {
            return Ok(None);
        };
        // The list leaves `attachedDomains` empty: one GET for the domains.
        let plc = match plcs.get(cluster_id, &found.private_link_connection_id).await {
            Ok(plc) => plc,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(tidb_error("the connection", &e)),
        };
        Ok(Some(connection_observed(plc)))
    }
}

/// What the Confluent side of [`Engine::observe`] found.
#[derive(Default)]
struct ConfluentSide {
    environment_found: bool,
    network: Option<NetworkObserved>,
    accesses: Vec<AccessObserved>,
    cluster: Option<ClusterObserved>,
}

/// The unique name to attach: declared, else the observed network's.
pub(crate) fn unique_name(desired: &Desired, observed: &Observed) -> Option<String> {
    desired
        .connection
        .unique_name
        .as_ref()
        .map(|u| u.as_str().to_owned())
        .or_else(|| observed.network.as_ref().and_then(NetworkObserved::unique_name))
}

fn pick_network(desired: &Desired, networks: Vec<Network>) -> Option<Network> {
    let deleting = |n: &Network| n.metadata.deleted_at.is_some() || n.phase() == Some(&Phase::Deprovisioning);
    let mut matching = networks.into_iter().filter(|n| match &desired.confluent.network.source {
        NetworkSource::Existing { id } => &n.id == id,
        NetworkSource::Create { display_name, .. } => n.spec.display_name.as_deref() == Some(display_name.as_str()),
    });
    let mut fallback = None;
    for n in matching.by_ref() {
        if !deleting(&n) {
            return Some(n);
        }
        fallback.get_or_insert(n);
    }
    fallback
}

pub(crate) fn network_observed(n: Network) -> NetworkObserved {
    let status = n.status.as_ref();
    NetworkObserved {
        id: n.id.clone(),
        display_name: n.spec.display_name.clone(),
        phase: n.phase().cloned(),
        cloud: n.spec.cloud.clone(),
        region: n.spec.region.clone(),
        connection_types: n.spec.connection_types.clone(),
        zones: n.spec.zones.clone(),
        zonal_subdomains: status.map(|s| s.zonal_subdomains.clone()).unwrap_or_default(),
        dns_domain: status.and_then(|s| s.dns_domain.clone()),
        service_name: n.private_link_endpoint_service().map(str::to_owned),
        error: status.and_then(|s| s.error_message.clone()),
    }
}

pub(crate) fn connection_observed(
    plc: linkplan_tidbcloud::resources::private_link_connections::PrivateLinkConnection,
) -> ConnectionObserved {
    ConnectionObserved {
        id: plc.private_link_connection_id.clone(),
        display_name: plc.display_name.clone(),
        service_name: plc.aws_service_name().map(str::to_owned),
        state: plc.state.clone(),
        message: plc.message.clone(),
        attached: plc.attached_domains.into_iter().map(attached_observed).collect(),
    }
}

pub(crate) fn attached_observed(a: AttachDomain) -> AttachedObserved {
    AttachedObserved {
        id: a.attach_domain_id,
        kind: a.kind.clone(),
        unique_name: a.unique_name,
        domains: a
            .domains
            .into_iter()
            .map(|d| DomainObserved { name: d.name, state: d.state, message: d.message })
            .collect(),
    }
}

pub(crate) fn access_observed(a: PrivateLinkAccess) -> AccessObserved {
    AccessObserved {
        id: a.id.clone(),
        display_name: a.spec.display_name.clone(),
        account: a.aws_account().map(str::to_owned),
        phase: a.phase().cloned(),
        error: a.status.as_ref().and_then(|s| s.error_message.clone()),
    }
}

pub(crate) fn cluster_observed(c: &Cluster) -> ClusterObserved {
    ClusterObserved {
        id: c.id.clone(),
        display_name: c.spec.display_name.clone(),
        phase: c.phase().cloned(),
        network_id: c.network_id().map(str::to_owned),
        dedicated: c.is_dedicated(),
        kind: c.spec.config.as_ref().map(|k| k.kind.to_ascii_lowercase()),
        availability: c.spec.availability.as_ref().map(|a| match a {
            Availability::SingleZone | Availability::Low => Availability::SingleZone,
            Availability::MultiZone | Availability::High => Availability::MultiZone,
            other => other.clone(),
        }),
        cku: c.spec.config.as_ref().and_then(|k| k.cku),
        status_cku: c.status.as_ref().and_then(|s| s.cku),
        bootstrap_host: crate::cdc::bootstrap_host(c),
        zones: c.spec.config.as_ref().map(|k| k.zones.clone()).unwrap_or_default(),
    }
}

fn confluent_error(what: &'static str, e: &linkplan_confluent::Error) -> ObserveError {
    ObserveError::Confluent { what, message: with_causes(e) }
}

fn tidb_error(what: &'static str, e: &linkplan_tidbcloud::Error) -> ObserveError {
    ObserveError::Tidb { what, message: with_causes(e) }
}

/// A client error's message and its immediate cause (which already sums up the HTTP stack's):
/// `no response from TiDB Cloud: could not connect to serverless.tidbapi.com for GET
/// /v1beta1/clusters/…: DNS lookup failed (…)`.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let message = e.to_string();
    match e.source().map(ToString::to_string) {
        Some(cause) if !message.contains(&cause) => format!("{message}: {cause}"),
        _ => message,
    }
}
