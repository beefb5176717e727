//! `networking/v1` networks: list (filters, all pages), create, get, delete, find by name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Cloud, Metadata, ObjectRef, Phase, id_path, in_env, null_default, prefer_live};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;

const PATH: &str = "/networking/v1/networks";
/// The documented maximum `page_size` of networking lists.
pub const MAX_PAGE_SIZE: u32 = 1000;

linkplan_http::open_enum! {
    /// A network connection type (`spec.connection_types[]`).
    pub enum ConnectionType {
        /// VPC peering.
        Peering = "PEERING",
        /// AWS Transit Gateway.
        TransitGateway = "TRANSITGATEWAY",
        /// AWS PrivateLink (what linkplan uses).
        PrivateLink = "PRIVATELINK",
    }
}

linkplan_http::open_enum! {
    /// How cluster endpoints resolve (`spec.dns_config.resolution`).
    pub enum DnsResolution {
        /// Public and private DNS.
        ChasedPrivate = "CHASED_PRIVATE",
        /// Private DNS only.
        Private = "PRIVATE",
    }
}

/// A Confluent network.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Network {
    /// `n-…`.
    pub id: String,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// Desired state.
    #[serde(default)]
    pub spec: NetworkSpec,
    /// Observed state (absent only in odd responses).
    pub status: Option<NetworkStatus>,
}

impl Network {
    /// `status.phase`.
    pub fn phase(&self) -> Option<&Phase> {
        self.status.as_ref().map(|s| &s.phase)
    }

    /// The AWS VPC endpoint service name (`status.cloud.private_link_endpoint_service` of an
    /// `AwsNetwork`), once the network is READY.
    pub fn private_link_endpoint_service(&self) -> Option<&str> {
        let cloud = self.status.as_ref()?.cloud.as_ref()?;
        (cloud.kind == "AwsNetwork").then_some(cloud.private_link_endpoint_service.as_deref()).flatten()
    }

    /// Whether `spec.connection_types` includes PRIVATELINK.
    pub fn supports_private_link(&self) -> bool {
        self.spec.connection_types.contains(&ConnectionType::PrivateLink)
    }
}

/// `spec` of a network (the fields the runbook reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NetworkSpec {
    /// The name.
    pub display_name: Option<String>,
    /// The cloud.
    pub cloud: Option<Cloud>,
    /// The region code, e.g. `us-east-1`.
    pub region: Option<String>,
    /// Connection types.
    #[serde(default, deserialize_with = "null_default")]
    pub connection_types: Vec<ConnectionType>,
    /// AZ IDs on AWS (compare as a set).
    #[serde(default, deserialize_with = "null_default")]
    pub zones: Vec<String>,
    /// DNS resolution.
    pub dns_config: Option<DnsConfig>,
    /// The environment.
    pub environment: Option<ObjectRef>,
}

/// `spec.dns_config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsConfig {
    /// Resolution mode.
    pub resolution: DnsResolution,
}

/// `status` of a network.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NetworkStatus {
    /// Lifecycle phase.
    pub phase: Phase,
    /// Why it failed.
    pub error_code: Option<String>,
    /// Why it failed, for humans.
    pub error_message: Option<String>,
    /// The root DNS domain (may contain `.glb.`).
    pub dns_domain: Option<String>,
    /// AZ ID → zonal DNS subdomain, e.g. `use1-az1` → `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud`.
    #[serde(default, deserialize_with = "null_default")]
    pub zonal_subdomains: BTreeMap<String, String>,
    /// `.<nid>.<region>.<cloud>.confluent.cloud`-style suffix.
    pub endpoint_suffix: Option<String>,
    /// Cloud-specific details, populated once READY.
    pub cloud: Option<NetworkCloud>,
}

/// `status.cloud`: `kind` says which provider; the AWS fields are kept, other kinds keep only
/// their `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NetworkCloud {
    /// `AwsNetwork`, `GcpNetwork`, `AzureNetwork`, …
    pub kind: String,
    /// AWS: Confluent's VPC id.
    pub vpc: Option<String>,
    /// AWS: Confluent's own account (not TiDB's).
    pub account: Option<String>,
    /// AWS: `com.amazonaws.vpce.<region>.vpce-svc-…`.
    pub private_link_endpoint_service: Option<String>,
}

/// `POST /networking/v1/networks`: the fields linkplan sets. `cidr`, `reserved_cidr` and
/// `zones_info` are for peering/transit gateway networks and are never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateNetwork {
    /// `env-…`.
    pub environment: String,
    /// The name.
    pub display_name: Option<String>,
    /// The cloud.
    pub cloud: Cloud,
    /// The region code.
    pub region: String,
    /// At least one; linkplan sends `[PRIVATELINK]`.
    pub connection_types: Vec<ConnectionType>,
    /// Exactly 3 AZ IDs, or `None` to let Confluent choose.
    pub zones: Option<Vec<String>>,
    /// DNS resolution (`None`: Confluent's default).
    pub dns_resolution: Option<DnsResolution>,
}

