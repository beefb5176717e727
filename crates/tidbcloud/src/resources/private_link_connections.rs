//! Private link connections "for dataflow": list, create, get, delete, availability zones, and
//! domain attachment (preview, attach, detach).

use serde::{Deserialize, Serialize};

use super::{cluster_path, null_default};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::{ListBody, list_all};

/// The page size used for the connection list (limit unconfirmed; `ticloud` uses 100).
pub const MAX_PAGE_SIZE: u32 = 100;

linkplan_http::open_enum! {
    /// `state` of a connection.
    pub enum PrivateLinkConnectionState {
        /// Being created.
        Creating = "CREATING",
        /// Usable.
        Active = "ACTIVE",
        /// Failed (terminal; see `message`).
        Failed = "FAILED",
        /// The endpoint waits for the service owner (for Confluent: the access is missing).
        PendingAcceptance = "PENDING_ACCEPTANCE",
        /// Being deleted.
        Deleting = "DELETING",
    }
}

linkplan_http::open_enum! {
    /// `type` of a connection.
    pub enum PrivateLinkConnectionType {
        /// An AWS VPC endpoint service (what linkplan creates).
        AwsEndpointService = "AWS_ENDPOINT_SERVICE",
        /// An Alibaba Cloud endpoint service.
        AlicloudEndpointService = "ALICLOUD_ENDPOINT_SERVICE",
    }
}

linkplan_http::open_enum! {
    /// `type` of a domain attachment.
    pub enum DomainType {
        /// Domains under `<provider>.plc.tidbcloud.com`.
        TidbcloudManaged = "TIDBCLOUD_MANAGED",
        /// Domains under `<provider>.confluent.cloud` (what linkplan attaches).
        Confluent = "CONFLUENT",
    }
}

/// A private link connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrivateLinkConnection {
    /// `plc-…`.
    pub private_link_connection_id: String,
    /// The cluster.
    pub cluster_id: Option<String>,
    /// The name.
    pub display_name: Option<String>,
    /// The endpoint service kind.
    #[serde(rename = "type")]
    pub kind: Option<PrivateLinkConnectionType>,
    /// For `AWS_ENDPOINT_SERVICE`.
    pub aws_endpoint_service: Option<AwsEndpointService>,
    /// Lifecycle state.
    pub state: Option<PrivateLinkConnectionState>,
    /// Why it failed.
    pub message: Option<String>,
    /// Who created it.
    pub created_by: Option<String>,
    /// RFC 3339.
    pub create_time: Option<String>,
    /// RFC 3339.
    pub update_time: Option<String>,
    /// Attached domains (only a GET fills this in; a list leaves it empty).
    #[serde(default, deserialize_with = "null_default")]
    pub attached_domains: Vec<AttachDomain>,
}

impl PrivateLinkConnection {
    /// The AWS endpoint service name, for an `AWS_ENDPOINT_SERVICE` connection.
    pub fn aws_service_name(&self) -> Option<&str> {
        if self.kind != Some(PrivateLinkConnectionType::AwsEndpointService) {
            return None;
        }
        self.aws_endpoint_service.as_ref()?.name.as_deref()
    }
}

/// `awsEndpointService` of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AwsEndpointService {
    /// `com.amazonaws.vpce.<region>.vpce-svc-…`.
    pub name: Option<String>,
    /// The service's region (defaults to the cluster's).
    pub region: Option<String>,
    /// The VPC endpoint, once made.
    pub endpoint_id: Option<String>,
    /// The endpoint's AZ IDs.
    #[serde(default, deserialize_with = "null_default")]
    pub availability_zone_ids: Vec<String>,
}

/// A domain attachment (also the preview a validate-only attach returns).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttachDomain {
    /// The id to detach with (absent in a preview).
    pub attach_domain_id: Option<String>,
    /// The cluster.
    pub cluster_id: Option<String>,
    /// The connection.
    pub private_link_connection_id: Option<String>,
    /// The domain family.
    #[serde(rename = "type")]
    pub kind: Option<DomainType>,
    /// For CONFLUENT: the network's unique name, e.g. `domnprzqrog.us-east-1`.
    pub unique_name: Option<String>,
    /// The domains and their states.
    #[serde(default, deserialize_with = "null_default")]
    pub domains: Vec<Domain>,
    /// Who attached them.
    pub created_by: Option<String>,
    /// RFC 3339.
    pub create_time: Option<String>,
}

