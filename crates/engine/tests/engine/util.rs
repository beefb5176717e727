//! Harness: a simulator on an explicit clock, the engine's clock driving it, and helpers to
//! read plans and worlds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use linkplan_engine::{Clock, Desired, Engine, EngineConfig, Journal, ManualClock, Observed, StepPlan, WaitPolicy};
use linkplan_model::{Document, PlanView};
use linkplan_sim::{Fault, FaultAction, RunningSim, Sim, SimConfig, World};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn desired_from(text: &str) -> Desired {
    let doc = Document::parse(text).expect("the test plan parses");
    let view = PlanView::new(&doc).expect("the test plan is a mapping");
    Desired::from_plan(&view).expect("the test plan is complete")
}

/// The example plan's runbook part: everything before its `changefeed:` block (the tests of the
/// link itself; `changefeed.rs` tests the changefeed).
pub(crate) fn example_plan() -> String {
    let full = example_plan_with_changefeed();
    match full.find("\nchangefeed:") {
        // The comment lines that introduce the block go with it.
        Some(at) => {
            let head = &full[..at];
            let cut = head.rfind("\n# Then stream").unwrap_or(at);
            full[..=cut].to_owned()
        }
        None => full,
    }
}

/// The whole example plan, changefeed included.
pub(crate) fn example_plan_with_changefeed() -> String {
    std::fs::read_to_string(root().join("examples/orders-cdc.yaml")).expect("the example plan exists")
}

/// A plan from `fixtures/plans/` (the plans that go with the simulator's worlds).
pub(crate) fn plan_file(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/plans").join(format!("{name}.yaml")))
        .expect("the plan fixture exists")
}

/// A world file from `fixtures/sim/worlds/`, or `None` while it does not exist yet.
pub(crate) fn world_file(name: &str) -> Option<World> {
    let path = root().join("fixtures/sim/worlds").join(format!("{name}.yaml"));
    path.exists().then(|| World::from_path(&path).expect("the world file parses"))
}

/// The example world with `extra` YAML appended at the top level (e.g. `failures:`).
pub(crate) fn example_world_with(extra: &str) -> World {
    let text = std::fs::read_to_string(root().join("fixtures/sim/worlds/example.yaml")).expect("the example world");
    World::from_yaml(&format!("{text}\n{extra}")).expect("the test world parses")
}

/// What the engine's clients sent: every attempt counted, and `METHOD path status` of each.
#[derive(Default)]
pub(crate) struct Requests {
    count: AtomicUsize,
    lines: std::sync::Mutex<Vec<String>>,
}

impl Requests {
    pub(crate) fn load(&self, order: Ordering) -> usize {
        self.count.load(order)
    }

    /// The attempts that got this status, as `METHOD path`.
    pub(crate) fn with_status(&self, status: u16) -> Vec<String> {
        let suffix = format!(" {status}");
        let lines = self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        lines.iter().filter_map(|l| l.strip_suffix(&suffix).map(str::to_owned)).collect()
    }
}

pub(crate) struct Harness {
    pub(crate) sim: Arc<RunningSim>,
    pub(crate) engine: Engine,
    /// Requests the engine's clients sent (every attempt).
    pub(crate) requests: Arc<Requests>,
    dir: PathBuf,
}

/// A fresh directory for one test's journal.
fn test_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("engine-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test directory is created");
    dir
}

impl Harness {
    pub(crate) async fn new(world: World, test: &str) -> Harness {
        Harness::with_config(world, SimConfig::explicit(), test).await
    }

    pub(crate) async fn with_config(world: World, config: SimConfig, test: &str) -> Harness {
        let sim = Arc::new(Sim::start(world, config).await.expect("the simulator starts"));
        let requests = Arc::new(Requests::default());
        let engine = engine_for(&sim, &requests);
        Harness { sim, engine, requests, dir: test_dir(test) }
    }

