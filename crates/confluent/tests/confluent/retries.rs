//! The retry policy against the simulator's faults: 429 storms, 5xx bursts, dropped
//! connections, slow responses, and creates that are never blindly replayed.

use std::time::{Duration, Instant};

use linkplan_confluent::resources::networks::NetworkFilter;
use linkplan_confluent::{ClientBuilder, Credentials, RetryPolicy};
use linkplan_sim::FaultAction;
use linkplan_testkit::{assert_stopped_at_the_deadline, fast_retry, refused_builder, storm_policy};

use crate::util::{ACCOUNT, ENV, Harness, NETWORK, access};

const NETWORKS: &str = "/networking/v1/networks";
const ACCESSES: &str = "/networking/v1/private-link-accesses";

#[tokio::test]
async fn a_429_storm_is_ridden_out() {
    let h = Harness::new().await;
    h.fault("GET", NETWORKS, Some(3), FaultAction::RateLimit { retry_after: 0 });
    let all = h.client.networks().list(ENV, &NetworkFilter::default()).await.expect("succeeds after the storm");
    assert_eq!(all.len(), 1);
    assert_eq!(h.requests.statuses(), [Some(429), Some(429), Some(429), Some(200)]);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let h = Harness::new().await;
    h.fault("GET", NETWORKS, Some(1), FaultAction::RateLimit { retry_after: 1 });
    let (start, simulated) = (Instant::now(), h.sim.now());
    h.client.networks().get(ENV, NETWORK).await.expect("succeeds");
    let waited = h.sim.now() - simulated;
    assert!(waited >= Duration::from_secs(1), "waited {waited:?} of simulated time");
    assert!(start.elapsed() < Duration::from_secs(1), "no wall-clock wait: {:?}", start.elapsed());
    assert_eq!(h.requests.statuses(), [Some(429), Some(200)]);
}

#[tokio::test]
async fn over_an_enforced_limit_the_client_waits_for_the_next_minute() {
    // Confluent publishes no number; a world's limit of 5 a minute stands in for whatever it is.
    let h = Harness::with_world(crate::util::world_with("", "rate_limits: { confluent_per_minute: 5 }\n")).await;
    h.advance(45);
    for _ in 0..8 {
        h.client.networks().get(ENV, NETWORK).await.expect("every read succeeds");
    }
    // The headers said the window was spent (X-RateLimit-Remaining: 0, reset in 15 s): the
    // sixth read waited for the next minute, on the simulator's clock, instead of meeting a 429.
    let statuses = h.requests.statuses();
    assert_eq!(statuses, [Some(200); 8], "{statuses:?}");
    assert!(h.sim.now() >= Duration::from_secs(60), "{:?}", h.sim.now());
    assert_eq!(h.client.budget().counts(), (1, 0));
}

#[tokio::test]
async fn an_endless_429_gives_up_after_max_attempts() {
    let h = Harness::new().await;
    h.fault("GET", NETWORKS, None, FaultAction::RateLimit { retry_after: 0 });
    let err = h.client.networks().get(ENV, NETWORK).await.expect_err("gives up");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.is_retryable() && !err.is_ambiguous());
    assert_eq!(err.api().and_then(|a| a.retry_after()), Some(Duration::ZERO));
    assert_eq!(h.requests.count(), 5, "max_attempts bounds the storm");
}

#[tokio::test]
async fn a_5xx_burst_is_retried_for_reads() {
    let h = Harness::new().await;
    for status in [500, 502, 503, 504] {
        h.fault("GET", NETWORKS, Some(1), FaultAction::ServerError { status });
    }
    h.client.networks().get(ENV, NETWORK).await.expect("succeeds on the fifth attempt");
    assert_eq!(h.requests.statuses(), [Some(500), Some(502), Some(503), Some(504), Some(200)]);
}

#[tokio::test]
async fn a_501_is_not_retried() {
    let h = Harness::new().await;
    h.fault("GET", NETWORKS, Some(1), FaultAction::ServerError { status: 501 });
    let err = h.client.networks().get(ENV, NETWORK).await.expect_err("501");
    assert!(!err.is_retryable());
    assert_eq!(h.requests.count(), 1);
}

#[tokio::test]
async fn deletes_are_retried_like_reads() {
    let h = Harness::new().await;
    let pla = h.client.private_link_accesses().create(&access()).await.expect("create");
    h.requests.take();
    h.fault("DELETE", ACCESSES, Some(2), FaultAction::ServerError { status: 503 });
    h.client.private_link_accesses().delete(ENV, &pla.id).await.expect("deleted");
    assert_eq!(h.requests.statuses(), [Some(503), Some(503), Some(204)]);
}

