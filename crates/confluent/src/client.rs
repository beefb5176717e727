//! `Client` and its builder; every request goes through the one private `send`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use linkplan_http::call::CallSpec;
use linkplan_http::config::{env_var, required_secret};
use linkplan_http::header::HeaderValue;
use linkplan_http::{
    BaseUrl, ConfigError, Exchange, Incoming, Method, Observer, Outgoing, RetryPolicy, Secret, Transport,
    TransportConfig,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::resources::{Clusters, Environments, Networks, PrivateLinkAccesses};
use crate::retry::Replay;

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

/// Builds a [`Client`]: `ClientBuilder::new(credentials).base_url(url).retry(policy).build()`.
#[derive(Clone)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    observer: Option<Observer>,
}

impl ClientBuilder {
    /// Defaults: [`DEFAULT_BASE_URL`], [`RetryPolicy::standard`], 30 s per request, 10 s to
    /// connect.
    pub fn new(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::standard(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            observer: None,
        }
    }

    /// Credentials from the environment, and the base URL from [`ENV_BASE_URL`] when set (an
    /// explicit [`ClientBuilder::base_url`] afterwards wins, as a command-line flag should).
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<ClientBuilder, ConfigError> {
        let mut builder = ClientBuilder::new(Credentials::from_env(lookup)?);
        if let Some(url) = env_var(lookup, ENV_BASE_URL) {
            builder.base_url = url;
        }
        Ok(builder)
    }

    /// The API's base URL: `https://…`, or `http://` to a loopback address (checked by `build`).
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.base_url = url.into();
        self
    }

    /// Attempts, backoff and the overall deadline of each call.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// The timeout of each HTTP attempt, connection to last byte.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// The time allowed to connect.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// Called after every HTTP attempt (tests count and validate requests with it).
    pub fn observer(mut self, observer: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> ClientBuilder {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base = BaseUrl::parse(&self.base_url)?;
        let transport = Transport::new(
            base,
            TransportConfig {
                vendor: "confluent",
                request_id_header: "x-request-id",
                connect_timeout: self.connect_timeout,
                observer: self.observer,
            },
        )?;
        let authorization = self.credentials.authorization()?;
        Ok(Client { inner: Arc::new(Inner { transport, authorization, retry: self.retry, timeout: self.timeout }) })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("observer", &self.observer.as_ref().map(|_| "Fn(&Exchange)"))
            .finish()
    }
}

/// A Confluent Cloud API client. Cheap to clone (one connection pool behind an `Arc`).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    authorization: HeaderValue,
    retry: RetryPolicy,
    timeout: Duration,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
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

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base().as_str()
    }

    /// Send a call with authentication and retries; a non-2xx answer becomes [`Error::Api`].
    pub(crate) async fn send(&self, call: &Call) -> Result<Incoming, Error> {
        let inner = &self.inner;
        let url = inner
            .transport
            .url(&call.method, &call.target)
            .map_err(|source| Error::Transport { ambiguous: false, source })?;
        let spec = CallSpec {
            vendor: "confluent",
            method: &call.method,
            path: call.path(),
            replay: call.replay,
            policy: inner.retry,
            timeout: inner.timeout,
        };
        linkplan_http::call::run(spec, |attempt, timeout| {
            inner.transport.send(Outgoing {
                method: call.method.clone(),
                url: &url,
                body: call.body.as_deref(),
                authorization: Some(inner.authorization.clone()),
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

/// One logical API call (its attempts share the body and the retry budget).
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) method: Method,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) replay: Replay,
}

impl Call {
    pub(crate) fn get(target: String) -> Call {
        Call { method: Method::GET, target, body: None, replay: Replay::Safe }
    }

    pub(crate) fn delete(target: String) -> Call {
        Call { method: Method::DELETE, target, body: None, replay: Replay::Safe }
    }

    /// A create: never replayed once it may have reached the server.
    pub(crate) fn create(target: String, body: &impl Serialize) -> Result<Call, Error> {
        let body = serde_json::to_vec(body).map_err(|source| Error::Encode { path: target.clone(), source })?;
        Ok(Call { method: Method::POST, target, body: Some(body), replay: Replay::Unsafe })
    }

    /// The path without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(p, _)| p)
    }
}

/// Decode a success body, reporting where it failed to match.
pub(crate) fn decode<T: DeserializeOwned>(call: &Call, response: &Incoming) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(&response.body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        ambiguous: call.replay == Replay::Unsafe,
        method: call.method.clone(),
        path: call.path().to_owned(),
        at: e.path().to_string(),
        request_id: response.request_id.clone(),
        source: e.into_inner(),
    })
}
