//! `iam/v2` API keys: the Kafka API key a changefeed authenticates with (SASL PLAIN: the key id
//! as user name, its secret as password). Create, list (by owner and resource), get, delete.
//!
//! **The secret exists only in the create response.** [`ApiKeys::create`] returns it in a
//! [`NewApiKey`], as a [`Secret`]; an [`ApiKey`] (what get and list answer) has no secret field
//! at all, so a key found by lookup can never be mistaken for a usable one. When a create's
//! answer is lost ([`Error::is_ambiguous`]: a timeout, a dropped connection, a 5xx, or an answer
//! that does not decode) a key may exist whose secret nobody will ever see: the caller must
//! find it ([`ApiKeys::find_all`]) and delete it, then create a new one — never adopt it. For
//! the same reason a create is never replayed.

use serde::{Deserialize, Serialize};

use super::{Metadata, id_path, oldest_first};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;
use linkplan_http::Secret;

const PATH: &str = "/iam/v2/api-keys";
/// The documented maximum `page_size` of the API key list.
pub const MAX_PAGE_SIZE: u32 = 100;

/// An API key as get and list show it: without its secret (Confluent never shows it again).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key id (the SASL user name).
    pub id: String,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// Owner, resource, name.
    #[serde(default)]
    pub spec: ApiKeySpec,
}

impl ApiKey {
    /// `spec.owner.id`: the service account (or user) the key acts as.
    pub fn owner_id(&self) -> Option<&str> {
        self.spec.owner.as_ref().map(|o| o.id.as_str())
    }

    /// `spec.resource.id`: the Kafka cluster a Kafka API key is for (`None`: a Cloud API key).
    pub fn resource_id(&self) -> Option<&str> {
        self.spec.resource.as_ref().map(|r| r.id.as_str())
    }
}

/// `spec` of a key (its `secret` is deliberately not read here: see [`NewApiKey`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApiKeySpec {
    /// The name (linkplan's natural key, with owner and resource).
    pub display_name: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The owner.
    pub owner: Option<KeyRef>,
    /// The Kafka cluster (`null` for a Cloud API key).
    pub resource: Option<KeyRef>,
}

/// `spec.owner` / `spec.resource`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct KeyRef {
    /// `sa-…`, `u-…`, `lkc-…`.
    pub id: String,
    /// For a resource: its environment.
    pub environment: Option<String>,
    /// `ServiceAccount`, `User`, `Cluster`, …
    pub kind: Option<String>,
}

/// What [`ApiKeys::create`] answers: the key and its secret, which no other call will ever
/// return. Not `Serialize`, and `Debug` shows the secret as `<redacted>`: hand the secret
/// straight to what needs it (the changefeed's password) and keep it nowhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewApiKey {
    /// The key.
    pub key: ApiKey,
    /// Its secret.
    pub secret: Secret,
}

impl NewApiKey {
    /// The key id (the SASL user name).
    pub fn id(&self) -> &str {
        &self.key.id
    }
}

/// `POST /iam/v2/api-keys` for a Kafka cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateApiKey {
    /// The name.
    pub display_name: String,
    /// A description.
    pub description: Option<String>,
    /// The owner: a service account `sa-…`.
    pub owner: String,
    /// The Kafka cluster `lkc-…`.
    pub cluster: String,
    /// The cluster's environment `env-…`.
    pub environment: String,
}

/// Server-side filters of the key list (each exact match).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyFilter {
    /// `spec.owner`: `sa-…` or `u-…`.
    pub owner: Option<String>,
    /// `spec.resource`: `lkc-…`.
    pub resource: Option<String>,
}

/// `client.api_keys()`.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'c> {
    client: &'c Client,
}

impl<'c> ApiKeys<'c> {
    pub(crate) fn new(client: &'c Client) -> ApiKeys<'c> {
        ApiKeys { client }
    }

    /// `GET /iam/v2/api-keys` with filters, every page (`listIamV2ApiKeys`; `page_size` 100).
    /// No key in the answer carries its secret.
    pub async fn list(&self, filter: &ApiKeyFilter) -> Result<Vec<ApiKey>, Error> {
        let mut query: Vec<(&str, String)> = Vec::new();
        query.extend(filter.owner.iter().map(|v| ("spec.owner", v.clone())));
        query.extend(filter.resource.iter().map(|v| ("spec.resource", v.clone())));
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// Every key of `owner` for `cluster` named `display_name`, oldest first: the keys earlier
    /// creates left. None of them is usable without the secret its create returned; after a
    /// lost create answer, delete them all before creating another.
    pub async fn find_all(&self, owner: &str, cluster: &str, display_name: &str) -> Result<Vec<ApiKey>, Error> {
        let filter = ApiKeyFilter { owner: Some(owner.to_owned()), resource: Some(cluster.to_owned()) };
        let mut found: Vec<ApiKey> = self
            .list(&filter)
            .await?
            .into_iter()
            .filter(|k| {
                k.owner_id() == Some(owner)
                    && k.resource_id() == Some(cluster)
                    && k.spec.display_name.as_deref() == Some(display_name)
            })
            .collect();
        oldest_first(&mut found, |k| (&k.metadata, &k.id));
        Ok(found)
    }

    /// `GET /iam/v2/api-keys/{id}` (`getIamV2ApiKey`): the key, never its secret.
    pub async fn get(&self, id: &str) -> Result<ApiKey, Error> {
        self.client.json(&Call::get(id_path(PATH, id))).await
    }

    /// `POST /iam/v2/api-keys` (`createIamV2ApiKey`; 202): a Kafka API key owned by
    /// `request.owner` for `request.cluster`, and its secret, which only this answer carries.
    ///
    /// Never replayed after it may have reached the server. On [`Error::is_ambiguous`] (no
    /// answer, a 5xx, or an answer without a readable secret) the secret is gone even if the key
    /// was made: [`ApiKeys::find_all`] and [`ApiKeys::delete`] what it finds, then create again.
    /// Never adopt a key you did not get the secret of.
    pub async fn create(&self, request: &CreateApiKey) -> Result<NewApiKey, Error> {
        let body = CreateBody {
            spec: CreateSpec {
                display_name: &request.display_name,
                description: request.description.as_deref(),
                owner: IdRef { id: &request.owner, environment: None },
                resource: IdRef { id: &request.cluster, environment: Some(&request.environment) },
            },
        };
        let created: Created = self.client.json(&Call::create(PATH.to_owned(), &body)?).await?;
        let Created { id, metadata, spec } = created;
        let CreatedSpec { secret, display_name, description, owner, resource } = spec;
        Ok(NewApiKey {
            key: ApiKey { id, metadata, spec: ApiKeySpec { display_name, description, owner, resource } },
            secret: Secret::from(secret),
        })
    }

    /// `DELETE /iam/v2/api-keys/{id}` (`deleteIamV2ApiKey`; 204).
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client.send(&Call::delete(id_path(PATH, id))).await.map(drop)
    }
}

#[derive(Serialize)]
struct CreateBody<'a> {
    spec: CreateSpec<'a>,
}