/// One attached domain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Domain {
    /// E.g. `*.domnprzqrog.us-east-1.aws.confluent.cloud`.
    pub name: Option<String>,
    /// A free string (values unconfirmed).
    pub state: Option<String>,
    /// Why it failed.
    pub message: Option<String>,
}

/// `…/privateLinkConnections:getAvailabilityZones`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AvailabilityZones {
    /// TiDB's AWS account: what the Confluent PrivateLink access must allow.
    pub account_id: Option<String>,
    /// The cluster's AZ IDs.
    #[serde(default, deserialize_with = "null_default")]
    pub az_ids: Vec<String>,
}

/// `POST …/privateLinkConnections` to an AWS endpoint service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePrivateLinkConnection {
    /// The cluster (sent in the path and the body).
    pub cluster_id: String,
    /// The name.
    pub display_name: String,
    /// The endpoint service name (Confluent's `private_link_endpoint_service`).
    pub aws_endpoint_service: String,
    /// The service's region when it differs from the cluster's.
    pub aws_region: Option<String>,
}

/// Which domains to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachDomainRequest {
    /// The domain family (linkplan: CONFLUENT).
    pub kind: DomainType,
    /// For CONFLUENT: the network's unique name (`<dns-id>.<region>`).
    pub unique_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionList {
    #[serde(default, deserialize_with = "null_default")]
    private_link_connections: Vec<PrivateLinkConnection>,
    next_page_token: Option<String>,
}

impl ListBody for ConnectionList {
    type Item = PrivateLinkConnection;
    fn into_parts(self) -> (Vec<PrivateLinkConnection>, Option<String>) {
        (self.private_link_connections, self.next_page_token)
    }
}

/// `client.private_link_connections()`.
#[derive(Debug, Clone, Copy)]
pub struct PrivateLinkConnections<'c> {
    client: &'c Client,
}

