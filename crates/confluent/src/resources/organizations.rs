//! `org/v2` organizations: list (a Cloud API key sees its own organization), for the
//! organization id that role binding CRNs start with.

use serde::Deserialize;

use super::Metadata;
use crate::client::Client;
use crate::error::Error;
use crate::page::list_all;

const PATH: &str = "/org/v2/organizations";
/// The documented maximum `page_size` of the organization list.
pub const MAX_PAGE_SIZE: u32 = 100;

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// The id (a UUID): the `organization=` part of a CRN.
    pub id: String,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// The name.
    pub display_name: Option<String>,
}

/// `client.organizations()`.
#[derive(Debug, Clone, Copy)]
pub struct Organizations<'c> {
    client: &'c Client,
}

impl<'c> Organizations<'c> {
    pub(crate) fn new(client: &'c Client) -> Organizations<'c> {
        Organizations { client }
    }

    /// `GET /org/v2/organizations`, every page (`listOrgV2Organizations`; `page_size` 100).
    pub async fn list(&self) -> Result<Vec<Organization>, Error> {
        list_all(self.client, PATH, &[], MAX_PAGE_SIZE).await
    }

    /// The organization of the API key: the one listed (`None` when the list is empty; with
    /// several, the first, as the API orders them).
    pub async fn current(&self) -> Result<Option<Organization>, Error> {
        Ok(self.list().await?.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes() -> Result<(), serde_json::Error> {
        let org: Organization = serde_json::from_value(json!({
            "api_version": "org/v2", "kind": "Organization", "id": "8c1f2a3e-0d4b-4c6a-9e7f-1a2b3c4d5e6f",
            "metadata": { "self": "https://api.confluent.cloud/org/v2/organizations/8c1f2a3e-0d4b-4c6a-9e7f-1a2b3c4d5e6f" },
            "display_name": "Orders Inc", "jit_enabled": false,
        }))?;
        assert_eq!(org.display_name.as_deref(), Some("Orders Inc"));
        Ok(())
    }
}