#[derive(Serialize)]
struct CreateSpec<'a> {
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    owner: IdRef<'a>,
    resource: IdRef<'a>,
}

#[derive(Serialize)]
struct IdRef<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
}

/// The create answer, where the secret is required: an answer without one fails to decode,
/// which for a create is [`Error::is_ambiguous`] (the key exists, its secret is lost).
#[derive(Deserialize)]
struct Created {
    id: String,
    #[serde(default)]
    metadata: Metadata,
    spec: CreatedSpec,
}

#[derive(Deserialize)]
struct CreatedSpec {
    secret: String,
    display_name: Option<String>,
    description: Option<String>,
    owner: Option<KeyRef>,
    resource: Option<KeyRef>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SECRET: &str = "cflt-secret-4Jd9+Xq/Vw2";

    #[test]
    fn the_create_body() -> Result<(), serde_json::Error> {
        let body = CreateBody {
            spec: CreateSpec {
                display_name: "linkplan-orders-cdc",
                description: None,
                owner: IdRef { id: "sa-7q2w9e", environment: None },
                resource: IdRef { id: "lkc-x1y2z3", environment: Some("env-abc123") },
            },
        };
        assert_eq!(
            serde_json::to_value(&body)?,
            json!({ "spec": { "display_name": "linkplan-orders-cdc", "owner": { "id": "sa-7q2w9e" },
                              "resource": { "id": "lkc-x1y2z3", "environment": "env-abc123" } } })
        );
        Ok(())
    }

    fn created_json(with_secret: bool) -> serde_json::Value {
        let mut spec = json!({
            "display_name": "linkplan-orders-cdc",
            "owner": { "id": "sa-7q2w9e", "related": "https://api.confluent.cloud/iam/v2/service-accounts/sa-7q2w9e",
                       "resource_name": "crn://confluent.cloud/service-account=sa-7q2w9e", "kind": "ServiceAccount" },
            "resource": { "id": "lkc-x1y2z3", "environment": "env-abc123", "kind": "Cluster",
                          "related": "https://api.confluent.cloud/cmk/v2/clusters/lkc-x1y2z3",
                          "resource_name": "crn://confluent.cloud/organization=o-1/environment=env-abc123/cloud-cluster=lkc-x1y2z3" },
        });
        if with_secret {
            spec["secret"] = json!(SECRET);
        }
        json!({ "api_version": "iam/v2", "kind": "ApiKey", "id": "ABCDKEY123",
                "metadata": { "self": "https://api.confluent.cloud/iam/v2/api-keys/ABCDKEY123",
                              "created_at": "2026-03-01T09:00:00Z" },
                "spec": spec })
    }

    #[test]
    fn the_secret_comes_only_from_the_create_answer_and_never_shows() -> Result<(), serde_json::Error> {
        let created: Created = serde_json::from_value(created_json(true))?;
        assert_eq!(created.spec.secret, SECRET);
        // A listed or read key decodes without a secret; the field is simply not there to keep.
        let listed: ApiKey = serde_json::from_value(created_json(true))?;
        assert_eq!((listed.owner_id(), listed.resource_id()), (Some("sa-7q2w9e"), Some("lkc-x1y2z3")));
        assert_eq!(listed.spec.resource.as_ref().and_then(|r| r.environment.as_deref()), Some("env-abc123"));
        assert!(!format!("{listed:?}").contains(SECRET));
        let new = NewApiKey { key: listed, secret: Secret::new(SECRET) };
        let shown = format!("{new:?} {new:#?}");
        assert!(!shown.contains(SECRET) && shown.contains("<redacted>"), "{shown}");
        assert_eq!(new.id(), "ABCDKEY123");
        // A create answer without the secret does not decode: the create is then ambiguous.
        let lost = serde_json::from_value::<Created>(created_json(false)).map(|_| ()).expect_err("no secret");
        assert!(lost.to_string().contains("secret"), "{lost}");
        Ok(())
    }
}
