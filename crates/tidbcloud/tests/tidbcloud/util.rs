//! Harness: the test kit's (a simulator on an explicit clock, a client built from its
//! environment, and a recorder that sees every HTTP attempt the client makes), the Confluent
//! side a connection needs, the worlds these tests generate (a connected one for changefeeds)
//! and the sink a changefeed over it takes.

use linkplan_sim::World;
use linkplan_tidbcloud::Secret;
use linkplan_tidbcloud::resources::changefeeds::{
    CONFLUENT_PRIVATE_LINK_PORT, CreateChangefeed, DataFormat, Filter, KafkaAuthentication, KafkaNetwork,
    KafkaProtocol, KafkaSink, Sink, TableMode, TopicDispatchType, TopicPartitionConfig,
};
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

/// The ACTIVE connection of [`connected_world`], with its CONFLUENT domains attached.
pub(crate) const PLC: &str = "plc-5tb8m2q9x4k7w1r3z6np";
/// The Dedicated Kafka cluster of [`connected_world`] and its PRIVATE_LINK bootstrap host.
pub(crate) const KAFKA: &str = "lkc-m4x8p2";
pub(crate) const SERVER_NAME: &str = "lkc-m4x8p2.domnprzqrog.us-east-1.aws.confluent.cloud";
/// A Kafka API key for [`KAFKA`] and its secret (the SASL user name and password).
pub(crate) const KAFKA_KEY: &str = "SIMKAFKAKEY00001";
pub(crate) const KAFKA_SECRET: &str = "sim-kafka-secret-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e";

/// The example world once everything up to the domains is done (an ACTIVE connection with its
/// CONFLUENT domains, the access, a PROVISIONED Dedicated cluster), with tables (one without a
/// handle key), a service account, a Kafka API key for the cluster whose secret the test knows,
/// and role bindings that let it write and create every topic: a changefeed can run.
pub(crate) fn connected_world() -> World {
    let yaml = format!(
        r#"
credentials:
  confluent:
    - {{ key: SIMCONFLUENTKEY1, secret: sim-confluent-secret-0123456789 }}
  tidbcloud:
    - {{ public_key: SIMTIDBPUBKEY1, private_key: sim-tidb-private-key-0123456789 }}
tidbcloud:
  clusters:
    - id: "{CLUSTER}"
      display_name: orders
      region: us-east-1
      cloud: aws
      plan: ESSENTIAL
      state: ACTIVE
      aws_account_id: "{ACCOUNT}"
      availability_zones: [use1-az1, use1-az2, use1-az4]
      databases:
        - name: orders
          tables: [customers, orders, order_items, {{ name: audit_log, handle_key: false }}]
        - name: billing
          tables: [invoices]
  private_link_connections:
    - id: {PLC}
      cluster_id: "{CLUSTER}"
      display_name: confluent-orders
      service_name: {SERVICE}
      state: ACTIVE
      endpoint_id: vpce-0f1e2d3c4b5a69788
      domains:
        - {{ id: "7294617405182936401", type: CONFLUENT, unique_name: {UNIQUE_NAME} }}
confluent:
  environments:
    - {{ id: {ENV}, display_name: orders }}
  networks:
    - id: {NETWORK}
      environment: {ENV}
      display_name: orders-privatelink
      region: us-east-1
      zones: [use1-az1, use1-az2, use1-az4]
      dns_domain_id: domnprzqrog
      service_name: {SERVICE}
      dns_resolution: PRIVATE
  private_link_accesses:
    - {{ id: pla-q7r2k9, environment: {ENV}, network: {NETWORK}, account: "{ACCOUNT}" }}
  clusters:
    - {{ id: {KAFKA}, environment: {ENV}, network: {NETWORK}, display_name: orders, region: us-east-1 }}
  service_accounts:
    - {{ id: sa-k3v9q1, display_name: orders-cdc }}
  api_keys:
    - {{ id: {KAFKA_KEY}, secret: {KAFKA_SECRET}, owner: sa-k3v9q1, resource: {KAFKA}, display_name: orders-cdc }}
  role_bindings:
    - id: rb-w8n2c5
      principal: User:sa-k3v9q1
      role_name: DeveloperWrite
      crn_pattern: {TOPICS}
    - id: rb-m6t4p7
      principal: User:sa-k3v9q1
      role_name: DeveloperManage
      crn_pattern: {TOPICS}
"#
    );
    World::from_yaml(&yaml).expect("the connected world parses")
}

const TOPICS: &str = "crn://confluent.cloud/organization=11111111-2222-4333-8444-555555555555/environment=env-abc123/cloud-cluster=lkc-m4x8p2/kafka=lkc-m4x8p2/topic=*";

/// A Kafka sink through [`PLC`] as Confluent Dedicated takes it (SASL PLAIN with [`KAFKA_KEY`],
/// TLS, SNI), Canal-JSON, one topic per table prefixed `tidb_`.
pub(crate) fn sink() -> Sink {
    Sink::kafka(KafkaSink::new(
        KafkaNetwork::private_link(PLC, CONFLUENT_PRIVATE_LINK_PORT),
        KafkaAuthentication::sasl_plain_tls(KAFKA_KEY, Secret::new(KAFKA_SECRET), SERVER_NAME),
        DataFormat::protocol(KafkaProtocol::CanalJson),
        TopicPartitionConfig::per_table(TopicDispatchType::ByTable, "tidb_").with_topic_settings(Some(3), Some(3)),
    ))
}

/// A changefeed of the `orders` tables into [`sink`].
pub(crate) fn changefeed(display_name: &str) -> CreateChangefeed {
    CreateChangefeed {
        cluster_id: CLUSTER.to_owned(),
        display_name: display_name.to_owned(),
        sink: sink(),
        filter: Filter::rules(["orders.*"], Some(TableMode::IgnoreNotSupportTable)),
        start_position: None,
    }
}