    /// This harness with user-supplied credentials read through `lookup`.
    pub(crate) fn with_env(self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Harness {
        let engine = self.engine.clone().with_env(lookup);
        Harness { engine, ..self }
    }

    /// The same world and directory with a new engine (new clients, new clock).
    pub(crate) fn with_fresh_engine(self) -> Harness {
        let engine = engine_for(&self.sim, &self.requests);
        Harness { engine, ..self }
    }

    /// A second apply on another machine: the same world, its own engine, clock and journal
    /// directory (so no shared lock).
    pub(crate) fn twin(&self, test: &str) -> Harness {
        let requests = Arc::new(Requests::default());
        let engine = engine_for(&self.sim, &requests);
        Harness { sim: Arc::clone(&self.sim), engine, requests, dir: test_dir(test) }
    }

    /// An engine whose clients never retry and whose waits give up after five simulated
    /// minutes: for cutting the connection off, where every later request fails (and a wait
    /// would otherwise keep polling through the outage for hours of simulated time).
    pub(crate) fn fragile(self) -> Harness {
        let short = WaitPolicy::patient(Duration::from_secs(300));
        let config = EngineConfig {
            network: short,
            access: short,
            cluster: short,
            connection: short,
            domains: short,
            ..EngineConfig::standard()
        };
        let engine = engine_with(&self.sim, &self.requests, 1).with_config(config);
        Harness { engine, ..self }
    }

    /// The engine's clock reading.
    pub(crate) fn now(&self) -> Duration {
        self.engine.clock().now()
    }

    /// Clients of the same world that the request counter does not see.
    pub(crate) fn plain_clients(&self) -> (linkplan_confluent::Client, linkplan_tidbcloud::Client) {
        let env: std::collections::HashMap<String, String> =
            self.sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let lookup = |name: &str| env.get(name).cloned();
        let confluent = linkplan_confluent::ClientBuilder::from_env(&lookup).and_then(|b| b.build());
        let tidb = linkplan_tidbcloud::ClientBuilder::from_env(&lookup).and_then(|b| b.build());
        (confluent.expect("the Confluent client builds"), tidb.expect("the TiDB client builds"))
    }

    pub(crate) fn journal_path(&self) -> PathBuf {
        self.dir.join("apply.jsonl")
    }

    pub(crate) fn journal(&self) -> Journal {
        Journal::open(&self.journal_path()).expect("the journal opens")
    }

    /// Plan `desired` and apply it with this harness's journal; it must converge.
    pub(crate) async fn converge(&self, desired: &Desired) -> linkplan_engine::ApplyReport {
        let (_, plan) = self.observe_and_plan(desired).await;
        self.engine.apply(desired, &plan, &self.journal(), &linkplan_engine::NoProgress).await.expect("apply converges")
    }

    /// Observe as `plan` does (also what this harness's journal recorded), then plan with
    /// `options`.
    pub(crate) async fn plan_known(
        &self,
        desired: &Desired,
        options: &linkplan_engine::PlanOptions,
    ) -> (Observed, StepPlan) {
        let loaded = Journal::load(&self.journal_path()).expect("the journal reads");
        let known = linkplan_engine::Known::from_owned(&Journal::owned(&loaded.entries));
        let observed = self.engine.observe_with(desired, &known).await.expect("observe succeeds");
        let plan = linkplan_engine::plan_with(desired, &observed, options);
        (observed, plan)
    }

    pub(crate) async fn observe_and_plan(&self, desired: &Desired) -> (Observed, StepPlan) {
        let observed = self.engine.observe(desired).await.expect("observe succeeds");
        let plan = linkplan_engine::plan(desired, &observed);
        (observed, plan)
    }
}

fn engine_for(sim: &Arc<RunningSim>, requests: &Arc<Requests>) -> Engine {
    engine_with(sim, requests, 5)
}

fn engine_with(sim: &Arc<RunningSim>, requests: &Arc<Requests>, max_attempts: u32) -> Engine {
    let env: std::collections::HashMap<String, String> =
        sim.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let lookup = |name: &str| env.get(name).cloned();
    let observer = || {
        let requests = Arc::clone(requests);
        move |exchange: &linkplan_confluent::Exchange<'_>| {
            requests.count.fetch_add(1, Ordering::SeqCst);
            let status = exchange.status.map_or(0, |s| s.as_u16());
            let line = format!("{} {} {status}", exchange.method, exchange.path());
            requests.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
        }
    };
    // Backoff in milliseconds, within a deadline that can wait out a rate-limit window (a minute).
    let retry = linkplan_confluent::RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        deadline: Duration::from_secs(120),
    };
    // Each engine's clock starts at zero; only sleeps move it, and they move the simulator too.
    // The clients' retries wait on it as well, so a 429's reset passes in simulated time.
    let sim = Arc::clone(sim);
    let clock = Arc::new(ManualClock::new(move |by| sim.advance(by)));
    let timer = Arc::new(EngineTimer(Arc::clone(&clock)));
    let confluent = linkplan_confluent::ClientBuilder::from_env(&lookup)
        .expect("the simulator sets the Confluent variables")
        .retry(retry)
        .timer(timer.clone())
        .observer(observer())
        .build()
        .expect("the Confluent client builds");
    let tidb = linkplan_tidbcloud::ClientBuilder::from_env(&lookup)
        .expect("the simulator sets the TiDB variables")
        .retry(retry)
        .timer(timer)
        .observer(observer())
        .build()
        .expect("the TiDB client builds");
    Engine::new(confluent, tidb, clock).with_config(EngineConfig::standard())
}

