//! HTTP Digest against the simulator: after the first challenge every call is one request; a
//! stale nonce costs one extra request once; a wrong key is refused without looping.

use std::time::Duration;

use linkplan_tidbcloud::{ClientBuilder, Credentials};

use crate::util::{CLUSTER, Harness};

#[tokio::test]
async fn after_the_first_challenge_each_call_is_one_request() {
    let h = Harness::new().await;
    let clusters = h.client.clusters();
    clusters.get(CLUSTER).await.expect("first call");
    assert_eq!(h.requests.statuses(), [Some(401), Some(200)], "the first call answers the challenge");
    h.requests.take();

    let plcs = h.client.private_link_connections();
    for _ in 0..10 {
        clusters.get(CLUSTER).await.expect("get");
        plcs.availability_zones(CLUSTER).await.expect("zones");
    }
    assert_eq!(h.requests.count(), 20, "20 calls, 20 requests");
    assert!(h.requests.statuses().iter().all(|s| *s == Some(200)));

    // Concurrent calls share the challenge; each nonce count is used once.
    h.requests.take();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = h.client.clone();
            tokio::spawn(async move { client.clusters().get(CLUSTER).await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.expect("the task runs").expect("get");
    }
    assert_eq!(h.requests.count(), 8);

    // A POST (with a body that must be sent again after a challenge) costs one request too.
    h.requests.take();
    let create = linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection {
        cluster_id: CLUSTER.to_owned(),
        display_name: "one-request".to_owned(),
        aws_endpoint_service: crate::util::SERVICE.to_owned(),
        aws_region: None,
    };
    plcs.create(&create).await.expect("create");
    assert_eq!(h.requests.statuses(), [Some(200)]);
}

#[tokio::test]
async fn a_post_answers_the_first_challenge_with_its_body() {
    let h = Harness::new().await;
    let create = linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection {
        cluster_id: CLUSTER.to_owned(),
        display_name: "first-contact".to_owned(),
        aws_endpoint_service: crate::util::SERVICE.to_owned(),
        aws_region: None,
    };
    h.client.private_link_connections().create(&create).await.expect("create");
    let records = h.requests.take();
    assert_eq!(records.iter().map(|r| r.status).collect::<Vec<_>>(), [Some(401), Some(200)]);
    assert_eq!(records[0].request_body, records[1].request_body, "the body is sent again");
    assert_eq!(h.client.private_link_connections().list(CLUSTER, None).await.expect("list").len(), 1);
}

#[tokio::test]
async fn a_stale_nonce_is_rechallenged_once() {
    let h = Harness::new().await;
    let clusters = h.client.clusters();
    clusters.get(CLUSTER).await.expect("first call");
    h.requests.take();
    // The simulator's nonces last 300 s of simulated time.
    h.sim.advance(Duration::from_secs(301));
    clusters.get(CLUSTER).await.expect("after the nonce expired");
    assert_eq!(h.requests.statuses(), [Some(401), Some(200)], "one stale challenge, answered");
    h.requests.take();
    clusters.get(CLUSTER).await.expect("with the fresh nonce");
    assert_eq!(h.requests.statuses(), [Some(200)]);
}

#[tokio::test]
async fn a_wrong_key_is_refused_without_looping() {
    let h = Harness::new().await;
    let wrong = ClientBuilder::new(Credentials::new("SIMTIDBPUBKEY1", "not-the-private-key"))
        .base_url(h.sim.tidbcloud_url())
        .retry(linkplan_testkit::fast_retry())
        .observer(h.requests.observer())
        .build()
        .expect("builds");
    let err = wrong.clusters().get(CLUSTER).await.expect_err("refused");
    assert!(err.is_unauthorized() && !err.is_retryable(), "{err}");
    assert!(err.api().and_then(|a| a.body()).and_then(|b| b.code()).is_some());
    assert!(err.request_id().is_some());
    assert_eq!(h.requests.statuses(), [Some(401), Some(401)], "challenge, then the refused answer");
    h.requests.take();
    let err = wrong.clusters().get(CLUSTER).await.expect_err("still refused");
    assert!(err.is_unauthorized());
    assert_eq!(h.requests.count(), 1, "with a cached challenge a refusal is one request");

    let unknown =
        ClientBuilder::new(Credentials::new("NOSUCHKEY", "x")).base_url(h.sim.tidbcloud_url()).build().expect("builds");
    assert!(unknown.clusters().get(CLUSTER).await.expect_err("refused").is_unauthorized());
}
