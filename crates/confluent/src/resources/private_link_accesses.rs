//! `networking/v1` PrivateLink accesses: let TiDB's AWS account reach a network's endpoint service.

use serde::{Deserialize, Serialize};

use super::{Metadata, ObjectRef, Phase, id_path, in_env, prefer_live};
use crate::client::{Call, Client};
use crate::error::Error;
use crate::page::list_all;
use crate::resources::networks::MAX_PAGE_SIZE;

const PATH: &str = "/networking/v1/private-link-accesses";
const AWS_KIND: &str = "AwsPrivateLinkAccess";

/// A PrivateLink access.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PrivateLinkAccess {
    /// `pla-…`.
    pub id: String,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
    /// Desired state.
    #[serde(default)]
    pub spec: PrivateLinkAccessSpec,
    /// Observed state.
    pub status: Option<PrivateLinkAccessStatus>,
}

impl PrivateLinkAccess {
    /// `status.phase`.
    pub fn phase(&self) -> Option<&Phase> {
        self.status.as_ref().map(|s| &s.phase)
    }

    /// The allowed AWS account, for an `AwsPrivateLinkAccess`.
    pub fn aws_account(&self) -> Option<&str> {
        let cloud = self.spec.cloud.as_ref()?;
        (cloud.kind == AWS_KIND).then_some(cloud.account.as_deref()).flatten()
    }

    /// The network id.
    pub fn network_id(&self) -> Option<&str> {
        self.spec.network.as_ref().map(|n| n.id.as_str())
    }
}

/// `spec` of an access.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PrivateLinkAccessSpec {
    /// The name.
    pub display_name: Option<String>,
    /// Cloud-specific details (`kind` + the AWS `account`).
    pub cloud: Option<AccessCloud>,
    /// The network.
    pub network: Option<ObjectRef>,
    /// The environment.
    pub environment: Option<ObjectRef>,
}

/// `spec.cloud`: `AwsPrivateLinkAccess` with its account; other kinds keep only `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessCloud {
    /// `AwsPrivateLinkAccess`, `AzurePrivateLinkAccess`, …
    pub kind: String,
    /// AWS: the 12-digit account (a string: leading zeros matter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// `status` of an access.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PrivateLinkAccessStatus {
    /// Lifecycle phase.
    pub phase: Phase,
    /// Why it failed.
    pub error_code: Option<String>,
    /// Why it failed, for humans.
    pub error_message: Option<String>,
}

/// `POST /networking/v1/private-link-accesses` for an AWS account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePrivateLinkAccess {
    /// `env-…`.
    pub environment: String,
    /// `n-…`.
    pub network: String,
    /// The AWS account to allow (TiDB's `accountId`).
    pub aws_account: String,
    /// The name.
    pub display_name: Option<String>,
}

/// Server-side filters of the access list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateLinkAccessFilter {
    /// `spec.network`.
    pub network: Vec<String>,
    /// `spec.display_name`.
    pub display_name: Vec<String>,
    /// `status.phase`.
    pub phase: Vec<Phase>,
}

/// `client.private_link_accesses()`.
#[derive(Debug, Clone, Copy)]
pub struct PrivateLinkAccesses<'c> {
    client: &'c Client,
}

impl<'c> PrivateLinkAccesses<'c> {
    pub(crate) fn new(client: &'c Client) -> PrivateLinkAccesses<'c> {
        PrivateLinkAccesses { client }
    }

    /// `GET /networking/v1/private-link-accesses?environment=…` with filters, every page
    /// (`listNetworkingV1PrivateLinkAccesses`; `page_size` 1000).
    pub async fn list(
        &self,
        environment: &str,
        filter: &PrivateLinkAccessFilter,
    ) -> Result<Vec<PrivateLinkAccess>, Error> {
        let mut query = vec![("environment", environment.to_owned())];
        query.extend(filter.network.iter().map(|v| ("spec.network", v.clone())));
        query.extend(filter.display_name.iter().map(|v| ("spec.display_name", v.clone())));
        query.extend(filter.phase.iter().map(|v| ("status.phase", v.to_string())));
        list_all(self.client, PATH, &query, MAX_PAGE_SIZE).await
    }

    /// The access for `aws_account` on `network` (the natural key): listed by network, matched
    /// on `AwsPrivateLinkAccess` + account here; one that is not being deleted wins.
    pub async fn find(
        &self,
        environment: &str,
        network: &str,
        aws_account: &str,
    ) -> Result<Option<PrivateLinkAccess>, Error> {
        let filter =
            PrivateLinkAccessFilter { network: vec![network.to_owned()], ..PrivateLinkAccessFilter::default() };
        let found = self.list(environment, &filter).await?;
        let matching =
            found.into_iter().filter(|a| a.network_id() == Some(network) && a.aws_account() == Some(aws_account));
        Ok(prefer_live(matching, |a| a.metadata.deleted_at.is_some() || a.phase() == Some(&Phase::Deprovisioning)))
    }

    /// `GET /networking/v1/private-link-accesses/{id}?environment=…`
    /// (`getNetworkingV1PrivateLinkAccess`).
    pub async fn get(&self, environment: &str, id: &str) -> Result<PrivateLinkAccess, Error> {
        self.client.json(&Call::get(in_env(&id_path(PATH, id), environment))).await
    }

    /// `POST /networking/v1/private-link-accesses` (`createNetworkingV1PrivateLinkAccess`; 202).
    /// A second access for the same account and network is a 409 ([`Error::is_conflict`]).
    /// Never replayed after an ambiguous failure: on [`Error::is_ambiguous`] call
    /// [`PrivateLinkAccesses::find`].
    pub async fn create(&self, request: &CreatePrivateLinkAccess) -> Result<PrivateLinkAccess, Error> {
        let body = Body {
            spec: Spec {
                display_name: request.display_name.as_deref(),
                cloud: AccessCloud { kind: AWS_KIND.to_owned(), account: Some(request.aws_account.clone()) },
                network: ObjectRef::new(&request.network),
                environment: ObjectRef::new(&request.environment),
            },
        };
        self.client.json(&Call::create(PATH.to_owned(), &body)?).await
    }

    /// `DELETE /networking/v1/private-link-accesses/{id}?environment=…`
    /// (`deleteNetworkingV1PrivateLinkAccess`; 204, then DEPROVISIONING until 404).
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
    cloud: AccessCloud,
    network: ObjectRef,
    environment: ObjectRef,
}
