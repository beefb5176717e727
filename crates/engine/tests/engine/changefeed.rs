//! The changefeed and its credentials, end to end against the simulator: linkplan-made
//! credentials (service account, Kafka API key, role bindings) and user-supplied ones, a broken
//! link caught by `changefeeds:test` at plan time, a process cut off at every request of the
//! new steps (exactly one changefeed and one live key afterwards, no orphan keys), and destroy.

use linkplan_engine::desired::{ChangefeedDesired, CredentialsDesired, Dispatch, Protocol, StartAt, TopicsDesired};
use linkplan_engine::{Action, Desired, DestroyOptions, Journal, NoProgress, Observed, StepKind, destroy_plan};
use linkplan_sim::World;

use crate::util::{Harness, desired_from, example_plan, example_plan_with_changefeed, kill_walk, world_file};

/// The sink of the credentials-supplied world: its seeded key and secret.
const KEY: &str = "SIMKAFKAKEY00001";
const SECRET: &str = "sim-kafka-secret-0123456789abcdef0123456789abcdef0123456789abcd";

fn changefeed(credentials: CredentialsDesired) -> ChangefeedDesired {
    ChangefeedDesired {
        display_name: "orders-to-kafka".to_owned(),
        tables: vec!["orders.*".to_owned(), "!orders.tmp_*".to_owned()],
        force_sync: false,
        case_sensitive: false,
        protocol: Protocol::CanalJson,
        topics: TopicsDesired {
            dispatch: Dispatch::ByTable {
                prefix: "tidb_".to_owned(),
                separator: "_".to_owned(),
                suffix: String::new(),
            },
            partitions: Some(3),
            replication_factor: Some(3),
        },
        start: StartAt::Now,
        credentials,
    }
}

fn created() -> CredentialsDesired {
    CredentialsDesired::Create { service_account: "tidb-orders-cdc".to_owned() }
}

fn supplied() -> CredentialsDesired {
    CredentialsDesired::FromEnv { key_var: "ORDERS_KAFKA_KEY".to_owned(), secret_var: "ORDERS_KAFKA_SECRET".to_owned() }
}

fn with(credentials: CredentialsDesired) -> Desired {
    let mut desired = desired_from(&example_plan());
    desired.changefeed = Some(changefeed(credentials));
    desired
}

fn env(secret: &'static str) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    move |name: &str| match name {
        "ORDERS_KAFKA_KEY" => Some(KEY.to_owned()),
        "ORDERS_KAFKA_SECRET" => Some(secret.to_owned()),
        _ => None,
    }
}

