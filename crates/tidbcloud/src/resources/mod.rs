//! One module per TiDB Cloud resource, plus what they share.

pub mod clusters;
pub mod private_link_connections;

use serde::{Deserialize, Deserializer};

pub use clusters::Clusters;
pub use private_link_connections::PrivateLinkConnections;

/// The path prefix of every call.
pub(crate) const API: &str = "/v1beta1";

/// `null` reads as the default (an empty list or map).
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `/v1beta1/clusters/{clusterId}`.
pub(crate) fn cluster_path(cluster_id: &str) -> String {
    format!("{API}/clusters/{}", linkplan_http::config::segment(cluster_id))
}
