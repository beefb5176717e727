//! `init`: step 1 of the runbook done for the user, and what exists adopted into a plan file.
//!
//! [`Engine::survey`] reads what a TiDB cluster and a Confluent environment hold — the cluster
//! (region, AZ IDs, AWS account), every network, PrivateLink access and Kafka cluster of the
//! environment, TiDB's private link connections (one GET each for those to one of the
//! environment's endpoint services, for their domains) — into a [`Survey`]. [`propose`] (pure)
//! judges every network ([`Candidate`]: PRIVATELINK, TiDB's region, READY, the zones it shares
//! with TiDB), picks the best (most shared zones, then one with an access for TiDB's account
//! already, then name order) or proposes `create: true` with zones overlapping TiDB's, adopts
//! what exists under the natural keys `plan` looks up (the access for TiDB's account, a Dedicated
//! cluster on that network, the connection to its endpoint service, its CONFLUENT domains) and
//! writes the commented plan file, so `plan` right after shows `=` for everything adopted.

use std::collections::BTreeSet;

use linkplan_confluent::resources::clusters::{Availability, ClusterFilter};
use linkplan_confluent::resources::networks::{ConnectionType, NetworkFilter};
use linkplan_confluent::resources::private_link_accesses::PrivateLinkAccessFilter;
use linkplan_confluent::resources::{Cloud, Phase};
use linkplan_model::Region;
use linkplan_tidbcloud::resources::private_link_connections::{DomainType, PrivateLinkConnectionState};
use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::diff::overlapping_zones;
use crate::observe::{
    AccessObserved, ClusterObserved, ConnectionObserved, NetworkObserved, ObserveError, TidbObserved, access_observed,
    cluster_observed, connection_observed, network_observed, with_causes,
};
use crate::step::{StepId, StepKind};
use crate::zones::ZonePicture;

/// Why no plan could be proposed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    #[error(transparent)]
    Observe(#[from] ObserveError),
    #[error("TiDB cluster {0} was not found")]
    TidbNotFound(String),
    #[error("Confluent environment {0} was not found")]
    EnvironmentNotFound(String),
    #[error("TiDB cluster {id} runs on {cloud}: a PrivateLink connection to Confluent Cloud needs AWS")]
    NotAws { id: String, cloud: String },
    #[error("TiDB cluster {0} reports no AWS region")]
    NoRegion(String),
    #[error(
        "`{0}` cannot be the plan's name: 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"
    )]
    BadName(String),
}

impl InitError {
    /// What to try next.
    pub fn help(&self) -> Option<String> {
        match self {
            InitError::TidbNotFound(_) => {
                Some("check --tidb-cluster and that the TiDB Cloud API key belongs to its organization".to_owned())
            }
            InitError::EnvironmentNotFound(_) => {
                Some("check --environment (env-…) and that the Confluent Cloud API key can read it".to_owned())
            }
            InitError::BadName(_) => Some("pass --name, e.g. --name orders-cdc".to_owned()),
            _ => None,
        }
    }
}

/// A PrivateLink access and the network it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAccess {
    pub network_id: String,
    pub access: AccessObserved,
}

/// What [`Engine::survey`] read of both clouds (serializable, so tests can write one by hand).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// The TiDB cluster id asked for, and what `getAvailabilityZones` says (`None`: not found).
    pub cluster_id: String,
    pub tidb: Option<TidbObserved>,
    /// The TiDB cluster's display name (the plan's default `name`).
    #[serde(default)]
    pub tidb_display_name: Option<String>,
    pub environment: String,
    pub environment_found: bool,
    /// The environment's networks (not being deleted).
    #[serde(default)]
    pub networks: Vec<NetworkObserved>,
    /// The environment's PrivateLink accesses (not being deleted).
    #[serde(default)]
    pub accesses: Vec<NetworkAccess>,
    /// The environment's Kafka clusters (not being deleted).
    #[serde(default)]
    pub clusters: Vec<ClusterObserved>,
    /// TiDB's private link connections (not being deleted); those to one of the environment's
    /// endpoint services with their attached domains.
    #[serde(default)]
    pub connections: Vec<ConnectionObserved>,
}

/// What the user chose, beyond the two ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// The plan's `name` (default: the TiDB cluster's display name, made fit).
    pub name: Option<String>,
}

