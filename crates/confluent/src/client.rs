//! `Client`, its credentials and its builder; every request goes through the one private `send`.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
pub(crate) use linkplan_http::Call;
use linkplan_http::config::required_secret;
use linkplan_http::header::HeaderValue;
use linkplan_http::{BudgetHeaders, BudgetLimit, ConfigError, Http, Incoming, Outgoing, Secret, Vendor};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::resources::{
    ApiKeys, Clusters, Environments, Networks, Organizations, PrivateLinkAccesses, RoleBindings, ServiceAccounts,
};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.confluent.cloud";
/// The Cloud API key id (the name Confluent's Terraform provider reads).
pub const ENV_API_KEY: &str = "CONFLUENT_CLOUD_API_KEY";
/// The Cloud API key secret.
pub const ENV_API_SECRET: &str = "CONFLUENT_CLOUD_API_SECRET";
/// Overrides [`DEFAULT_BASE_URL`] (the simulator sets it).
pub const ENV_BASE_URL: &str = "LINKPLAN_CONFLUENT_URL";

/// A Cloud API key (HTTP Basic). Both halves print as `<redacted>`.
#[derive(Clone)]
pub struct Credentials {
    key: Secret,
    secret: Secret,
}

impl Credentials {
    /// A key id and its secret.
    pub fn new(key: impl Into<Secret>, secret: impl Into<Secret>) -> Credentials {
        Credentials { key: key.into(), secret: secret.into() }
    }

    /// From [`ENV_API_KEY`] and [`ENV_API_SECRET`], read through `lookup` (pass
    /// `|name| std::env::var(name).ok()` in production, a map in tests).
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
        Ok(Credentials { key: required_secret(lookup, ENV_API_KEY)?, secret: required_secret(lookup, ENV_API_SECRET)? })
    }

    fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        let token = STANDARD.encode(format!("{}:{}", self.key.expose(), self.secret.expose()));
        let mut value = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| ConfigError::InvalidCredential { what: "the Confluent Cloud API key" })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("key", &self.key).field("secret", &self.secret).finish()
    }
}

/// The Confluent Cloud API, as the shared builder sees it.
#[derive(Debug, Clone, Copy)]
pub struct ConfluentCloud;

impl Vendor for ConfluentCloud {
    type Credentials = Credentials;
    type Client = Client;

    const NAME: &'static str = "confluent";
    const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
    const ENV_BASE_URL: &'static str = ENV_BASE_URL;
    const REQUEST_ID_HEADER: &'static str = "x-request-id";
    /// Confluent publishes no numbers ("read the road signs"): the headers alone.
    const REQUEST_LIMIT: Option<BudgetLimit> = None;
    const BUDGET_HEADERS: BudgetHeaders =
        BudgetHeaders { remaining: "x-ratelimit-remaining", reset: "x-ratelimit-reset" };

    fn credentials_from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
        Credentials::from_env(lookup)
    }

    fn client(credentials: Credentials, http: Http) -> Result<Client, ConfigError> {
        let authorization = credentials.authorization()?;
        Ok(Client { inner: Arc::new(Inner { http, authorization }) })
    }
}

/// Builds a [`Client`]: `ClientBuilder::new(credentials).base_url(url).retry(policy).build()`
/// (defaults: [`DEFAULT_BASE_URL`], [`linkplan_http::RetryPolicy::standard`], 30 s per
/// request, 10 s to connect).
pub type ClientBuilder = linkplan_http::ClientBuilder<ConfluentCloud>;

/// A Confluent Cloud API client. Cheap to clone (one connection pool behind an `Arc`).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    authorization: HeaderValue,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("http", &self.http).finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// `org/v2` environments.
    pub fn environments(&self) -> Environments<'_> {
        Environments::new(self)
    }

    /// `networking/v1` networks.
    pub fn networks(&self) -> Networks<'_> {
        Networks::new(self)
    }

    /// `networking/v1` PrivateLink accesses.
    pub fn private_link_accesses(&self) -> PrivateLinkAccesses<'_> {
        PrivateLinkAccesses::new(self)
    }

    /// `cmk/v2` Kafka clusters.
    pub fn clusters(&self) -> Clusters<'_> {
        Clusters::new(self)
    }

    /// `org/v2` organizations (the id CRNs start with).
    pub fn organizations(&self) -> Organizations<'_> {
        Organizations::new(self)
    }

    /// `iam/v2` service accounts.
    pub fn service_accounts(&self) -> ServiceAccounts<'_> {
        ServiceAccounts::new(self)
    }

    /// `iam/v2` API keys (a Kafka API key's secret only from its create).
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys::new(self)
    }

    /// `iam/v2` role bindings.
    pub fn role_bindings(&self) -> RoleBindings<'_> {
        RoleBindings::new(self)
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url()
    }

    /// The API key's request budget, shared by every clone of this client.
    pub fn budget(&self) -> &linkplan_http::Budget {
        self.inner.http.budget()
    }

    /// Send a call with authentication and retries; a non-2xx answer becomes [`Error::Api`].
    pub(crate) async fn send(&self, call: &Call) -> Result<Incoming, Error> {
        let http = &self.inner.http;
        let url = http.url(call)?;
        http.run(call, |attempt, timeout| {
            http.send(Outgoing {
                method: call.method.clone(),
                url: &url,
                body: call.body.as_deref(),
                authorization: Some(self.inner.authorization.clone()),
                attempt,
                timeout,
            })
        })
        .await
    }

    /// Send and decode a JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, Error> {
        let response = self.send(call).await?;
        decode(call, &response)
    }
}

/// Decode a success body, reporting where it failed to match.
pub(crate) fn decode<T: DeserializeOwned>(call: &Call, response: &Incoming) -> Result<T, Error> {
    linkplan_http::call::decode(call, response)
}
