//! Harness: a simulator on an explicit clock, a client built from its environment, and a
//! recorder that sees every HTTP attempt the client makes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use linkplan_confluent::{Client, ClientBuilder, RetryPolicy, Timer, TimerSleep};
use linkplan_sim::{Fault, FaultAction, RunningSim, Sim, SimConfig, Vendor, World};

pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const ACCOUNT: &str = "123456789012";

pub(crate) use linkplan_conformance::recorder::Recorder;

/// Backoff in milliseconds instead of seconds, within a deadline long enough to wait out a
/// rate-limit window (a minute). The harness's clients wait on [`SimTimer`], in simulated time.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(120),
    }
}

/// The client's retries on the simulator's explicit clock: a wait (backoff, `Retry-After`, a
/// rate-limit reset) advances simulated time instead of sleeping, as the server would see it.
pub(crate) struct SimTimer(pub(crate) Arc<RunningSim>);

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

pub(crate) struct Harness {
    pub(crate) sim: Arc<RunningSim>,
    pub(crate) client: Client,
    pub(crate) requests: Recorder,
    pub(crate) env: HashMap<String, String>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let violations = self.requests.violations();
        if !std::thread::panicking() {
            assert!(violations.is_empty(), "requests the vendor's API document rejects:\n{}", violations.join("\n"));
        }
    }
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Harness::with_world(World::example()).await
    }

    pub(crate) async fn with_world(world: World) -> Harness {
        let sim = Arc::new(Sim::start(world, SimConfig::explicit()).await.expect("the simulator starts"));
        let env: HashMap<String, String> = sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let requests = Recorder::new(linkplan_conformance::Vendor::Confluent);
        let client = builder(&env, &requests, &sim).build().expect("the client builds");
        Harness { sim, client, requests, env }
    }

    /// A builder from the simulator's environment, with fast retries on simulated time and the
    /// recorder.
    pub(crate) fn builder(&self) -> ClientBuilder {
        builder(&self.env, &self.requests, &self.sim)
    }

    pub(crate) fn advance(&self, secs: u64) {
        self.sim.advance(Duration::from_secs(secs));
    }

    /// Arm a Confluent fault on `method` + path prefix.
    pub(crate) fn fault(&self, method: &str, path: &str, times: Option<u32>, action: FaultAction) {
        self.sim.add_fault(Fault {
            vendor: Some(Vendor::Confluent),
            method: Some(method.to_owned()),
            path: Some(path.to_owned()),
            after: 0,
            times,
            action,
        });
    }
}

fn builder(env: &HashMap<String, String>, requests: &Recorder, sim: &Arc<RunningSim>) -> ClientBuilder {
    let recorder = requests.clone();
    ClientBuilder::from_env(&|name| env.get(name).cloned())
        .expect("the simulator sets every variable")
        .retry(fast_retry())
        .timer(Arc::new(SimTimer(Arc::clone(sim))))
        .timeout(Duration::from_secs(5))
        .observer(move |e| recorder.observe(e))
}

/// A world with the example's credentials, environment and network, plus `extra` YAML appended
/// under `confluent:` (lists of `networks`, `private_link_accesses` or `clusters` entries).
pub(crate) fn world_with(networks: &str, extra: &str) -> World {
    let yaml = format!(
        r#"
credentials:
  confluent:
    - key: SIMCONFLUENTKEY1
      secret: sim-confluent-secret-0123456789
  tidbcloud:
    - public_key: SIMTIDBPUBKEY1
      private_key: sim-tidb-private-key-0123456789
confluent:
  environments:
    - id: {ENV}
      display_name: orders
  networks:
    - id: {NETWORK}
      environment: {ENV}
      display_name: orders-privatelink
      region: us-east-1
      zones: [use1-az1, use1-az2, use1-az4]
      dns_domain_id: domnprzqrog
      service_name: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
      dns_resolution: PRIVATE
{networks}{extra}"#
    );
    World::from_yaml(&yaml).expect("the test world parses")
}

/// `n` more READY networks in `us-east-1`, named `net-<i>`.
pub(crate) fn networks_yaml(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "    - {{ id: n-gen{i}, environment: {ENV}, display_name: net-{i}, region: us-east-1, \
                 zones: [use1-az1, use1-az2, use1-az4], dns_domain_id: dom{i:08}, \
                 service_name: com.amazonaws.vpce.us-east-1.vpce-svc-{i:017x} }}\n"
            )
        })
        .collect()
}
