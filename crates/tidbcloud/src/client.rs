//! `Client`, its credentials and its builder; every request goes through the one private `send`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub(crate) use linkplan_http::Call;
use linkplan_http::config::required_secret;
use linkplan_http::transport::request_target;
use linkplan_http::{
    BudgetHeaders, BudgetLimit, ConfigError, Http, Incoming, Outgoing, Secret, StatusCode, TransportError, Url, Vendor,
};
use serde::de::DeserializeOwned;

use crate::auth::{DigestAuth, Rechallenge};
use crate::error::Error;
use crate::resources::{Changefeeds, Clusters, PrivateLinkConnections};

/// The production API (Starter/Essential clusters; paths start with `/v1beta1`).
pub const DEFAULT_BASE_URL: &str = "https://serverless.tidbapi.com";
/// The API public key (the name TiDB Cloud's Terraform provider reads).
pub const ENV_PUBLIC_KEY: &str = "TIDBCLOUD_PUBLIC_KEY";
/// The API private key.
pub const ENV_PRIVATE_KEY: &str = "TIDBCLOUD_PRIVATE_KEY";
/// Overrides [`DEFAULT_BASE_URL`] (the simulator sets it).
pub const ENV_BASE_URL: &str = "LINKPLAN_TIDBCLOUD_URL";

/// An API key pair (HTTP Digest user name and password). Both halves print as `<redacted>`.
#[derive(Clone)]
pub struct Credentials {
    public_key: Secret,
    private_key: Secret,
}

impl Credentials {
    /// A public key and its private key.
    pub fn new(public_key: impl Into<Secret>, private_key: impl Into<Secret>) -> Credentials {
        Credentials { public_key: public_key.into(), private_key: private_key.into() }
    }

    /// From [`ENV_PUBLIC_KEY`] and [`ENV_PRIVATE_KEY`], read through `lookup` (pass
    /// `|name| std::env::var(name).ok()` in production, a map in tests).
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
        Ok(Credentials {
            public_key: required_secret(lookup, ENV_PUBLIC_KEY)?,
            private_key: required_secret(lookup, ENV_PRIVATE_KEY)?,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("public_key", &self.public_key)
            .field("private_key", &self.private_key)
            .finish()
    }
}

/// The TiDB Cloud API, as the shared builder sees it.
#[derive(Debug, Clone, Copy)]
pub struct TidbCloud;

impl Vendor for TidbCloud {
    type Credentials = Credentials;
    type Client = Client;

    const NAME: &'static str = "tidbcloud";
    const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
    const ENV_BASE_URL: &'static str = ENV_BASE_URL;
    const REQUEST_ID_HEADER: &'static str = "x-debug-trace-id";
    /// 100 requests a minute per API key (Digest challenges count as requests here).
    const REQUEST_LIMIT: Option<BudgetLimit> =
        Some(BudgetLimit { requests: 100, window: std::time::Duration::from_secs(60) });
    const BUDGET_HEADERS: BudgetHeaders =
        BudgetHeaders { remaining: "x-ratelimit-remaining-minute", reset: "x-ratelimit-reset" };

    fn credentials_from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
        Credentials::from_env(lookup)
    }

    fn client(credentials: Credentials, http: Http) -> Result<Client, ConfigError> {
        let Credentials { public_key, private_key } = credentials;
        let auth = DigestAuth::new(public_key, private_key);
        Ok(Client { inner: Arc::new(Inner { http, auth }) })
    }
}

/// Builds a [`Client`]: `ClientBuilder::new(credentials).base_url(url).retry(policy).build()`
/// (defaults: [`DEFAULT_BASE_URL`], [`linkplan_http::RetryPolicy::standard`], 30 s per
/// request, 10 s to connect).
pub type ClientBuilder = linkplan_http::ClientBuilder<TidbCloud>;

/// A TiDB Cloud API client. Cheap to clone (one connection pool behind an `Arc`).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Http,
    auth: DigestAuth,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("http", &self.http).field("auth", &self.auth).finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// Starter/Essential clusters (read-only).
    pub fn clusters(&self) -> Clusters<'_> {
        Clusters::new(self)
    }

    /// Private link connections (for dataflow) of a cluster, and their domains.
    pub fn private_link_connections(&self) -> PrivateLinkConnections<'_> {
        PrivateLinkConnections::new(self)
    }

    /// Changefeeds of a cluster (into Kafka over a private link connection), the
    /// connectivity test and the table check.
    pub fn changefeeds(&self) -> Changefeeds<'_> {
        Changefeeds::new(self)
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url()
    }

    /// The API key's request budget, shared by every clone of this client.
    pub fn budget(&self) -> &linkplan_http::Budget {
        self.inner.http.budget()
    }

    /// Send a call with Digest authentication and retries; a non-2xx answer becomes
    /// [`Error::Api`].
    pub(crate) async fn send(&self, call: &Call) -> Result<Incoming, Error> {
        let http = &self.inner.http;
        let url = http.url(call)?;
        let uri = request_target(&url);
        // Requests sent so far, Digest challenges included (the observer's attempt number).
        let requests = AtomicU32::new(0);
        http.run(call, |_, timeout| self.authenticated(call, &url, &uri, timeout, &requests)).await
    }

    /// One attempt: signed with the cached challenge (one request), or, on a 401 that brings a
    /// usable fresh challenge (first contact, or `stale=true`), signed once more (two).
    async fn authenticated(
        &self,
        call: &Call,
        url: &Url,
        uri: &str,
        timeout: std::time::Duration,
        requests: &AtomicU32,
    ) -> Result<Incoming, TransportError> {
        let inner = &self.inner;
        let mut answered_challenge = false;
        loop {
            let signed = inner.auth.authorize(&call.method, uri);
            let (authorization, signature) = signed.unzip();
            let attempt = requests.fetch_add(1, Ordering::Relaxed) + 1;
            let outgoing = Outgoing {
                method: call.method.clone(),
                url,
                body: call.body.as_deref(),
                authorization,
                attempt,
                timeout,
            };
            let response = inner.http.send(outgoing).await?;
            if response.status != StatusCode::UNAUTHORIZED || answered_challenge {
                return Ok(response);
            }
            match inner.auth.rechallenge(&response.headers, signature.as_ref()) {
                Rechallenge::Resend => answered_challenge = true,
                Rechallenge::Refused => return Ok(response),
            }
        }
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
