//! One module per Confluent resource, plus the pieces they share (references, metadata, enums).

pub mod api_keys;
pub mod clusters;
pub mod environments;
pub mod networks;
pub mod organizations;
pub mod private_link_accesses;
pub mod role_bindings;
pub mod service_accounts;

use serde::{Deserialize, Deserializer, Serialize};

pub use api_keys::ApiKeys;
pub use clusters::Clusters;
pub use environments::Environments;
pub use networks::Networks;
pub use organizations::Organizations;
pub use private_link_accesses::PrivateLinkAccesses;
pub use role_bindings::RoleBindings;
pub use service_accounts::ServiceAccounts;

use crate::client::Call;

/// A reference to another object (`spec.environment`, `spec.network`). Requests send only the
/// `id`; the read-only `related` and `resource_name` are not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The referenced id.
    pub id: String,
}

impl ObjectRef {
    pub(crate) fn new(id: &str) -> ObjectRef {
        ObjectRef { id: id.to_owned() }
    }
}

/// The read-only `metadata` of an object (only the fields the runbook uses).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Metadata {
    /// The CRN.
    pub resource_name: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
    /// Set once a delete was accepted (the object may stay readable for a while).
    pub deleted_at: Option<String>,
}

linkplan_http::open_enum! {
    /// A cloud provider (`spec.cloud`).
    pub enum Cloud {
        /// Amazon Web Services.
        Aws = "AWS",
        /// Google Cloud.
        Gcp = "GCP",
        /// Microsoft Azure.
        Azure = "AZURE",
    }
}

linkplan_http::open_enum! {
    /// The lifecycle phase of a network or PrivateLink access (`status.phase`).
    pub enum Phase {
        /// Being created.
        Provisioning = "PROVISIONING",
        /// Usable.
        Ready = "READY",
        /// Creation failed (terminal; see `error_code` / `error_message`).
        Failed = "FAILED",
        /// Being deleted.
        Deprovisioning = "DEPROVISIONING",
    }
}

/// `null` reads as the default (an empty list or map), as Confluent sometimes sends.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The first item not being deleted, else the first one (a natural-key lookup can meet an
/// old object on its way out next to its replacement).
pub(crate) fn prefer_live<T>(found: impl IntoIterator<Item = T>, deleting: impl Fn(&T) -> bool) -> Option<T> {
    let mut fallback = None;
    for item in found {
        if !deleting(&item) {
            return Some(item);
        }
        fallback.get_or_insert(item);
    }
    fallback
}

/// Sorts objects oldest first by `metadata.created_at` (RFC 3339 UTC, which sorts as text), then
/// id; objects without a creation time last. Every concurrent apply computes the same order, so
/// they agree on which of several same-named objects to keep.
pub(crate) fn oldest_first<T>(items: &mut [T], key: impl Fn(&T) -> (&Metadata, &str)) {
    items.sort_by(|a, b| {
        let ((ma, ia), (mb, ib)) = (key(a), key(b));
        let rank = |m: &Metadata| (m.created_at.is_none(), m.created_at.clone());
        rank(ma).cmp(&rank(mb)).then_with(|| ia.cmp(ib))
    });
}

/// `/{segment}` for an id.
pub(crate) fn id_path(collection: &str, id: &str) -> String {
    format!("{collection}/{}", linkplan_http::config::segment(id))
}

/// A PATCH of `body` to `target`: setting values is idempotent, so it is replayed like a read.
pub(crate) fn patch(target: String, body: &impl Serialize) -> Result<Call, linkplan_http::EncodeError> {
    match serde_json::to_vec(body) {
        Ok(body) => Ok(Call {
            method: linkplan_http::Method::PATCH,
            target,
            body: Some(body),
            replay: linkplan_http::retry::Replay::Safe,
        }),
        Err(source) => Err(linkplan_http::EncodeError { path: target, source }),
    }
}

/// `?environment=…` (Confluent scopes GET/DELETE of env-scoped objects with it).
pub(crate) fn in_env(path: &str, environment: &str) -> String {
    linkplan_http::config::with_query(path, &[("environment", environment)])
}

#[cfg(test)]
mod tests {
    use super::clusters::{Availability, Cluster, ClusterPhase, EndpointConnectionType};
    use super::networks::{ConnectionType, Network};
    use super::{Cloud, Phase};

    #[test]
    fn unknown_enum_values_are_kept() -> Result<(), serde_json::Error> {
        let network: Network = serde_json::from_str(
            r#"{"id":"n-1","spec":{"cloud":"ORACLE","connection_types":["PRIVATELINK","SERVERLESS"],"zones":null},
                "status":{"phase":"PAUSED","cloud":{"kind":"OracleNetwork"}}}"#,
        )?;
        assert_eq!(network.spec.cloud, Some(Cloud::Other("ORACLE".to_owned())));
        assert_eq!(
            network.spec.connection_types,
            [ConnectionType::PrivateLink, ConnectionType::Other("SERVERLESS".to_owned())]
        );
        assert_eq!(network.phase(), Some(&Phase::Other("PAUSED".to_owned())));
        assert!(network.spec.zones.is_empty());
        assert_eq!(network.private_link_endpoint_service(), None);

        let cluster: Cluster = serde_json::from_str(
            r#"{"id":"lkc-1","spec":{"availability":"TRIPLE_ZONE","config":{"kind":"Freight"},
                "endpoints":{"X":{"connection_type":"QUANTUM"}}},"status":{"phase":"DEGRADED"}}"#,
        )?;
        assert_eq!(cluster.spec.availability, Some(Availability::Other("TRIPLE_ZONE".to_owned())));
        assert_eq!(cluster.phase(), Some(&ClusterPhase::Other("DEGRADED".to_owned())));
        assert_eq!(
            cluster.spec.endpoints["X"].connection_type,
            Some(EndpointConnectionType::Other("QUANTUM".to_owned()))
        );
        assert!(!cluster.is_dedicated());
        assert_eq!(serde_json::to_string(&Phase::Other("PAUSED".to_owned()))?, r#""PAUSED""#);
        Ok(())
    }
}