/// One network of the environment, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub display_name: Option<String>,
    pub region: Option<String>,
    pub phase: Option<String>,
    pub connection_types: Vec<String>,
    pub zones: Vec<String>,
    /// TiDB's AZ IDs the network has too (sorted).
    pub shared_zones: Vec<String>,
    /// How many AZ IDs TiDB has.
    pub tidb_zones: usize,
    /// The access for TiDB's AWS account on this network, if there is one.
    pub access: Option<String>,
    /// Whether the runbook's step 1 accepts it.
    pub fits: bool,
    /// Why it does not fit (empty when it does).
    pub reasons: Vec<String>,
}

impl Candidate {
    /// `n-abc123 "orders-pl": PRIVATELINK, us-east-1, READY, shares 3 of TiDB's 3 zones (…)`, and
    /// why not, when it does not fit.
    pub fn line(&self) -> String {
        let name = self.display_name.as_deref().map(|n| format!(" \"{}\"", plain(n))).unwrap_or_default();
        let mut facts = vec![
            if self.connection_types.is_empty() {
                "no connection type".to_owned()
            } else {
                self.connection_types.join("+")
            },
            self.region.clone().unwrap_or_else(|| "(no region)".to_owned()),
            self.phase.clone().unwrap_or_else(|| "(no phase)".to_owned()),
        ];
        facts.push(if self.shared_zones.is_empty() {
            format!("shares none of TiDB's {} zones", self.tidb_zones)
        } else {
            format!(
                "shares {} of TiDB's {} zones ({})",
                self.shared_zones.len(),
                self.tidb_zones,
                self.shared_zones.join(", ")
            )
        });
        if let Some(access) = &self.access {
            facts.push(format!("access {access} for TiDB's account"));
        }
        let why = if self.fits { String::new() } else { format!(" — why not: {}", self.reasons.join("; ")) };
        format!("{}{name}: {}{why}", self.id, facts.join(", "))
    }
}

/// The network the plan uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chosen {
    /// `true`: none fits, linkplan creates one (`create: true`).
    pub create: bool,
    /// The existing network's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_id: Option<String>,
    pub display_name: Option<String>,
    pub region: String,
    pub zones: Vec<String>,
    pub shared_zones: Vec<String>,
    /// Why this one.
    pub reason: String,
}

/// A resource that exists and that the plan now names by its natural key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adopted {
    /// The step `plan` shows for it (as `=` once adopted).
    pub step: String,
    pub id: String,
    pub what: String,
}

/// What `init` proposes: the judged networks, the choice, what it adopts and the plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// Every network of the environment: the ones that fit first, best first.
    pub candidates: Vec<Candidate>,
    pub chosen: Chosen,
    pub adopted: Vec<Adopted>,
    /// What else the reader should know (other Kafka clusters on the network, a connection's
    /// domains under another unique name, …).
    pub notes: Vec<String>,
    /// TiDB's zones against the chosen network's and the Kafka cluster's.
    pub zones: Option<ZonePicture>,
    /// The plan file (YAML, commented).
    pub plan: String,
}

impl Engine {
    /// Read what `init` needs of TiDB cluster `cluster_id` and Confluent environment
    /// `environment`: lists (each page), the two sides concurrently, then one GET per connection
    /// to one of the environment's endpoint services.
    pub async fn survey(&self, cluster_id: &str, environment: &str) -> Result<Survey, ObserveError> {
        let (tidb, confluent) = tokio::join!(self.survey_tidb(cluster_id), self.survey_confluent(environment));
        let (tidb, tidb_display_name, connections) = tidb?;
        let (environment_found, networks, accesses, clusters) = confluent?;
        let services: BTreeSet<&str> = networks.iter().filter_map(|n| n.service_name.as_deref()).collect();
        let plcs = self.tidb.private_link_connections();
        let mut detailed = Vec::new();
        for plc in connections {
            if plc.service_name.as_deref().is_some_and(|s| services.contains(s)) {
                // The list leaves `attachedDomains` empty.
                match plcs.get(cluster_id, &plc.id).await {
                    Ok(full) => detailed.push(connection_observed(full)),
                    Err(e) if e.is_not_found() => (),
                    Err(e) => return Err(tidb_error("the connection", &e)),
                }
            } else {
                detailed.push(plc);
            }
        }
        Ok(Survey {
            cluster_id: cluster_id.to_owned(),
            tidb,
            tidb_display_name,
            environment: environment.to_owned(),
            environment_found,
            networks,
            accesses,
            clusters,
            connections: detailed,
        })
    }

