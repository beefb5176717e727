//! Edits to managed values: CKUs change in place (a PATCH, then a wait until they serve);
//! availability cannot, so the plan is blocked until a replacement is asked for by step id.

use linkplan_engine::{Action, NoProgress, PlanOptions, StepKind, plan_with};
use linkplan_sim::World;

use crate::util::{Harness, desired_from, example_plan};

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
