//! `cmk/v2` Kafka clusters: Dedicated clusters in a PrivateLink network.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Cloud, Metadata, ObjectRef, id_path, in_env, null_default, prefer_live};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;

const PATH: &str = "/cmk/v2/clusters";
/// The documented maximum `page_size` of the cluster list.
pub const MAX_PAGE_SIZE: u32 = 100;

linkplan_http::open_enum! {
    /// `spec.availability` (the API may echo LOW for SINGLE_ZONE and HIGH for MULTI_ZONE).
    pub enum Availability {
        /// One zone.
        SingleZone = "SINGLE_ZONE",
        /// Three zones.
        MultiZone = "MULTI_ZONE",
        /// Same as SINGLE_ZONE.
        Low = "LOW",
        /// Same as MULTI_ZONE.
        High = "HIGH",
    }
}

linkplan_http::open_enum! {
    /// `status.phase` of a cluster (note: PROVISIONED, not READY).
    pub enum ClusterPhase {
        /// Being created.
        Provisioning = "PROVISIONING",
        /// Usable.
        Provisioned = "PROVISIONED",
        /// Creation failed.
        Failed = "FAILED",
    }
}

linkplan_http::open_enum! {
    /// `spec.endpoints[*].connection_type`.
    pub enum EndpointConnectionType {
        /// Internet.
        Public = "PUBLIC",
        /// AWS PrivateLink.
        PrivateLink = "PRIVATE_LINK",
        /// Private network interface.
        PrivateNetworkInterface = "PRIVATE_NETWORK_INTERFACE",
    }
}

/// A Kafka cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Cluster {
    /// `lkc-…`.
    pub id: String,
    /// Timestamps (`deleted_at` once a delete was accepted) and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// Desired state.
    #[serde(default)]
    pub spec: ClusterSpec,
    /// Observed state.
    pub status: Option<ClusterStatus>,
}

impl Cluster {
    /// `status.phase`.
    pub fn phase(&self) -> Option<&ClusterPhase> {
        self.status.as_ref().map(|s| &s.phase)
    }

    /// The network id.
    pub fn network_id(&self) -> Option<&str> {
        self.spec.network.as_ref().map(|n| n.id.as_str())
    }

    /// Whether `spec.config.kind` is `Dedicated`.
    pub fn is_dedicated(&self) -> bool {
        self.spec.config.as_ref().is_some_and(|c| c.kind == "Dedicated")
    }
}

/// `spec` of a cluster (the fields the runbook reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ClusterSpec {
    /// The name.
    pub display_name: Option<String>,
    /// Zone layout.
    pub availability: Option<Availability>,
    /// The cloud.
    pub cloud: Option<Cloud>,
    /// The region code.
    pub region: Option<String>,
    /// `kind` (`Dedicated`, `Basic`, …) and, for Dedicated, `cku` and `zones`.
    pub config: Option<ClusterConfig>,
    /// The environment.
    pub environment: Option<ObjectRef>,
    /// The network (Dedicated clusters in a private network).
    pub network: Option<ObjectRef>,
    /// Endpoints by access point id (`PUBLIC`, `PRIVATE_LINK`, …).
    #[serde(default, deserialize_with = "null_default")]
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Deprecated single bootstrap endpoint.
    pub kafka_bootstrap_endpoint: Option<String>,
    /// Whether a delete is refused.
    pub deletion_protection: Option<bool>,
}

/// `spec.config`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// `Basic`, `Standard`, `Dedicated`, `Enterprise`, `Freight`, …
    pub kind: String,
    /// Dedicated: requested CKUs.
    pub cku: Option<i32>,
    /// Dedicated: AZ IDs.
    #[serde(default, deserialize_with = "null_default")]
    pub zones: Vec<String>,
}

/// One entry of `spec.endpoints`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Endpoint {
    /// `host:port` for Kafka clients.
    pub kafka_bootstrap_endpoint: Option<String>,
    /// The REST endpoint.
    pub http_endpoint: Option<String>,
    /// How it is reached.
    pub connection_type: Option<EndpointConnectionType>,
}

/// `status` of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ClusterStatus {
    /// Lifecycle phase.
    pub phase: ClusterPhase,
    /// Current CKUs.
    pub cku: Option<i32>,
}

/// `POST /cmk/v2/clusters` for a Dedicated cluster in a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCluster {
    /// `env-…`.
    pub environment: String,
    /// `n-…`.
    pub network: String,
    /// The name (the natural key, with the network).
    pub display_name: String,
    /// Zone layout (MULTI_ZONE needs `cku ≥ 2`).
    pub availability: Availability,
    /// The cloud (the network's).
    pub cloud: Cloud,
    /// The region code (the network's).
    pub region: String,
    /// CKUs, at least 1.
    pub cku: i32,
    /// AZ IDs for the cluster, or `None` to let Confluent choose.
    pub zones: Option<Vec<String>>,
}

/// Server-side filters of the cluster list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterFilter {
    /// `spec.network`.
    pub network: Vec<String>,
}

/// `client.clusters()`.
#[derive(Debug, Clone, Copy)]
pub struct Clusters<'c> {
    client: &'c Client,
}

