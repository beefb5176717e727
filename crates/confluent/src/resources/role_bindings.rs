//! `iam/v2` role bindings (documented in Confluent's `mds/v2` document): what a changefeed's
//! service account may do on which topics. Create, list (by principal, role and CRN pattern),
//! get, delete; and the CRNs and principals they are written with.

use serde::{Deserialize, Serialize};

use super::{Metadata, id_path, oldest_first};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;

const PATH: &str = "/iam/v2/role-bindings";
/// The documented maximum `page_size` of the role binding list.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Write to topics (what a changefeed needs on its topics).
pub const DEVELOPER_WRITE: &str = "DeveloperWrite";
/// Create and configure topics (what a changefeed needs when it creates its topics).
pub const DEVELOPER_MANAGE: &str = "DeveloperManage";
/// Read topics (a changefeed does not need it).
pub const DEVELOPER_READ: &str = "DeveloperRead";

/// The principal a role binding names a service account (or user) by: `User:<id>`.
pub fn principal(id: &str) -> String {
    format!("User:{id}")
}

/// The CRN of a Kafka cluster: `crn://confluent.cloud/organization=…/environment=…/cloud-cluster=…/kafka=…`.
pub fn cluster_crn(organization: &str, environment: &str, cluster: &str) -> String {
    format!(
        "crn://confluent.cloud/organization={organization}/environment={environment}/cloud-cluster={cluster}/kafka={cluster}"
    )
}

/// The CRN pattern of a topic (`name`) or of every topic with a prefix (`prefix*`) in a Kafka
/// cluster.
pub fn topic_crn(organization: &str, environment: &str, cluster: &str, topic: &str) -> String {
    format!("{}/topic={topic}", cluster_crn(organization, environment, cluster))
}

/// A role binding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RoleBinding {
    /// `rb-…`.
    pub id: String,
    /// Timestamps.
    #[serde(default)]
    pub metadata: Metadata,
    /// `User:sa-…` (or `Group:…`).
    pub principal: Option<String>,
    /// E.g. [`DEVELOPER_WRITE`].
    pub role_name: Option<String>,
    /// Where the role applies.
    pub crn_pattern: Option<String>,
}

/// `POST /iam/v2/role-bindings`: a principal, a role, a CRN pattern (together the natural key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateRoleBinding {
    /// `User:sa-…` ([`principal`]).
    pub principal: String,
    /// E.g. [`DEVELOPER_WRITE`].
    pub role_name: String,
    /// E.g. a [`topic_crn`].
    pub crn_pattern: String,
}

/// Filters of the role binding list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleBindingFilter {
    /// `crn_pattern` (required by the API; a partial match: the bindings under it).
    pub crn_pattern: String,
    /// `principal`, exact match.
    pub principal: Option<String>,
    /// `role_name`, exact match.
    pub role_name: Option<String>,
}

impl RoleBindingFilter {
    /// The bindings under `crn_pattern`.
    pub fn under(crn_pattern: impl Into<String>) -> RoleBindingFilter {
        RoleBindingFilter { crn_pattern: crn_pattern.into(), principal: None, role_name: None }
    }
}

/// `client.role_bindings()`.
#[derive(Debug, Clone, Copy)]
pub struct RoleBindings<'c> {
    client: &'c Client,
}

