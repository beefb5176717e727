//! Ownership: destroy deletes only the ids the journal recorded as created by linkplan; a
//! resource that took a recorded one's name is someone else's; apply says what it found but
//! does not own.

use std::time::Duration;

use linkplan_confluent::resources::Cloud;
use linkplan_confluent::resources::clusters::{Availability, CreateCluster};
use linkplan_engine::{Action, DestroyOptions, Journal, NoProgress, StepKind, destroy_plan};
use linkplan_sim::World;
use linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection;

use crate::util::{Harness, desired_from, example_plan};

const ENV: &str = "env-abc123";

/// Delete `id` out of band and let the simulator finish the delete.
async fn delete_cluster_by_hand(h: &Harness, id: &str) {
    let (confluent, _) = h.plain_clients();
    confluent.clusters().delete(ENV, id).await.expect("the cluster delete is accepted");
    h.sim.advance(Duration::from_secs(3600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_after_a_swap_keeps_the_stranger_and_says_the_recorded_one_is_gone() {
    let h = Harness::new(World::example(), "swap").await;
    let desired = desired_from(&example_plan());
    h.converge(&desired).await;
    let before = h.engine.observe(&desired).await.expect("observe");
    let (recorded_cluster, recorded_connection) = (
        before.cluster.as_ref().map(|c| c.id.clone()).expect("the cluster exists"),
        before.connection.as_ref().map(|c| c.id.clone()).expect("the connection exists"),
    );

    // Someone deletes linkplan's cluster and connection and makes their own under the same names.
    let (confluent, tidb) = h.plain_clients();
    delete_cluster_by_hand(&h, &recorded_cluster).await;
    let stranger = confluent
        .clusters()
        .create(&CreateCluster {
            environment: ENV.to_owned(),
            network: desired.confluent.network.key().to_owned(),
            display_name: desired.confluent.cluster.display_name.clone(),
            availability: Availability::MultiZone,
            cloud: Cloud::Aws,
            region: "us-east-1".to_owned(),
            cku: 2,
            zones: None,
        })
        .await
        .expect("the stranger's cluster is created");
    let cluster_id = desired.tidb.cluster_id.as_str();
    let service = before.network.as_ref().and_then(|n| n.service_name.clone()).expect("the service name");
    tidb.private_link_connections().delete(cluster_id, &recorded_connection).await.expect("connection deleted");
    h.sim.advance(Duration::from_secs(3600));
    let their_connection = tidb
        .private_link_connections()
        .create(&CreatePrivateLinkConnection {
            cluster_id: cluster_id.to_owned(),
            display_name: desired.connection.display_name.clone(),
            aws_endpoint_service: service,
            aws_region: None,
        })
        .await
        .expect("the stranger's connection is created");
    h.sim.advance(Duration::from_secs(3600));

    let observed = h.engine.observe(&desired).await.expect("observe");
    assert_eq!(observed.cluster.as_ref().map(|c| c.id.as_str()), Some(stranger.id.as_str()));
    let owned = Journal::owned(&Journal::read(&h.journal_path()).expect("journal reads"));
    let options = DestroyOptions { delete_kafka_cluster: true, delete_access: true, owned, adopt: false };
    let destroy = destroy_plan(&desired, &observed, &options);
    let action = |kind| destroy.steps.iter().find(|s| s.kind == kind).map(|s| (s.action, s.summary.clone()));
    for kind in [StepKind::Cluster, StepKind::PrivateLinkConnection] {
        let (action, summary) = action(kind).expect("the step is listed");
        assert_eq!(action, Action::Unchanged, "{destroy}");
        assert!(summary.contains("someone else's"), "{summary}");
    }
    for gone in [&recorded_cluster, &recorded_connection] {
        assert!(
            destroy.context.iter().any(|c| c.contains(&format!("{gone}, which linkplan created, is already gone"))),
            "{destroy}"
        );
    }
    h.engine.apply(&desired, &destroy, &h.journal(), &NoProgress).await.expect("destroy converges");
    let after = h.engine.observe(&desired).await.expect("observe");
    assert_eq!(after.cluster.map(|c| c.id), Some(stranger.id.clone()), "the stranger's cluster is kept");
    assert_eq!(
        after.connection.map(|c| c.id),
        Some(their_connection.private_link_connection_id.clone()),
        "the stranger's connection is kept"
    );

    // Told to adopt, destroy claims what it finds.
    let owned = Journal::owned(&Journal::read(&h.journal_path()).expect("journal reads"));
    let adopt = DestroyOptions { delete_kafka_cluster: true, delete_access: true, owned, adopt: true };
    let claimed = destroy_plan(&desired, &after_observe(&h, &desired).await, &adopt);
    assert_eq!(action(StepKind::Cluster).map(|a| a.0), Some(Action::Unchanged));
    let cluster = claimed.steps.iter().find(|s| s.kind == StepKind::Cluster).expect("the cluster step");
    assert_eq!(cluster.action, Action::Delete, "{claimed}");
}

async fn after_observe(h: &Harness, desired: &linkplan_engine::Desired) -> linkplan_engine::Observed {
    h.engine.observe(desired).await.expect("observe")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_over_a_lost_journal_reports_what_it_does_not_own() {
    let h = Harness::new(World::example(), "lost-journal").await;
    let desired = desired_from(&example_plan());
    let (_, plan) = h.observe_and_plan(&desired).await;
    let report = h.engine.apply(&desired, &plan, &h.journal(), &NoProgress).await.expect("apply converges");
    assert!(report.not_owned.is_empty(), "everything was created by this run: {:?}", report.not_owned);

    // The journal is lost; the same plan is applied again (a re-run on a fresh CI runner).
    std::fs::remove_file(h.journal_path()).expect("the journal is removed");
    let (_, again) = h.observe_and_plan(&desired).await;
    let journal = h.journal();
    assert!(journal.was_empty());
    // Everything is `=`: apply has nothing to do, yet reports what it does not own.
    let report = h.engine.apply(&desired, &again, &journal, &NoProgress).await.expect("apply converges");
    let kinds: Vec<&str> = report.not_owned.iter().map(|(s, _)| s.as_str().split('/').next().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "confluent.cluster",
            "confluent.private_link_access",
            "tidbcloud.private_link_connection",
            "tidbcloud.domains"
        ],
        "{:?}",
        report.not_owned
    );
}