/// Server-side filters of the network list (values of one field are OR-ed, fields AND-ed).
/// Connection types are not sent (the filter's case-sensitivity is unconfirmed); check
/// [`Network::supports_private_link`] on the results instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkFilter {
    /// `spec.display_name`.
    pub display_name: Vec<String>,
    /// `spec.cloud`.
    pub cloud: Vec<Cloud>,
    /// `spec.region`.
    pub region: Vec<String>,
    /// `status.phase`.
    pub phase: Vec<Phase>,
}

/// `client.networks()`.
#[derive(Debug, Clone, Copy)]
pub struct Networks<'c> {
    client: &'c Client,
}

impl<'c> Networks<'c> {
    pub(crate) fn new(client: &'c Client) -> Networks<'c> {
        Networks { client }
    }

    /// `GET /networking/v1/networks?environment=…` with filters, every page
    /// (`listNetworkingV1Networks`; `page_size` 1000).
    pub async fn list(&self, environment: &str, filter: &NetworkFilter) -> Result<Vec<Network>, Error> {
        let mut query = vec![("environment", environment.to_owned())];
        query.extend(filter.display_name.iter().map(|v| ("spec.display_name", v.clone())));
        query.extend(filter.cloud.iter().map(|v| ("spec.cloud", v.to_string())));
        query.extend(filter.region.iter().map(|v| ("spec.region", v.clone())));
        query.extend(filter.phase.iter().map(|v| ("status.phase", v.to_string())));
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// The network named `display_name` (the natural key of a network linkplan creates):
    /// listed with the server filter, matched exactly here; one that is not being deleted wins.
    pub async fn find(&self, environment: &str, display_name: &str) -> Result<Option<Network>, Error> {
        let filter = NetworkFilter { display_name: vec![display_name.to_owned()], ..NetworkFilter::default() };
        let found = self.list(environment, &filter).await?;
        let mut matching: Vec<Network> =
            found.into_iter().filter(|n| n.spec.display_name.as_deref() == Some(display_name)).collect();
        // Oldest first, so that applies racing on the same name adopt the same one.
        super::oldest_first(&mut matching, |n| (&n.metadata, &n.id));
        Ok(prefer_live(matching, |n| n.metadata.deleted_at.is_some() || n.phase() == Some(&Phase::Deprovisioning)))
    }

    /// Every live (not deprovisioning, not FAILED) network named `display_name`, oldest first:
    /// after a create, more than one means a concurrent apply made one too, and the oldest is
    /// kept.
    pub async fn find_all(&self, environment: &str, display_name: &str) -> Result<Vec<Network>, Error> {
        let filter = NetworkFilter { display_name: vec![display_name.to_owned()], ..NetworkFilter::default() };
        let mut found: Vec<Network> = self
            .list(environment, &filter)
            .await?
            .into_iter()
            .filter(|n| {
                n.spec.display_name.as_deref() == Some(display_name)
                    && n.metadata.deleted_at.is_none()
                    && !matches!(n.phase(), Some(Phase::Deprovisioning | Phase::Failed))
            })
            .collect();
        super::oldest_first(&mut found, |n| (&n.metadata, &n.id));
        Ok(found)
    }

    /// `GET /networking/v1/networks/{id}?environment=…` (`getNetworkingV1Network`).
    pub async fn get(&self, environment: &str, id: &str) -> Result<Network, Error> {
        self.client.json(&Call::get(in_env(&id_path(PATH, id), environment))).await
    }

    /// `POST /networking/v1/networks` (`createNetworkingV1Network`; 202, PROVISIONING). Never
    /// replayed after an ambiguous failure: on [`Error::is_ambiguous`] call [`Networks::find`].
    pub async fn create(&self, request: &CreateNetwork) -> Result<Network, Error> {
        let body = Body {
            spec: Spec {
                display_name: request.display_name.as_deref(),
                cloud: &request.cloud,
                region: &request.region,
                connection_types: &request.connection_types,
                zones: request.zones.as_deref(),
                dns_config: request.dns_resolution.clone().map(|resolution| DnsConfig { resolution }),
                environment: ObjectRef::new(&request.environment),
            },
        };
        self.client.json(&Call::create(PATH.to_owned(), &body)?).await
    }

    /// `DELETE /networking/v1/networks/{id}?environment=…` (`deleteNetworkingV1Network`; 204).
    /// The network then reads DEPROVISIONING until a GET answers 404.
    pub async fn delete(&self, environment: &str, id: &str) -> Result<(), Error> {
        self.client.send(&Call::delete(in_env(&id_path(PATH, id), environment))).await.map(drop)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    spec: Spec<'a>,
}

#[derive(Serialize)]
struct Spec<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    cloud: &'a Cloud,
    region: &'a str,
    connection_types: &'a [ConnectionType],
    #[serde(skip_serializing_if = "Option::is_none")]
    zones: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns_config: Option<DnsConfig>,
    environment: ObjectRef,
}
