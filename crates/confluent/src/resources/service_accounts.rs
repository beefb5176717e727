//! `iam/v2` service accounts: the principal that owns the changefeed's Kafka API key and holds
//! its role bindings. Create, list (by display name, unique in the organization), get, update,
//! delete.

use serde::{Deserialize, Serialize};

use super::{Metadata, id_path, oldest_first};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;

const PATH: &str = "/iam/v2/service-accounts";
/// The documented maximum `page_size` of the service account list.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A service account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ServiceAccount {
    /// `sa-…`.
    pub id: String,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// The name (unique in the organization: linkplan's natural key).
    pub display_name: Option<String>,
    /// A free-form description.
    pub description: Option<String>,
}

impl ServiceAccount {
    /// The principal role bindings name it by: `User:sa-…`.
    pub fn principal(&self) -> String {
        super::role_bindings::principal(&self.id)
    }
}

/// `POST /iam/v2/service-accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateServiceAccount {
    /// The name (unique in the organization).
    pub display_name: String,
    /// A description.
    pub description: Option<String>,
}

/// `PATCH /iam/v2/service-accounts/{id}`: what to change (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateServiceAccount {
    /// A new name.
    pub display_name: Option<String>,
    /// A new description.
    pub description: Option<String>,
}

/// Server-side filters of the service account list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAccountFilter {
    /// `display_name`, exact match; several match any of them.
    pub display_name: Vec<String>,
}

/// `client.service_accounts()`.
#[derive(Debug, Clone, Copy)]
pub struct ServiceAccounts<'c> {
    client: &'c Client,
}

impl<'c> ServiceAccounts<'c> {
    pub(crate) fn new(client: &'c Client) -> ServiceAccounts<'c> {
        ServiceAccounts { client }
    }

    /// `GET /iam/v2/service-accounts` with filters, every page (`listIamV2ServiceAccounts`;
    /// `page_size` 100).
    pub async fn list(&self, filter: &ServiceAccountFilter) -> Result<Vec<ServiceAccount>, Error> {
        let query: Vec<(&str, String)> = filter.display_name.iter().map(|v| ("display_name", v.clone())).collect();
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// The service account named `display_name` (the natural key; the oldest if the server
    /// ever answers more than one).
    pub async fn find(&self, display_name: &str) -> Result<Option<ServiceAccount>, Error> {
        let filter = ServiceAccountFilter { display_name: vec![display_name.to_owned()] };
        let mut found: Vec<ServiceAccount> = self
            .list(&filter)
            .await?
            .into_iter()
            .filter(|s| s.display_name.as_deref() == Some(display_name) && s.metadata.deleted_at.is_none())
            .collect();
        oldest_first(&mut found, |s| (&s.metadata, &s.id));
        Ok(found.into_iter().next())
    }

    /// `GET /iam/v2/service-accounts/{id}` (`getIamV2ServiceAccount`).
    pub async fn get(&self, id: &str) -> Result<ServiceAccount, Error> {
        self.client.json(&Call::get(id_path(PATH, id))).await
    }

    /// `POST /iam/v2/service-accounts` (`createIamV2ServiceAccount`; 201). A name already taken
    /// is a 409 ([`Error::is_conflict`]): [`ServiceAccounts::find`] it. Never replayed after an
    /// ambiguous failure: on [`Error::is_ambiguous`] call [`ServiceAccounts::find`].
    pub async fn create(&self, request: &CreateServiceAccount) -> Result<ServiceAccount, Error> {
        let body = Body { display_name: Some(&request.display_name), description: request.description.as_deref() };
        self.client.json(&Call::create(PATH.to_owned(), &body)?).await
    }

    /// `PATCH /iam/v2/service-accounts/{id}` (`updateIamV2ServiceAccount`). Setting values is
    /// idempotent: replayed on a lost answer.
    pub async fn update(&self, id: &str, request: &UpdateServiceAccount) -> Result<ServiceAccount, Error> {
        let body = Body { display_name: request.display_name.as_deref(), description: request.description.as_deref() };
        self.client.json(&super::patch(id_path(PATH, id), &body)?).await
    }

    /// `DELETE /iam/v2/service-accounts/{id}` (`deleteIamV2ServiceAccount`; 204).
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client.send(&Call::delete(id_path(PATH, id))).await.map(drop)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_and_decoding() -> Result<(), serde_json::Error> {
        let create = Body { display_name: Some("linkplan-orders-cdc"), description: Some("made by linkplan") };
        assert_eq!(
            serde_json::to_value(&create)?,
            json!({ "display_name": "linkplan-orders-cdc", "description": "made by linkplan" })
        );
        let update = Body { display_name: None, description: Some("x") };
        assert_eq!(serde_json::to_string(&update)?, r#"{"description":"x"}"#);

        let sa: ServiceAccount = serde_json::from_value(json!({
            "api_version": "iam/v2", "kind": "ServiceAccount", "id": "sa-7q2w9e",
            "metadata": { "self": "https://api.confluent.cloud/iam/v2/service-accounts/sa-7q2w9e",
                          "resource_name": "crn://confluent.cloud/organization=o-1/service-account=sa-7q2w9e",
                          "created_at": "2026-03-01T09:00:00Z" },
            "display_name": "linkplan-orders-cdc", "description": "",
        }))?;
        assert_eq!(sa.principal(), "User:sa-7q2w9e");
        assert_eq!(sa.metadata.created_at.as_deref(), Some("2026-03-01T09:00:00Z"));
        Ok(())
    }
}
