//! Apply speed against the simulator, in time-lapse: the simulator and the engine share a clock
//! that runs 25–200× the wall clock (`ClockMode::Scaled`, [`ScaledClock`]; about 8 s of wall
//! time a row), so every request, wait and concurrent step really happens, and a 25-minute
//! provisioning delay passes in 7.5 s. Request latency and timer granularity count too (×200:
//! 1 ms is 0.2 simulated seconds), so the ratios below are an upper bound.
//!
//! For each row of provisioning delays (every resource taking D; then field-like, uneven ones)
//! it applies the example plan (the link and a changefeed) from nothing and reports the
//! simulated time against the critical path the step graph allows — the cluster (and its new
//! key, until it works) beside access → connection → domains, then the changefeed, which needs
//! both: `max(cluster + key, access + connection + domains) + changefeed` — the requests sent,
//! the polls spent waiting on the Kafka cluster, the requests of a no-change plan afterwards,
//! and the 429s the vendors' rate limits (enforced by the simulator) answered. Fails (exit 1)
//! when a run passes 1.05× the critical path, a no-change plan costs more than one request per
//! resource observed, a 25-minute cluster wait costs more than 60 polls, or any request was
//! rate-limited.
//!
//!     cargo bench -p linkplan-engine --bench apply
//!     NO_CHANGE_PATHS=1 cargo bench -p linkplan-engine --bench apply   # and the no-change requests

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use linkplan_engine::{Clock, Desired, Engine, Journal, ScaledClock};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{ClockMode, Delays, Sim, SimConfig, World};

/// Resources a no-change plan of the example observes, one request each: the link's eight (TiDB
/// cluster, its AZs, environment, networks, accesses, Kafka clusters, connections, the
/// connection with its attached domains) and the changefeed's six (changefeeds, the tables its
/// filter matches, the organization for role-binding CRNs, service account, API keys, role
/// bindings). The request ceiling for it.
const OBSERVED_RESOURCES: usize = 14;

/// The most an apply may take, as a multiple of the critical path.
const MAX_RATIO: f64 = 1.05;

/// Provisioning delays in simulated seconds.
#[derive(Debug, Clone, Copy)]
struct Delays4 {
    label: &'static str,
    cluster: f64,
    access: f64,
    connection: f64,
    domains: f64,
    /// The changefeed, CREATING → RUNNING: it needs both branches.
    changefeed: f64,
}

/// A new Kafka API key works on the data plane this long after it is made (the simulator's
/// default); the changefeed's sink test waits for it.
const KEY_READY: f64 = 3.0;

impl Delays4 {
    const fn uniform(label: &'static str, d: f64) -> Delays4 {
        Delays4 { label, cluster: d, access: d, connection: d, domains: d, changefeed: d }
    }

    /// What the step graph allows: the cluster (then its key, until it works) beside
    /// access → connection → domains, then the changefeed, which needs both.
    fn critical(&self) -> f64 {
        (self.cluster + KEY_READY).max(self.access + self.connection + self.domains) + self.changefeed
    }

    /// The time-lapse factor: about 8 s of wall time a row, between 25× and 200×. Request
    /// latency is multiplied too (1 ms of it is 0.2 simulated seconds at 200×), so short rows
    /// run slower, where a fixed cost per request would otherwise weigh most.
    fn speed(&self) -> u32 {
        (self.critical() / 8.0).clamp(25.0, 200.0) as u32
    }
}

const ROWS: [Delays4; 7] = [
    Delays4::uniform("D=60", 60.0),
    Delays4::uniform("D=300", 300.0),
    Delays4::uniform("D=600", 600.0),
    Delays4::uniform("D=1500", 1500.0),
    // Field-like: a Dedicated cluster takes tens of minutes, the rest minutes.
    Delays4 { label: "field", cluster: 1500.0, access: 120.0, connection: 300.0, domains: 60.0, changefeed: 60.0 },
    // The cluster slower than everything else together.
    Delays4 {
        label: "slow-cluster",
        cluster: 3600.0,
        access: 120.0,
        connection: 300.0,
        domains: 60.0,
        changefeed: 60.0,
    },
    // The connection side longer than the cluster.
    Delays4 { label: "slow-link", cluster: 600.0, access: 120.0, connection: 900.0, domains: 60.0, changefeed: 60.0 },
];