    async fn survey_tidb(
        &self,
        cluster_id: &str,
    ) -> Result<(Option<TidbObserved>, Option<String>, Vec<ConnectionObserved>), ObserveError> {
        let cluster = match self.tidb.clusters().get(cluster_id).await {
            Ok(cluster) => cluster,
            Err(e) if e.is_not_found() => return Ok((None, None, Vec::new())),
            Err(e) => return Err(tidb_error("the cluster", &e)),
        };
        let plcs = self.tidb.private_link_connections();
        let (zones, list) = tokio::join!(plcs.availability_zones(cluster_id), plcs.list(cluster_id, None));
        let zones = zones.map_err(|e| tidb_error("the availability zones", &e))?;
        let connections = list
            .map_err(|e| tidb_error("the connections", &e))?
            .into_iter()
            .filter(|c| c.state != Some(PrivateLinkConnectionState::Deleting))
            .map(connection_observed)
            .collect();
        let tidb = TidbObserved {
            cluster_id: cluster.cluster_id.clone(),
            state: cluster.state.clone(),
            cloud: cluster.region.as_ref().and_then(|r| r.cloud_provider.clone()),
            region: cluster.aws_region().map(str::to_owned),
            plan: cluster.cluster_plan.clone(),
            account_id: zones.account_id,
            az_ids: zones.az_ids,
        };
        Ok((Some(tidb), cluster.display_name.clone(), connections))
    }

    #[allow(clippy::type_complexity)]
    async fn survey_confluent(
        &self,
        env: &str,
    ) -> Result<(bool, Vec<NetworkObserved>, Vec<NetworkAccess>, Vec<ClusterObserved>), ObserveError> {
        match self.confluent.environments().get(env).await {
            Ok(_) => (),
            Err(e) if e.is_not_found() || e.is_forbidden() => return Ok((false, Vec::new(), Vec::new(), Vec::new())),
            Err(e) => return Err(confluent_error("the environment", &e)),
        }
        let (networks, accesses, clusters) =
            (self.confluent.networks(), self.confluent.private_link_accesses(), self.confluent.clusters());
        let (network_filter, access_filter, cluster_filter) =
            (NetworkFilter::default(), PrivateLinkAccessFilter::default(), ClusterFilter::default());
        let (networks, accesses, clusters) = tokio::join!(
            networks.list(env, &network_filter),
            accesses.list(env, &access_filter),
            clusters.list(env, &cluster_filter),
        );
        let networks = networks
            .map_err(|e| confluent_error("the networks", &e))?
            .into_iter()
            .filter(|n| n.metadata.deleted_at.is_none() && n.phase() != Some(&Phase::Deprovisioning))
            .map(network_observed)
            .collect();
        let accesses = accesses
            .map_err(|e| confluent_error("the PrivateLink accesses", &e))?
            .into_iter()
            .filter(|a| a.metadata.deleted_at.is_none() && a.phase() != Some(&Phase::Deprovisioning))
            .filter_map(|a| {
                let network_id = a.network_id()?.to_owned();
                Some(NetworkAccess { network_id, access: access_observed(a) })
            })
            .collect();
        let clusters = clusters
            .map_err(|e| confluent_error("the Kafka clusters", &e))?
            .iter()
            .filter(|c| c.metadata.deleted_at.is_none())
            .map(cluster_observed)
            .collect();
        Ok((true, networks, accesses, clusters))
    }
}

fn confluent_error(what: &'static str, e: &linkplan_confluent::Error) -> ObserveError {
    ObserveError::Confluent { what, message: with_causes(e) }
}

fn tidb_error(what: &'static str, e: &linkplan_tidbcloud::Error) -> ObserveError {
    ObserveError::Tidb { what, message: with_causes(e) }
}

