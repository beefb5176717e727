//! One module per TiDB Cloud resource, plus what they share.

pub mod changefeeds;
pub mod clusters;
pub mod private_link_connections;

use linkplan_http::Secret;
use serde::{Deserialize, Deserializer};

pub use changefeeds::Changefeeds;
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

/// A string that is a credential (absent or `null`: `None`), wrapped at once so that it never
/// prints.
pub(crate) fn secret_opt<'de, D>(deserializer: D) -> Result<Option<Secret>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.map(Secret::from))
}

/// An `int64`, as a JSON number or (as gRPC gateways write 64-bit integers) a decimal string.
pub(crate) fn int64_opt<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int64 {
        Number(i64),
        Text(String),
    }
    match Option::<Int64>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Int64::Number(n)) => Ok(Some(n)),
        Some(Int64::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// `/v1beta1/clusters/{clusterId}`.
pub(crate) fn cluster_path(cluster_id: &str) -> String {
    format!("{API}/clusters/{}", linkplan_http::config::segment(cluster_id))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::int64_opt;

    #[derive(Deserialize)]
    struct N {
        #[serde(default, deserialize_with = "int64_opt")]
        n: Option<i64>,
    }

    #[test]
    fn int64_as_number_or_string() -> Result<(), serde_json::Error> {
        let read = |s: &str| serde_json::from_str::<N>(s).map(|n| n.n);
        assert_eq!(read(r#"{"n":3}"#)?, Some(3));
        assert_eq!(read(r#"{"n":"-12"}"#)?, Some(-12));
        assert_eq!(read(r#"{"n":null}"#)?, None);
        assert_eq!(read("{}")?, None);
        assert!(read(r#"{"n":"x"}"#).is_err());
        Ok(())
    }
}
