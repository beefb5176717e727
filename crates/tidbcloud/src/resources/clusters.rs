//! Starter/Essential clusters: get and list (read-only; linkplan references an existing cluster).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{API, cluster_path, null_default};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::{ListBody, list_all};

/// The documented maximum `pageSize` of the cluster list.
pub const MAX_PAGE_SIZE: u32 = 100;

linkplan_http::open_enum! {
    /// `state` of a cluster (linkplan needs ACTIVE).
    pub enum ClusterState {
        /// Being created.
        Creating = "CREATING",
        /// Being deleted.
        Deleting = "DELETING",
        /// Usable.
        Active = "ACTIVE",
        /// Restoring from a backup.
        Restoring = "RESTORING",
        /// Under maintenance.
        Maintenance = "MAINTENANCE",
        /// Deleted.
        Deleted = "DELETED",
        /// Inactive.
        Inactive = "INACTIVE",
        /// Upgrading.
        Upgrading = "UPGRADING",
        /// Importing data.
        Importing = "IMPORTING",
        /// Being modified.
        Modifying = "MODIFYING",
        /// Pausing.
        Pausing = "PAUSING",
        /// Paused.
        Paused = "PAUSED",
        /// Resuming.
        Resuming = "RESUMING",
    }
}

linkplan_http::open_enum! {
    /// `clusterPlan`.
    pub enum ClusterPlan {
        /// Starter.
        Starter = "STARTER",
        /// Essential (what linkplan supports).
        Essential = "ESSENTIAL",
    }
}

/// A cluster (the fields the runbook reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cluster {
    /// The id (an opaque string; examples are long numbers).
    pub cluster_id: String,
    /// `clusters/{clusterId}`.
    pub name: Option<String>,
    /// The name shown in the console.
    pub display_name: Option<String>,
    /// Lifecycle state.
    pub state: Option<ClusterState>,
    /// Where it runs.
    pub region: Option<Region>,
    /// `STARTER` or `ESSENTIAL`.
    pub cluster_plan: Option<ClusterPlan>,
    /// `Starter`, `Essential`, `Premium`, `BYOC`, …
    pub service_plan: Option<String>,
    /// `ZONAL` or `REGIONAL`.
    pub high_availability_type: Option<String>,
    /// Labels, e.g. `tidb.cloud/project`.
    #[serde(default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
}

impl Cluster {
    /// The AWS region code (`regionId` `aws-us-east-1` → `us-east-1`), for an AWS cluster.
    pub fn aws_region(&self) -> Option<&str> {
        self.region.as_ref()?.region_id.as_deref()?.strip_prefix("aws-")
    }
}

/// `region` of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Region {
    /// `regions/aws-us-east-1`.
    pub name: Option<String>,
    /// `aws-us-east-1`.
    pub region_id: Option<String>,
    /// `aws`, `gcp`, `azure`, `alicloud`.
    pub cloud_provider: Option<String>,
    /// For humans.
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterList {
    #[serde(default, deserialize_with = "null_default")]
    clusters: Vec<Cluster>,
    next_page_token: Option<String>,
}

impl ListBody for ClusterList {
    type Item = Cluster;
    fn into_parts(self) -> (Vec<Cluster>, Option<String>) {
        (self.clusters, self.next_page_token)
    }
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

    /// `GET /v1beta1/clusters/{clusterId}` (`ClusterService_GetCluster`, default view).
    pub async fn get(&self, cluster_id: &str) -> Result<Cluster, Error> {
        self.client.json(&Call::get(cluster_path(cluster_id))).await
    }

    /// `GET /v1beta1/clusters`, every page (`ClusterService_ListClusters`; `pageSize` 100), with
    /// an optional AIP filter such as `region.provider="aws"`.
    pub async fn list(&self, filter: Option<&str>) -> Result<Vec<Cluster>, Error> {
        let query: Vec<(&str, String)> = filter.map(|f| ("filter", f.to_owned())).into_iter().collect();
        list_all::<ClusterList>(self.client, &format!("{API}/clusters"), &query, MAX_PAGE_SIZE).await
    }
}