impl<'c> RoleBindings<'c> {
    pub(crate) fn new(client: &'c Client) -> RoleBindings<'c> {
        RoleBindings { client }
    }

    /// `GET /iam/v2/role-bindings` with filters, every page (`listIamV2RoleBindings`;
    /// `page_size` 100).
    pub async fn list(&self, filter: &RoleBindingFilter) -> Result<Vec<RoleBinding>, Error> {
        let mut query = vec![("crn_pattern", filter.crn_pattern.clone())];
        query.extend(filter.principal.iter().map(|v| ("principal", v.clone())));
        query.extend(filter.role_name.iter().map(|v| ("role_name", v.clone())));
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// The binding of exactly `request`'s principal, role and CRN pattern (the natural key; the
    /// list's `crn_pattern` filter is a partial match, so the pattern is compared here).
    pub async fn find(&self, request: &CreateRoleBinding) -> Result<Option<RoleBinding>, Error> {
        let filter = RoleBindingFilter {
            crn_pattern: request.crn_pattern.clone(),
            principal: Some(request.principal.clone()),
            role_name: Some(request.role_name.clone()),
        };
        let mut found: Vec<RoleBinding> =
            self.list(&filter).await?.into_iter().filter(|b| b.matches(request)).collect();
        oldest_first(&mut found, |b| (&b.metadata, &b.id));
        Ok(found.into_iter().next())
    }

    /// `GET /iam/v2/role-bindings/{id}` (`getIamV2RoleBinding`).
    pub async fn get(&self, id: &str) -> Result<RoleBinding, Error> {
        self.client.json(&Call::get(id_path(PATH, id))).await
    }

    /// `POST /iam/v2/role-bindings` (`createIamV2RoleBinding`; 201). The same binding twice is a
    /// 409 ([`Error::is_conflict`]). Never replayed after an ambiguous failure: on
    /// [`Error::is_ambiguous`] call [`RoleBindings::find`].
    pub async fn create(&self, request: &CreateRoleBinding) -> Result<RoleBinding, Error> {
        let body =
            Body { principal: &request.principal, role_name: &request.role_name, crn_pattern: &request.crn_pattern };
        self.client.json(&Call::create(PATH.to_owned(), &body)?).await
    }

    /// `DELETE /iam/v2/role-bindings/{id}` (`deleteIamV2RoleBinding`; 200 with the binding,
    /// which is not read: any 2xx is success).
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client.send(&Call::delete(id_path(PATH, id))).await.map(drop)
    }
}

impl RoleBinding {
    /// Whether this is the binding `request` would make.
    pub fn matches(&self, request: &CreateRoleBinding) -> bool {
        self.principal.as_deref() == Some(request.principal.as_str())
            && self.role_name.as_deref() == Some(request.role_name.as_str())
            && self.crn_pattern.as_deref() == Some(request.crn_pattern.as_str())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    principal: &'a str,
    role_name: &'a str,
    crn_pattern: &'a str,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ORG: &str = "8c1f2a3e-0d4b-4c6a-9e7f-1a2b3c4d5e6f";

    #[test]
    fn crns_and_principals() {
        assert_eq!(principal("sa-7q2w9e"), "User:sa-7q2w9e");
        assert_eq!(
            topic_crn(ORG, "env-abc123", "lkc-x1y2z3", "tidb_*"),
            format!(
                "crn://confluent.cloud/organization={ORG}/environment=env-abc123/cloud-cluster=lkc-x1y2z3/kafka=lkc-x1y2z3/topic=tidb_*"
            )
        );
    }

    #[test]
    fn body_and_decoding() -> Result<(), serde_json::Error> {
        let request = CreateRoleBinding {
            principal: principal("sa-7q2w9e"),
            role_name: DEVELOPER_WRITE.to_owned(),
            crn_pattern: topic_crn(ORG, "env-abc123", "lkc-x1y2z3", "orders"),
        };
        let body =
            Body { principal: &request.principal, role_name: &request.role_name, crn_pattern: &request.crn_pattern };
        assert_eq!(
            serde_json::to_value(&body)?,
            json!({ "principal": "User:sa-7q2w9e", "role_name": "DeveloperWrite", "crn_pattern": request.crn_pattern })
        );
        let binding: RoleBinding = serde_json::from_value(json!({
            "api_version": "iam/v2", "kind": "RoleBinding", "id": "rb-3k8d",
            "metadata": { "self": "https://api.confluent.cloud/iam/v2/role-bindings/rb-3k8d" },
            "principal": "User:sa-7q2w9e", "role_name": "DeveloperWrite", "crn_pattern": request.crn_pattern,
        }))?;
        assert!(binding.matches(&request));
        let other = CreateRoleBinding { role_name: DEVELOPER_MANAGE.to_owned(), ..request };
        assert!(!binding.matches(&other));
        Ok(())
    }
}
