//! Fleets: many plans (one per TiDB cluster) on one network, one access and one Kafka cluster,
//! applied together — what they share is created once — and the step graph that lets the
//! connection start while the Kafka cluster is still provisioning.

use std::collections::BTreeSet;
use std::sync::Mutex;

use linkplan_engine::{
    Action, DestroyOptions, Event, Fleet, Journal, Member, NoProgress, StepKind, StepPlan, destroy_plan, keep_for,
};
use linkplan_sim::{Fault, FaultAction, World};

use crate::util::{Harness, desired_from, plan_file, root};

const CLUSTER: &str = "10140100115280519574";

/// The TiDB cluster id of fleet member `i` (the first is the world's own).
fn cluster_id(i: usize) -> String {
    if i == 0 { CLUSTER.to_owned() } else { format!("2014010011528051{i:04}") }
}

/// The create-network world with `n` TiDB clusters in the same region and account; member `i`
/// of `odd` (if any) in the given state.
fn fleet_world(n: usize, odd: Option<(usize, &str)>) -> World {
    fleet_world_with(n, odd, "")
}

/// [`fleet_world`] with `extra` top-level YAML (`failures:`, `delays:`).
fn fleet_world_with(n: usize, odd: Option<(usize, &str)>, extra: &str) -> World {
    let text = std::fs::read_to_string(root().join("fixtures/sim/worlds/create-network.yaml")).expect("the world");
    let (head, tail) = text.split_once("\nconfluent:\n").expect("the world has a confluent section");
    let mut clusters = String::new();
    for i in 1..n {
        let state = match odd {
            Some((at, state)) if at == i => state,
            _ => "ACTIVE",
        };
        clusters.push_str(&format!(
            "    - id: \"{}\"\n      display_name: tenant-{i}\n      region: us-east-1\n      cloud: aws\n      \
             plan: ESSENTIAL\n      state: {state}\n      aws_account_id: \"123456789012\"\n      \
             availability_zones: [use1-az1, use1-az2, use1-az4]\n      project_id: \"1372813089454525346\"\n",
            cluster_id(i)
        ));
    }
    World::from_yaml(&format!("{head}{clusters}\nconfluent:\n{tail}\n{extra}")).expect("the fleet world parses")
}

/// Member `i`'s plan: the create-network plan for its own TiDB cluster, sharing the network,
/// the access and the Kafka cluster.
fn fleet_plan(i: usize) -> String {
    plan_file("create-network")
        .replace(CLUSTER, &cluster_id(i))
        .replace("display_name: confluent-orders", &format!("display_name: confluent-tenant-{i}"))
}

struct Run {
    desired: Vec<linkplan_engine::Desired>,
    labels: Vec<String>,
    journals: Vec<Journal>,
}

impl Run {
    fn new(h: &Harness, n: usize) -> Run {
        let desired = (0..n).map(|i| desired_from(&fleet_plan(i))).collect();
        let labels = (0..n).map(|i| format!("tenant-{i}.yaml")).collect();
        let journals = (0..n).map(|i| journal(h, i)).collect();
        Run { desired, labels, journals }
    }

    async fn plans(&self, h: &Harness) -> Vec<StepPlan> {
        let shared = h.engine.with_shared_reads();
        let mut plans = Vec::new();
        for (desired, journal) in self.desired.iter().zip(&self.journals) {
            let known = linkplan_engine::Known::from_owned(&Journal::owned(&journal.entries()));
            let observed = shared.observe_with(desired, &known).await.expect("observe succeeds");
            plans.push(linkplan_engine::plan(desired, &observed));
        }
        plans
    }

    async fn apply(&self, h: &Harness, plans: &[StepPlan]) -> Vec<Result<linkplan_engine::ApplyReport, String>> {
        let members: Vec<Member<'_>> = (0..self.desired.len())
            .map(|i| Member {
                label: &self.labels[i],
                desired: &self.desired[i],
                plan: &plans[i],
                journal: &self.journals[i],
                progress: &NoProgress,
            })
            .collect();
        let results = h.engine.apply_all(&members, &Fleet::new(10)).await;
        results.into_iter().map(|r| r.map_err(|e| e.to_string())).collect()
    }
}

fn journal(h: &Harness, i: usize) -> Journal {
    let path = h.journal_path().with_file_name(format!("tenant-{i}.jsonl"));
    Journal::open(&path).expect("the journal opens")
}

