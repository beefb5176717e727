//! The retry policy against the simulator's faults: 429 storms, 5xx bursts, dropped
//! connections, slow responses, and creates/attaches that are never blindly replayed. The
//! Digest challenge is primed first so the counts are per call.

use std::time::{Duration, Instant};

use linkplan_sim::FaultAction;
use linkplan_testkit::{assert_stopped_at_the_deadline, refused_builder, storm_policy};
use linkplan_tidbcloud::resources::private_link_connections::{AttachDomainRequest, DomainType};
use linkplan_tidbcloud::{ClientBuilder, Credentials};

use crate::util::{CLUSTER, Harness, SERVICE, UNIQUE_NAME, allow_tidb_account, connection};

const CLUSTERS: &str = "/v1beta1/clusters";
const PLCS: &str = "/v1beta1/clusters/10140100115280519574/privateLinkConnections";

async fn primed() -> Harness {
    let h = Harness::new().await;
    h.client.clusters().get(CLUSTER).await.expect("prime the Digest challenge");
    h.requests.take();
    h
}

#[tokio::test]
async fn a_429_storm_is_ridden_out() {
    let h = primed().await;
    h.fault("GET", CLUSTERS, Some(4), FaultAction::RateLimit { retry_after: 0 });
    h.client.clusters().get(CLUSTER).await.expect("succeeds after the storm");
    assert_eq!(h.requests.statuses(), [Some(429), Some(429), Some(429), Some(429), Some(200)]);
}

#[tokio::test]
async fn the_rate_limit_reset_is_honoured() {
    let h = primed().await;
    h.fault("GET", CLUSTERS, Some(1), FaultAction::RateLimit { retry_after: 1 });
    let (start, simulated) = (Instant::now(), h.sim.now());
    h.client.private_link_connections().availability_zones(CLUSTER).await.expect("succeeds");
    // TiDB Cloud sends no Retry-After: the reset header is the wait, in simulated time.
    let waited = h.sim.now() - simulated;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?} of simulated time");
    assert!(start.elapsed() < Duration::from_secs(1), "no wall-clock wait: {:?}", start.elapsed());
    assert_eq!(h.requests.statuses(), [Some(429), Some(200)]);
}

#[tokio::test]
async fn over_the_documented_limit_the_client_waits_for_the_next_minute() {
    let h = primed().await;
    h.advance(30);
    // 100 requests a minute per key, enforced by default: 120 reads in a row cross it once.
    for _ in 0..120 {
        h.client.clusters().get(CLUSTER).await.expect("every read succeeds");
    }
    // The client keeps to the documented limit itself: the 101st request waited for the window
    // (on the simulator's clock) instead of meeting a 429.
    let statuses = h.requests.statuses();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 0, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == Some(200)).count(), 120);
    assert_eq!(h.client.budget().counts().1, 0);
    assert!(h.sim.now() >= Duration::from_secs(60), "{:?}", h.sim.now());
}

#[tokio::test]
async fn an_endless_429_gives_up_after_max_attempts() {
    let h = primed().await;
    h.fault("GET", CLUSTERS, None, FaultAction::RateLimit { retry_after: 0 });
    let err = h.client.clusters().get(CLUSTER).await.expect_err("gives up");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.code()), Some(49_900_007));
    assert!(err.is_retryable() && !err.is_ambiguous());
    assert_eq!(h.requests.count(), 5);
}

#[tokio::test]
async fn a_5xx_burst_is_retried_for_reads_and_deletes() {
    let h = primed().await;
    for status in [500, 502, 503, 504] {
        h.fault("GET", CLUSTERS, Some(1), FaultAction::ServerError { status });
    }
    h.client.private_link_connections().list(CLUSTER, None).await.expect("succeeds on the fifth attempt");
    assert_eq!(h.requests.statuses(), [Some(500), Some(502), Some(503), Some(504), Some(200)]);

    let plc = h.client.private_link_connections().create(&connection()).await.expect("create");
    h.requests.take();
    h.fault("DELETE", PLCS, Some(2), FaultAction::ServerError { status: 503 });
    h.client.private_link_connections().delete(CLUSTER, &plc.private_link_connection_id).await.expect("deleted");
    assert_eq!(h.requests.statuses(), [Some(503), Some(503), Some(200)]);
}

#[tokio::test]
async fn creates_are_retried_after_429_only() {
    let h = primed().await;
    h.fault("POST", PLCS, Some(1), FaultAction::RateLimit { retry_after: 0 });
    h.client.private_link_connections().create(&connection()).await.expect("created after the 429");
    assert_eq!(h.requests.statuses(), [Some(429), Some(200)]);
    h.requests.take();

    h.fault("POST", PLCS, Some(1), FaultAction::ServerError { status: 500 });
    let err = h.client.private_link_connections().create(&connection()).await.expect_err("500");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1, "not replayed");
    let found = h.client.private_link_connections().find(CLUSTER, SERVICE).await.expect("find");
    assert!(found.is_some(), "the first connection is found by its service name");
}

