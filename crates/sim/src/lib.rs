//! A stateful simulator of the Confluent Cloud and TiDB Cloud APIs, written from the vendor specs.
//!
//! Public API: [`Sim::start`] serves both vendors on one `127.0.0.1` port from one [`World`]
//! (seeded from YAML, see [`World::from_path`] and [`World::example`]) and returns a
//! [`RunningSim`] with the base URLs, the credentials to print, and [`RunningSim::advance`] for
//! the [`ClockMode::Explicit`] clock. [`SimConfig`] sets the address, clock, delays and limits
//! (the vendors' rate limits are enforced unless a world or the config says
//! [`RateLimits::not_enforced`]);
//! [`Fault`] describes injected failures; [`SimError`] is every start-up error.
//!
//! [`RunningSim::inventory`] and [`RunningSim::cdc_inventory`] count what the world holds (the
//! networking resources; the changefeeds, service accounts, API keys and role bindings).
//!
//! It shares no types with the client crates: it is the independent oracle they are tested
//! against. Lifecycle transitions are applied lazily on each request (and on `advance`), so no
//! background task is needed and explicit-clock tests are deterministic.

mod clock;
mod confluent;
mod control;
mod error;
mod faults;
mod fields;
mod http;
mod ids;
mod state;
mod table_filter;
mod tidbcloud;
pub mod world;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::ClockMode;
pub use error::{SimError, WorldLocation};
pub use faults::{Fault, FaultAction, Vendor};
pub use world::{Delays, RateLimits, World};

use crate::http::{App, Shared, vendor_of};

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; default `127.0.0.1:0` (any free port).
    pub addr: SocketAddr,
    /// Auto (wall clock) or Explicit (tests advance time).
    pub clock: ClockMode,
    /// Lifecycle delays; overrides the world file's `delays` when set.
    pub delays: Option<Delays>,
    /// Largest accepted request body, in bytes (bigger bodies get the vendor's 400).
    pub body_limit: usize,
    /// How long a Digest nonce stays fresh, in simulated time.
    pub nonce_ttl: Duration,
    /// Rate limits; overrides the world file's `rate_limits` when set. Both the world's default
    /// and this enforce the documented limits; [`RateLimits::not_enforced`] only counts.
    pub rate_limits: Option<RateLimits>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clock: ClockMode::Auto,
            delays: None,
            body_limit: 64 * 1024,
            nonce_ttl: Duration::from_secs(300),
            rate_limits: None,
        }
    }
}

impl SimConfig {
    /// The configuration tests want: explicit clock, any free port.
    pub fn explicit() -> SimConfig {
        SimConfig { clock: ClockMode::Explicit, ..SimConfig::default() }
    }

    /// The same configuration with the rate limits counted and reported but never enforced: for
    /// a test that must send more than a vendor allows (say so in the test).
    pub fn without_rate_limits(self) -> SimConfig {
        SimConfig { rate_limits: Some(RateLimits::not_enforced()), ..self }
    }
}

/// Entry point.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// Bind, seed the world and serve in the background on the current Tokio runtime.
    pub async fn start(world: World, config: SimConfig) -> Result<RunningSim, SimError> {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SimError::Bind { addr: config.addr, source })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: config.addr, source })?;
        let credentials = (
            world.credentials.confluent.first().map(|k| (k.key.clone(), k.secret.clone())),
            world.credentials.tidbcloud.first().map(|k| (k.public_key.clone(), k.private_key.clone())),
        );
        let delays = config.delays.or(world.delays).unwrap_or_default();
        let mut world = world;
        if let Some(limits) = config.rate_limits {
            world.rate_limits = limits;
        }
        let mut state = state::State::new(world, config.clock, delays);
        let base_url = format!("http://{addr}");
        state.base_url.clone_from(&base_url);
        let app: App = Arc::new(Shared::new(state, config.body_limit, config.nonce_ttl));
        let router = router(app.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(RunningSim { addr, base_url, app, credentials, stop: Some(stop), task: Some(task) })
    }
}

fn router(app: App) -> Router {
    Router::new()
        .merge(confluent::routes())
        .merge(tidbcloud::routes())
        .merge(control::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .layer(axum::middleware::from_fn_with_state(app.clone(), http::gate))
        .with_state(app)
}

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    match vendor_of(uri.path()) {
        Some(Vendor::Tidbcloud) => {
            tidbcloud::TiError::not_found(format!("no such resource: {}", uri.path())).into_response()
        }
        Some(Vendor::Confluent) => confluent::CfError::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Not Found",
            format!("no such resource: {}", uri.path()),
        )
        .into_response(),
        None => http::json(StatusCode::NOT_FOUND, &serde_json::json!({ "error": "no such control endpoint" })),
    }
}

async fn not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> axum::response::Response {
    let msg = format!("method {method} is not allowed on {}", uri.path());
    match vendor_of(uri.path()) {
        Some(Vendor::Tidbcloud) => tidbcloud::TiError::new(StatusCode::METHOD_NOT_ALLOWED, msg).into_response(),
        Some(Vendor::Confluent) => {
            confluent::CfError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method Not Allowed", msg)
                .into_response()
        }
        None => http::json(StatusCode::METHOD_NOT_ALLOWED, &serde_json::json!({ "error": msg })),
    }
}

