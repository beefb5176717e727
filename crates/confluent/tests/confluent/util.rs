//! Harness: the test kit's (a simulator on an explicit clock, a client built from its
//! environment, and a recorder that sees every HTTP attempt the client makes), and the worlds
//! these tests generate.

use linkplan_confluent::resources::private_link_accesses::CreatePrivateLinkAccess;
use linkplan_sim::World;

pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const ACCOUNT: &str = "123456789012";

/// The simulator, the client and the recorder of its requests (`linkplan-testkit`).
pub(crate) type Harness =
    linkplan_testkit::ClientHarness<linkplan_testkit::VendorOf<linkplan_confluent::ClientBuilder>>;

/// An access for TiDB's account on the example network.
pub(crate) fn access() -> CreatePrivateLinkAccess {
    CreatePrivateLinkAccess {
        environment: ENV.to_owned(),
        network: NETWORK.to_owned(),
        aws_account: ACCOUNT.to_owned(),
        display_name: None,
    }
}

/// A world with the example's credentials, environment and network, plus `extra` YAML appended
/// under `confluent:` (lists of `networks`, `private_link_accesses` or `clusters` entries).
pub(crate) fn world_with(networks: &str, extra: &str) -> World {
    let yaml = format!(
        r#"
credentials:
  confluent:
    - key: SIMCONFLUENTKEY1
      secret: sim-confluent-secret-0123456789
  tidbcloud:
    - public_key: SIMTIDBPUBKEY1
      private_key: sim-tidb-private-key-0123456789
confluent:
  environments:
    - id: {ENV}
      display_name: orders
  networks:
    - id: {NETWORK}
      environment: {ENV}
      display_name: orders-privatelink
      region: us-east-1
      zones: [use1-az1, use1-az2, use1-az4]
      dns_domain_id: domnprzqrog
      service_name: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
      dns_resolution: PRIVATE
{networks}{extra}"#
    );
    World::from_yaml(&yaml).expect("the test world parses")
}

/// `n` more READY networks in `us-east-1`, named `net-<i>`.
pub(crate) fn networks_yaml(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "    - {{ id: n-gen{i}, environment: {ENV}, display_name: net-{i}, region: us-east-1, \
                 zones: [use1-az1, use1-az2, use1-az4], dns_domain_id: dom{i:08}, \
                 service_name: com.amazonaws.vpce.us-east-1.vpce-svc-{i:017x} }}\n"
            )
        })
        .collect()
}
