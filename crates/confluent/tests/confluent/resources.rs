//! Every operation against the simulator: environments, networks, accesses, Kafka clusters.

use linkplan_confluent::resources::Cloud;
use linkplan_confluent::resources::Phase;
use linkplan_confluent::resources::clusters::{Availability, ClusterFilter, ClusterPhase, CreateCluster};
use linkplan_confluent::resources::networks::{ConnectionType, CreateNetwork, DnsResolution, NetworkFilter};
use linkplan_confluent::resources::private_link_accesses::{CreatePrivateLinkAccess, PrivateLinkAccessFilter};
use serde_json::json;

use crate::util::{ACCOUNT, ENV, Harness, NETWORK};

#[tokio::test]
async fn environments_get() {
    let h = Harness::new().await;
    let env = h.client.environments().get(ENV).await.expect("get");
    assert_eq!((env.id.as_str(), env.display_name.as_deref()), (ENV, Some("orders")));
    let records = h.requests.take();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].method.as_str(), records[0].target.as_str()), ("GET", "/org/v2/environments/env-abc123"));
    assert!(records[0].request_id.is_some(), "X-Request-Id is recorded");
}

#[tokio::test]
async fn network_lifecycle() {
    let h = Harness::new().await;
    let networks = h.client.networks();
    let request = CreateNetwork {
        environment: ENV.to_owned(),
        display_name: Some("linkplan-net".to_owned()),
        cloud: Cloud::Aws,
        region: "us-east-1".to_owned(),
        connection_types: vec![ConnectionType::PrivateLink],
        zones: Some(vec!["use1-az1".to_owned(), "use1-az2".to_owned(), "use1-az4".to_owned()]),
        dns_resolution: Some(DnsResolution::Private),
    };
    let created = networks.create(&request).await.expect("create");
    assert_eq!(created.phase(), Some(&Phase::Provisioning));
    assert!(created.private_link_endpoint_service().is_none(), "only once READY");
    let sent = h.requests.take();
    assert_eq!(
        sent[0].request_body,
        Some(json!({ "spec": {
            "display_name": "linkplan-net", "cloud": "AWS", "region": "us-east-1",
            "connection_types": ["PRIVATELINK"], "zones": ["use1-az1", "use1-az2", "use1-az4"],
            "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": ENV },
        }}))
    );

    h.advance(3600);
    let ready = networks.get(ENV, &created.id).await.expect("get");
    assert_eq!(ready.phase(), Some(&Phase::Ready));
    assert!(ready.supports_private_link());
    let service = ready.private_link_endpoint_service().expect("service name");
    assert!(service.starts_with("com.amazonaws.vpce.us-east-1.vpce-svc-"), "{service}");
    let status = ready.status.as_ref().expect("status");
    assert_eq!(status.zonal_subdomains.len(), 3);
    assert!(status.zonal_subdomains["use1-az1"].starts_with("use1-az1."));

    let found = networks.find(ENV, "linkplan-net").await.expect("find").expect("found");
    assert_eq!(found.id, created.id);
    assert!(networks.find(ENV, "no-such-net").await.expect("find").is_none());
    let filter = NetworkFilter { cloud: vec![Cloud::Aws], region: vec!["us-east-1".to_owned()], ..Default::default() };
    assert_eq!(networks.list(ENV, &filter).await.expect("list").len(), 2);

    networks.delete(ENV, &created.id).await.expect("delete");
    let deleting = networks.get(ENV, &created.id).await.expect("get while deleting");
    assert_eq!(deleting.phase(), Some(&Phase::Deprovisioning));
    networks.delete(ENV, &created.id).await.expect("a repeated delete is harmless");
    h.advance(3600);
    let gone = networks.get(ENV, &created.id).await.expect_err("gone");
    assert!(gone.is_not_found(), "{gone}");
}

