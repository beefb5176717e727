//! Apply end to end against the simulator: the happy path, re-runs, ambiguous creates,
//! failures with their messages, and the lock.

use std::sync::atomic::Ordering;

use linkplan_engine::journal::JournalEvent;
use linkplan_engine::{
    Action, ApplyError, DestroyOptions, Event, Journal, JournalError, NoProgress, Observed, StepKind, destroy_plan,
};
use linkplan_sim::{Fault, FaultAction, Vendor, World};
use linkplan_tidbcloud::resources::private_link_connections::PrivateLinkConnectionState;

use crate::util::{Harness, desired_from, example_plan, example_world_with, kill_walk, plan_file, root, world_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_connects_and_then_plans_only_unchanged() {
    let h = Harness::new(World::example(), "happy").await;
    let desired = desired_from(&example_plan());
    let (observed, plan) = h.observe_and_plan(&desired).await;

    let fixture = root().join("fixtures/engine/example-fresh/observed.json");
    let expected: Observed =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture reads")).expect("fixture parses");
    assert_eq!(observed, expected, "the example-fresh scenario is what the example world looks like");
    let symbols: Vec<(char, StepKind)> = plan.steps.iter().map(|s| (s.action.symbol(), s.kind)).collect();
    assert_eq!(
        symbols,
        [
            ('+', StepKind::Cluster),
            ('+', StepKind::PrivateLinkAccess),
            ('+', StepKind::PrivateLinkConnection),
            ('~', StepKind::AttachDomains)
        ]
    );

    let unchanged = h.engine.observe(&desired).await.expect("observe");
    assert!(plan.is_current(&unchanged), "nothing changed yet: a saved plan would be accepted");

    let journal = h.journal();
    let report = h.engine.apply(&desired, &plan, &journal, &NoProgress).await.expect("apply converges");
    assert_eq!(report.completed.len(), 4);
    assert!(report.completed.iter().all(|(_, o)| o.created));

    let before = h.requests.load(Ordering::SeqCst);
    let (observed, again) = h.observe_and_plan(&desired).await;
    // One request per resource observed: TiDB cluster, zones, environment, networks, accesses,
    // clusters, connections, and the connection's GET for its attached domains.
    assert_eq!(h.requests.load(Ordering::SeqCst) - before, 8, "a no-change plan's requests");
    assert!(again.is_converged(), "second plan:\n{again}");
    assert_eq!(observed.connection.as_ref().and_then(|c| c.state.as_ref().map(|s| s.as_str())), Some("ACTIVE"));
    assert!(!plan.is_current(&observed), "the first plan is stale once applied");
    // The access and the cluster are created concurrently, so which one draws which simulated id
    // varies: redact ids.
    insta::with_settings!({ filters => vec![(r"\b(lkc|pla|plc)-[a-z0-9]+", "$1-[id]")] }, {
        insta::assert_snapshot!("happy_path_after_apply", again.to_string());
    });

    // Re-applying the converged plan calls nothing and journals nothing new.
    let before = Journal::read(&h.journal_path()).expect("journal reads").len();
    let report = h.engine.apply(&desired, &again, &journal, &NoProgress).await.expect("no-op apply");
    assert_eq!(report.skipped.len(), 4);
    let entries = Journal::read(&h.journal_path()).expect("journal reads");
    assert_eq!(entries.len(), before);
    let events: Vec<(String, JournalEvent)> =
        entries.iter().map(|e| (e.step_id.as_str().to_owned(), e.event)).collect();
    assert_eq!(events.iter().filter(|(_, e)| *e == JournalEvent::Succeeded).count(), 4);
    // The access and the cluster ran concurrently: both started before either finished.
    let first_success = events.iter().position(|(_, e)| *e == JournalEvent::Succeeded).unwrap_or(0);
    assert_eq!(events[..first_success].iter().filter(|(_, e)| *e == JournalEvent::Started).count(), 2);
    // No secret in the journal, the plan or the engine's Debug.
    let secrets: Vec<String> = h
        .sim
        .env()
        .into_iter()
        .filter(|(k, _)| k.ends_with("_SECRET") || k.ends_with("_PRIVATE_KEY"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(secrets.len(), 2);
    let text = std::fs::read_to_string(h.journal_path()).expect("journal reads");
    let plan_json = serde_json::to_string(&plan).expect("the plan serializes");
    for output in [text, plan_json, again.to_string(), format!("{:?}", h.engine)] {
        assert!(secrets.iter().all(|s| !output.contains(s.as_str())), "a secret leaked: {output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linkplan_creates_the_network_with_zones_overlapping_tidb() {
    let world = world_file("create-network").expect("fixtures/sim/worlds/create-network.yaml");
    let h = Harness::new(world, "create-network").await;
    // The world's own plan, with the zones left to linkplan to choose.
    let text = plan_file("create-network").replace("    zones: [use1-az1, use1-az2, use1-az4]\n", "");
    let desired = desired_from(&text);
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert_eq!(plan.steps.first().map(|s| (s.kind, s.action)), Some((StepKind::CreateNetwork, Action::Create)));
    assert!(plan.can_apply(), "{plan}");
    let events = std::sync::Mutex::new(Vec::new());
    let progress = |event: &Event<'_>| {
        let line = match event {
            Event::Started { step, action } => format!("{} {step}", action.symbol()),
            Event::Waiting { step, state, .. } => format!("  {step}: {state}"),
            Event::Succeeded { step, .. } => format!("ok {step}"),
            other => format!("{other:?}"),
        };
        events.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line);
    };
    h.engine.apply(&desired, &plan, &h.journal(), &progress).await.expect("apply converges");
    let events = events.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(events.first().map(String::as_str), Some("+ confluent.network/env-abc123/orders-pl-use1"));
    assert!(events.contains(&"  confluent.network/env-abc123/orders-pl-use1: PROVISIONING".to_owned()), "{events:#?}");
    assert_eq!(events.iter().filter(|e| e.starts_with("ok ")).count(), 5, "{events:#?}");
    let (observed, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
    let network = observed.network.expect("the network exists");
    assert_eq!(network.display_name.as_deref(), Some("orders-pl-use1"));
    let mut zones = network.zones.clone();
    zones.sort();
    assert_eq!(zones, ["use1-az1", "use1-az2", "use1-az4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_create_is_found_again_not_duplicated() {
    let h = Harness::new(World::example(), "ambiguous").await;
    for path in ["/networking/v1/private-link-accesses", "/cmk/v2/clusters"] {
        h.sim.add_fault(Fault {
            vendor: Some(Vendor::Confluent),
            method: Some("POST".to_owned()),
            path: Some(path.to_owned()),
            after: 0,
            times: Some(1),
            action: FaultAction::DropAfterApply,
        });
    }
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let report = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
    let mut created: Vec<(StepKind, bool)> = report
        .completed
        .iter()
        .filter_map(|(id, o)| plan.step(id).map(|s| (s.kind, o.created)))
        .filter(|(k, _)| matches!(k, StepKind::PrivateLinkAccess | StepKind::Cluster))
        .collect();
    // The two run at once: either may finish first.
    created.sort();
    // Found again after the dropped response, and known as this apply's own (it sent the create).
    assert_eq!(created, [(StepKind::PrivateLinkAccess, true), (StepKind::Cluster, true)]);
    let (observed, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
    assert_eq!(observed.accesses.len(), 1, "exactly one access");
    assert_eq!(count_clusters(&h).await, 1, "exactly one cluster");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_cluster_names_the_step_and_the_vendor_message() {
    let world = example_world_with("failures:\n  - kind: cluster\n    message: insufficient capacity in use1-az4\n");
    let h = Harness::new(world, "failed-cluster").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("the cluster fails");
    let message = error.to_string();
    assert!(
        message.starts_with("step confluent.cluster/n-abc123/orders: waiting for the Kafka cluster failed"),
        "{message}"
    );
    // cmk/v2 has no failure reason in the cluster's status: the state and the hint must do.
    assert!(message.contains("FAILED"), "{message}");
    assert!(message.contains("help: see cluster lkc-"), "{message}");
    // The access ran concurrently and finished; the connection needs the access, not the
    // cluster, so it was not held back by the cluster's failure.
    let entries = Journal::read(&h.journal_path()).expect("journal reads");
    assert!(entries.iter().any(
        |e| e.step_id.as_str().starts_with("confluent.private_link_access/") && e.event == JournalEvent::Succeeded
    ));
    let connection = plan.steps.iter().find(|s| s.kind == StepKind::PrivateLinkConnection).expect("the connection");
    assert!(connection.depends_on.iter().all(|d| !d.as_str().starts_with("confluent.cluster/")), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_connection_carries_tidbs_message() {
    let world = example_world_with(
        "failures:\n  - kind: private_link_connection\n    message: endpoint quota exceeded for the project\n",
    );
    let h = Harness::new(world, "failed-connection").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("the connection fails");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "step tidbcloud.private_link_connection/10140100115280519574/confluent-orders: waiting for the private \
             link connection failed: FAILED: endpoint quota exceeded for the project (help: check that the \
             PrivateLink access for TiDB Cloud's AWS account 123456789012 on network n-abc123 is READY"
        ) && message.contains("then delete connection plc-"),
        "{message}"
    );
    // The next plan shows the failed connection as a blocker, so nothing more is attempted.
    let (_, again) = h.observe_and_plan(&desired).await;
    assert!(!again.can_apply(), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_made_before_the_access_fails_naming_the_account() {
    let h = Harness::new(World::example(), "not-allowed").await;
    let desired = desired_from(&example_plan());
    let (_, mut plan) = h.observe_and_plan(&desired).await;
    // A stale plan that believes the access exists: AWS refuses the endpoint, as the service
    // does not allow TiDB's account yet.
    plan.steps.retain(|s| s.kind != StepKind::PrivateLinkAccess);
    for step in &mut plan.steps {
        step.depends_on.retain(|d| !d.as_str().starts_with("confluent.private_link_access/"));
    }
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("tidbcloud.private_link_connection/10140100115280519574/confluent-orders"), "{message}");
    assert!(
        message.contains("FAILED") && message.contains("is not available to AWS account 123456789012"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_stuck_in_pending_acceptance_fails_after_the_grace_period() {
    // An endpoint service that wants its owner's acceptance (Confluent's do not), never given.
    let text = std::fs::read_to_string(root().join("fixtures/sim/worlds/example.yaml")).expect("the example world");
    let text =
        text.replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      acceptance_required: true");
    let h = Harness::new(World::from_yaml(&text).expect("the world parses"), "pending").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("never accepted");
    let message = error.to_string();
    assert!(message.contains("tidbcloud.private_link_connection/10140100115280519574/confluent-orders"), "{message}");
    assert!(message.contains("PENDING_ACCEPTANCE"), "{message}");
    assert!(h.now() >= h.engine.config().pending_acceptance_grace, "waited the grace period: {:?}", h.now());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_plan_creates_nothing() {
    let world = example_world_with("");
    let h = Harness::new(world, "blocked").await;
    let desired =
        desired_from(&example_plan().replace("aws_account_id: \"123456789012\"", "aws_account_id: \"999999999999\""));
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert!(!plan.can_apply());
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("refused");
    assert!(matches!(error, ApplyError::Blocked { .. }), "{error}");
    assert!(error.to_string().contains("`tidb.aws_account_id` declares 999999999999"), "{error}");
    assert!(Journal::read(&h.journal_path()).expect("journal reads").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_of_the_same_plan_is_locked_out() {
    let h = Harness::new(World::example(), "lock").await;
    let first = h.journal();
    match Journal::open(&h.journal_path()) {
        Err(JournalError::Locked { .. }) => (),
        other => panic!("expected the lock to be held, got {other:?}"),
    }
    drop(first);
    drop(h.journal());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_connected_world_plans_only_unchanged() {
    let desired = desired_from(&example_plan());
    // The simulator's `already-connected` world when present; else the example world after an
    // apply, seen by a fresh engine (new clients, nothing shared with the run that connected it).
    let h = match world_file("already-connected") {
        Some(world) => Harness::new(world, "already-connected").await,
        None => {
            let h = Harness::new(World::example(), "already-connected").await;
            let (_, plan) = h.observe_and_plan(&desired).await;
            h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
            h.with_fresh_engine()
        }
    };
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert!(plan.is_converged(), "{plan}");
}

/// Cut apply off after every single API call in turn, both before and after the next request
/// reaches the server (the simulator drops every later connection, as if the process died
/// there), then apply again from a fresh engine: it always converges with exactly one of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_off_after_any_request_resumes_to_exactly_one_of_each() {
    let desired = desired_from(&example_plan());
    let kill_points =
        kill_walk(World::example, &desired, "kill", async |h: &Harness, observed: &Observed, at: &str| {
            assert_eq!(observed.accesses.len(), 1, "{at}: one access");
            assert_eq!(count_clusters(h).await, 1, "{at}: one cluster");
            assert_eq!(count_connections(h).await, 1, "{at}: one connection");
            assert_eq!(count_attachments(h, observed).await, 1, "{at}: one attachment");
        })
        .await;
    assert!(kill_points >= 20, "walked {kill_points} kill points");
}

async fn count_clusters(h: &Harness) -> usize {
    let (confluent, _) = h.plain_clients();
    let filter = linkplan_confluent::resources::clusters::ClusterFilter::default();
    let clusters = confluent.clusters().list("env-abc123", &filter).await.expect("clusters list");
    clusters.iter().filter(|c| c.metadata.deleted_at.is_none()).count()
}

async fn count_attachments(h: &Harness, observed: &Observed) -> usize {
    let (_, tidb) = h.plain_clients();
    let id = observed.connection.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    let plc = tidb.private_link_connections().get("10140100115280519574", &id).await.expect("connection reads");
    plc.attached_domains.len()
}

/// Live connections: a duplicate linkplan deleted may still be DELETING (the manual clock stands
/// still once an apply is done), as a deleted cluster still lists with `deleted_at`.
async fn count_connections(h: &Harness) -> usize {
    let (_, tidb) = h.plain_clients();
    let plcs = tidb.private_link_connections().list("10140100115280519574", None).await.expect("connections list");
    plcs.iter().filter(|c| c.state != Some(PrivateLinkConnectionState::Deleting)).count()
}

/// The simulator's scenario worlds (`fixtures/sim/worlds/`) the engine itself answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_worlds_give_the_right_answer() {
    // The blocked ones (cross-region, no shared zone) are the linter's to stop, with the live
    // facts merged in: `tests/plan.rs` runs them through the CLI's gate.
    let example = example_plan();
    let world = world_file("failed-cluster").expect("fixtures/sim/worlds/failed-cluster.yaml");
    let h = Harness::new(world, "failed-cluster-world").await;
    let desired = desired_from(&example);
    let (_, plan) = h.observe_and_plan(&desired).await;
    let error = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect_err("the cluster fails");
    assert!(
        error
            .to_string()
            .starts_with("step confluent.cluster/n-abc123/orders: waiting for the Kafka cluster failed: FAILED"),
        "{error}"
    );

    let world = world_file("flaky").expect("fixtures/sim/worlds/flaky.yaml");
    let h = Harness::new(world, "flaky").await;
    let (_, plan) = h.observe_and_plan(&desired).await;
    h.engine
        .apply(&desired, &plan, &h.journal(), &NoProgress)
        .await
        .expect("429s, 503s and slow answers still converge");
    let (_, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
}

/// With every provisioning delay at D, apply stays near the critical path the runbook allows
/// (access ∥ cluster, then the connection, then the domains: 3·D, then the changefeed), and the
/// polling stays at a few dozen requests per wait. A sanity bound of 1.15×: simulated time, but
/// how the waits interleave still depends on scheduling; the 1.05× target is the time-lapse
/// benchmark's (`cargo bench -p linkplan-engine --bench apply`, over several D).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_stays_near_the_critical_path() {
    let d = 600.0;
    let delays = linkplan_sim::Delays {
        network: d,
        private_link_access: d,
        cluster: d,
        private_link_connection: d,
        domains: d,
        ..linkplan_sim::Delays::default()
    };
    let config = linkplan_sim::SimConfig { delays: Some(delays), ..linkplan_sim::SimConfig::explicit() };
    let h = Harness::with_config(World::example(), config, "speed").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let (start, requests) = (h.now(), h.requests.load(Ordering::SeqCst));
    h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
    let elapsed = h.now().saturating_sub(start).as_secs_f64();
    let critical = 3.0 * d + delays.changefeed;
    assert!(elapsed >= critical && elapsed <= 1.15 * critical, "{elapsed}s for a {critical}s critical path");
    let requests = h.requests.load(Ordering::SeqCst) - requests;
    // The cluster's patient wait under 40 polls, the access's, connection's and domains' brisk
    // ones under 70 each, and the rest (lookups, creates, the changefeed) a few dozen.
    assert!(requests <= 270, "{requests} requests: four 10-minute waits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_undoes_in_reverse_and_keeps_what_is_only_referenced() {
    let h = Harness::new(World::example(), "destroy").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");

    let observed = h.engine.observe(&desired).await.expect("observe");
    // A destroy with no journal (another machine, a lost file) deletes nothing: as far as it
    // knows, linkplan created none of it.
    let strange = destroy_plan(&desired, &observed, &DestroyOptions::default());
    assert!(strange.steps.iter().all(|s| s.action == Action::Unchanged), "{strange}");
    let owned = Journal::owned(&Journal::read(&h.journal_path()).expect("journal reads"));
    // By default the access stays with the referenced network (other TiDB clusters on the same
    // AWS account may use it) and so does the Kafka cluster (its data).
    let options = DestroyOptions { owned, ..DestroyOptions::default() };
    let kept = destroy_plan(&desired, &observed, &options);
    let deletes: Vec<StepKind> = kept.steps.iter().filter(|s| s.action == Action::Delete).map(|s| s.kind).collect();
    assert_eq!(deletes, [StepKind::AttachDomains, StepKind::PrivateLinkConnection], "{kept}");
    let destroy = destroy_plan(&desired, &observed, &DestroyOptions { delete_access: true, ..options });
    // Destroy steps carry apply's ids (the same natural keys).
    assert!(destroy.steps.iter().all(|s| plan.step(&s.id).is_some()), "{destroy}");
    insta::with_settings!({ filters => vec![(r"\b(lkc|pla|plc)-[a-z0-9]+", "$1-[id]"), (r"id: \d+", "id: [id]")] }, {
        insta::assert_snapshot!("destroy_keeps_the_kafka_cluster", destroy.to_string());
    });
    h.engine.apply(&desired, &destroy, &h.journal(), &NoProgress).await.expect("destroy converges");
    let after = h.engine.observe(&desired).await.expect("observe");
    assert_eq!(after.connection, None);
    assert!(after.accesses.is_empty());
    assert!(after.cluster.is_some(), "the Kafka cluster is kept unless asked for");
    assert!(after.network.is_some(), "the referenced network is never deleted");

    // Applying again recreates what destroy removed.
    let (_, again) = h.observe_and_plan(&desired).await;
    let actions: Vec<char> = again.steps.iter().map(|s| s.action.symbol()).collect();
    assert_eq!(actions, ['=', '+', '+', '~'], "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_with_the_cluster_removes_everything_linkplan_created() {
    let world = world_file("create-network").expect("fixtures/sim/worlds/create-network.yaml");
    let h = Harness::new(world, "destroy-all").await;
    let desired = desired_from(&plan_file("create-network"));
    h.converge(&desired).await;
    let observed = h.engine.observe(&desired).await.expect("observe");
    let owned = Journal::owned(&Journal::read(&h.journal_path()).expect("journal reads"));
    let options = DestroyOptions { delete_kafka_cluster: true, owned, ..DestroyOptions::default() };
    let destroy = destroy_plan(&desired, &observed, &options);
    let symbols: Vec<(char, StepKind)> = destroy.steps.iter().map(|s| (s.action.symbol(), s.kind)).collect();
    assert_eq!(
        symbols,
        [
            ('-', StepKind::AttachDomains),
            ('-', StepKind::PrivateLinkConnection),
            ('-', StepKind::PrivateLinkAccess),
            ('-', StepKind::Cluster),
            ('-', StepKind::CreateNetwork)
        ]
    );
    h.engine.apply(&desired, &destroy, &h.journal(), &NoProgress).await.expect("destroy converges");
    let after = h.engine.observe(&desired).await.expect("observe");
    assert_eq!((after.network, after.cluster, after.connection), (None, None, None));
    assert!(after.accesses.is_empty());
    assert_eq!(count_clusters(&h).await, 0);
}

/// A 5xx storm during the waits that outlasts the clients' own retries: the polling loop treats
/// it as "not yet" and still converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_storm_during_the_waits_still_converges() {
    let h = Harness::new(World::example(), "storm").await;
    let storm = |vendor, path: &str| Fault {
        vendor: Some(vendor),
        method: Some("GET".to_owned()),
        path: Some(path.to_owned()),
        after: 0,
        times: Some(12),
        action: FaultAction::ServerError { status: 503 },
    };
    h.sim.add_fault(storm(Vendor::Confluent, "/cmk/v2/clusters/"));
    h.sim.add_fault(storm(Vendor::Tidbcloud, "/v1beta1/clusters/10140100115280519574/privateLinkConnections/"));
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let events = std::sync::Mutex::new(Vec::new());
    let progress = |event: &Event<'_>| {
        if let Event::Waiting { state, .. } = event {
            events.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((*state).to_owned());
        }
    };
    h.engine.apply(&desired, &plan, &h.journal(), &progress).await.expect("the storm passes");
    let states = events.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    assert!(states.iter().any(|s| s.starts_with("unreachable (")), "{states:#?}");
    let (_, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
}

/// Two applies that share no lock (two machines: two journals, two engines) started together
/// from plans made before either created anything: creates race, and the racers agree on one
/// of each (the access by Confluent's 409, the cluster and the connection by keeping the oldest
/// and deleting their own duplicate, the domains by the attach conflict).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_without_a_shared_lock_converge_on_one_of_each() {
    let desired = desired_from(&example_plan());
    let first = Harness::new(World::example(), "race-a").await;
    let second = first.twin("race-b");
    let (_, plan_a) = first.observe_and_plan(&desired).await;
    let (_, plan_b) = second.observe_and_plan(&desired).await;
    // Force the race rather than hope for it: each racer's lookup before its create reads the
    // world at once and then has its answer held back, so both lookups see nothing and both
    // creates go out, however the two applies are scheduled.
    for path in ["/cmk/v2/clusters", "/networking/v1/private-link-accesses"] {
        first.sim.add_fault(Fault {
            vendor: Some(Vendor::Confluent),
            method: Some("GET".to_owned()),
            path: Some(path.to_owned()),
            after: 0,
            times: Some(2),
            action: FaultAction::Hang { millis: 750, after_apply: true },
        });
    }
    // And each cluster create is carried out, then its answer held back, so both clusters exist
    // before either racer waits and lists: the manual clock makes provisioning instant, and a
    // racer that finished before the other's create landed would see only its own.
    first.sim.add_fault(Fault {
        vendor: Some(Vendor::Confluent),
        method: Some("POST".to_owned()),
        path: Some("/cmk/v2/clusters".to_owned()),
        after: 0,
        times: Some(2),
        action: FaultAction::Hang { millis: 1500, after_apply: true },
    });
    let (journal_a, journal_b) = (first.journal(), second.journal());
    let (a, b) = tokio::join!(
        first.engine.apply(&desired, &plan_a, &journal_a, &NoProgress),
        second.engine.apply(&desired, &plan_b, &journal_b, &NoProgress),
    );
    a.expect("the first apply converges");
    b.expect("the second apply converges");
    // The race happened: both sent the cluster's and the access's create; Confluent refused the
    // second access.
    for (path, racers) in [("/cmk/v2/clusters", 2), ("/networking/v1/private-link-accesses", 2)] {
        let posts = |h: &Harness| {
            let sent = [201, 202, 409].map(|s| h.requests.with_status(s));
            sent.iter().flatten().filter(|l| *l == &format!("POST {path}")).count()
        };
        assert_eq!(posts(&first) + posts(&second), racers, "POST {path}");
    }
    let conflicts = [&first, &second].map(|h| h.requests.with_status(409)).concat();
    assert!(conflicts.contains(&"POST /networking/v1/private-link-accesses".to_owned()), "{conflicts:?}");
    // Any other 409 is the domains' attach conflict, which the step settles by looking again.
    assert!(conflicts.iter().all(|c| c.ends_with("/private-link-accesses") || c.ends_with(":attachDomains")));
    let (observed, again) = first.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
    assert_eq!(observed.accesses.len(), 1);
    assert_eq!(count_clusters(&first).await, 1);
    // One connection survives (the racer that lost deleted its own).
    assert_eq!(count_connections(&first).await, 1);
    assert_eq!(count_attachments(&first, &observed).await, 1);
}