impl<'c> Clusters<'c> {
    pub(crate) fn new(client: &'c Client) -> Clusters<'c> {
        Clusters { client }
    }

    /// `GET /cmk/v2/clusters?environment=…` with filters, every page (`listCmkV2Clusters`;
    /// `page_size` 100).
    pub async fn list(&self, environment: &str, filter: &ClusterFilter) -> Result<Vec<Cluster>, Error> {
        let mut query = vec![("environment", environment.to_owned())];
        query.extend(filter.network.iter().map(|v| ("spec.network", v.clone())));
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// The cluster named `display_name` in `network` (the natural key): listed by network,
    /// matched on the name here; one that is not being deleted wins.
    pub async fn find(&self, environment: &str, network: &str, display_name: &str) -> Result<Option<Cluster>, Error> {
        let filter = ClusterFilter { network: vec![network.to_owned()] };
        let found = self.list(environment, &filter).await?;
        let mut matching: Vec<Cluster> = found
            .into_iter()
            .filter(|c| c.network_id() == Some(network) && c.spec.display_name.as_deref() == Some(display_name))
            .collect();
        // Oldest first, so that applies racing on the same name adopt the same one.
        super::oldest_first(&mut matching, |c| (&c.metadata, &c.id));
        Ok(prefer_live(matching, |c| c.metadata.deleted_at.is_some()))
    }

    /// Every live (not deleted, not FAILED) cluster in `network` named `display_name`, oldest
    /// first: after a create, more than one means a concurrent apply made one too, and the
    /// oldest is kept.
    pub async fn find_all(&self, environment: &str, network: &str, display_name: &str) -> Result<Vec<Cluster>, Error> {
        let filter = ClusterFilter { network: vec![network.to_owned()] };
        let mut found: Vec<Cluster> = self
            .list(environment, &filter)
            .await?
            .into_iter()
            .filter(|c| {
                c.network_id() == Some(network)
                    && c.spec.display_name.as_deref() == Some(display_name)
                    && c.metadata.deleted_at.is_none()
                    && c.phase() != Some(&ClusterPhase::Failed)
            })
            .collect();
        super::oldest_first(&mut found, |c| (&c.metadata, &c.id));
        Ok(found)
    }

    /// `GET /cmk/v2/clusters/{id}?environment=…` (`getCmkV2Cluster`).
    pub async fn get(&self, environment: &str, id: &str) -> Result<Cluster, Error> {
        self.client.json(&Call::get(in_env(&id_path(PATH, id), environment))).await
    }

    /// `POST /cmk/v2/clusters` (`createCmkV2Cluster`; 202, PROVISIONING). Never replayed after
    /// an ambiguous failure: on [`Error::is_ambiguous`] call [`Clusters::find`].
    pub async fn create(&self, request: &CreateCluster) -> Result<Cluster, Error> {
        let body = Body {
            spec: Spec {
                display_name: &request.display_name,
                availability: &request.availability,
                cloud: &request.cloud,
                region: &request.region,
                config: Config { kind: "Dedicated", cku: request.cku, zones: request.zones.as_deref() },
                environment: ObjectRef::new(&request.environment),
                network: ObjectRef::new(&request.network),
            },
        };
        self.client.json(&Call::create(PATH.to_owned(), &body)?).await
    }

    /// `PATCH /cmk/v2/clusters/{id}` (`updateCmkV2Cluster`): ask for `cku` CKUs (a Dedicated
    /// cluster's resize). The answer shows the request in `spec.config.cku`; `status.cku`
    /// catches up when the resize is done. Setting a value is idempotent: replayed on a lost
    /// answer.
    pub async fn resize(&self, environment: &str, id: &str, cku: i32) -> Result<Cluster, Error> {
        self.update(environment, id, &UpdateCluster { cku: Some(cku), ..UpdateCluster::default() }).await
    }

    /// `PATCH /cmk/v2/clusters/{id}` (`updateCmkV2Cluster`) with what `update` sets: a new
    /// display name (a rename keeps the id and the data) and/or CKUs (see [`Clusters::resize`]).
    /// Setting values is idempotent: replayed on a lost answer.
    pub async fn update(&self, environment: &str, id: &str, update: &UpdateCluster) -> Result<Cluster, Error> {
        let body = UpdateBody {
            spec: UpdateSpec {
                display_name: update.display_name.as_deref(),
                config: update.cku.map(|cku| UpdateConfig { kind: "Dedicated", cku }),
                environment: ObjectRef::new(environment),
            },
        };
        let target = id_path(PATH, id);
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

    /// `DELETE /cmk/v2/clusters/{id}?environment=…` (`deleteCmkV2Cluster`; 204, then readable
    /// with `metadata.deleted_at` until a GET answers 404).
    pub async fn delete(&self, environment: &str, id: &str) -> Result<(), Error> {
        self.client.send(&Call::delete(in_env(&id_path(PATH, id), environment))).await.map(drop)
    }
}

/// What [`Clusters::update`] changes (`None`: left as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateCluster {
    pub display_name: Option<String>,
    pub cku: Option<i32>,
}

#[derive(Serialize)]
struct UpdateBody<'a> {
    spec: UpdateSpec<'a>,
}

#[derive(Serialize)]
struct UpdateSpec<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<UpdateConfig>,
    environment: ObjectRef,
}

#[derive(Serialize)]
struct UpdateConfig {
    kind: &'static str,
    cku: i32,
}

#[derive(Serialize)]
struct Body<'a> {
    spec: Spec<'a>,
}

#[derive(Serialize)]
struct Spec<'a> {
    display_name: &'a str,
    availability: &'a Availability,
    cloud: &'a Cloud,
    region: &'a str,
    config: Config<'a>,
    environment: ObjectRef,
    network: ObjectRef,
}

#[derive(Serialize)]
struct Config<'a> {
    kind: &'static str,
    cku: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    zones: Option<&'a [String]>,
}
