//! A fleet against the simulator, in time-lapse (both sides on one clock 200× the wall clock,
//! as `benches/apply.rs`): 50 plans — 50 TiDB clusters of one region and AWS account — on one
//! Confluent network and one Kafka cluster, with field-like delays (the Kafka cluster 25 min,
//! the access 2, each connection 5, its domains 1) and the vendors' rate limits enforced (TiDB
//! Cloud's 100 requests a minute per key; the simulator's 1000 for Confluent).
//!
//! It observes all 50 (shared reads), plans, applies them together (one engine: one request
//! budget per key, waits paced to their share of it; shared steps once; `--parallelism` 10,
//! Terraform's default, unless `PARALLELISM` says) and reports the simulated time against the
//! floor — the largest of the critical path `max(cluster, access + connection + domains)`, each
//! vendor's requests divided by its per-minute budget, and what the parallelism allows (a
//! waiting step holds its slot, as in Terraform: with 10 slots, 50 six-minute chains take at
//! least six waves) — with the requests in all and per plan, and the 429s seen. With
//! `PARALLELISM=50` the slots never bind and the floor is the first two alone. Fails (exit 1)
//! above 1.2× the floor, on any failed plan, or when more than one network, access or Kafka
//! cluster was created.
//!
//!     cargo bench -p linkplan-engine --bench fleet
//!     PARALLELISM=50 cargo bench -p linkplan-engine --bench fleet
//!     PLANS=20 cargo bench -p linkplan-engine --bench fleet

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use linkplan_engine::{Clock, Desired, Engine, Fleet, Journal, Known, Member, NoProgress, ScaledClock};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{ClockMode, Delays, Sim, SimConfig, World};

const SPEED: u32 = 200;
const CLUSTER: f64 = 1500.0;
const ACCESS: f64 = 120.0;
const CONNECTION: f64 = 300.0;
const DOMAINS: f64 = 60.0;
/// The simulator's default limits (requests per minute per key).
const TIDB_PER_MINUTE: f64 = 100.0;
const CONFLUENT_PER_MINUTE: f64 = 1000.0;

fn main() -> ExitCode {
    let plans = env_number("PLANS", 50);
    let parallelism = env_number("PARALLELISM", linkplan_engine::DEFAULT_PARALLELISM);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(plans, parallelism)) {
        Ok(ok) if ok => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
}

fn read(path: &str) -> Result<String, String> {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).map_err(|e| format!("cannot read {path}: {e}"))
}

fn cluster_id(i: usize) -> String {
    if i == 0 { "10140100115280519574".to_owned() } else { format!("2014010011528051{i:04}") }
}

/// The example world (its network referenced by the plans) with `n` TiDB clusters.
fn world(n: usize) -> Result<World, String> {
    let text = read("fixtures/sim/worlds/example.yaml")?;
    let (head, tail) = text.split_once("\nconfluent:\n").ok_or("the example world has no confluent section")?;
    let mut clusters = String::new();
    for i in 1..n {
        clusters.push_str(&format!(
            "    - id: \"{}\"\n      display_name: tenant-{i}\n      region: us-east-1\n      cloud: aws\n      \
             plan: ESSENTIAL\n      state: ACTIVE\n      aws_account_id: \"123456789012\"\n      \
             availability_zones: [use1-az1, use1-az2, use1-az4]\n      project_id: \"1372813089454525346\"\n",
            cluster_id(i)
        ));
    }
    World::from_yaml(&format!("{head}\n{clusters}\nconfluent:\n{tail}")).map_err(|e| e.to_string())
}

fn desired(i: usize, runbook: &str) -> Result<Desired, String> {
    let text = runbook
        .replace("10140100115280519574", &cluster_id(i))
        .replace("display_name: confluent-orders", &format!("display_name: confluent-tenant-{i}"));
    let document = Document::parse(&text).map_err(|e| e.to_string())?;
    let view = PlanView::new(&document).ok_or("the plan is not a mapping")?;
    Desired::from_plan(&view).map_err(|e| e.to_string())
}

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