struct Row {
    label: &'static str,
    /// The longest single wait (the cluster's, for the poll ceiling).
    cluster_delay: f64,
    simulated: f64,
    critical: f64,
    requests: usize,
    cluster_polls: usize,
    no_change: usize,
    /// Attempts answered 429 (apply and the no-change plan).
    limited: usize,
    wall: Duration,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = match std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/orders-cdc.yaml")) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read examples/orders-cdc.yaml: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{:>12} {:>10} {:>12} {:>6} {:>9} {:>14} {:>10} {:>5} {:>8}",
        "delays", "apply (s)", "critical (s)", "ratio", "requests", "cluster polls", "no-change", "429s", "wall"
    );
    let mut ok = true;
    for delays in ROWS {
        let row = match runtime.block_on(run(&plan, delays)) {
            Ok(row) => row,
            Err(e) => {
                eprintln!("{}: {e}", delays.label);
                return ExitCode::FAILURE;
            }
        };
        let ratio = row.simulated / row.critical;
        println!(
            "{:>12} {:>10.0} {:>12.0} {:>6.3} {:>9} {:>14} {:>10} {:>5} {:>7.2}s",
            row.label,
            row.simulated,
            row.critical,
            ratio,
            row.requests,
            row.cluster_polls,
            row.no_change,
            row.limited,
            row.wall.as_secs_f64()
        );
        ok &= ratio <= MAX_RATIO
            && row.no_change <= OBSERVED_RESOURCES
            && (row.cluster_delay < 1500.0 || row.cluster_polls <= 60 * (row.cluster_delay / 1500.0).ceil() as usize)
            && row.limited == 0;
    }
    if ok {
        println!(
            "PASS: every apply within {MAX_RATIO}x of max(cluster + key, access + connection + domains) + changefeed, no-change plan <= {OBSERVED_RESOURCES} requests, <= 60 cluster polls per 25 minutes waited, no 429"
        );
        ExitCode::SUCCESS
    } else {
        println!("FAIL");
        ExitCode::FAILURE
    }
}

/// The clients' retry clock: the engine's time-lapse one.
#[derive(Debug)]
struct ScaledTimer(Arc<ScaledClock>);

impl linkplan_confluent::Timer for ScaledTimer {
    fn now(&self) -> Duration {
        self.0.now()
    }

    fn sleep(&self, duration: Duration) -> linkplan_confluent::TimerSleep<'_> {
        self.0.sleep(duration)
    }
}

