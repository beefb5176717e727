//! Lists follow every page at the maximum page size: N items cost ceil(N / max) requests.

use linkplan_confluent::resources::clusters::{self, ClusterFilter};
use linkplan_confluent::resources::networks::{self, NetworkFilter};
use linkplan_confluent::resources::private_link_accesses::PrivateLinkAccessFilter;

use crate::util::{ENV, Harness, NETWORK, networks_yaml, world_with};

fn pages(items: usize, page_size: u32) -> usize {
    items.div_ceil(page_size as usize).max(1)
}

#[tokio::test]
async fn networks_two_full_pages() {
    // 1 + 1999 = 2000 networks: exactly two pages of 1000, and no third request.
    let h = Harness::with_world(world_with(&networks_yaml(1999), "")).await;
    let all = h.client.networks().list(ENV, &NetworkFilter::default()).await.expect("list");
    assert_eq!(all.len(), 2000);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(2000, networks::MAX_PAGE_SIZE));
    assert_eq!(records.len(), 2);
    assert!(records[0].target.contains("page_size=1000"), "{}", records[0].target);
    assert!(records[1].target.contains("page_token="), "{}", records[1].target);
    assert!(records[1].target.contains("environment=env-abc123"), "filters are kept: {}", records[1].target);
    let mut ids: Vec<&str> = all.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2000, "no item twice");
}

#[tokio::test]
async fn private_link_accesses_across_pages() {
    let accesses: String = (0..1001)
        .map(|i| format!("    - {{ id: pla-gen{i}, environment: {ENV}, network: {NETWORK}, account: \"{i:012}\" }}\n"))
        .collect();
    let h = Harness::with_world(world_with("", &format!("  private_link_accesses:\n{accesses}"))).await;
    let filter = PrivateLinkAccessFilter { network: vec![NETWORK.to_owned()], ..Default::default() };
    let all = h.client.private_link_accesses().list(ENV, &filter).await.expect("list");
    assert_eq!(all.len(), 1001);
    assert_eq!(h.requests.count(), pages(1001, networks::MAX_PAGE_SIZE));
    assert_eq!(h.requests.count(), 2);
    // The natural-key lookup reads the same pages.
    h.requests.take();
    let found = h.client.private_link_accesses().find(ENV, NETWORK, "000000001000").await.expect("find");
    assert_eq!(found.map(|a| a.id).as_deref(), Some("pla-gen1000"));
    assert_eq!(h.requests.count(), 2);
}

#[tokio::test]
async fn clusters_three_pages_with_a_filter() {
    let clusters: String = (0..250)
        .map(|i| {
            format!(
                "    - {{ id: lkc-gen{i}, environment: {ENV}, network: {NETWORK}, display_name: kafka-{i}, region: us-east-1 }}\n"
            )
        })
        .collect();
    let h = Harness::with_world(world_with("", &format!("  clusters:\n{clusters}"))).await;
    let filter = ClusterFilter { network: vec![NETWORK.to_owned()] };
    let all = h.client.clusters().list(ENV, &filter).await.expect("list");
    assert_eq!(all.len(), 250);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(250, clusters::MAX_PAGE_SIZE));
    assert_eq!(records.len(), 3);
    assert!(records[0].target.contains("page_size=100"), "{}", records[0].target);
    assert!(records.iter().all(|r| r.target.contains("spec.network=n-abc123")));
    let found = h.client.clusters().find(ENV, NETWORK, "kafka-249").await.expect("find");
    assert_eq!(found.map(|c| c.id).as_deref(), Some("lkc-gen249"));
}

#[tokio::test]
async fn an_empty_list_is_one_request() {
    let h = Harness::new().await;
    let all = h.client.clusters().list(ENV, &ClusterFilter::default()).await.expect("list");
    assert!(all.is_empty());
    assert_eq!(h.requests.count(), 1);
}