#[derive(Default)]
struct Counts {
    confluent: AtomicUsize,
    tidb: AtomicUsize,
    limited: AtomicUsize,
    creates: std::sync::Mutex<HashMap<String, usize>>,
}

/// What `--parallelism` alone allows: a step holds its slot while it waits (as Terraform's
/// operations do), the Kafka cluster one slot throughout, so the other slots carry the plans'
/// connection → domains chains in waves after the access.
fn slot_bound(n: usize, parallelism: usize) -> f64 {
    let chain = CONNECTION + DOMAINS;
    if parallelism <= 1 {
        return CLUSTER + ACCESS + n as f64 * chain;
    }
    ACCESS + n.div_ceil(parallelism - 1) as f64 * chain
}

async fn run(n: usize, parallelism: usize) -> Result<bool, String> {
    let delays = Delays {
        network: 0.0,
        private_link_access: ACCESS,
        cluster: CLUSTER,
        private_link_connection: CONNECTION,
        domains: DOMAINS,
        ..Delays::default()
    };
    let nonce_ttl = Duration::from_secs(300) * SPEED;
    let config = SimConfig { delays: Some(delays), clock: ClockMode::Scaled(SPEED), nonce_ttl, ..SimConfig::default() };
    let sim = Sim::start(world(n)?, config).await.map_err(|e| e.to_string())?;
    let env: HashMap<String, String> = sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let lookup = |name: &str| env.get(name).cloned();
    let counts = Arc::new(Counts::default());
    let observer = |vendor: &'static str| {
        let counts = Arc::clone(&counts);
        move |exchange: &linkplan_confluent::Exchange<'_>| {
            let counter = if vendor == "tidb" { &counts.tidb } else { &counts.confluent };
            counter.fetch_add(1, Ordering::SeqCst);
            if exchange.status.is_some_and(|s| s.as_u16() == 429) {
                counts.limited.fetch_add(1, Ordering::SeqCst);
            }
            if exchange.method == "POST" && exchange.status.is_some_and(|s| s.is_success()) {
                let mut creates = counts.creates.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                *creates.entry(exchange.path().to_owned()).or_default() += 1;
            }
        }
    };
    let clock = Arc::new(ScaledClock::new(SPEED));
    let timer = Arc::new(ScaledTimer(Arc::clone(&clock)));
    let confluent = linkplan_confluent::ClientBuilder::from_env(&lookup)
        .map_err(|e| e.to_string())?
        .timer(timer.clone())
        .observer(observer("confluent"))
        .build()
        .map_err(|e| e.to_string())?;
    let tidb = linkplan_tidbcloud::ClientBuilder::from_env(&lookup)
        .map_err(|e| e.to_string())?
        .timer(timer)
        .observer(observer("tidb"))
        .build()
        .map_err(|e| e.to_string())?;
    let engine = Engine::new(confluent, tidb, clock.clone());

    let runbook = read("fixtures/plans/runbook.yaml")?;
    let desired: Vec<Desired> = (0..n).map(|i| desired(i, &runbook)).collect::<Result<_, _>>()?;
    let dir = std::env::temp_dir().join(format!("linkplan-bench-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let journals: Vec<Journal> = (0..n)
        .map(|i| Journal::open(&dir.join(format!("tenant-{i}.jsonl"))).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let labels: Vec<String> = (0..n).map(|i| format!("tenant-{i}.yaml")).collect();

    let (wall, start) = (Instant::now(), clock.now());
    // Observe all, as `linkplan apply DIR` does: concurrently, the shared lists once.
    let shared = engine.with_shared_reads();
    let known = Known::default();
    let observing: Vec<_> = desired.iter().map(|d| shared.observe_with(d, &known)).collect();
    let mut plans = Vec::new();
    for observed in join(observing).await {
        let observed = observed.map_err(|e| e.to_string())?;
        plans.push(observed);
    }
    let plans: Vec<_> = desired.iter().zip(&plans).map(|(d, o)| linkplan_engine::plan(d, o)).collect();
    let members: Vec<Member<'_>> = (0..n)
        .map(|i| Member {
            label: &labels[i],
            desired: &desired[i],
            plan: &plans[i],
            journal: &journals[i],
            progress: &NoProgress,
        })
        .collect();
    let results = engine.apply_all(&members, &Fleet::new(parallelism)).await;
    let simulated = clock.now().saturating_sub(start).as_secs_f64();
    let wall = wall.elapsed();
    let failed: Vec<String> =
        results.iter().zip(&labels).filter_map(|(r, l)| r.as_ref().err().map(|e| format!("{l}: {e}"))).collect();
    drop(members);
    drop(journals);
    let _ = std::fs::remove_dir_all(&dir);

    let (confluent, tidb) = (counts.confluent.load(Ordering::SeqCst), counts.tidb.load(Ordering::SeqCst));
    let critical = CLUSTER.max(ACCESS + CONNECTION + DOMAINS);
    let by_budget = (tidb as f64 / TIDB_PER_MINUTE * 60.0).max(confluent as f64 / CONFLUENT_PER_MINUTE * 60.0);
    let slots = slot_bound(n, parallelism);
    let floor = critical.max(by_budget).max(slots);
    let ratio = simulated / floor;
    let limited = counts.limited.load(Ordering::SeqCst);
    let creates = counts.creates.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let created = |path: &str| creates.get(path).copied().unwrap_or(0);
    println!("{n} plans on one network and one Kafka cluster, parallelism {parallelism}, rate limits enforced");
    println!("  apply (observe + apply): {simulated:.0} s simulated ({:.2} s wall)", wall.as_secs_f64());
    println!(
        "  floor: {floor:.0} s = max(critical path {critical:.0} s, requests / budget {by_budget:.0} s, slots {slots:.0} s); ratio {ratio:.3}"
    );
    println!(
        "  requests: {} in all ({tidb} TiDB Cloud, {confluent} Confluent), {:.1} per plan; 429s: {limited}",
        tidb + confluent,
        (tidb + confluent) as f64 / n as f64
    );
    println!(
        "  created: {} network(s), {} access(es), {} Kafka cluster(s), {} connection(s); failed plans: {}",
        created("/networking/v1/networks"),
        created("/networking/v1/private-link-accesses"),
        created("/cmk/v2/clusters"),
        creates.iter().filter(|(p, _)| p.ends_with("/privateLinkConnections")).map(|(_, c)| c).sum::<usize>(),
        failed.len()
    );
    for failure in &failed {
        println!("    {failure}");
    }
    let ok = ratio <= 1.2
        && failed.is_empty()
        && created("/networking/v1/private-link-accesses") <= 1
        && created("/cmk/v2/clusters") <= 1;
    println!("{}", if ok { "PASS: within 1.2x of the floor, no plan failed" } else { "FAIL" });
    Ok(ok)
}

/// Run `futures` concurrently; their outputs in order.
async fn join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut running: Vec<(usize, std::pin::Pin<Box<F>>)> = futures.into_iter().map(Box::pin).enumerate().collect();
    let mut out: Vec<Option<F::Output>> = running.iter().map(|_| None).collect();
    while !running.is_empty() {
        let (i, value) = std::future::poll_fn(|cx| {
            for idx in 0..running.len() {
                if let std::task::Poll::Ready(value) = running[idx].1.as_mut().poll(cx) {
                    let (i, _) = running.swap_remove(idx);
                    return std::task::Poll::Ready((i, value));
                }
            }
            std::task::Poll::Pending
        })
        .await;
        out[i] = Some(value);
    }
    out.into_iter().flatten().collect()
}
