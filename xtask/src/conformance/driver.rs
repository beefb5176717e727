//! The engine against the simulator: the real `Engine` (plan, apply, destroy) with both clients
//! observed by a [`Recorder`], on the simulator's explicit clock (the engine's `ManualClock`
//! moves it; the clients' retries wait on it too), so every exchange the runbook causes is
//! collected for the check. The error cases the engine never provokes run by hand in between
//! (`errors.rs`), while the resources they need exist.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use linkplan_conformance::{Specs, Vendor};
use linkplan_engine::{Action, Desired, DestroyOptions, Engine, Journal, ManualClock, NoProgress, Observed, StepPlan};
use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use linkplan_testkit::{Recorder, sim_builder, sim_env};

use super::errors::{self, Live};
use super::{Exchange, Run, Source};

/// Both scenarios, one simulator each; what they sent and what went wrong.
pub(super) async fn drive(specs: &'static Specs) -> Result<Run, String> {
    let journals = std::env::temp_dir().join(format!("linkplan-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&journals).map_err(|e| format!("cannot create {}: {e}", journals.display()))?;
    let mut run = Run::default();
    let root = crate::project_root();
    let example = read(&root.join("examples/orders-cdc.yaml"))?;
    let mut rig = Rig::start(specs, World::example(), &journals.join("example.jsonl")).await?;
    if let Err(e) = example_world(&mut rig, &example, &mut run).await {
        run.failures.push(format!("example world: scenario aborted: {e}"));
    }
    rig.finish(&mut run).await;

    let worlds = root.join("fixtures/sim/worlds");
    let world = World::from_path(&worlds.join("create-network.yaml")).map_err(|e| e.to_string())?;
    let plan = read(&root.join("fixtures/plans/create-network.yaml"))?;
    let mut rig = Rig::start(specs, world, &journals.join("create-network.jsonl")).await?;
    if let Err(e) = create_network_world(&mut rig, &plan, &mut run).await {
        run.failures.push(format!("create-network world: scenario aborted: {e}"));
    }
    rig.finish(&mut run).await;

    let mut world = World::from_path(&worlds.join("already-connected.yaml")).map_err(|e| e.to_string())?;
    for connection in &mut world.tidbcloud.private_link_connections {
        connection.domains.clear();
    }
    let mut rig = Rig::start(specs, world, &journals.join("resumed.jsonl")).await?;
    if let Err(e) = resumed_world(&mut rig, &example, &mut run).await {
        run.failures.push(format!("resumed world: scenario aborted: {e}"));
    }
    rig.finish(&mut run).await;
    let _ = std::fs::remove_dir_all(&journals);
    Ok(run)
}

/// The example plan on the example world: apply, the hand-driven error cases, a CKU edit
/// (`updateCmkV2Cluster`), destroy with everything linkplan created.
async fn example_world(rig: &mut Rig, plan: &str, run: &mut Run) -> Result<(), String> {
    let desired = desired_of(plan)?;
    let observed = rig.converge(&desired, "apply", run).await?;
    let live = Live::of(&World::example(), &observed)?;
    // A fresh rate-limit minute for the steps by hand.
    rig.sim.advance(Duration::from_secs(60));
    errors::drive(&rig.sim, &live, run).await;
    rig.sim.clear_faults();
    rig.sim.advance(Duration::from_secs(60));

    let resized = desired_of(&plan.replacen("cku: 2", "cku: 3", 1))?;
    if resized.confluent.cluster == desired.confluent.cluster {
        return Err("the example plan has no `cku: 2` to edit".to_owned());
    }
    rig.converge(&resized, "apply a CKU edit", run).await?;
    // The referenced network stays; everything linkplan created goes.
    rig.destroy(&resized, "example world", Kept { network: true, ..Kept::NOTHING }, run).await
}

/// The plan that creates its network: apply and destroy (`createNetworkingV1Network`,
/// `deleteNetworkingV1Network`, and the waits on the new network); nothing may be left.
async fn create_network_world(rig: &mut Rig, plan: &str, run: &mut Run) -> Result<(), String> {
    let desired = desired_of(plan)?;
    rig.converge(&desired, "apply", run).await?;
    rig.destroy(&desired, "create-network world", Kept::NOTHING, run).await
}

/// The example world as an apply cut off before its last step leaves it: everything exists and
/// the connection is ACTIVE, but no domains are attached. Observing it previews the attach
/// (`attachDomains` with `validateOnly: true`, which nothing else makes the engine send); apply
/// attaches; destroy detaches what this run attached and keeps the rest, which its journal does
/// not record.
async fn resumed_world(rig: &mut Rig, plan: &str, run: &mut Run) -> Result<(), String> {
    let desired = desired_of(plan)?;
    rig.converge(&desired, "apply the last step", run).await?;
    let kept = Kept { network: true, access: true, cluster: true, connection: true, domains: false };
    rig.destroy(&desired, "resumed world", kept, run).await
}

/// What must still be live after a destroy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kept {
    network: bool,
    access: bool,
    cluster: bool,
    connection: bool,
    /// Domains attached to the connection.
    domains: bool,
}

impl Kept {
    const NOTHING: Kept = Kept { network: false, access: false, cluster: false, connection: false, domains: false };

    fn of(o: &Observed) -> Kept {
        Kept {
            network: o.network.is_some(),
            access: !o.accesses.is_empty(),
            cluster: o.cluster.is_some(),
            connection: o.connection.is_some(),
            domains: o.connection.as_ref().is_some_and(|c| !c.attached.is_empty()),
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn desired_of(text: &str) -> Result<Desired, String> {
    let doc = linkplan_model::Document::parse(text).map_err(|e| format!("the plan does not parse: {e}"))?;
    let view = linkplan_model::PlanView::new(&doc).ok_or("the plan is not a mapping")?;
    Desired::from_plan(&view).map_err(|e| format!("the plan is incomplete: {e}"))
}

/// The simulator, an engine on it whose clients are recorded, and the journal of this world.
struct Rig {
    sim: Arc<RunningSim>,
    engine: Engine,
    recorders: [Recorder; 2],
    journal: PathBuf,
}

impl Rig {
    async fn start(specs: &'static Specs, world: World, journal: &Path) -> Result<Rig, String> {
        let sim =
            Sim::start(world, SimConfig::explicit()).await.map_err(|e| format!("cannot start the simulator: {e}"))?;
        let sim = Arc::new(sim);
        let env = sim_env(&sim);
        let recorders =
            [Recorder::with_specs(Vendor::Confluent, specs), Recorder::with_specs(Vendor::Tidbcloud, specs)];
        let confluent: linkplan_confluent::ClientBuilder = sim_builder(&sim, &env, &recorders[0]);
        let tidb: linkplan_tidbcloud::ClientBuilder = sim_builder(&sim, &env, &recorders[1]);
        let confluent = confluent.build().map_err(|e| format!("the Confluent client: {e}"))?;
        let tidb = tidb.build().map_err(|e| format!("the TiDB Cloud client: {e}"))?;
        // The engine's waits move the simulator's clock; nothing sleeps.
        let moved = Arc::clone(&sim);
        let clock = Arc::new(ManualClock::new(move |by| moved.advance(by)));
        let _ = std::fs::remove_file(journal);
        Ok(Rig { sim, engine: Engine::new(confluent, tidb, clock), recorders, journal: journal.to_path_buf() })
    }

    /// Observe, plan and apply `desired`; then it must plan as converged. What is live after.
    async fn converge(&self, desired: &Desired, what: &str, run: &mut Run) -> Result<Observed, String> {
        let observed = self.engine.observe(desired).await.map_err(|e| format!("observe before {what}: {e}"))?;
        self.apply(desired, &linkplan_engine::plan(desired, &observed), what, run).await?;
        let observed = self.engine.observe(desired).await.map_err(|e| format!("observe after {what}: {e}"))?;
        let again = linkplan_engine::plan(desired, &observed);
        if !again.is_converged() {
            run.failures.push(format!("{what} did not converge; the next plan is:\n{again}"));
        }
        self.collect(run);
        Ok(observed)
    }

    /// Destroy everything the journal says linkplan created, the Kafka cluster and the access
    /// included; what is live after must be `kept` (else a failure of `world`).
    async fn destroy(&self, desired: &Desired, world: &str, kept: Kept, run: &mut Run) -> Result<(), String> {
        let observed = self.engine.observe(desired).await.map_err(|e| format!("observe before destroy: {e}"))?;
        let entries = Journal::read(&self.journal).map_err(|e| format!("the journal: {e}"))?;
        let options = DestroyOptions {
            owned: Journal::owned(&entries),
            delete_kafka_cluster: true,
            delete_access: true,
            adopt: false,
        };
        let plan = linkplan_engine::destroy_plan(desired, &observed, &options);
        if !plan.steps.iter().any(|s| s.action == Action::Delete) {
            return Err(format!("destroy plans no delete:\n{plan}"));
        }
        self.apply(desired, &plan, "destroy", run).await?;
        let after = self.engine.observe(desired).await.map_err(|e| format!("observe after destroy: {e}"))?;
        self.collect(run);
        if Kept::of(&after) != kept {
            run.failures.push(format!("{world}: destroy should keep {kept:?}, but live is {after:?}"));
        }
        Ok(())
    }

    /// Apply `plan` with this world's journal (open only for the run) and collect what it sent.
    async fn apply(&self, desired: &Desired, plan: &StepPlan, what: &str, run: &mut Run) -> Result<(), String> {
        let journal =
            Journal::open(&self.journal).map_err(|e| format!("the journal {}: {e}", self.journal.display()))?;
        let applied = self.engine.apply(desired, plan, &journal, &NoProgress).await;
        drop(journal);
        self.collect(run);
        applied.map(|_| ()).map_err(|e| format!("{what}: {e}"))
    }

    /// Move what the recorders saw into `run`; a status the engine should never get is a failure.
    fn collect(&self, run: &mut Run) {
        for recorder in &self.recorders {
            let vendor = recorder.vendor();
            for r in recorder.take() {
                let problems: Vec<String> =
                    r.response_not_json.iter().map(|e| format!("response body is not JSON: {e}")).collect();
                match r.status {
                    None => run.failures.push(format!(
                        "engine: {} {}: no response ({})",
                        r.method,
                        r.target,
                        r.error.as_deref().unwrap_or("?")
                    )),
                    Some(status) if !engine_may_get(vendor, status, &r.target) => {
                        let body = r.response_body.as_ref().map(ToString::to_string).unwrap_or_default();
                        run.failures.push(format!("engine: {} {}: unexpected {status} {body}", r.method, r.target));
                    }
                    Some(_) => {}
                }
                run.exchanges.push(Exchange {
                    source: Source::Engine,
                    vendor,
                    method: r.method,
                    target: r.target,
                    status: r.status,
                    request_body: r.request_body,
                    response_body: r.response_body,
                    problems,
                    notes: Vec::new(),
                    op: None,
                });
            }
        }
    }

    async fn finish(self, run: &mut Run) {
        self.collect(run);
        let Rig { sim, engine, .. } = self;
        drop(engine);
        if let Ok(sim) = Arc::try_unwrap(sim) {
            sim.shutdown().await;
        }
    }
}

/// What the engine meets in a normal run: successes, TiDB Cloud's Digest challenge, the 404
/// that ends a delete's wait, and a rate limit it waits out. Anything else means the simulator
/// refused a request the engine made.
fn engine_may_get(vendor: Vendor, status: u16, target: &str) -> bool {
    (200..300).contains(&status)
        || status == 404
        || status == 429
        || (status == 401 && vendor == Vendor::Tidbcloud)
        // TiDB's verdict on a sink: a new key works after a moment, and the engine tests again.
        || (status == 400 && vendor == Vendor::Tidbcloud && target.ends_with("/changefeeds:test"))
}