/// Judge the networks, choose one (or a network to create), adopt what exists and write the plan.
pub fn propose(survey: &Survey, options: &InitOptions) -> Result<Proposal, InitError> {
    let tidb = survey.tidb.as_ref().ok_or_else(|| InitError::TidbNotFound(survey.cluster_id.clone()))?;
    if !survey.environment_found {
        return Err(InitError::EnvironmentNotFound(survey.environment.clone()));
    }
    if let Some(cloud) = tidb.cloud.as_ref().filter(|c| !c.eq_ignore_ascii_case("aws")) {
        return Err(InitError::NotAws { id: tidb.cluster_id.clone(), cloud: cloud.clone() });
    }
    let region_text = tidb.region.clone().ok_or_else(|| InitError::NoRegion(tidb.cluster_id.clone()))?;
    let region = Region::parse(&region_text).map_err(|_| InitError::NoRegion(tidb.cluster_id.clone()))?;
    let name = match &options.name {
        Some(name) if valid_name(name) => name.clone(),
        Some(name) => return Err(InitError::BadName(name.clone())),
        None => default_name(survey),
    };
    let tidb_zones: Vec<String> = tidb.az_ids.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let account = tidb.account_id.as_deref();

    let mut candidates: Vec<Candidate> =
        survey.networks.iter().map(|n| judge(n, &region_text, &tidb_zones, account, survey)).collect();
    // Fitting first: most shared zones, then an access for TiDB's account, then name order.
    // The others in name order.
    candidates.sort_by(|a, b| {
        let rank = |c: &Candidate| if c.fits { (c.shared_zones.len(), c.access.is_some()) } else { (0, false) };
        b.fits.cmp(&a.fits).then(rank(b).cmp(&rank(a))).then_with(|| sort_name(a).cmp(&sort_name(b)))
    });
    let best = candidates.first().filter(|c| c.fits);
    let network = best.and_then(|c| survey.networks.iter().find(|n| n.id == c.id));

    let mut w = Writer::default();
    let mut adopted = Vec::new();
    let mut notes = Vec::new();
    let cluster_id = tidb.cluster_id.as_str();

    let chosen = match (best, network) {
        (Some(c), Some(_)) => {
            let others = candidates.iter().skip(1).filter(|o| o.fits).count();
            let mut reason = format!(
                "PRIVATELINK in {region_text}, READY, shares {} of TiDB's {} zones",
                c.shared_zones.len(),
                c.tidb_zones
            );
            if c.access.is_some() {
                reason.push_str(", already allows TiDB's AWS account");
            }
            if others > 0 {
                reason.push_str(&format!(
                    "; the best of {} that fit (most shared zones, then an access for TiDB's account, then name order)",
                    others + 1
                ));
            }
            Chosen {
                create: false,
                network_id: Some(c.id.clone()),
                display_name: c.display_name.clone(),
                region: region_text.clone(),
                zones: c.zones.clone(),
                shared_zones: c.shared_zones.clone(),
                reason,
            }
        }
        _ => {
            let zones = overlapping_zones(&region, &tidb_zones);
            let shared = zones.iter().filter(|z| tidb_zones.contains(z)).cloned().collect();
            let reason = if candidates.is_empty() {
                format!("environment {} has no network: linkplan creates one", survey.environment)
            } else {
                format!("none of the {} networks fits: linkplan creates one", candidates.len())
            };
            Chosen {
                create: true,
                network_id: None,
                display_name: Some(format!("{name}-{region_text}")),
                region: region_text.clone(),
                zones,
                shared_zones: shared,
                reason: format!("{reason}, in {region_text}, with zones that overlap TiDB's"),
            }
        }
    };

    // The header: what was asked, what was chosen, what was rejected.
    w.comment(&format!(
        "Written by `linkplan init` for TiDB cluster {cluster_id} and Confluent environment {}.",
        survey.environment
    ));
    w.comment("Review it, then run `linkplan plan` on it: what exists already shows as `=` (unchanged).");
    w.comment("");
    match &chosen.network_id {
        Some(id) => w.comment(&format!("Network: {id} — {}.", chosen.reason)),
        None => w.comment(&format!("Network: {}.", chosen.reason)),
    }
    let rejected: Vec<&Candidate> = candidates.iter().filter(|c| Some(&c.id) != chosen.network_id.as_ref()).collect();
    if !rejected.is_empty() {
        w.comment(if chosen.create {
            "The networks in the environment:"
        } else {
            "Other networks in the environment:"
        });
        for c in &rejected {
            let verdict = if c.fits { " (fits, not chosen)" } else { "" };
            w.comment(&format!("  {}{verdict}", c.line()));
        }
    }
    w.line("version: 1");
    w.line(&format!("name: {}", scalar(&name)));

    // tidb:
    w.line("tidb:");
    w.line(&format!("  cluster_id: {}", quoted(cluster_id)));
    w.line("  cloud: aws");
    w.line(&format!("  region: {}", scalar(&region_text)));
    if let Some(account) = account {
        w.line(&format!("  aws_account_id: {}", quoted(account)));
    }
    if !tidb_zones.is_empty() {
        w.line(&format!("  availability_zones: [{}]", list(&tidb_zones)));
    }

    // confluent.network
    w.line("confluent:");
    w.line(&format!("  environment: {}", scalar(&survey.environment)));
    w.line("  network:");
    let unique_name = network.and_then(NetworkObserved::unique_name);
    match network {
        Some(n) => {
            w.line(&format!("    id: {}", scalar(&n.id)));
            w.line("    cloud: AWS");
            w.line("    connection_types: [PRIVATELINK]");
            w.line(&format!("    region: {}", scalar(&region_text)));
            if !n.zones.is_empty() {
                w.line(&format!("    zones: [{}]", list(&n.zones)));
            }
            // A zonal subdomain of a zone TiDB shares, else any.
            let subdomain = chosen
                .shared_zones
                .iter()
                .find_map(|z| n.zonal_subdomains.get(z))
                .or_else(|| n.zonal_subdomains.values().next())
                .map(|s| s.trim_start_matches('.').to_owned());
            if let Some(subdomain) = subdomain {
                w.line(&format!("    dns_subdomain: {}", scalar(&subdomain)));
            }
        }
        None => {
            w.comment_at(4, "No network fits: linkplan creates this one, in TiDB's region, with zones that overlap");
            w.comment_at(4, "TiDB's (Confluent would pick zones itself otherwise, maybe none of TiDB's).");
            w.line("    create: true");
            w.line(&format!("    display_name: {}", scalar(chosen.display_name.as_deref().unwrap_or(&name))));
            w.line("    dns_resolution: PRIVATE");
            w.line("    cloud: AWS");
            w.line("    connection_types: [PRIVATELINK]");
            w.line(&format!("    region: {}", scalar(&region_text)));
            w.line(&format!("    zones: [{}]", list(&chosen.zones)));
        }
    }

    // confluent.private_link_access
    let network_key = network.map_or_else(|| chosen.display_name.clone().unwrap_or_default(), |n| n.id.clone());
    let access = network.and_then(|n| {
        let account = account?;
        survey
            .accesses
            .iter()
            .find(|a| a.network_id == n.id && a.access.account.as_deref() == Some(account))
            .map(|a| &a.access)
    });
    w.line("  private_link_access:");
    match (access, account) {
        (Some(a), Some(account)) => {
            let phase = a.phase.as_ref().map_or("no phase", |p| p.as_str());
            w.comment_at(4, &format!("Adopted: {} ({phase}), for TiDB Cloud's AWS account {account}.", a.id));
            adopted.push(Adopted {
                step: StepId::new(StepKind::PrivateLinkAccess, &[&network_key, account]).to_string(),
                id: a.id.clone(),
                what: format!("the PrivateLink access for AWS account {account}"),
            });
            w.line(&format!(
                "    display_name: {}",
                scalar(a.display_name.as_deref().unwrap_or(&format!("tidb-{name}")))
            ));
        }
        _ => {
            w.comment_at(4, "Created by `linkplan apply`: it lets TiDB Cloud's AWS account reach the network.");
            w.line(&format!("    display_name: {}", scalar(&format!("tidb-{name}"))));
        }
    }

    // confluent.cluster
    let mut on_network: Vec<&ClusterObserved> = network
        .map(|n| {
            survey.clusters.iter().filter(|c| c.dedicated && c.network_id.as_deref() == Some(n.id.as_str())).collect()
        })
        .unwrap_or_default();
    on_network.sort_by(|a, b| (a.display_name.as_deref(), &a.id).cmp(&(b.display_name.as_deref(), &b.id)));
    let kafka = on_network.first().copied().filter(|c| c.display_name.is_some());
    w.line("  cluster:");
    let mut kafka_zones = None;
    match kafka {
        Some(c) => {
            let display_name = c.display_name.clone().unwrap_or_default();
            let phase = c.phase.as_ref().map_or("no phase", |p| p.as_str());
            w.comment_at(4, &format!("Adopted: {} ({phase}), the Dedicated cluster on {network_key}.", c.id));
            for other in on_network.iter().skip(1) {
                let shown = other.display_name.as_deref().map(plain).unwrap_or_default();
                w.comment_at(
                    4,
                    &format!("Also on this network: {} \"{shown}\" (put its display_name here to use it).", other.id),
                );
                notes.push(format!("network {network_key} has another Dedicated cluster: {} \"{shown}\"", other.id));
            }
            adopted.push(Adopted {
                step: StepId::new(StepKind::Cluster, &[&network_key, &display_name]).to_string(),
                id: c.id.clone(),
                what: format!("the Dedicated Kafka cluster \"{}\"", plain(&display_name)),
            });
            w.line(&format!("    display_name: {}", scalar(&display_name)));
            w.line("    type: dedicated");
            match c.availability {
                Some(Availability::SingleZone) => w.line("    availability: SINGLE_ZONE"),
                Some(Availability::MultiZone) => w.line("    availability: MULTI_ZONE"),
                _ => (),
            }
            if let Some(cku) = c.cku.or(c.status_cku) {
                w.line(&format!("    cku: {cku}"));
            }
            kafka_zones = Some(c.zones.clone());
        }
        None => {
            w.comment_at(4, "Created by `linkplan apply`. MULTI_ZONE: a single-zone cluster sits in a zone Confluent");
            w.comment_at(4, "picks, which may be one TiDB does not have (then it cannot be reached).");
            w.line(&format!("    display_name: {}", scalar(&name)));
            w.line("    type: dedicated");
            w.line("    availability: MULTI_ZONE");
            w.line("    cku: 2");
        }
    }
    if let Some(service) = network.and_then(|n| n.service_name.as_deref()) {
        w.line(&format!("  vpc_service_endpoint: {}", scalar(service)));
    }

    // private_link_connection
    let connection = network.and_then(|n| {
        let service = n.service_name.as_deref()?;
        let mut found: Vec<&ConnectionObserved> =
            survey.connections.iter().filter(|c| c.service_name.as_deref() == Some(service)).collect();
        // An ACTIVE one first, then the oldest id (as apply keeps the oldest).
        found.sort_by_key(|c| (c.state != Some(PrivateLinkConnectionState::Active), c.id.clone()));
        found.first().copied()
    });
    w.line("private_link_connection:");
    let connection_name = match connection {
        Some(c) => {
            let state = c.state.as_ref().map_or("no state", |s| s.as_str());
            w.comment_at(
                2,
                &format!("Adopted: {} ({state}), TiDB's connection to the network's endpoint service.", c.id),
            );
            let display_name = c.display_name.clone().unwrap_or_else(|| format!("confluent-{name}"));
            adopted.push(Adopted {
                step: StepId::new(StepKind::PrivateLinkConnection, &[cluster_id, &display_name]).to_string(),
                id: c.id.clone(),
                what: "TiDB's private link connection to the network's endpoint service".to_owned(),
            });
            display_name
        }
        None => {
            w.comment_at(2, "Created by `linkplan apply`, to the network's endpoint service.");
            format!("confluent-{name}")
        }
    };
    w.line(&format!("  display_name: {}", scalar(&connection_name)));
    w.line("  domains:");
    w.line("    type: CONFLUENT");
    if let Some(unique) = &unique_name {
        let attached = connection.and_then(|c| c.attachment(unique));
        if let (Some(c), Some(a)) = (connection, attached) {
            w.comment_at(4, &format!("Adopted: attached to {} under this unique name.", c.id));
            adopted.push(Adopted {
                step: StepId::new(StepKind::AttachDomains, &[cluster_id, &connection_name, "CONFLUENT"]).to_string(),
                id: a.id.clone().unwrap_or_else(|| c.id.clone()),
                what: format!("the CONFLUENT domains of {unique}"),
            });
        }
        w.line(&format!("    unique_name: {}", scalar(unique)));
        if let Some(c) = connection {
            for other in c.attached.iter().filter(|a| a.kind == Some(DomainType::Confluent)) {
                if let Some(name) = other.unique_name.as_deref().filter(|u| *u != unique) {
                    notes.push(format!(
                        "connection {} has CONFLUENT domains under {name}, not the network's {unique} (`linkplan doctor` explains)",
                        c.id
                    ));
                }
            }
        }
    } else if network.is_none() {
        w.comment_at(4, "unique_name: read from the network once it is READY.");
    }
    w.line("# To stream TiDB's changes into Kafka over this link, add a `changefeed:` block (see the README).");

    let network_zones = network.map_or_else(|| chosen.zones.clone(), |n| n.zones.clone());
    let zones = ZonePicture::new(tidb_zones.clone(), network_zones, kafka_zones);
    Ok(Proposal { candidates, chosen, adopted, notes, zones, plan: w.text })
}