impl<'c> PrivateLinkConnections<'c> {
    pub(crate) fn new(client: &'c Client) -> PrivateLinkConnections<'c> {
        PrivateLinkConnections { client }
    }

    /// `GET /v1beta1/clusters/{clusterId}/privateLinkConnections`, every page, optionally only
    /// one state (`PrivateLinkConnectionService_ListPrivateLinkConnections`).
    pub async fn list(
        &self,
        cluster_id: &str,
        state: Option<&PrivateLinkConnectionState>,
    ) -> Result<Vec<PrivateLinkConnection>, Error> {
        let query: Vec<(&str, String)> = state.map(|s| ("state", s.to_string())).into_iter().collect();
        list_all::<ConnectionList>(self.client, &collection(cluster_id), &query, MAX_PAGE_SIZE).await
    }

    /// The AWS connection of `cluster_id` to `service_name` (the natural key); one that is not
    /// being deleted wins.
    pub async fn find(&self, cluster_id: &str, service_name: &str) -> Result<Option<PrivateLinkConnection>, Error> {
        let mut matching: Vec<PrivateLinkConnection> = self
            .list(cluster_id, None)
            .await?
            .into_iter()
            .filter(|p| p.aws_service_name() == Some(service_name))
            .collect();
        // Oldest first, so that applies racing on the same service adopt the same one.
        oldest_first(&mut matching);
        let deleting = |p: &PrivateLinkConnection| p.state == Some(PrivateLinkConnectionState::Deleting);
        let live = matching.iter().position(|p| !deleting(p));
        Ok(match live {
            Some(idx) => Some(matching.swap_remove(idx)),
            None => matching.into_iter().next(),
        })
    }

    /// Every live (not deleting, not FAILED) connection to `service_name`, oldest first (`createTime`, RFC
    /// 3339 UTC, then id): after a create, more than one means a concurrent apply made one too,
    /// and the oldest is kept.
    pub async fn find_all(&self, cluster_id: &str, service_name: &str) -> Result<Vec<PrivateLinkConnection>, Error> {
        let mut found: Vec<PrivateLinkConnection> = self
            .list(cluster_id, None)
            .await?
            .into_iter()
            .filter(|p| {
                p.aws_service_name() == Some(service_name)
                    && !matches!(
                        p.state,
                        Some(PrivateLinkConnectionState::Deleting | PrivateLinkConnectionState::Failed)
                    )
            })
            .collect();
        oldest_first(&mut found);
        Ok(found)
    }

    /// `GET …/privateLinkConnections/{id}`, with `attachedDomains`
    /// (`PrivateLinkConnectionService_GetPrivateLinkConnection`).
    pub async fn get(&self, cluster_id: &str, id: &str) -> Result<PrivateLinkConnection, Error> {
        self.client.json(&Call::get(item(cluster_id, id))).await
    }

    /// `POST …/privateLinkConnections` (`PrivateLinkConnectionService_CreatePrivateLinkConnection`;
    /// state CREATING). Never replayed after an ambiguous failure: on [`Error::is_ambiguous`]
    /// call [`PrivateLinkConnections::find`].
    pub async fn create(&self, request: &CreatePrivateLinkConnection) -> Result<PrivateLinkConnection, Error> {
        let body = CreateBody {
            private_link_connection: CreateSpec {
                cluster_id: &request.cluster_id,
                display_name: &request.display_name,
                kind: PrivateLinkConnectionType::AwsEndpointService,
                aws_endpoint_service: AwsServiceSpec {
                    name: &request.aws_endpoint_service,
                    region: request.aws_region.as_deref(),
                },
            },
        };
        self.client.json(&Call::create(collection(&request.cluster_id), &body)?).await
    }

    /// `DELETE …/privateLinkConnections/{id}` (`PrivateLinkConnectionService_DeletePrivateLinkConnection`;
    /// answers the connection, DELETING, until a GET is 404).
    pub async fn delete(&self, cluster_id: &str, id: &str) -> Result<PrivateLinkConnection, Error> {
        self.client.json(&Call::delete(item(cluster_id, id))).await
    }

    /// `GET …/privateLinkConnections:getAvailabilityZones`: TiDB's AWS account and the
    /// cluster's AZ IDs (`PrivateLinkConnectionService_GetAvailabilityZones`).
    pub async fn availability_zones(&self, cluster_id: &str) -> Result<AvailabilityZones, Error> {
        let path = format!("{}:getAvailabilityZones", collection(cluster_id));
        self.client.json(&Call::get(path)).await
    }

    /// `POST …/{id}:attachDomains` with `validateOnly: true`: the domains an attach would add,
    /// changing nothing (so it is retried like a read).
    pub async fn preview_domains(
        &self,
        cluster_id: &str,
        id: &str,
        request: &AttachDomainRequest,
    ) -> Result<AttachDomain, Error> {
        let body = attach_body(request, true);
        self.client.json(&Call::post_idempotent(custom(cluster_id, id, "attachDomains"), &body)?).await
    }

    /// `POST …/{id}:attachDomains` (`PrivateLinkConnectionService_AttachDomains`; the connection
    /// must be ACTIVE). Never replayed after an ambiguous failure: on [`Error::is_ambiguous`]
    /// call [`PrivateLinkConnections::find_attached`].
    pub async fn attach_domains(
        &self,
        cluster_id: &str,
        id: &str,
        request: &AttachDomainRequest,
    ) -> Result<AttachDomain, Error> {
        let body = attach_body(request, false);
        self.client.json(&Call::create(custom(cluster_id, id, "attachDomains"), &body)?).await
    }

    /// `POST …/{id}:detachDomains` (`PrivateLinkConnectionService_DetachDomains`); removing by id
    /// cannot add anything, so it is retried like a delete.
    pub async fn detach_domains(
        &self,
        cluster_id: &str,
        id: &str,
        attach_domain_id: &str,
    ) -> Result<AttachDomain, Error> {
        let body = DetachBody { attach_domain_id };
        self.client.json(&Call::post_idempotent(custom(cluster_id, id, "detachDomains"), &body)?).await
    }

    /// The attachment of `request.kind` + `request.unique_name` on the connection (the natural
    /// key of an attach), read with a GET.
    pub async fn find_attached(
        &self,
        cluster_id: &str,
        id: &str,
        request: &AttachDomainRequest,
    ) -> Result<Option<AttachDomain>, Error> {
        let plc = self.get(cluster_id, id).await?;
        Ok(plc.attached_domains.into_iter().find(|d| {
            d.kind.as_ref() == Some(&request.kind) && d.unique_name.as_deref() == Some(request.unique_name.as_str())
        }))
    }
}

fn collection(cluster_id: &str) -> String {
    format!("{}/privateLinkConnections", cluster_path(cluster_id))
}

fn item(cluster_id: &str, id: &str) -> String {
    format!("{}/{}", collection(cluster_id), linkplan_http::config::segment(id))
}

/// `…/{id}:verb` (a custom method: the colon is literal, the id is encoded).
fn custom(cluster_id: &str, id: &str, verb: &str) -> String {
    format!("{}:{verb}", item(cluster_id, id))
}

fn attach_body(request: &AttachDomainRequest, validate_only: bool) -> AttachBody<'_> {
    AttachBody { attach_domain: AttachSpec { kind: &request.kind, unique_name: &request.unique_name }, validate_only }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody<'a> {
    private_link_connection: CreateSpec<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateSpec<'a> {
    cluster_id: &'a str,
    display_name: &'a str,
    #[serde(rename = "type")]
    kind: PrivateLinkConnectionType,
    aws_endpoint_service: AwsServiceSpec<'a>,
}