fn posts(h: &Harness, path: &str) -> usize {
    h.requests.with_status(202).iter().chain(h.requests.with_status(201).iter()).filter(|l| *l == path).count()
        + h.requests.with_status(200).iter().filter(|l| *l == path).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_on_one_network_creates_the_shared_resources_once() {
    let h = Harness::new(fleet_world(4, None), "fleet-shared").await;
    let run = Run::new(&h, 4);
    let plans = run.plans(&h).await;
    // Observation asked the shared lists once for all four plans.
    let network_lists = h.requests.with_status(200).iter().filter(|l| *l == "GET /networking/v1/networks").count();
    assert_eq!(network_lists, 1, "one networks list for the fleet");
    let results = run.apply(&h, &plans).await;
    for (i, result) in results.iter().enumerate() {
        assert!(result.is_ok(), "plan {i}: {result:?}");
    }
    assert_eq!(posts(&h, "POST /networking/v1/networks"), 1, "one network");
    assert_eq!(posts(&h, "POST /networking/v1/private-link-accesses"), 1, "one access, not four");
    assert_eq!(posts(&h, "POST /cmk/v2/clusters"), 1, "one Kafka cluster");
    assert_eq!(h.requests.with_status(429), Vec::<String>::new(), "no 429");
    // Exactly one plan owns each shared resource; each owns its own connection.
    let owners = |kind: StepKind| {
        run.journals
            .iter()
            .filter(|j| Journal::owned(&j.entries()).iter().any(|(id, o)| id.kind() == Some(kind) && o.id.is_some()))
            .count()
    };
    assert_eq!(owners(StepKind::CreateNetwork), 1);
    assert_eq!(owners(StepKind::PrivateLinkAccess), 1);
    assert_eq!(owners(StepKind::Cluster), 1);
    assert_eq!(owners(StepKind::PrivateLinkConnection), 4);
    for plan in run.plans(&h).await {
        assert!(plan.is_converged(), "{plan}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_plans_leave_the_others_converging() {
    // Member 1's TiDB cluster is paused (its plan is blocked); member 2's connection fails
    // during apply (TiDB says FAILED). Members 0 and 3 converge all the same.
    let failures = "failures:\n  - kind: private_link_connection\n    display_name: confluent-tenant-2\n    \
                    message: endpoint quota exceeded for the project\n";
    let h = Harness::new(fleet_world_with(4, Some((1, "PAUSED")), failures), "fleet-failing").await;
    let run = Run::new(&h, 4);
    let plans = run.plans(&h).await;
    assert!(!plans[1].can_apply(), "the paused cluster's plan is blocked:\n{}", plans[1]);
    let results = run.apply(&h, &plans).await;
    assert!(results[0].is_ok() && results[3].is_ok(), "{results:?}");
    let blocked = results[1].as_ref().expect_err("the blocked plan fails");
    assert!(blocked.contains("cannot be applied"), "{blocked}");
    let failed = results[2].as_ref().expect_err("the failed connection fails its plan");
    assert!(failed.contains("endpoint quota exceeded"), "{failed}");
    let again = run.plans(&h).await;
    assert!(again[0].is_converged() && again[3].is_converged(), "{}\n{}", again[0], again[3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroying_one_plan_of_a_fleet_keeps_what_the_others_use() {
    let h = Harness::new(fleet_world(3, None), "fleet-destroy-one").await;
    let run = Run::new(&h, 3);
    let plans = run.plans(&h).await;
    assert!(run.apply(&h, &plans).await.iter().all(Result::is_ok));
    // Destroy the plan that owns the shared resources (the one whose journal created them),
    // with everything it may delete: network, access, Kafka cluster.
    let owner = (0..3)
        .find(|i| {
            Journal::owned(&run.journals[*i].entries()).keys().any(|id| id.kind() == Some(StepKind::CreateNetwork))
        })
        .expect("one plan created the network");
    let observed: Vec<_> = {
        let mut all = Vec::new();
        for d in &run.desired {
            all.push(h.engine.observe(d).await.expect("observe"));
        }
        all
    };
    let options = DestroyOptions {
        delete_kafka_cluster: true,
        delete_access: true,
        owned: Journal::owned(&run.journals[owner].entries()),
        adopt: false,
    };
    let mut destroy = destroy_plan(&run.desired[owner], &observed[owner], &options);
    let holders: Vec<(String, BTreeSet<String>)> =
        (0..3).filter(|i| *i != owner).map(|i| (run.labels[i].clone(), observed[i].uses(&run.desired[i]))).collect();
    let kept = keep_for(&mut destroy, &holders);
    let kept_kinds: BTreeSet<StepKind> = kept.iter().filter_map(|id| id.kind()).collect();
    assert_eq!(
        kept_kinds,
        BTreeSet::from([StepKind::CreateNetwork, StepKind::PrivateLinkAccess, StepKind::Cluster]),
        "{destroy}"
    );
    let network = destroy.steps.iter().find(|s| s.kind == StepKind::CreateNetwork).expect("the network step");
    assert!(network.summary.contains("still use"), "{}", network.summary);
    let deletes: Vec<StepKind> = destroy.steps.iter().filter(|s| s.action == Action::Delete).map(|s| s.kind).collect();
    assert_eq!(deletes, [StepKind::AttachDomains, StepKind::PrivateLinkConnection], "{destroy}");
    h.engine.apply(&run.desired[owner], &destroy, &run.journals[owner], &NoProgress).await.expect("destroy runs");
    // The others are still connected.
    for i in (0..3).filter(|i| *i != owner) {
        let observed = h.engine.observe(&run.desired[i]).await.expect("observe");
        assert!(linkplan_engine::plan(&run.desired[i], &observed).is_converged(), "plan {i} still converged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_fleet_apply_resumes_to_one_of_each_shared_resource() {
    // Cut the run off after request n for a spread of n (the process dies there), then run the
    // fleet again with fresh engines and the same journals.
    for n in [3, 9, 17, 30, 45] {
        let h = Harness::new(fleet_world(3, None), &format!("fleet-kill-{n}")).await.fragile();
        let run = Run::new(&h, 3);
        let plans = run.plans(&h).await;
        let cut = Fault { vendor: None, method: None, path: None, after: n, times: None, action: FaultAction::Drop };
        h.sim.add_fault(cut);
        let first = run.apply(&h, &plans).await;
        h.sim.clear_faults();
        drop(first);
        let h = h.with_fresh_engine();
        let Run { desired, labels, journals } = run;
        drop(journals);
        let run = Run { desired, labels, journals: (0..3).map(|i| journal(&h, i)).collect() };
        let plans = run.plans(&h).await;
        let resumed = run.apply(&h, &plans).await;
        for (i, result) in resumed.iter().enumerate() {
            assert!(result.is_ok(), "cut after {n}, plan {i}: {result:?}");
        }
        let (confluent, _) = h.plain_clients();
        let networks = confluent
            .networks()
            .list("env-abc123", &Default::default())
            .await
            .expect("networks list")
            .into_iter()
            .filter(|n| n.metadata.deleted_at.is_none())
            .count();
        assert_eq!(networks, 1, "cut after {n}: one network");
        let clusters = confluent.clusters().list("env-abc123", &Default::default()).await.expect("clusters list");
        assert_eq!(clusters.iter().filter(|c| c.metadata.deleted_at.is_none()).count(), 1, "cut after {n}");
        for plan in run.plans(&h).await {
            assert!(plan.is_converged(), "cut after {n}:\n{plan}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_starts_while_the_kafka_cluster_is_provisioning() {
    // Field-like: the Kafka cluster takes far longer than the access and the connection.
    let delays = "delays: { cluster: 1500, private_link_access: 120, private_link_connection: 300, domains: 60 }\n";
    let h = Harness::new(fleet_world_with(1, None, delays), "graph-connection-first").await;
    let desired = desired_from(&plan_file("create-network"));
    let (_, plan) = h.observe_and_plan(&desired).await;
    let connection = plan.steps.iter().find(|s| s.kind == StepKind::PrivateLinkConnection).expect("a connection step");
    let cluster = plan.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("a cluster step");
    assert!(!connection.depends_on.contains(&cluster.id), "{plan}");
    let events = Mutex::new(Vec::new());
    let progress = |event: &Event<'_>| {
        let line = match event {
            Event::Started { step, .. } => format!("start {step}"),
            Event::Succeeded { step, .. } => format!("done {step}"),
            _ => return,
        };
        events.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
    };
    h.engine.apply(&desired, &plan, &h.journal(), &progress).await.expect("apply converges");
    let events = events.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let at = |line: String| events.iter().position(|e| *e == line).unwrap_or_else(|| panic!("{line}: {events:#?}"));
    assert!(
        at(format!("start {}", connection.id)) < at(format!("done {}", cluster.id)),
        "the connection started before the Kafka cluster was ready: {events:#?}"
    );
    assert!(at(format!("done {}", connection.id)) < at(format!("done {}", cluster.id)), "{events:#?}");
}