fn step(plan: &linkplan_engine::StepPlan, kind: StepKind) -> &linkplan_engine::Step {
    plan.steps.iter().find(|s| s.kind == kind).unwrap_or_else(|| panic!("a {kind:?} step in:\n{plan}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linkplan_makes_the_credentials_and_the_changefeed_runs() {
    let h = Harness::new(World::example(), "cdc-created").await;
    let desired = with(created());
    let (_, plan) = h.observe_and_plan(&desired).await;
    for kind in [StepKind::ServiceAccount, StepKind::ApiKey, StepKind::RoleBindings, StepKind::Changefeed] {
        assert_eq!(step(&plan, kind).action, Action::Create, "{plan}");
    }
    let feed = step(&plan, StepKind::Changefeed);
    assert!(feed.depends_on.contains(&step(&plan, StepKind::AttachDomains).id), "{plan}");
    assert!(feed.depends_on.contains(&step(&plan, StepKind::ApiKey).id), "{plan}");
    assert!(step(&plan, StepKind::ServiceAccount).depends_on.is_empty(), "control plane only: {plan}");
    assert!(plan.to_string().contains("connectivity test"), "{plan}");

    h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
    let inventory = h.sim.cdc_inventory();
    assert_eq!(
        (inventory.changefeeds, inventory.service_accounts, inventory.api_keys, inventory.role_bindings),
        (1, 1, 1, 2)
    );
    let (observed, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
    let feed = observed.cdc.as_ref().and_then(|c| c.changefeed.as_ref()).expect("the changefeed");
    assert_eq!(feed.state.as_ref().map(|s| s.as_str()), Some("RUNNING"));
    assert!(feed.checkpoint_time.is_some(), "a running checkpoint: {feed:?}");

    // Nothing secret in the journal.
    let journal = std::fs::read_to_string(h.journal_path()).expect("the journal reads");
    assert!(!journal.to_ascii_lowercase().contains("secret\":"), "{journal}");

    // Destroy: the changefeed first, then the credentials linkplan made.
    let owned = Journal::owned(&Journal::load(&h.journal_path()).expect("journal").entries);
    let undo = destroy_plan(&desired, &observed, &DestroyOptions { owned, ..DestroyOptions::default() });
    for kind in [StepKind::Changefeed, StepKind::RoleBindings, StepKind::ApiKey, StepKind::ServiceAccount] {
        assert_eq!(step(&undo, kind).action, Action::Delete, "{undo}");
    }
    let bindings = step(&undo, StepKind::RoleBindings);
    assert!(bindings.depends_on.contains(&step(&undo, StepKind::Changefeed).id), "{undo}");
    h.engine.apply(&desired, &undo, &h.journal(), &NoProgress).await.expect("destroy converges");
    let inventory = h.sim.cdc_inventory();
    assert_eq!((inventory.service_accounts, inventory.api_keys, inventory.role_bindings), (0, 0, 0));
    let observed = h.engine.observe(&desired).await.expect("observe");
    assert!(observed.cdc.as_ref().is_some_and(|c| c.changefeed.is_none()), "{observed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_supplied_credentials_are_tested_at_plan_time() {
    let world = world_file("credentials-supplied").expect("fixtures/sim/worlds/credentials-supplied.yaml");
    let h = Harness::new(world, "cdc-supplied").await;
    let h = h.with_env(env(SECRET));
    let desired = with(supplied());
    let (observed, plan) = h.observe_and_plan(&desired).await;
    let test = observed.cdc.as_ref().and_then(|c| c.sink_test.as_ref()).expect("a plan-time test");
    assert!(test.passed, "{test:?}");
    assert!(plan.steps.iter().all(|s| !matches!(s.kind, StepKind::ServiceAccount | StepKind::ApiKey)), "{plan}");
    assert_eq!(step(&plan, StepKind::Changefeed).action, Action::Create, "{plan}");
    assert!(plan.to_string().contains("passed (changefeeds:test"), "{plan}");
    h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
    let (_, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_caught_by_the_test_and_nothing_is_created() {
    let world = world_file("credentials-supplied").expect("fixtures/sim/worlds/credentials-supplied.yaml");
    let h = Harness::new(world, "cdc-wrong-secret").await;
    let h = h.with_env(env("not-the-secret"));
    let desired = with(supplied());
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert!(!plan.can_apply(), "{plan}");
    let text = plan.to_string();
    assert!(text.contains("TiDB cannot use the Kafka sink"), "{text}");
    assert!(text.contains("changefeed.credentials"), "the hint names the likely cause: {text}");
    assert!(!text.contains("not-the-secret"), "{text}");
    assert!(h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.is_err());
    assert_eq!(h.sim.cdc_inventory().changefeeds, 0);
}

/// Cut the process off after each request of the changefeed's steps (the rest of the runbook is
/// already done), then apply again: one changefeed, one live key, no orphan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_off_at_any_request_of_the_new_steps_leaves_one_changefeed_and_one_key() {
    let desired = with(created());
    let world = || world_file("already-connected").expect("fixtures/sim/worlds/already-connected.yaml");
    let kill_points = kill_walk(world, &desired, "cdc-kill", async |h: &Harness, _: &Observed, at: &str| {
        let inventory = h.sim.cdc_inventory();
        assert_eq!(inventory.changefeeds, 1, "{at}: one changefeed");
        assert_eq!(inventory.api_keys, 1, "{at}: one key, no orphan");
        assert_eq!(inventory.service_accounts, 1, "{at}: one service account");
        assert_eq!(inventory.role_bindings, 2, "{at}: two role bindings");
    })
    .await;
    assert!(kill_points >= 25, "walked {kill_points} kill points");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_plan_reads_its_changefeed_block_and_converges() {
    let desired = desired_from(&example_plan_with_changefeed());
    assert_eq!(desired.changefeed, Some(changefeed(created())), "the block, typed");
    let h = Harness::new(World::example(), "cdc-example").await;
    h.converge(&desired).await;
    let (_, again) = h.observe_and_plan(&desired).await;
    assert!(again.is_converged(), "{again}");
}

/// A user's key whose service account has no role binding on the topics: the test at plan time
/// fails with TiDB's message, and the hint names the missing binding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_without_role_bindings_is_caught_with_the_likely_cause() {
    let world = world_file("credentials-supplied").expect("fixtures/sim/worlds/credentials-supplied.yaml");
    let h = Harness::new(world, "cdc-no-bindings").await;
    let h = h.with_env(env(SECRET));
    let (confluent, _) = h.plain_clients();
    let org = confluent.organizations().current().await.expect("the organization").expect("one organization");
    let under = format!("crn://confluent.cloud/organization={}", org.id);
    let filter = linkplan_confluent::resources::role_bindings::RoleBindingFilter::under(under);
    let bindings = confluent.role_bindings().list(&filter).await.expect("the bindings");
    assert!(!bindings.is_empty(), "the world's bindings");
    for binding in bindings {
        confluent.role_bindings().delete(&binding.id).await.expect("the binding goes");
    }
    // One topic: `:test` checks the sink's default topic (per-table topics are checked by the
    // create, which then fails with the same message).
    let mut desired = with(supplied());
    if let Some(feed) = desired.changefeed.as_mut() {
        feed.topics.dispatch = Dispatch::OneTopic { topic: "orders-cdc".to_owned() };
    }
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert!(!plan.can_apply(), "{plan}");
    let text = plan.to_string();
    assert!(text.contains("topic authorization failed"), "TiDB's message: {text}");
    assert!(text.contains("lacks a role binding"), "the likely cause: {text}");
    assert_eq!(h.sim.cdc_inventory().changefeeds, 0);
}

/// User-supplied credentials whose variables are not set: the plan is blocked naming them, so
/// nothing is made before the changefeed step would find out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unset_credential_variables_block_the_plan() {
    let world = world_file("credentials-supplied").expect("fixtures/sim/worlds/credentials-supplied.yaml");
    let h = Harness::new(world, "cdc-unset").await;
    let h = h.with_env(|_: &str| None);
    let desired = with(supplied());
    let (_, plan) = h.observe_and_plan(&desired).await;
    assert!(!plan.can_apply(), "{plan}");
    let text = plan.to_string();
    assert!(text.contains("ORDERS_KAFKA_KEY, ORDERS_KAFKA_SECRET"), "{text}");
}
