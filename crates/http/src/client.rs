//! The builder both clients share: `ClientBuilder::new(credentials).base_url(url).build()`.
//!
//! A vendor crate names itself with a [`Vendor`] (its constants, its credentials, how it puts
//! its client together) and exports `ClientBuilder<ItsVendor>` under its own name; what it gets
//! to build from is an [`Http`]: the checked transport and the limits of every call.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::budget::{Budget, BudgetHeaders, BudgetLimit};
use crate::call::{Call, CallSpec};
use crate::config::{BaseUrl, ConfigError, env_var};
use crate::error::{Error, VendorBody};
use crate::retry::RetryPolicy;
use crate::timer::{Timer, TokioTimer};
use crate::transport::{Exchange, Incoming, Observer, Outgoing, Transport, TransportConfig, TransportError};

/// What a vendor crate tells the shared builder.
pub trait Vendor: 'static {
    /// The API key pair (its halves [`crate::Secret`]s).
    type Credentials: Clone + fmt::Debug;
    /// The client [`ClientBuilder::build`] returns.
    type Client;

    /// `"confluent"` or `"tidbcloud"`: the `vendor` field of logs.
    const NAME: &'static str;
    /// The production API.
    const DEFAULT_BASE_URL: &'static str;
    /// The variable that overrides [`Vendor::DEFAULT_BASE_URL`].
    const ENV_BASE_URL: &'static str;
    /// The response header carrying the request (or trace) id.
    const REQUEST_ID_HEADER: &'static str;
    /// The documented request limit per API key, if the vendor publishes one.
    const REQUEST_LIMIT: Option<BudgetLimit>;
    /// The headers the vendor reports its rate-limit window in.
    const BUDGET_HEADERS: BudgetHeaders;

    /// The credentials from the vendor's variables, read through `lookup`.
    fn credentials_from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self::Credentials, ConfigError>;

    /// Put the client together.
    fn client(credentials: Self::Credentials, http: Http) -> Result<Self::Client, ConfigError>;
}

/// Builds a vendor's client: `ClientBuilder::new(credentials).base_url(url).retry(policy).build()`.
pub struct ClientBuilder<V: Vendor> {
    credentials: V::Credentials,
    base_url: String,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    observer: Option<Observer>,
    timer: Arc<dyn Timer>,
    request_limit: Option<BudgetLimit>,
}

impl<V: Vendor> Clone for ClientBuilder<V> {
    fn clone(&self) -> Self {
        ClientBuilder {
            credentials: self.credentials.clone(),
            base_url: self.base_url.clone(),
            retry: self.retry,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            observer: self.observer.clone(),
            timer: Arc::clone(&self.timer),
            request_limit: self.request_limit,
        }
    }
}

impl<V: Vendor> ClientBuilder<V> {
    /// Defaults: the vendor's production URL, [`RetryPolicy::standard`], 30 s per request, 10 s
    /// to connect.
    pub fn new(credentials: V::Credentials) -> ClientBuilder<V> {
        ClientBuilder {
            credentials,
            base_url: V::DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::standard(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            observer: None,
            timer: Arc::new(TokioTimer::new()),
            request_limit: V::REQUEST_LIMIT,
        }
    }

    /// Credentials from the environment, and the base URL from the vendor's URL variable when
    /// set (an explicit [`ClientBuilder::base_url`] afterwards wins, as a command-line flag
    /// should). Pass `|name| std::env::var(name).ok()` in production, a map in tests.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<ClientBuilder<V>, ConfigError> {
        let mut builder = ClientBuilder::new(V::credentials_from_env(lookup)?);
        if let Some(url) = env_var(lookup, V::ENV_BASE_URL) {
            builder.base_url = url;
        }
        Ok(builder)
    }

    /// The API's base URL: `https://…`, or `http://` to a loopback address (checked by `build`).
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder<V> {
        self.base_url = url.into();
        self
    }

