//! The harness the vendor clients' tests share: a simulator on an explicit clock, a client built
//! from the simulator's environment with fast retries that wait in simulated time, and a
//! [`Recorder`] that sees (and checks against the vendor's document) every attempt it makes.
//!
//! Generic over the client crate's [`Vendor`], so this crate needs neither client: a test names
//! its harness `ClientHarness<VendorOf<linkplan_confluent::ClientBuilder>>`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use linkplan_conformance::recorder::Recorder;
use linkplan_http::{ClientBuilder, RetryPolicy, Timer, TimerSleep, Vendor};
use linkplan_sim::{Fault, FaultAction, RunningSim, Sim, SimConfig, World};

/// Backoff in milliseconds instead of seconds, within a deadline long enough to wait out a
/// rate-limit window (a minute). Harness clients wait on [`SimTimer`], in simulated time.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(120),
    }
}

/// A client's retries on the simulator's explicit clock: a wait (backoff, `Retry-After`, a
/// rate-limit reset) advances simulated time instead of sleeping, as the server would see it.
pub struct SimTimer(pub Arc<RunningSim>);

impl std::fmt::Debug for SimTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTimer").field("now", &self.0.now()).finish()
    }
}

impl Timer for SimTimer {
    fn now(&self) -> Duration {
        self.0.now()
    }

    fn sleep(&self, duration: Duration) -> TimerSleep<'_> {
        self.0.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// The vendor a [`ClientBuilder`] builds for: `VendorOf<linkplan_tidbcloud::ClientBuilder>`
/// names the client crate's vendor type, which the crate itself does not export.
pub type VendorOf<B> = <B as BuildsFor>::Vendor;

/// See [`VendorOf`].
pub trait BuildsFor {
    type Vendor: Vendor;
}

impl<V: Vendor> BuildsFor for ClientBuilder<V> {
    type Vendor = V;
}

/// The conformance checker's and the simulator's name for `V`.
fn vendor<V: Vendor>() -> (linkplan_conformance::Vendor, linkplan_sim::Vendor) {
    match V::NAME {
        "confluent" => (linkplan_conformance::Vendor::Confluent, linkplan_sim::Vendor::Confluent),
        "tidbcloud" => (linkplan_conformance::Vendor::Tidbcloud, linkplan_sim::Vendor::Tidbcloud),
        other => panic!("the test kit knows no vendor {other:?}"),
    }
}

/// A recorder for `V`'s client (it fails, naming where it looked, without the vendor documents).
pub fn recorder<V: Vendor>() -> Recorder {
    Recorder::new(vendor::<V>().0)
}

/// The variables the simulator exports (URLs and its first keys), as a lookup map.
pub fn sim_env(sim: &RunningSim) -> HashMap<String, String> {
    sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A builder from `env`, with [`fast_retry`] on `sim`'s clock, a 5 s attempt timeout and
/// `requests` observing every attempt.
pub fn sim_builder<V: Vendor>(
    sim: &Arc<RunningSim>,
    env: &HashMap<String, String>,
    requests: &Recorder,
) -> ClientBuilder<V> {
    ClientBuilder::<V>::from_env(&|name| env.get(name).cloned())
        .expect("the simulator sets every variable")
        .retry(fast_retry())
        .timer(Arc::new(SimTimer(Arc::clone(sim))))
        .timeout(Duration::from_secs(5))
        .observer(requests.observer())
}

/// A builder that can reach nothing (port 1 on loopback refuses), with three fast attempts and
/// a recorder: connection errors before anything was sent.
pub fn refused_builder<V: Vendor>(credentials: V::Credentials) -> (ClientBuilder<V>, Recorder) {
    let requests = recorder::<V>();
    let builder = ClientBuilder::<V>::new(credentials)
        .base_url("http://127.0.0.1:1")
        .retry(RetryPolicy { max_attempts: 3, ..fast_retry() })
        .observer(requests.observer());
    (builder, requests)
}

/// A base URL that carries the key itself (`https://user:password@<the vendor's host>`) is
/// refused when the client is built; the error, [`describe`](crate::describe)d, for the test to
/// search for the secrets.
pub fn credentials_in_the_url<V: Vendor>(credentials: V::Credentials, user: &str, password: &str) -> String {
    let host = V::DEFAULT_BASE_URL.trim_start_matches("https://");
    let err = ClientBuilder::<V>::new(credentials)
        .base_url(format!("https://{user}:{password}@{host}"))
        .build()
        .err()
        .unwrap_or_else(|| panic!("a {} base URL with credentials in it is refused", V::NAME));
    crate::describe(&err)
}

/// Many attempts with short waits, bounded by a 400 ms deadline: a storm that never ends stops
/// at the deadline, not after `max_attempts`.
pub fn storm_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1000,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(100),
        deadline: Duration::from_millis(400),
    }
}

/// What [`storm_policy`] promises: the call gave up soon after its deadline, after a handful of
/// attempts.
pub fn assert_stopped_at_the_deadline(took: Duration, attempts: usize) {
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    assert!((2..=16).contains(&attempts), "{attempts} attempts in {took:?}");
}

/// A simulator, `V`'s client and the recorder of its requests. On drop (unless the test is
/// already failing) it asserts that the vendor's document accepts every request the client sent.
pub struct ClientHarness<V: Vendor> {
    pub sim: Arc<RunningSim>,
    pub client: V::Client,
    pub requests: Recorder,
    /// What the simulator exports (URLs and keys).
    pub env: HashMap<String, String>,
}

impl<V: Vendor> Drop for ClientHarness<V> {
    fn drop(&mut self) {
        let violations = self.requests.violations();
        if !std::thread::panicking() {
            assert!(violations.is_empty(), "requests the vendor's API document rejects:\n{}", violations.join("\n"));
        }
    }
}

impl<V: Vendor> ClientHarness<V> {
    /// The example world.
    pub async fn new() -> ClientHarness<V> {
        ClientHarness::with_world(World::example()).await
    }

    /// `world` on the explicit clock.
    pub async fn with_world(world: World) -> ClientHarness<V> {
        let sim = Arc::new(Sim::start(world, SimConfig::explicit()).await.expect("the simulator starts"));
        let env = sim_env(&sim);
        let requests = recorder::<V>();
        let client = sim_builder::<V>(&sim, &env, &requests).build().expect("the client builds");
        ClientHarness { sim, client, requests, env }
    }

    /// Another builder like the client's: the simulator's environment, fast retries on simulated
    /// time, the same recorder.
    pub fn builder(&self) -> ClientBuilder<V> {
        sim_builder(&self.sim, &self.env, &self.requests)
    }

    /// Move simulated time.
    pub fn advance(&self, secs: u64) {
        self.sim.advance(Duration::from_secs(secs));
    }

    /// Arm a fault for this vendor on `method` and a path prefix.
    pub fn fault(&self, method: &str, path: &str, times: Option<u32>, action: FaultAction) {
        self.sim.add_fault(Fault {
            vendor: Some(vendor::<V>().1),
            method: Some(method.to_owned()),
            path: Some(path.to_owned()),
            after: 0,
            times,
            action,
        });
    }
}
