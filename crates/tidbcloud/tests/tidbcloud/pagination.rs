//! Lists follow every page at the maximum page size: N items cost ceil(N / max) requests
//! (after the one Digest challenge, which is primed first).

use linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection;
use linkplan_tidbcloud::resources::{clusters, private_link_connections};

use crate::util::{CLUSTER, Harness, world_with_clusters};

fn pages(items: usize, page_size: u32) -> usize {
    items.div_ceil(page_size as usize).max(1)
}

#[tokio::test]
async fn clusters_three_pages() {
    let h = Harness::with_world(world_with_clusters(249)).await;
    h.client.clusters().get(CLUSTER).await.expect("prime the Digest challenge");
    h.requests.take();
    let all = h.client.clusters().list(None).await.expect("list");
    assert_eq!(all.len(), 250);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(250, clusters::MAX_PAGE_SIZE));
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.target.contains("pageSize=100")));
    assert!(records[1].target.contains("pageToken="), "{}", records[1].target);
    let mut ids: Vec<&str> = all.iter().map(|c| c.cluster_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250, "no cluster twice");
}

#[tokio::test]
async fn connections_two_pages() {
    let h = Harness::new().await;
    let plcs = h.client.private_link_connections();
    for i in 0..150 {
        let request = CreatePrivateLinkConnection {
            cluster_id: CLUSTER.to_owned(),
            display_name: format!("plc-{i}"),
            aws_endpoint_service: format!("com.amazonaws.vpce.us-east-1.vpce-svc-{i:017x}"),
            aws_region: None,
        };
        plcs.create(&request).await.expect("create");
    }
    // TiDB Cloud allows 100 requests a minute: the 101st waited for the window (in simulated
    // time) in the client's budget, and no request met a 429.
    let statuses = h.requests.statuses();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 0, "{statuses:?}");
    assert_eq!(statuses.len(), 151, "150 creates, one challenge");
    assert!(h.sim.now() >= std::time::Duration::from_secs(60), "the window was waited out");
    h.requests.take();
    let all = plcs.list(CLUSTER, None).await.expect("list");
    assert_eq!(all.len(), 150);
    assert_eq!(h.requests.count(), pages(150, private_link_connections::MAX_PAGE_SIZE));
    assert_eq!(h.requests.count(), 2);
    h.requests.take();
    let found = plcs.find(CLUSTER, &format!("com.amazonaws.vpce.us-east-1.vpce-svc-{:017x}", 149)).await;
    assert_eq!(found.expect("find").and_then(|p| p.display_name).as_deref(), Some("plc-149"));
    assert_eq!(h.requests.count(), 2);
}