/// The clients' retry clock: the engine's, so their waits move the simulator as the engine's do.
#[derive(Debug)]
struct EngineTimer(Arc<ManualClock>);

impl linkplan_confluent::Timer for EngineTimer {
    fn now(&self) -> Duration {
        self.0.now()
    }

    fn sleep(&self, duration: Duration) -> linkplan_confluent::TimerSleep<'_> {
        self.0.sleep(duration)
    }
}

/// Cut apply off after every request in turn (`world()` fresh each time), before and after the
/// server carries the next one out (the simulator drops every later connection, as if the
/// process died there), then apply again from a fresh engine with the same journal: it must
/// converge, and `check` looks at what is live (`at` says where the cut was). Stops at the first
/// apply nothing cuts; returns how many kill points it walked.
pub(crate) async fn kill_walk(
    world: impl Fn() -> World,
    desired: &Desired,
    name: &str,
    check: impl AsyncFn(&Harness, &Observed, &str),
) -> usize {
    let mut kill_points = 0;
    for n in 0..500 {
        for applied in [false, true] {
            let h = Harness::new(world(), &format!("{name}-{n}-{applied}")).await.fragile();
            let (_, plan) = h.observe_and_plan(desired).await;
            let cut = |after, times, action| Fault { vendor: None, method: None, path: None, after, times, action };
            if applied {
                h.sim.add_fault(cut(n, Some(1), FaultAction::DropAfterApply));
            }
            h.sim.add_fault(cut(n + u32::from(applied), None, FaultAction::Drop));
            let result = h.engine.apply(desired, &plan, &h.journal(), &linkplan_engine::NoProgress).await;
            h.sim.clear_faults();
            if result.is_ok() {
                return kill_points;
            }
            kill_points += 1;
            // Resume: a new process observes, plans and applies again with the same journal.
            let h = h.with_fresh_engine();
            let (_, plan) = h.observe_and_plan(desired).await;
            let resumed = h.engine.apply(desired, &plan, &h.journal(), &linkplan_engine::NoProgress).await;
            let at = format!("cut after request {n} (applied: {applied})");
            resumed.unwrap_or_else(|e| panic!("resume, {at}: {e}\n{plan}"));
            let (observed, again) = h.observe_and_plan(desired).await;
            assert!(again.is_converged(), "{at}:\n{again}");
            check(&h, &observed, &at).await;
        }
    }
    kill_points
}