/// Live resource counts, from [`RunningSim::inventory`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inventory {
    pub networks: usize,
    pub private_link_accesses: usize,
    pub kafka_clusters: usize,
    pub private_link_connections: usize,
    pub attached_domains: usize,
}

/// Live counts of the changefeed's side of the world, from [`RunningSim::cdc_inventory`]: what
/// tests count to prove that an apply left one changefeed, one key and no orphans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CdcInventory {
    /// Changefeeds (any state).
    pub changefeeds: usize,
    /// Confluent service accounts.
    pub service_accounts: usize,
    /// Confluent API keys (seeded or created; the world's Cloud keys in `credentials` are not).
    pub api_keys: usize,
    /// Confluent role bindings.
    pub role_bindings: usize,
}

/// A (user, secret) pair.
type KeyPair = (String, String);

/// A running simulator; stops when dropped (or with [`RunningSim::shutdown`]). Its `Debug`
/// shows where it listens, never the keys it accepts.
pub struct RunningSim {
    addr: SocketAddr,
    base_url: String,
    app: App,
    credentials: (Option<KeyPair>, Option<KeyPair>),
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim").field("addr", &self.addr).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl RunningSim {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL standing in for `https://api.confluent.cloud`.
    pub fn confluent_url(&self) -> &str {
        &self.base_url
    }

    /// Base URL standing in for `https://serverless.tidbapi.com` (paths start with `/v1beta1`).
    pub fn tidbcloud_url(&self) -> &str {
        &self.base_url
    }

    /// `(NAME, value)` pairs a client needs, for `linkplan sim` to print as `export` lines.
    /// Includes secrets: only for the simulator's fake keys.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut out =
            vec![("LINKPLAN_CONFLUENT_URL", self.base_url.clone()), ("LINKPLAN_TIDBCLOUD_URL", self.base_url.clone())];
        if let Some((k, s)) = &self.credentials.0 {
            out.push(("CONFLUENT_CLOUD_API_KEY", k.clone()));
            out.push(("CONFLUENT_CLOUD_API_SECRET", s.clone()));
        }
        if let Some((k, s)) = &self.credentials.1 {
            out.push(("TIDBCLOUD_PUBLIC_KEY", k.clone()));
            out.push(("TIDBCLOUD_PRIVATE_KEY", s.clone()));
        }
        out
    }

    /// Simulated time since the start (what `advance` moves, with the explicit clock).
    pub fn now(&self) -> Duration {
        self.app.lock().now()
    }

    /// Move simulated time forward and apply every transition that became due.
    pub fn advance(&self, by: Duration) {
        let mut s = self.app.lock();
        s.clock.advance(by);
        s.tick();
    }

    /// Arm a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.app.lock().faults.add(fault);
    }

    /// How many live (not deleted) resources of each kind the world holds now: what tests
    /// count to prove that no apply made a duplicate.
    pub fn inventory(&self) -> Inventory {
        let s = self.app.world();
        let live = |deleted: &Option<Duration>| deleted.is_none();
        Inventory {
            networks: s.networks.iter().filter(|n| live(&n.meta.deleted)).count(),
            private_link_accesses: s.accesses.iter().filter(|a| live(&a.meta.deleted)).count(),
            kafka_clusters: s.kafka.iter().filter(|c| live(&c.meta.deleted)).count(),
            private_link_connections: s.plcs.iter().filter(|p| live(&p.meta.deleted)).count(),
            attached_domains: s.plcs.iter().filter(|p| live(&p.meta.deleted)).map(|p| p.domains.len()).sum(),
        }
    }

    /// How many changefeeds, service accounts, API keys and role bindings the world holds now.
    pub fn cdc_inventory(&self) -> CdcInventory {
        let s = self.app.world();
        CdcInventory {
            changefeeds: s.changefeeds.len(),
            service_accounts: s.service_accounts.len(),
            api_keys: s.api_keys.len(),
            role_bindings: s.role_bindings.len(),
        }
    }

    /// The secrets of the Kafka API keys the world holds now (for tests that check no output,
    /// log or file ever shows one).
    pub fn api_key_secrets(&self) -> Vec<String> {
        self.app.world().api_keys.iter().map(|k| k.secret.0.clone()).collect()
    }

    /// How many requests a [`FaultAction::Hang`] holds right now.
    pub fn held(&self) -> usize {
        self.app.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Disarm every fault.
    pub fn clear_faults(&self) {
        self.app.lock().faults.clear();
    }

    /// Put a resource (by id, any kind) into FAILED; false when no such resource.
    pub fn fail(&self, id: &str, message: &str) -> bool {
        let mut s = self.app.world();
        s.force_failed(id, message)
    }

    /// The owner of the endpoint service accepts a PENDING_ACCEPTANCE connection (by id); false
    /// when there is no such connection or it is not waiting for acceptance.
    pub fn accept(&self, id: &str) -> bool {
        self.app.lock().accept(id).is_ok()
    }

    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