#[derive(Serialize)]
struct AwsServiceSpec<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachBody<'a> {
    attach_domain: AttachSpec<'a>,
    validate_only: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachSpec<'a> {
    #[serde(rename = "type")]
    kind: &'a DomainType,
    unique_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DetachBody<'a> {
    attach_domain_id: &'a str,
}

/// Oldest first by `createTime` (RFC 3339 UTC, which sorts as text), then id; connections
/// without a creation time last. Every concurrent apply computes the same order.
fn oldest_first(connections: &mut [PrivateLinkConnection]) {
    connections.sort_by(|a, b| {
        let rank = |p: &PrivateLinkConnection| (p.create_time.is_none(), p.create_time.clone());
        rank(a).cmp(&rank(b)).then_with(|| a.private_link_connection_id.cmp(&b.private_link_connection_id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_the_colon_and_encode_ids() {
        assert_eq!(
            format!("{}:getAvailabilityZones", collection("10140100115280519574")),
            "/v1beta1/clusters/10140100115280519574/privateLinkConnections:getAvailabilityZones"
        );
        assert_eq!(
            custom("1", "plc-a:b", "attachDomains"),
            "/v1beta1/clusters/1/privateLinkConnections/plc-a%3Ab:attachDomains"
        );
    }

    #[test]
    fn bodies() -> Result<(), serde_json::Error> {
        let attach = AttachDomainRequest { kind: DomainType::Confluent, unique_name: "dom.us-east-1".to_owned() };
        assert_eq!(
            serde_json::to_string(&attach_body(&attach, true))?,
            r#"{"attachDomain":{"type":"CONFLUENT","uniqueName":"dom.us-east-1"},"validateOnly":true}"#
        );
        assert_eq!(serde_json::to_string(&DetachBody { attach_domain_id: "7" })?, r#"{"attachDomainId":"7"}"#);
        let plc: PrivateLinkConnection = serde_json::from_str(
            r#"{"privateLinkConnectionId":"plc-1","type":"GCP_SOMETHING","state":"HIBERNATING","attachedDomains":null}"#,
        )?;
        assert_eq!(plc.kind, Some(PrivateLinkConnectionType::Other("GCP_SOMETHING".to_owned())));
        assert_eq!(plc.state, Some(PrivateLinkConnectionState::Other("HIBERNATING".to_owned())));
        assert_eq!(plc.aws_service_name(), None);
        Ok(())
    }
}
