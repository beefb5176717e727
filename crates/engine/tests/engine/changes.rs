//! Edits to managed values: CKUs and a renamed cluster change in place (a PATCH, then a wait
//! until they serve); availability, another network, or a new network name cannot, so the plan
//! is blocked until a replacement is asked for by step id (or, for a network, never replaced).

use linkplan_engine::{Action, DestroyOptions, Journal, NoProgress, PlanOptions, StepKind, destroy_plan, plan_with};
use linkplan_sim::World;

use crate::util::{Harness, desired_from, example_plan, plan_file, world_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cku_edit_is_planned_and_applied_in_place() {
    let h = Harness::new(World::example(), "cku-edit").await;
    let desired = desired_from(&example_plan());
    h.converge(&desired).await;

    let resized = desired_from(&example_plan().replace("cku: 2", "cku: 6"));
    let (_, plan) = h.observe_and_plan(&resized).await;
    let step = plan.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(step.action, Action::Update, "{plan}");
    assert_eq!(
        step.changes.iter().map(|c| (c.key.as_str(), c.from.as_str(), c.to.as_str())).collect::<Vec<_>>(),
        [("confluent.cluster.cku", "2", "6")]
    );
    let text = plan.to_string();
    assert!(
        text.contains("~ confluent.cluster/n-abc123/orders") && text.contains("~ confluent.cluster.cku: 2 → 6"),
        "{text}"
    );
    assert!(text.contains("      cku: 2\n"), "the details show the live value:\n{text}");
    assert!(text.contains("1 to update in place"), "{text}");
    assert!(plan.can_apply(), "{plan}");

    let id = step.details.iter().find(|(k, _)| k == "id").map(|(_, v)| v.clone());
    h.engine.apply(&resized, &plan, &h.journal(), &NoProgress).await.expect("the resize converges");
    let observed = h.engine.observe(&resized).await.expect("observe");
    let cluster = observed.cluster.expect("the cluster");
    assert_eq!(Some(cluster.id), id, "resized in place, not replaced");
    assert_eq!((cluster.cku, cluster.status_cku), (Some(6), Some(6)), "apply waited until the CKUs serve");
    let (_, again) = h.observe_and_plan(&resized).await;
    assert!(again.is_converged(), "{again}");

    // Changed out of band: the live value differs from the plan, and the plan says so.
    let (_, back) = h.observe_and_plan(&desired).await;
    let step = back.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!((step.action, step.changes.len()), (Action::Update, 1), "{back}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_availability_edit_needs_an_explicit_replace() {
    let h = Harness::new(World::example(), "availability-edit").await;
    let desired = desired_from(&example_plan());
    h.converge(&desired).await;
    let before = h.engine.observe(&desired).await.expect("observe").cluster.expect("the cluster");

    let single = desired_from(&example_plan().replace("MULTI_ZONE", "SINGLE_ZONE"));
    let (observed, plan) = h.observe_and_plan(&single).await;
    let step = plan.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(step.action, Action::Replace, "{plan}");
    assert!(step.changes.iter().any(|c| c.forces_replacement && c.key == "confluent.cluster.availability"));
    assert!(!plan.can_apply(), "never replaced silently: {plan}");
    let text = plan.to_string();
    assert!(text.contains("-/+ confluent.cluster/n-abc123/orders"), "{text}");
    assert!(text.contains("--replace confluent.cluster/n-abc123/orders"), "{text}");
    assert!(h.engine.apply(&single, &plan, &h.journal(), &NoProgress).await.is_err(), "a blocked plan is refused");

    let options = PlanOptions { replace: vec![step.id.clone()] };
    let replace = plan_with(&single, &observed, &options);
    assert!(replace.can_apply(), "{replace}");
    h.engine.apply(&single, &replace, &h.journal(), &NoProgress).await.expect("the replacement converges");
    let after = h.engine.observe(&single).await.expect("observe").cluster.expect("the new cluster");
    assert_ne!(after.id, before.id, "a new cluster");
    assert_eq!(after.availability.as_ref().map(|a| a.as_str()), Some("SINGLE_ZONE"));
    let (_, again) = h.observe_and_plan(&single).await;
    assert!(again.is_converged(), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_cluster_is_renamed_in_place_and_stays_linkplans() {
    let h = Harness::new(World::example(), "rename").await;
    let desired = desired_from(&example_plan());
    h.converge(&desired).await;
    let before = h.engine.observe(&desired).await.expect("observe").cluster.expect("the cluster");

    let renamed = desired_from(&example_plan().replace("display_name: orders\n", "display_name: orders-v2\n"));
    // Without the journal the new name is a new cluster; with it, the same one, renamed.
    let (_, blind) = h.observe_and_plan(&renamed).await;
    let blind_step = blind.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(blind_step.action, Action::Create, "{blind}");
    let (_, plan) = h.plan_known(&renamed, &PlanOptions::default()).await;
    let step = plan.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(step.action, Action::Update, "{plan}");
    assert_eq!(step.id.as_str(), "confluent.cluster/n-abc123/orders-v2");
    assert_eq!(
        step.changes.iter().map(|c| (c.key.as_str(), c.from.as_str(), c.to.as_str())).collect::<Vec<_>>(),
        [("confluent.cluster.display_name", "orders", "orders-v2")]
    );
    assert!(plan.to_string().contains("~ confluent.cluster.display_name: orders → orders-v2"), "{plan}");

    h.engine.apply(&renamed, &plan, &h.journal(), &NoProgress).await.expect("the rename converges");
    let after = h.engine.observe(&renamed).await.expect("observe").cluster.expect("found by its new name");
    assert_eq!(after.id, before.id, "renamed, not replaced");
    assert_eq!(after.display_name.as_deref(), Some("orders-v2"));
    let (_, again) = h.plan_known(&renamed, &PlanOptions::default()).await;
    assert!(again.is_converged(), "{again}");

    // Ownership followed the id to the new step: destroy deletes the renamed cluster.
    let owned = Journal::owned(&Journal::load(&h.journal_path()).expect("journal").entries);
    assert_eq!(owned.get(&step.id).and_then(|o| o.id.as_deref()), Some(before.id.as_str()), "{owned:?}");
    assert_eq!(owned.keys().filter(|s| s.kind() == Some(StepKind::Cluster)).count(), 1, "{owned:?}");
    let observed = h.engine.observe(&renamed).await.expect("observe");
    let options = DestroyOptions { delete_kafka_cluster: true, owned, ..DestroyOptions::default() };
    let undo = destroy_plan(&renamed, &observed, &options);
    let cluster = undo.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(cluster.action, Action::Delete, "{undo}");
}

/// The same network as the example's, under another id, endpoint service and DNS id.
fn world_with_a_second_network() -> World {
    let mut world = World::example();
    let mut second = world.confluent.networks.first().cloned().expect("the example's network");
    second.id = "n-second".to_owned();
    second.display_name = Some("second".to_owned());
    second.service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210".to_owned();
    second.dns_domain_id = "dom2nd".to_owned();
    world.confluent.networks.push(second);
    world
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_to_another_network_must_be_replaced_explicitly() {
    let h = Harness::new(world_with_a_second_network(), "connection-moved").await;
    let desired = desired_from(&example_plan());
    h.converge(&desired).await;
    let before = h.engine.observe(&desired).await.expect("observe").connection.expect("the connection");

    let moved = example_plan()
        .replace("id: n-abc123", "id: n-second")
        .replace("vpce-svc-0123456789abcdef0", "vpce-svc-0fedcba9876543210")
        .replace("domnprzqrog", "dom2nd");
    let moved = desired_from(&moved);
    let (_, plan) = h.plan_known(&moved, &PlanOptions::default()).await;
    let step = plan.steps.iter().find(|s| s.kind == StepKind::PrivateLinkConnection).expect("the connection step");
    assert_eq!(step.action, Action::Replace, "{plan}");
    assert!(step.changes.iter().any(|c| c.forces_replacement && c.key == "confluent.vpc_service_endpoint"), "{plan}");
    assert!(!plan.can_apply(), "never replaced silently: {plan}");
    assert!(plan.to_string().contains(&format!("--replace {}", step.id)), "{plan}");

    let options = PlanOptions { replace: vec![step.id.clone()] };
    let (_, replace) = h.plan_known(&moved, &options).await;
    // The Kafka cluster is in the old network: it must be replaced too, and is not asked for.
    let cluster = replace.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(cluster.action, Action::Replace, "{replace}");
    assert!(cluster.changes.iter().any(|c| c.key == "confluent.network" && c.forces_replacement), "{replace}");
    let options = PlanOptions { replace: vec![step.id.clone(), cluster.id.clone()] };
    let (_, replace) = h.plan_known(&moved, &options).await;
    assert!(replace.can_apply(), "{replace}");
    h.engine.apply(&moved, &replace, &h.journal(), &NoProgress).await.expect("the replacement converges");
    let observed = h.engine.observe(&moved).await.expect("observe");
    let after = observed.connection.as_ref().expect("the new connection");
    assert_ne!(after.id, before.id, "a new connection");
    assert_eq!(after.service_name.as_deref(), Some("com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"));
    let (_, tidb) = h.plain_clients();
    let plcs = tidb.private_link_connections().list(&moved.tidb.cluster_id, None).await.expect("list");
    let ids: Vec<&str> = plcs.iter().map(|p| p.private_link_connection_id.as_str()).collect();
    assert!(!ids.contains(&before.id.as_str()), "the old connection is gone: {ids:?}");
    let (_, again) = h.plan_known(&moved, &PlanOptions::default()).await;
    assert!(again.is_converged(), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_network_renamed_in_the_plan_is_never_replaced() {
    let world = world_file("create-network").expect("fixtures/sim/worlds/create-network.yaml");
    let h = Harness::new(world, "network-renamed").await;
    let desired = desired_from(&plan_file("create-network"));
    h.converge(&desired).await;

    let renamed = desired_from(&plan_file("create-network").replace("orders-pl-use1", "orders-pl-v2"));
    let (_, plan) = h.plan_known(&renamed, &PlanOptions::default()).await;
    let step = plan.steps.iter().find(|s| s.kind == StepKind::CreateNetwork).expect("the network step");
    assert_eq!(step.action, Action::Replace, "{plan}");
    assert!(!plan.can_apply(), "{plan}");
    assert!(plan.steps.iter().all(|s| s.action != Action::Create), "no second network, nothing new: {plan}");
    // --replace does not apply to a network: everything stands on it.
    let options = PlanOptions { replace: vec![step.id.clone()] };
    let (_, still) = h.plan_known(&renamed, &options).await;
    assert!(!still.can_apply(), "{still}");
    assert!(still.to_string().contains("linkplan destroy"), "{still}");
}
