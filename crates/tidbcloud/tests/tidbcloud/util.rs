//! Harness: the test kit's (a simulator on an explicit clock, a client built from its
//! environment, and a recorder that sees every HTTP attempt the client makes), the Confluent
//! side a connection needs, and the worlds these tests generate.

use linkplan_sim::World;
use linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection;

pub(crate) const CLUSTER: &str = "10140100115280519574";
pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const SERVICE: &str = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
pub(crate) const UNIQUE_NAME: &str = "domnprzqrog.us-east-1";

/// The simulator, the client and the recorder of its requests (`linkplan-testkit`).
pub(crate) type Harness =
    linkplan_testkit::ClientHarness<linkplan_testkit::VendorOf<linkplan_tidbcloud::ClientBuilder>>;

/// A connection to the example network's endpoint service.
pub(crate) fn connection() -> CreatePrivateLinkConnection {
    CreatePrivateLinkConnection {
        cluster_id: CLUSTER.to_owned(),
        display_name: "to-confluent".to_owned(),
        aws_endpoint_service: SERVICE.to_owned(),
        aws_region: None,
    }
}

/// Allow TiDB's AWS account on the Confluent network (so connections become ACTIVE), with the
/// Confluent client.
pub(crate) async fn allow_tidb_account(h: &Harness) {
    let confluent = linkplan_confluent::ClientBuilder::from_env(&|name| h.env.get(name).cloned())
        .expect("the simulator sets every variable")
        .build()
        .expect("builds");
    let request = linkplan_confluent::resources::private_link_accesses::CreatePrivateLinkAccess {
        environment: ENV.to_owned(),
        network: NETWORK.to_owned(),
        aws_account: ACCOUNT.to_owned(),
        display_name: None,
    };
    confluent.private_link_accesses().create(&request).await.expect("access created");
    h.advance(60);
}

/// The example world plus `n` more clusters (copies of the example's, renamed).
pub(crate) fn world_with_clusters(n: usize) -> World {
    let mut world = World::example();
    let template = world.tidbcloud.clusters[0].clone();
    for i in 0..n {
        let mut c = template.clone();
        c.id = format!("{}", 20_000_000_000_000_000_000u128 + i as u128);
        c.display_name = format!("cluster-{i}");
        world.tidbcloud.clusters.push(c);
    }
    world
}