/// Judge one network against TiDB's region and zones.
fn judge(
    n: &NetworkObserved,
    region: &str,
    tidb_zones: &[String],
    account: Option<&str>,
    survey: &Survey,
) -> Candidate {
    let mut reasons = Vec::new();
    if n.cloud.as_ref().is_some_and(|c| *c != Cloud::Aws) {
        reasons.push(format!("on {}, not AWS", n.cloud.as_ref().map(ToString::to_string).unwrap_or_default()));
    }
    if !n.connection_types.contains(&ConnectionType::PrivateLink) {
        let types: Vec<String> = n.connection_types.iter().map(ToString::to_string).collect();
        reasons.push(format!(
            "not PRIVATELINK ({})",
            if types.is_empty() { "no connection type".to_owned() } else { types.join(", ") }
        ));
    }
    match n.region.as_deref() {
        Some(r) if r == region => (),
        Some(r) => reasons.push(format!("in {r}, not TiDB's {region}")),
        None => reasons.push("reports no region".to_owned()),
    }
    if n.phase != Some(Phase::Ready) {
        let phase = n.phase.as_ref().map_or("no phase", |p| p.as_str());
        reasons.push(format!("{phase}, not READY"));
    }
    let shared: Vec<String> = tidb_zones.iter().filter(|z| n.zones.contains(z)).cloned().collect();
    if shared.is_empty() {
        reasons.push(format!("shares no zone with TiDB ({} against {})", n.zones.join(", "), tidb_zones.join(", ")));
    }
    let access = account.and_then(|account| {
        survey
            .accesses
            .iter()
            .find(|a| a.network_id == n.id && a.access.account.as_deref() == Some(account))
            .map(|a| a.access.id.clone())
    });
    Candidate {
        id: n.id.clone(),
        display_name: n.display_name.clone(),
        region: n.region.clone(),
        phase: n.phase.as_ref().map(ToString::to_string),
        connection_types: n.connection_types.iter().map(ToString::to_string).collect(),
        zones: n.zones.clone(),
        shared_zones: shared,
        tidb_zones: tidb_zones.len(),
        access,
        fits: reasons.is_empty(),
        reasons,
    }
}

