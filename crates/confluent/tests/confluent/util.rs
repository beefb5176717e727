//! Harness: a simulator on an explicit clock, a client built from its environment, and a
//! recorder that sees every HTTP attempt the client makes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use linkplan_confluent::{Client, ClientBuilder, Exchange, RetryPolicy};
use linkplan_sim::{Fault, FaultAction, RunningSim, Sim, SimConfig, Vendor, World};

pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const ACCOUNT: &str = "123456789012";

/// One HTTP attempt as the client's observer saw it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) status: Option<u16>,
    pub(crate) request_body: Option<serde_json::Value>,
    pub(crate) request_id: Option<String>,
    pub(crate) error: Option<String>,
}

/// Collects every attempt, and checks every request body against the vendor's document for its
/// operation (`linkplan-conformance`); [`Harness`] fails the test on a non-conforming request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder(Arc<Mutex<Vec<Record>>>, Arc<Mutex<Vec<String>>>);

impl Recorder {
    pub(crate) fn observe(&self, e: &Exchange<'_>) {
        self.check_request(e);
        let record = Record {
            method: e.method.to_string(),
            target: e.target.to_owned(),
            status: e.status.map(|s| s.as_u16()),
            request_body: e.request_body.and_then(|b| serde_json::from_slice(b).ok()),
            request_id: e.request_id.map(str::to_owned),
            error: e.error.map(ToString::to_string),
        };
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(record);
    }

    fn check_request(&self, e: &Exchange<'_>) {
        let Ok(specs) = linkplan_conformance::Specs::shared() else {
            return; // No vendor documents here (CI always has them): nothing to check against.
        };
        let body: Option<serde_json::Value> = match e.request_body.map(serde_json::from_slice).transpose() {
            Ok(body) => body,
            Err(error) => {
                self.1
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(format!("{} {}: body is not JSON: {error}", e.method, e.target));
                return;
            }
        };
        let violations =
            specs.validate_request(linkplan_conformance::Vendor::Confluent, e.method.as_str(), e.target, body.as_ref());
        let mut found = self.1.lock().unwrap_or_else(PoisonError::into_inner);
        found
            .extend(violations.into_iter().map(|v| format!("{} {}: {}: {}", e.method, e.target, v.pointer, v.message)));
    }

    /// Requests the vendor's document does not accept, so far.
    pub(crate) fn violations(&self) -> Vec<String> {
        self.1.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The violations so far, forgotten: for a test that sends a bad request on purpose.
    #[allow(dead_code)]
    pub(crate) fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *self.1.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Every attempt so far, and forget them.
    pub(crate) fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub(crate) fn statuses(&self) -> Vec<Option<u16>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).iter().map(|r| r.status).collect()
    }
}

/// Milliseconds instead of seconds, so retry tests do not sleep for long.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(10),
    }
}

pub(crate) struct Harness {
    pub(crate) sim: RunningSim,
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
        let sim = Sim::start(world, SimConfig::explicit()).await.expect("the simulator starts");
        let env: HashMap<String, String> = sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let requests = Recorder::default();
        let client = builder(&env, &requests).build().expect("the client builds");
        Harness { sim, client, requests, env }
    }

    /// A builder from the simulator's environment, with fast retries and the recorder.
    pub(crate) fn builder(&self) -> ClientBuilder {
        builder(&self.env, &self.requests)
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

fn builder(env: &HashMap<String, String>, requests: &Recorder) -> ClientBuilder {
    let recorder = requests.clone();
    ClientBuilder::from_env(&|name| env.get(name).cloned())
        .expect("the simulator sets every variable")
        .retry(fast_retry())
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
