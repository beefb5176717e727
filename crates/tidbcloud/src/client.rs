//! `Client` and its builder; every request goes through the one private `send`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use linkplan_http::call::CallSpec;
use linkplan_http::config::{env_var, required_secret};
use linkplan_http::transport::request_target;
use linkplan_http::{
    BaseUrl, ConfigError, Exchange, Incoming, Method, Observer, Outgoing, RetryPolicy, Secret, StatusCode, Transport,
    TransportConfig, TransportError, Url,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{DigestAuth, Rechallenge};
use crate::error::Error;
use crate::resources::{Clusters, PrivateLinkConnections};
use crate::retry::Replay;

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
                vendor: "tidbcloud",
                request_id_header: "x-debug-trace-id",
                connect_timeout: self.connect_timeout,
                observer: self.observer,
            },
        )?;
        let Credentials { public_key, private_key } = self.credentials;
        let auth = DigestAuth::new(public_key, private_key);
        Ok(Client { inner: Arc::new(Inner { transport, auth, retry: self.retry, timeout: self.timeout }) })
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

/// A TiDB Cloud API client. Cheap to clone (one connection pool behind an `Arc`).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    auth: DigestAuth,
    retry: RetryPolicy,
    timeout: Duration,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("auth", &self.auth)
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

    /// Starter/Essential clusters (read-only).
    pub fn clusters(&self) -> Clusters<'_> {
        Clusters::new(self)
    }

    /// Private link connections (for dataflow) of a cluster, and their domains.
    pub fn private_link_connections(&self) -> PrivateLinkConnections<'_> {
        PrivateLinkConnections::new(self)
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.transport.base().as_str()
    }

    /// Send a call with Digest authentication and retries; a non-2xx answer becomes
    /// [`Error::Api`].
    pub(crate) async fn send(&self, call: &Call) -> Result<Incoming, Error> {
        let inner = &self.inner;
        let url = inner
            .transport
            .url(&call.method, &call.target)
            .map_err(|source| Error::Transport { ambiguous: false, source })?;
        let uri = request_target(&url);
        let spec = CallSpec {
            vendor: "tidbcloud",
            method: &call.method,
            path: call.path(),
            replay: call.replay,
            policy: inner.retry,
            timeout: inner.timeout,
        };
        // Requests sent so far, Digest challenges included (the observer's attempt number).
        let requests = AtomicU32::new(0);
        linkplan_http::call::run(spec, |_, timeout| self.authenticated(call, &url, &uri, timeout, &requests)).await
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
            let response = inner.transport.send(outgoing).await?;
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
        Call::post(target, body, Replay::Unsafe)
    }

    /// A POST that changes nothing, or removes by id (validate-only attach, detach).
    pub(crate) fn post_idempotent(target: String, body: &impl Serialize) -> Result<Call, Error> {
        Call::post(target, body, Replay::Safe)
    }

    fn post(target: String, body: &impl Serialize, replay: Replay) -> Result<Call, Error> {
        let body = serde_json::to_vec(body).map_err(|source| Error::Encode { path: target.clone(), source })?;
        Ok(Call { method: Method::POST, target, body: Some(body), replay })
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
        trace_id: response.request_id.clone(),
        source: e.into_inner(),
    })
}