async fn run(plan: &str, row: Delays4) -> Result<Row, String> {
    let delays = Delays {
        network: row.cluster.max(row.access),
        private_link_access: row.access,
        cluster: row.cluster,
        private_link_connection: row.connection,
        domains: row.domains,
        changefeed: row.changefeed,
        api_key_ready: KEY_READY,
        ..Delays::default()
    };
    // Digest nonces expire on the simulator's clock: keep them for the same five *real* minutes
    // as at normal speed, or every poll after a few hundred ms would pay a stale-nonce challenge.
    let speed = row.speed();
    let nonce_ttl = Duration::from_secs(300) * speed;
    let config = SimConfig { delays: Some(delays), clock: ClockMode::Scaled(speed), nonce_ttl, ..SimConfig::default() };
    let sim = Arc::new(Sim::start(World::example(), config).await.map_err(|e| e.to_string())?);
    let env: HashMap<String, String> = sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let lookup = |name: &str| env.get(name).cloned();
    let requests = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let polls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    // Every request's method, target and attempt, for NO_CHANGE_PATHS alone.
    let record_paths = std::env::var_os("NO_CHANGE_PATHS").is_some();
    let paths: Arc<Mutex<Vec<String>>> = Arc::default();
    let observer = || {
        let (requests, polls, limited, paths) =
            (Arc::clone(&requests), Arc::clone(&polls), Arc::clone(&limited), Arc::clone(&paths));
        move |exchange: &linkplan_confluent::Exchange<'_>| {
            requests.fetch_add(1, Ordering::SeqCst);
            if record_paths {
                let line = format!("{} {} #{}", exchange.method, exchange.target, exchange.attempt);
                paths.lock().unwrap_or_else(PoisonError::into_inner).push(line);
            }
            if exchange.status.is_some_and(|s| s.as_u16() == 429) {
                limited.fetch_add(1, Ordering::SeqCst);
            }
            if exchange.method == "GET" {
                *polls.lock().unwrap_or_else(PoisonError::into_inner).entry(exchange.path().to_owned()).or_default() +=
                    1;
            }
        }
    };
    // The clients' retries (backoff, Retry-After, a rate-limit reset) wait on the same
    // time-lapse clock as the engine and the simulator.
    let clock = Arc::new(ScaledClock::new(speed));
    let timer = Arc::new(ScaledTimer(Arc::clone(&clock)));
    let confluent = linkplan_confluent::ClientBuilder::from_env(&lookup)
        .map_err(|e| e.to_string())?
        .timer(timer.clone())
        .observer(observer())
        .build()
        .map_err(|e| e.to_string())?;
    let tidb = linkplan_tidbcloud::ClientBuilder::from_env(&lookup)
        .map_err(|e| e.to_string())?
        .timer(timer)
        .observer(observer())
        .build()
        .map_err(|e| e.to_string())?;
    let engine = Engine::new(confluent, tidb, clock.clone());

    let document = Document::parse(plan).map_err(|e| e.to_string())?;
    let view = PlanView::new(&document).ok_or("the example plan is not a mapping")?;
    let desired = Desired::from_plan(&view).map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("linkplan-bench-apply-{}-{}", std::process::id(), row.label));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let journal = Journal::open(&dir.join("apply.jsonl")).map_err(|e| e.to_string())?;

    let observed = engine.observe(&desired).await.map_err(|e| e.to_string())?;
    let plan = linkplan_engine::plan(&desired, &observed);
    let (wall, start, before) = (Instant::now(), clock.now(), requests.load(Ordering::SeqCst));
    polls.lock().unwrap_or_else(PoisonError::into_inner).clear();
    let steps = Mutex::new(Vec::new());
    let progress = |event: &linkplan_engine::Event<'_>| {
        let at = clock.now().saturating_sub(start).as_secs();
        let line = match event {
            linkplan_engine::Event::Started { step, .. } => format!("{at:>6}s start {step}"),
            linkplan_engine::Event::Succeeded { step, .. } => format!("{at:>6}s done  {step}"),
            linkplan_engine::Event::Waiting { step, state, .. } => format!("{at:>6}s poll  {step} {state}"),
            _ => return,
        };
        steps.lock().unwrap_or_else(PoisonError::into_inner).push(line);
    };
    engine.apply(&desired, &plan, &journal, &progress).await.map_err(|e| e.to_string())?;
    if std::env::var_os("TIMELINE").is_some() {
        for line in steps.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            println!("{line}");
        }
    }
    let simulated = clock.now().saturating_sub(start).as_secs_f64();
    let wall = wall.elapsed();
    let applied = requests.load(Ordering::SeqCst) - before;
    let cluster_polls = polls
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|(path, _)| path.starts_with("/cmk/v2/clusters/"))
        .map(|(_, n)| n)
        .sum();

    let before = requests.load(Ordering::SeqCst);
    let observed = engine.observe(&desired).await.map_err(|e| e.to_string())?;
    let again = linkplan_engine::plan(&desired, &observed);
    if !again.is_converged() {
        return Err(format!("not converged after apply:\n{again}"));
    }
    let no_change = requests.load(Ordering::SeqCst) - before;
    if record_paths {
        for path in paths.lock().unwrap_or_else(PoisonError::into_inner).iter().skip(before) {
            println!("no-change: {path}");
        }
    }
    drop(journal);
    let _ = std::fs::remove_dir_all(&dir);
    let limited = limited.load(Ordering::SeqCst);
    Ok(Row {
        label: row.label,
        cluster_delay: row.cluster,
        simulated,
        critical: row.critical(),
        requests: applied,
        cluster_polls,
        no_change,
        limited,
        wall,
    })
}