#[tokio::test]
async fn attach_is_a_create_and_preview_is_a_read() {
    let h = primed().await;
    allow_tidb_account(&h).await;
    let plcs = h.client.private_link_connections();
    let plc = plcs.create(&connection()).await.expect("create");
    h.advance(60);
    let id = plc.private_link_connection_id;
    let domains = AttachDomainRequest { kind: DomainType::Confluent, unique_name: UNIQUE_NAME.to_owned() };
    h.requests.take();

    h.fault("POST", PLCS, Some(1), FaultAction::ServerError { status: 503 });
    plcs.preview_domains(CLUSTER, &id, &domains).await.expect("a preview is retried");
    assert_eq!(h.requests.statuses(), [Some(503), Some(200)]);
    h.requests.take();

    h.fault("POST", PLCS, Some(1), FaultAction::Drop);
    let err = plcs.attach_domains(CLUSTER, &id, &domains).await.expect_err("dropped");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1);
    // The caller looks the attachment up before attaching again.
    if plcs.find_attached(CLUSTER, &id, &domains).await.expect("get").is_none() {
        plcs.attach_domains(CLUSTER, &id, &domains).await.expect("attach");
    }
    let attached = plcs.find_attached(CLUSTER, &id, &domains).await.expect("get").expect("attached");
    h.requests.take();

    h.fault("POST", PLCS, Some(1), FaultAction::Drop);
    let attach_id = attached.attach_domain_id.expect("id");
    plcs.detach_domains(CLUSTER, &id, &attach_id).await.expect("a detach is retried");
    assert_eq!(h.requests.statuses(), [None, Some(200)]);
}

#[tokio::test]
async fn dropped_connections_and_timeouts() {
    let h = primed().await;
    h.fault("GET", CLUSTERS, Some(2), FaultAction::Drop);
    h.client.clusters().get(CLUSTER).await.expect("a read survives dropped connections");
    assert_eq!(h.requests.statuses(), [None, None, Some(200)]);
    h.requests.take();

    let client = h.builder().timeout(Duration::from_millis(200)).build().expect("builds");
    client.clusters().get(CLUSTER).await.expect("prime this client's challenge");
    h.requests.take();
    h.fault("GET", CLUSTERS, Some(1), FaultAction::Slow { millis: 2_000 });
    let start = Instant::now();
    client.clusters().get(CLUSTER).await.expect("the second attempt is fast");
    assert!(start.elapsed() < Duration::from_millis(1_500), "took {:?}", start.elapsed());
    let records = h.requests.take();
    assert_eq!(records.len(), 2);
    assert!(records[0].error.as_deref().is_some_and(|e| e.contains("timed out")), "{:?}", records[0].error);

    h.fault("POST", PLCS, Some(1), FaultAction::Slow { millis: 400 });
    let err = client.private_link_connections().create(&connection()).await.expect_err("timed out");
    assert!(err.is_ambiguous() && err.is_retryable(), "{err}");
    assert_eq!(h.requests.count(), 1);
}

#[tokio::test]
async fn the_deadline_bounds_a_storm() {
    let h = primed().await;
    let client = h.builder().retry(storm_policy()).build().expect("builds");
    h.fault("GET", CLUSTERS, None, FaultAction::ServerError { status: 502 });
    let start = Instant::now();
    let err = client.clusters().get(CLUSTER).await.expect_err("gives up at the deadline");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_stopped_at_the_deadline(start.elapsed(), h.requests.count());
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_a_create() {
    let (builder, requests): (ClientBuilder, _) = refused_builder(Credentials::new("K", "P"));
    let client = builder.build().expect("builds");
    let err = client.private_link_connections().create(&connection()).await.expect_err("refused");
    assert!(err.is_retryable() && !err.is_ambiguous(), "{err}");
    assert_eq!(requests.count(), 3);
}

#[tokio::test]
async fn a_create_that_happened_but_whose_answer_was_lost_is_found_not_repeated() {
    let h = Harness::new().await;
    let plcs = h.client.private_link_connections();
    plcs.list(CLUSTER, None).await.expect("the Digest challenge is answered first");
    h.requests.take();
    h.fault("POST", PLCS, Some(1), FaultAction::DropAfterApply);
    let err = plcs.create(&connection()).await.expect_err("the answer was lost");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed after a dropped connection");
    let found = plcs.find(CLUSTER, SERVICE).await.expect("find");
    assert!(found.is_some(), "the lost create happened, and the lookup by service name finds it");
}
