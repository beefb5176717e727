//! Apply speed against the simulator, in time-lapse: the simulator and the engine share a clock
//! that runs 200× the wall clock (`ClockMode::Scaled`, [`ScaledClock`]), so every request,
//! wait and concurrent step really happens, and a 25-minute provisioning delay passes in 7.5 s.
//! Request latency and timer granularity count too (×200: 1 ms is 0.2 simulated seconds), so
//! the ratios below are an upper bound.
//!
//! For each row of provisioning delays (every resource taking D; then field-like, uneven ones)
//! it applies the example plan from nothing and reports the simulated time against the critical
//! path the step graph allows — the cluster beside the access, the connection after the access
//! only, then the domains: `max(cluster, access + connection + domains)` — the requests
//! sent, the polls spent waiting on the Kafka cluster, and the requests of a no-change plan
//! afterwards, and the 429s the vendors' rate limits (enforced by the simulator) answered. Fails
//! (exit 1) when a run passes 1.15× the critical path, a no-change plan costs more than one
//! request per resource observed, a 25-minute cluster wait costs more than 60 polls, or any
//! request was rate-limited.
//!
//!     cargo bench -p linkplan-engine --bench apply

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use linkplan_engine::{Clock, Desired, Engine, Journal, ScaledClock};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{ClockMode, Delays, Sim, SimConfig, World};

/// How much faster than the wall clock both sides run.
const SPEED: u32 = 200;

/// Resources a no-change plan observes (TiDB cluster, AZs, environment, network, accesses,
/// Kafka cluster, connection, attached domains): the request ceiling for it.
const OBSERVED_RESOURCES: usize = 8;

/// Provisioning delays in simulated seconds.
#[derive(Debug, Clone, Copy)]
struct Delays4 {
    label: &'static str,
    cluster: f64,
    access: f64,
    connection: f64,
    domains: f64,
}

impl Delays4 {
    const fn uniform(label: &'static str, d: f64) -> Delays4 {
        Delays4 { label, cluster: d, access: d, connection: d, domains: d }
    }

    /// What the step graph allows: the cluster runs beside access → connection → domains.
    fn critical(&self) -> f64 {
        self.cluster.max(self.access + self.connection + self.domains)
    }
}

const ROWS: [Delays4; 7] = [
    Delays4::uniform("D=60", 60.0),
    Delays4::uniform("D=300", 300.0),
    Delays4::uniform("D=600", 600.0),
    Delays4::uniform("D=1500", 1500.0),
    // Field-like: a Dedicated cluster takes tens of minutes, the rest minutes.
    Delays4 { label: "field", cluster: 1500.0, access: 120.0, connection: 300.0, domains: 60.0 },
    // The cluster slower than everything else together.
    Delays4 { label: "slow-cluster", cluster: 3600.0, access: 120.0, connection: 300.0, domains: 60.0 },
    // The connection side longer than the cluster.
    Delays4 { label: "slow-link", cluster: 600.0, access: 120.0, connection: 900.0, domains: 60.0 },
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
        ok &= ratio <= 1.15
            && row.no_change <= OBSERVED_RESOURCES
            && (row.cluster_delay < 1500.0 || row.cluster_polls <= 60 * (row.cluster_delay / 1500.0).ceil() as usize)
            && row.limited == 0;
    }
    if ok {
        println!(
            "PASS: every apply within 1.15x of max(cluster, access + connection + domains), no-change plan <= {OBSERVED_RESOURCES} requests, <= 60 cluster polls per 25 minutes waited, no 429"
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
        ..Delays::default()
    };
    // Digest nonces expire on the simulator's clock: keep them for the same five *real* minutes
    // as at normal speed, or every poll after a few hundred ms would pay a stale-nonce challenge.
    let nonce_ttl = Duration::from_secs(300) * SPEED;
    let config = SimConfig { delays: Some(delays), clock: ClockMode::Scaled(SPEED), nonce_ttl, ..SimConfig::default() };
    let sim = Arc::new(Sim::start(World::example(), config).await.map_err(|e| e.to_string())?);
    let env: HashMap<String, String> = sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let lookup = |name: &str| env.get(name).cloned();
    let requests = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let polls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let observer = || {
        let (requests, polls, limited) = (Arc::clone(&requests), Arc::clone(&polls), Arc::clone(&limited));
        move |exchange: &linkplan_confluent::Exchange<'_>| {
            requests.fetch_add(1, Ordering::SeqCst);
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
    let clock = Arc::new(ScaledClock::new(SPEED));
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