fn sort_name(c: &Candidate) -> (String, String) {
    (c.display_name.clone().unwrap_or_default(), c.id.clone())
}

/// The plan's `name` pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The TiDB cluster's display name made a valid `name` (other characters become `-`), else
/// `tidb-<cluster id>`.
fn default_name(survey: &Survey) -> String {
    let made: String = survey
        .tidb_display_name
        .as_deref()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .collect();
    let made = made.trim_start_matches(['.', '_', '-']);
    let made: String = made.chars().take(64).collect();
    if valid_name(&made) { made } else { format!("tidb-{}", survey.cluster_id.chars().take(59).collect::<String>()) }
}

/// A comment-safe rendering of a name from the cloud (no control characters, no line breaks).
fn plain(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A YAML scalar: plain when it reads back as the same string, else double-quoted (JSON's
/// escapes are YAML's).
fn scalar(text: &str) -> String {
    let plain_safe = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && !matches!(text.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off");
    if plain_safe { text.to_owned() } else { quoted(text) }
}

/// Always double-quoted (ids that look like numbers stay strings).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| scalar(i)).collect::<Vec<_>>().join(", ")
}

/// The plan text, line by line.
#[derive(Default)]
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn comment(&mut self, text: &str) {
        self.comment_at(0, text);
    }

    fn comment_at(&mut self, indent: usize, text: &str) {
        let text = plain(text);
        let line = if text.is_empty() { "#".to_owned() } else { format!("# {text}") };
        self.line(&format!("{:indent$}{line}", ""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_would_read_back_differently_are_quoted() {
        assert_eq!(scalar("orders"), "orders");
        assert_eq!(
            scalar("use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud"),
            "use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud"
        );
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("my cluster: #1"), "\"my cluster: #1\"");
        assert_eq!(scalar("a\nb"), "\"a\\nb\"");
    }

    fn network(id: &str, name: &str, zones: &[&str]) -> NetworkObserved {
        NetworkObserved {
            id: id.to_owned(),
            display_name: Some(name.to_owned()),
            phase: Some(Phase::Ready),
            cloud: Some(Cloud::Aws),
            region: Some("us-east-1".to_owned()),
            connection_types: vec![ConnectionType::PrivateLink],
            zones: zones.iter().map(|z| (*z).to_owned()).collect(),
            zonal_subdomains: Default::default(),
            dns_domain: None,
            service_name: None,
            error: None,
        }
    }

    fn survey(networks: Vec<NetworkObserved>, access_on: Option<&str>) -> Survey {
        Survey {
            cluster_id: "1".to_owned(),
            tidb: Some(TidbObserved {
                cluster_id: "1".to_owned(),
                state: None,
                cloud: Some("aws".to_owned()),
                region: Some("us-east-1".to_owned()),
                plan: None,
                account_id: Some("123456789012".to_owned()),
                az_ids: vec!["use1-az1".to_owned(), "use1-az2".to_owned(), "use1-az4".to_owned()],
            }),
            tidb_display_name: Some("orders".to_owned()),
            environment: "env-1".to_owned(),
            environment_found: true,
            networks,
            accesses: access_on
                .map(|n| NetworkAccess {
                    network_id: n.to_owned(),
                    access: AccessObserved {
                        id: "pla-1".to_owned(),
                        display_name: None,
                        account: Some("123456789012".to_owned()),
                        phase: Some(Phase::Ready),
                        error: None,
                    },
                })
                .into_iter()
                .collect(),
            ..Survey::default()
        }
    }

    fn chosen(survey: &Survey) -> String {
        let p = propose(survey, &InitOptions::default()).expect("a proposal");
        p.chosen.network_id.expect("an existing network")
    }

    #[test]
    fn most_shared_zones_then_an_access_then_name_order() {
        let two_a = network("n-a", "alpha", &["use1-az1", "use1-az2", "use1-az6"]);
        let two_b = network("n-b", "bravo", &["use1-az1", "use1-az4", "use1-az6"]);
        let three = network("n-c", "charlie", &["use1-az1", "use1-az2", "use1-az4"]);
        // Name order between equals.
        assert_eq!(chosen(&survey(vec![two_b.clone(), two_a.clone()], None)), "n-a");
        // An access for TiDB's account breaks the tie.
        assert_eq!(chosen(&survey(vec![two_a.clone(), two_b.clone()], Some("n-b"))), "n-b");
        // More shared zones win over an access.
        assert_eq!(chosen(&survey(vec![two_a, two_b, three], Some("n-b"))), "n-c");
    }

    #[test]
    fn a_network_that_is_not_ready_or_not_aws_does_not_fit() {
        let mut provisioning = network("n-p", "p", &["use1-az1", "use1-az2", "use1-az4"]);
        provisioning.phase = Some(Phase::Provisioning);
        let mut gcp = network("n-g", "g", &["use1-az1", "use1-az2", "use1-az4"]);
        gcp.cloud = Some(Cloud::Gcp);
        let p = propose(&survey(vec![provisioning, gcp], None), &InitOptions::default()).expect("a proposal");
        assert!(p.chosen.create, "{:?}", p.chosen);
        let reasons: Vec<&[String]> = p.candidates.iter().map(|c| c.reasons.as_slice()).collect();
        assert_eq!(reasons, [vec!["on GCP, not AWS".to_owned()], vec!["PROVISIONING, not READY".to_owned()]]);
        let bad = InitOptions { name: Some("-bad".to_owned()) };
        assert!(matches!(propose(&survey(Vec::new(), None), &bad), Err(InitError::BadName(_))));
    }

    #[test]
    fn the_default_name_comes_from_the_tidb_cluster() {
        let survey = |name: Option<&str>| Survey {
            cluster_id: "1014".to_owned(),
            tidb_display_name: name.map(str::to_owned),
            ..Survey::default()
        };
        assert_eq!(default_name(&survey(Some("orders"))), "orders");
        assert_eq!(default_name(&survey(Some("my orders!"))), "my-orders-");
        assert_eq!(default_name(&survey(Some("--"))), "tidb-1014");
        assert_eq!(default_name(&survey(None)), "tidb-1014");
        assert!(valid_name("orders-cdc") && !valid_name("-x") && !valid_name(&"a".repeat(65)));
    }
}