    /// Attempts, backoff and the overall deadline of each call.
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder<V> {
        self.retry = policy;
        self
    }

    /// The timeout of each HTTP attempt, connection to last byte.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder<V> {
        self.timeout = timeout;
        self
    }

    /// The time allowed to connect.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder<V> {
        self.connect_timeout = timeout;
        self
    }

    /// Called after every HTTP attempt (tests count and validate requests with it).
    pub fn observer(mut self, observer: impl Fn(&Exchange<'_>) + Send + Sync + 'static) -> ClientBuilder<V> {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The clock of each call's deadline and of the waits between its attempts (default: the
    /// real one). Tests on a simulator's explicit clock pass one that moves the simulation, so a
    /// retry after a 429 waits in simulated time.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> ClientBuilder<V> {
        self.timer = timer;
        self
    }

    /// The request limit the client keeps to (default: the vendor's documented one,
    /// [`Vendor::REQUEST_LIMIT`]; `None` leaves only what the server's headers say).
    pub fn request_limit(mut self, limit: Option<BudgetLimit>) -> ClientBuilder<V> {
        self.request_limit = limit;
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<V::Client, ConfigError> {
        let base = BaseUrl::parse(&self.base_url)?;
        let transport = Transport::new(
            base,
            TransportConfig {
                vendor: V::NAME,
                request_id_header: V::REQUEST_ID_HEADER,
                connect_timeout: self.connect_timeout,
                observer: self.observer,
            },
        )?;
        let budget = Budget::new(self.request_limit, V::BUDGET_HEADERS);
        let http =
            Http { vendor: V::NAME, transport, retry: self.retry, timeout: self.timeout, timer: self.timer, budget };
        V::client(self.credentials, http)
    }
}

impl<V: Vendor> fmt::Debug for ClientBuilder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("observer", &self.observer.as_ref().map(|_| "Fn(&Exchange)"))
            .field("timer", &self.timer)
            .field("request_limit", &self.request_limit)
            .finish()
    }
}

/// What every client holds besides its authentication: the transport (one connection pool),
/// the limits of each call and the key's request budget.
#[derive(Debug)]
pub struct Http {
    vendor: &'static str,
    transport: Transport,
    retry: RetryPolicy,
    timeout: Duration,
    timer: Arc<dyn Timer>,
    budget: Budget,
}

impl Http {
    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.transport.base().as_str()
    }

    /// The transport, to send each attempt with.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Send one attempt within the key's request budget: it waits for room first
    /// ([`crate::budget`]), and the answer's rate-limit headers update the budget.
    pub async fn send(&self, out: Outgoing<'_>) -> Result<Incoming, TransportError> {
        let ticket = self.budget.acquire(self.timer.as_ref()).await;
        let result = self.transport.send(out).await;
        if let Ok(response) = &result {
            self.budget.answered(ticket, response.status, &response.headers, self.timer.as_ref());
        }
        result
    }

    /// The key's request budget (how often it made a request wait, and the 429s seen).
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The absolute URL of a call's target.
    pub fn url<B: VendorBody>(&self, call: &Call) -> Result<Url, Error<B>> {
        self.transport.url(&call.method, &call.target).map_err(|source| Error::Transport { ambiguous: false, source })
    }

    /// Run a call: `attempt(number, timeout)` sends one authenticated attempt; the retry policy
    /// decides what is repeated ([`crate::call::run`]).
    pub async fn run<B, F, Fut>(&self, call: &Call, attempt: F) -> Result<Incoming, Error<B>>
    where
        B: VendorBody,
        F: FnMut(u32, Duration) -> Fut,
        Fut: Future<Output = Result<Incoming, TransportError>>,
    {
        let spec =
            CallSpec { vendor: self.vendor, call, policy: self.retry, timeout: self.timeout, timer: &self.timer };
        crate::call::run(spec, attempt).await
    }
}