#[tokio::test]
async fn private_link_access_lifecycle() {
    let h = Harness::new().await;
    let accesses = h.client.private_link_accesses();
    assert!(accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find").is_none());
    let request = CreatePrivateLinkAccess {
        environment: ENV.to_owned(),
        network: NETWORK.to_owned(),
        aws_account: ACCOUNT.to_owned(),
        display_name: Some("tidb-orders".to_owned()),
    };
    h.requests.take();
    let created = accesses.create(&request).await.expect("create");
    assert_eq!(created.phase(), Some(&Phase::Provisioning));
    assert_eq!((created.aws_account(), created.network_id()), (Some(ACCOUNT), Some(NETWORK)));
    assert_eq!(
        h.requests.take()[0].request_body,
        Some(json!({ "spec": {
            "display_name": "tidb-orders",
            "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
            "network": { "id": NETWORK }, "environment": { "id": ENV },
        }}))
    );

    h.advance(60);
    let ready = accesses.get(ENV, &created.id).await.expect("get");
    assert_eq!(ready.phase(), Some(&Phase::Ready));
    let found = accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find").expect("found");
    assert_eq!(found.id, created.id);
    assert!(accesses.find(ENV, NETWORK, "000000000000").await.expect("find").is_none());
    let filter = PrivateLinkAccessFilter { phase: vec![Phase::Ready], ..Default::default() };
    assert_eq!(accesses.list(ENV, &filter).await.expect("list").len(), 1);

    let second = accesses.create(&request).await.expect_err("a second access for the same account");
    assert!(second.is_conflict(), "{second}");
    assert_eq!(second.api().and_then(|a| a.body()).and_then(|b| b.code()), Some("resource_already_exists"));
    assert!(!second.is_retryable() && !second.is_ambiguous());

    accesses.delete(ENV, &created.id).await.expect("delete");
    h.advance(60);
    assert!(accesses.get(ENV, &created.id).await.expect_err("gone").is_not_found());
    assert!(accesses.find(ENV, NETWORK, ACCOUNT).await.expect("find").is_none());
}

#[tokio::test]
async fn cluster_lifecycle() {
    let h = Harness::new().await;
    let clusters = h.client.clusters();
    let request = CreateCluster {
        environment: ENV.to_owned(),
        network: NETWORK.to_owned(),
        display_name: "orders-kafka".to_owned(),
        availability: Availability::SingleZone,
        cloud: Cloud::Aws,
        region: "us-east-1".to_owned(),
        cku: 1,
        zones: None,
    };
    h.requests.take();
    let created = clusters.create(&request).await.expect("create");
    assert_eq!(created.phase(), Some(&ClusterPhase::Provisioning));
    assert!(created.is_dedicated());
    assert_eq!(
        h.requests.take()[0].request_body,
        Some(json!({ "spec": {
            "display_name": "orders-kafka", "availability": "SINGLE_ZONE", "cloud": "AWS", "region": "us-east-1",
            "config": { "kind": "Dedicated", "cku": 1 },
            "environment": { "id": ENV }, "network": { "id": NETWORK },
        }}))
    );

    h.advance(3600);
    let ready = clusters.get(ENV, &created.id).await.expect("get");
    assert_eq!(ready.phase(), Some(&ClusterPhase::Provisioned));
    assert_eq!(ready.status.as_ref().and_then(|s| s.cku), Some(1));
    assert!(ready.spec.endpoints.values().any(|e| e.kafka_bootstrap_endpoint.is_some()));
    let found = clusters.find(ENV, NETWORK, "orders-kafka").await.expect("find").expect("found");
    assert_eq!(found.id, created.id);
    assert!(clusters.find(ENV, NETWORK, "other").await.expect("find").is_none());
    let listed = clusters.list(ENV, &ClusterFilter { network: vec![NETWORK.to_owned()] }).await.expect("list");
    assert_eq!(listed.len(), 1);

    // A resize: the request shows at once in spec.config.cku, status.cku catches up.
    h.requests.take();
    let resizing = clusters.resize(ENV, &created.id, 3).await.expect("resize");
    let sent = h.requests.take();
    assert_eq!(
        (sent[0].method.as_str(), sent[0].target.as_str()),
        ("PATCH", format!("/cmk/v2/clusters/{}", created.id).as_str())
    );
    assert_eq!(
        sent[0].request_body,
        Some(json!({ "spec": { "config": { "kind": "Dedicated", "cku": 3 }, "environment": { "id": ENV } } }))
    );
    assert_eq!(resizing.spec.config.as_ref().and_then(|c| c.cku), Some(3));
    assert_eq!(resizing.status.as_ref().and_then(|s| s.cku), Some(1));
    h.advance(3600);
    let resized = clusters.get(ENV, &created.id).await.expect("get");
    assert_eq!(resized.status.as_ref().and_then(|s| s.cku), Some(3));

    clusters.delete(ENV, &created.id).await.expect("delete");
    let deleting = clusters.get(ENV, &created.id).await.expect("still readable");
    assert!(deleting.metadata.deleted_at.is_some());
    h.advance(3600);
    assert!(clusters.get(ENV, &created.id).await.expect_err("gone").is_not_found());
}