#[tokio::test]
async fn the_deadline_bounds_a_storm() {
    let h = Harness::new().await;
    let client = h.builder().retry(storm_policy()).build().expect("builds");
    h.fault("GET", NETWORKS, None, FaultAction::ServerError { status: 503 });
    let start = Instant::now();
    let err = client.networks().get(ENV, NETWORK).await.expect_err("gives up at the deadline");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_stopped_at_the_deadline(start.elapsed(), h.requests.count());
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_returns_at_once() {
    let h = Harness::new().await;
    let policy = RetryPolicy { deadline: Duration::from_secs(2), ..fast_retry() };
    let client = h.builder().retry(policy).build().expect("builds");
    h.fault("GET", NETWORKS, None, FaultAction::Unavailable { retry_after: 30 });
    let start = Instant::now();
    let err = client.networks().get(ENV, NETWORK).await.expect_err("503");
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(err.api().and_then(|a| a.retry_after()), Some(Duration::from_secs(30)));
    assert_eq!(h.requests.count(), 1);
}

#[tokio::test]
async fn a_create_is_retried_after_429_only() {
    let h = Harness::new().await;
    h.fault("POST", ACCESSES, Some(2), FaultAction::RateLimit { retry_after: 0 });
    h.client.private_link_accesses().create(&access()).await.expect("created after the 429s");
    assert_eq!(h.requests.statuses(), [Some(429), Some(429), Some(202)]);
    let all = h.client.private_link_accesses().list(ENV, &Default::default()).await.expect("list");
    assert_eq!(all.len(), 1, "exactly one access");
}

#[tokio::test]
async fn a_5xx_on_create_is_ambiguous_and_the_caller_relists() {
    let h = Harness::new().await;
    h.fault("POST", ACCESSES, Some(1), FaultAction::ServerError { status: 502 });
    let accesses = h.client.private_link_accesses();
    let err = accesses.create(&access()).await.expect_err("502");
    assert!(err.is_ambiguous() && err.is_retryable(), "{err}");
    assert!(err.to_string().contains("may have been applied"), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed");
    // What the engine does: look it up by natural key, create only when absent.
    let pla = match accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find") {
        Some(existing) => existing,
        None => accesses.create(&access()).await.expect("create"),
    };
    assert_eq!(accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find").map(|a| a.id), Some(pla.id));
}

#[tokio::test]
async fn dropped_connections() {
    let h = Harness::new().await;
    h.fault("GET", NETWORKS, Some(2), FaultAction::Drop);
    h.client.networks().get(ENV, NETWORK).await.expect("a read survives dropped connections");
    assert_eq!(h.requests.statuses(), [None, None, Some(200)]);
    h.requests.take();

    h.fault("POST", ACCESSES, Some(1), FaultAction::Drop);
    let err = h.client.private_link_accesses().create(&access()).await.expect_err("dropped");
    assert!(err.is_ambiguous() && err.is_retryable(), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed after a dropped connection");
}

#[tokio::test]
async fn slow_responses_hit_the_timeout() {
    let h = Harness::new().await;
    let client = h.builder().timeout(Duration::from_millis(200)).build().expect("builds");
    h.fault("GET", NETWORKS, Some(1), FaultAction::Slow { millis: 2_000 });
    let start = Instant::now();
    client.networks().get(ENV, NETWORK).await.expect("the second attempt is fast");
    assert!(start.elapsed() < Duration::from_millis(1_500), "took {:?}", start.elapsed());
    let records = h.requests.take();
    assert_eq!(records.len(), 2);
    assert!(records[0].error.as_deref().is_some_and(|e| e.contains("timed out")), "{:?}", records[0].error);

    h.fault("POST", ACCESSES, Some(1), FaultAction::Slow { millis: 400 });
    let err = client.private_link_accesses().create(&access()).await.expect_err("timed out");
    assert!(err.is_ambiguous() && err.is_retryable(), "{err}");
    assert_eq!(h.requests.count(), 1);
    // Whether the server finished the create is unknown: the lookup decides, and there is
    // never a second access.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let accesses = client.private_link_accesses();
    if accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find").is_none() {
        accesses.create(&access()).await.expect("create");
    }
    assert_eq!(accesses.list(ENV, &Default::default()).await.expect("list").len(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_a_create() {
    // Nothing listens on port 1: the request is never sent, so even a create may be repeated.
    let (builder, requests): (ClientBuilder, _) = refused_builder(Credentials::new("K", "S"));
    let client = builder.build().expect("builds");
    let err = client.private_link_accesses().create(&access()).await.expect_err("refused");
    assert!(err.is_retryable() && !err.is_ambiguous(), "{err}");
    assert_eq!(requests.count(), 3);
}

#[tokio::test]
async fn a_create_that_happened_but_whose_answer_was_lost_is_found_not_repeated() {
    let h = Harness::new().await;
    h.fault("POST", ACCESSES, Some(1), FaultAction::DropAfterApply);
    let accesses = h.client.private_link_accesses();
    let err = accesses.create(&access()).await.expect_err("the answer was lost");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed after a dropped connection");
    // The access exists although the client never heard so: the natural-key lookup finds it,
    // and the caller does not create a second one.
    let found = accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find");
    assert!(found.is_some(), "the lost create happened");
}
