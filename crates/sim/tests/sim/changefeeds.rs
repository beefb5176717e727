//! TiDB changefeeds to the Kafka cluster over the private link: every route, the lifecycle and
//! its checkpoint, each condition of the sink link rule, the 10-changefeed limit, the table
//! filter through `:describeSchemaTable`, the GC safe point, and faults and rate limits.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::util::{CLUSTER, ENV, Harness, NETWORK, Reply};

/// The already-connected world's ACTIVE connection, its Kafka cluster and that cluster's
/// PRIVATE_LINK bootstrap host.
pub(crate) const PLC: &str = "plc-5tb8m2q9x4k7w1r3z6np";
pub(crate) const LKC: &str = "lkc-m4x8p2";
pub(crate) const HOST: &str = "lkc-m4x8p2.domnprzqrog.us-east-1.aws.confluent.cloud";
pub(crate) const ORG: &str = "11111111-2222-4333-8444-555555555555";

const FEEDS: &str = "/v1beta1/clusters/10140100115280519574/changefeeds";

fn world_text(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sim/worlds").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The already-connected world, plus `extra` appended (YAML under `confluent:` or top level).
pub(crate) async fn connected(extra: &str) -> Harness {
    Harness::with_yaml(&format!("{}{extra}", world_text("already-connected.yaml"))).await
}

/// A topic CRN pattern on the connected cluster.
pub(crate) fn topic_crn(topic: &str) -> String {
    format!("crn://confluent.cloud/organization={ORG}/environment={ENV}/cloud-cluster={LKC}/kafka={LKC}/topic={topic}")
}

/// A Kafka key, owned by a new service account.
pub(crate) struct Key {
    pub(crate) sa: String,
    pub(crate) id: String,
    pub(crate) secret: String,
}

/// A service account with a Kafka API key for the connected cluster, and DeveloperWrite and
/// DeveloperManage on `topics` (a pattern, e.g. `orders*`); the key is not usable yet.
pub(crate) async fn credentials(h: &Harness, name: &str, topics: &str) -> Key {
    let sa = h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "display_name": name }))).await;
    assert_eq!(sa.status, StatusCode::CREATED, "{}", sa.body);
    let sa = sa.body["id"].as_str().expect("sa id").to_owned();
    let key = h
        .cf(
            Method::POST,
            "/iam/v2/api-keys",
            Some(json!({ "spec": { "display_name": name, "owner": { "id": sa }, "resource": { "id": LKC, "environment": ENV } } })),
        )
        .await;
    assert_eq!(key.status, StatusCode::ACCEPTED, "{}", key.body);
    let id = key.body["id"].as_str().expect("key id").to_owned();
    let secret = key.body["spec"]["secret"].as_str().expect("the create response has the secret").to_owned();
    for role in ["DeveloperWrite", "DeveloperManage"] {
        let rb = h
            .cf(
                Method::POST,
                "/iam/v2/role-bindings",
                Some(json!({ "principal": format!("User:{sa}"), "role_name": role, "crn_pattern": topic_crn(topics) })),
            )
            .await;
        assert_eq!(rb.status, StatusCode::CREATED, "{}", rb.body);
    }
    Key { sa, id, secret }
}

/// Credentials that already work (the key past its delay).
pub(crate) async fn ready_credentials(h: &Harness) -> Key {
    let key = credentials(h, "orders-cdc", "orders*").await;
    h.advance(10);
    key
}

/// A sink the link rule accepts with `key`: one topic, `orders-cdc`.
pub(crate) fn sink(key: &Key) -> Value {
    json!({
        "type": "KAFKA",
        "kafka": {
            "network": { "networkType": "PRIVATE_LINK", "privateLink": { "privateLinkConnectionId": PLC, "port": 9092 } },
            "broker": { "kafkaVersion": "VERSION_3XX", "compression": "LZ4" },
            "authentication": {
                "authType": "SASL_PLAIN", "username": key.id, "password": key.secret,
                "enableTls": true, "serverName": HOST,
            },
            "dataFormat": { "protocol": "CANAL_JSON" },
            "topicPartitionConfig": { "dispatchType": "ONE_TOPIC", "defaultTopic": "orders-cdc", "partitionNum": 3, "replicationFactor": 3 },
        },
    })
}

fn create_body(sink: Value, rules: &[&str]) -> Value {
    json!({ "displayName": "orders-to-kafka", "sink": sink, "filter": { "filterRule": rules } })
}

async fn test_sink(h: &Harness, sink: Value) -> Reply {
    h.ti(Method::POST, &format!("{FEEDS}:test"), Some(json!({ "sink": sink }))).await
}

async fn create(h: &Harness, body: Value) -> Value {
    let r = h.ti(Method::POST, FEEDS, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn feed(h: &Harness, id: &str) -> Value {
    let r = h.ti(Method::GET, &format!("{FEEDS}/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn id_of(v: &Value) -> String {
    v["changefeedId"].as_str().expect("changefeed id").to_owned()
}

/// The checkpoint's TSO and time, checked against each other (TSO = physical ms << 18).
fn checkpoint(v: &Value) -> (u64, String) {
    let tso: u64 = v["checkpoint"]["tso"].as_str().and_then(|t| t.parse().ok()).expect("a uint64 TSO string");
    let time = v["checkpoint"]["time"].as_str().expect("time").to_owned();
    (tso, time)
}

fn ms(tso: u64) -> u64 {
    tso >> 18
}

fn assert_tidb_error(r: &Reply, status: StatusCode, says: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.body["code"].is_i64() && r.body["details"].is_array(), "{}", r.body);
    let message = r.body["message"].as_str().expect("message");
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

#[tokio::test]
async fn a_changefeed_runs_over_the_private_link_and_its_checkpoint_follows_time() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let t = test_sink(&h, sink(&key)).await;
    assert_eq!((t.status, &t.body), (StatusCode::OK, &json!({})));

    let made = create(&h, create_body(sink(&key), &["orders.*", "!orders.tmp_*"])).await;
    assert_eq!(made["state"], "CREATING");
    assert_eq!(made["clusterId"], CLUSTER);
    assert_eq!(made["displayName"], "orders-to-kafka");
    assert!(made["sink"]["kafka"]["authentication"].get("password").is_none(), "{}", made["sink"]);
    assert_eq!(made["sink"]["kafka"]["authentication"]["username"], key.id.as_str());
    assert_eq!(made["startPosition"]["mode"], "FROM_NOW");
    assert_eq!(made["filter"]["filterRule"], json!(["orders.*", "!orders.tmp_*"]));
    let (tso0, time0) = checkpoint(&made);
    assert_eq!(time0, "2026-01-01T00:00:10Z");
    assert_eq!(ms(tso0), 1_767_225_610_000, "the TSO's physical part is the start, in Unix ms");
    assert_eq!(made["startPosition"]["tso"], tso0.to_string());
    let id = id_of(&made);

    h.advance(5);
    let running = feed(&h, &id).await;
    assert_eq!(running["state"], "RUNNING", "{running}");
    assert!(running.get("error").is_none());
    h.advance(120);
    let (tso, time) = checkpoint(&feed(&h, &id).await);
    // 135 s after the start, 2 s of lag.
    assert_eq!((ms(tso), time.as_str()), (1_767_225_733_000, "2026-01-01T00:02:13Z"));

    let list = h.ti(Method::GET, FEEDS, None).await;
    assert_eq!(list.body["totalSize"], 1);
    assert_eq!(list.body["changefeeds"][0]["changefeedId"], id.as_str());
    assert!(list.body["changefeeds"][0]["sink"]["kafka"]["authentication"].get("password").is_none());

    // Edit only while PAUSED.
    let edit = json!({ "displayName": "renamed", "sink": sink(&key), "filter": { "filterRule": ["orders.*"] } });
    let r = h.ti(Method::PATCH, &format!("{FEEDS}/{id}"), Some(edit.clone())).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "stop it (:stop) before editing");
    let stopped = h.ti(Method::POST, &format!("{FEEDS}/{id}:stop"), Some(json!({}))).await;
    assert_eq!((stopped.status, &stopped.body["state"]), (StatusCode::OK, &json!("PAUSED")));
    let again = h.ti(Method::POST, &format!("{FEEDS}/{id}:stop"), Some(json!({}))).await;
    assert_eq!(again.body["state"], "PAUSED", "stopping a paused changefeed is a no-op");
    let frozen = checkpoint(&stopped.body);
    h.advance(60);
    assert_eq!(checkpoint(&feed(&h, &id).await), frozen, "a paused checkpoint stands still");
    let r = h.ti(Method::PATCH, &format!("{FEEDS}/{id}"), Some(edit)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["displayName"].as_str(), r.body["state"].as_str()), (Some("renamed"), Some("PAUSED")));
    assert_eq!(r.body["filter"]["filterRule"], json!(["orders.*"]));
    assert!(r.body["updateTime"].is_string());

    let started = h.ti(Method::POST, &format!("{FEEDS}/{id}:start"), Some(json!({}))).await;
    assert_eq!(started.body["state"], "RUNNING", "{}", started.body);
    let (tso, _) = checkpoint(&started.body);
    assert_eq!(ms(tso), 1_767_225_793_000, "a resumed changefeed catches up");

    let gone = h.ti(Method::DELETE, &format!("{FEEDS}/{id}"), None).await;
    assert_eq!((gone.status, gone.body["state"].as_str()), (StatusCode::OK, Some("DELETED")));
    assert_eq!(h.ti(Method::GET, &format!("{FEEDS}/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.ti(Method::DELETE, &format!("{FEEDS}/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.ti(Method::GET, FEEDS, None).await.body["totalSize"], 0);
}

/// A change to the good sink (a JSON pointer and a new value, or `None` to remove it).
type Edit = (&'static str, Option<Value>);

fn edited(mut sink: Value, edits: &[Edit]) -> Value {
    for (pointer, value) in edits {
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let obj = sink.pointer_mut(parent).and_then(Value::as_object_mut).expect("the parent exists");
        match value {
            Some(v) => obj.insert(key.to_owned(), v.clone()),
            None => obj.remove(key),
        };
    }
    sink
}

#[tokio::test]
async fn each_broken_sink_condition_fails_the_test_and_says_which() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let cases: Vec<(Vec<Edit>, String)> = vec![
        (vec![("/kafka/network/networkType", Some(json!("PUBLIC")))], "networkType is PUBLIC".to_owned()),
        (
            vec![("/kafka/network/privateLink/privateLinkConnectionId", None)],
            "privateLinkConnectionId is required".to_owned(),
        ),
        (
            vec![("/kafka/network/privateLink/privateLinkConnectionId", Some(json!("plc-nope")))],
            "private link connection plc-nope does not exist on cluster 10140100115280519574".to_owned(),
        ),
        (
            vec![("/kafka/network/privateLink/port", Some(json!(9093)))],
            "port is 9093, not the Kafka bootstrap port 9092".to_owned(),
        ),
        (vec![("/kafka/network/privateLink/port", None)], "port is missing".to_owned()),
        (
            vec![("/kafka/authentication/authType", Some(json!("SASL_SCRAM_SHA_256")))],
            "authType is SASL_SCRAM_SHA_256".to_owned(),
        ),
        (vec![("/kafka/authentication/enableTls", Some(json!(false)))], "enableTls is off".to_owned()),
        (vec![("/kafka/authentication/serverName", None)], "serverName is empty".to_owned()),
        (
            vec![(
                "/kafka/authentication/serverName",
                Some(json!("lkc-zzz.domnprzqrog.us-east-1.aws.confluent.cloud")),
            )],
            format!(
                "is not the bootstrap host of a Kafka cluster behind private link connection {PLC} (hosts there: {HOST})"
            ),
        ),
        (
            vec![("/kafka/authentication/username", Some(json!("NOSUCHKEY")))],
            "NOSUCHKEY is not a live API key".to_owned(),
        ),
        (vec![("/kafka/authentication/username", None)], "username is empty".to_owned()),
        (
            vec![("/kafka/authentication/password", Some(json!("guess")))],
            format!("the password is not the secret of API key {}", key.id),
        ),
        (
            vec![("/kafka/topicPartitionConfig/replicationFactor", Some(json!(1)))],
            "replicationFactor is 1: Confluent Cloud creates topics only with replication factor 3".to_owned(),
        ),
        (
            vec![("/kafka/topicPartitionConfig/defaultTopic", Some(json!("payments")))],
            format!(
                "may not write to topic payments: no DeveloperWrite role binding matches {}",
                topic_crn("payments")
            ),
        ),
    ];
    for (edits, says) in cases {
        let r = test_sink(&h, edited(sink(&key), &edits)).await;
        assert_tidb_error(&r, StatusCode::BAD_REQUEST, &says);
    }
    // Still fine: nothing above changed the world.
    assert_eq!(test_sink(&h, sink(&key)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn keys_and_role_bindings_are_checked_against_the_owner() {
    let h = connected("").await;
    let key = credentials(&h, "orders-cdc", "orders*").await;
    let r = test_sink(&h, sink(&key)).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, &format!("API key {} is not usable yet", key.id));
    h.advance(3);
    assert_eq!(test_sink(&h, sink(&key)).await.status, StatusCode::OK, "usable after the api_key_ready delay");

    // A key with no resource, and one whose owner has only one of the two roles.
    let cloud = h.cf(Method::POST, "/iam/v2/api-keys", Some(json!({ "spec": { "owner": { "id": key.sa } } }))).await;
    let cloud = Key {
        sa: key.sa.clone(),
        id: cloud.body["id"].as_str().expect("id").to_owned(),
        secret: cloud.body["spec"]["secret"].as_str().expect("secret").to_owned(),
    };
    h.advance(10);
    let r = test_sink(&h, sink(&cloud)).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, &format!("{} is not a Kafka API key for cluster {LKC}", cloud.id));

    let bindings = h
        .cf(
            Method::GET,
            &format!("/iam/v2/role-bindings?crn_pattern={}&principal=User:{}", topic_crn(""), key.sa),
            None,
        )
        .await;
    let manage = bindings.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|b| b["role_name"] == "DeveloperManage")
        .and_then(|b| b["id"].as_str())
        .expect("the manage binding")
        .to_owned();
    assert_eq!(h.cf(Method::DELETE, &format!("/iam/v2/role-bindings/{manage}"), None).await.status, StatusCode::OK);
    let r = test_sink(&h, sink(&key)).await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        &format!(
            "User:{} (the owner of API key {}) may not create topic orders-cdc: no DeveloperManage",
            key.sa, key.id
        ),
    );
    // An admin role on the cluster covers both.
    let cluster_crn = format!("crn://confluent.cloud/organization={ORG}/environment={ENV}/cloud-cluster={LKC}");
    let admin = json!({ "principal": format!("User:{}", key.sa), "role_name": "CloudClusterAdmin", "crn_pattern": cluster_crn });
    assert_eq!(h.cf(Method::POST, "/iam/v2/role-bindings", Some(admin)).await.status, StatusCode::CREATED);
    assert_eq!(test_sink(&h, sink(&key)).await.status, StatusCode::OK);

    // The deleted key is no key.
    assert_eq!(
        h.cf(Method::DELETE, &format!("/iam/v2/api-keys/{}", key.id), None).await.status,
        StatusCode::NO_CONTENT
    );
    let r = test_sink(&h, sink(&key)).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, &format!("{} is not a live API key", key.id));
}

#[tokio::test]
async fn the_connection_its_domains_and_the_cluster_are_checked() {
    // A second network with its own PROVISIONED cluster.
    let other = "    - id: n-other1\n      environment: env-abc123\n      region: us-east-1\n      zones: [use1-az1, use1-az2, use1-az4]\n      dns_domain_id: domother\n      service_name: com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa\n";
    let text = world_text("already-connected.yaml")
        .replacen("  private_link_accesses:\n", &format!("{other}  private_link_accesses:\n"), 1)
        .replacen("      cku: 2\n", "      cku: 2\n    - {id: lkc-other1, environment: env-abc123, network: n-other1, display_name: other, region: us-east-1}\n", 1);
    let h = Harness::with_yaml(&text).await;
    let key = ready_credentials(&h).await;

    let r = test_sink(
        &h,
        edited(
            sink(&key),
            &[("/kafka/authentication/serverName", Some(json!("lkc-other1.domother.us-east-1.aws.confluent.cloud")))],
        ),
    )
    .await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        &format!(
            "serverName lkc-other1.domother.us-east-1.aws.confluent.cloud is Kafka cluster lkc-other1 on network n-other1, but private link connection {PLC} reaches network {NETWORK}"
        ),
    );

    // A cluster still provisioning on the connection's network.
    let c = h
        .cf(
            Method::POST,
            "/cmk/v2/clusters",
            Some(json!({ "spec": { "display_name": "new", "availability": "SINGLE_ZONE", "cloud": "AWS", "region": "us-east-1",
                "config": { "kind": "Dedicated", "cku": 1 }, "environment": { "id": ENV }, "network": { "id": NETWORK } } })),
        )
        .await;
    let lkc = c.body["id"].as_str().expect("id").to_owned();
    let host = format!("{lkc}.domnprzqrog.us-east-1.aws.confluent.cloud");
    let r = test_sink(&h, edited(sink(&key), &[("/kafka/authentication/serverName", Some(json!(host)))])).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, &format!("Kafka cluster {lkc} is PROVISIONING, not PROVISIONED"));

    // A connection that is not ACTIVE yet.
    let plc = h
        .ti(
            Method::POST,
            &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections"),
            Some(json!({ "privateLinkConnection": { "clusterId": CLUSTER, "displayName": "second", "type": "AWS_ENDPOINT_SERVICE",
                "awsEndpointService": { "name": crate::util::SERVICE } } })),
        )
        .await;
    let second = plc.body["privateLinkConnectionId"].as_str().expect("id").to_owned();
    let on_second =
        |s: Value| edited(s, &[("/kafka/network/privateLink/privateLinkConnectionId", Some(json!(second.clone())))]);
    let r = test_sink(&h, on_second(sink(&key))).await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        &format!("private link connection {second} is CREATING, not ACTIVE"),
    );
    h.advance(10);
    let r = test_sink(&h, on_second(sink(&key))).await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        &format!(
            "no CONFLUENT domain is attached to private link connection {second}: attach uniqueName domnprzqrog.us-east-1"
        ),
    );
    let attach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{second}:attachDomains");
    let body = json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" } });
    assert_eq!(h.ti(Method::POST, &attach, Some(body)).await.status, StatusCode::OK);
    let r = test_sink(&h, on_second(sink(&key))).await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        "the CONFLUENT domain domnprzqrog.us-east-1 of private link connection",
    );
    assert!(r.body["message"].as_str().is_some_and(|m| m.ends_with("is CREATING, not ACTIVE")), "{}", r.body);
    h.advance(5);
    assert_eq!(test_sink(&h, on_second(sink(&key))).await.status, StatusCode::OK, "domains ACTIVE: it works");

    // The network behind the connections fails: both connections stop reaching it.
    assert_eq!(h.send(h.raw(Method::POST, &format!("/_sim/resources/{NETWORK}/fail"))).await.status, StatusCode::OK);
    let r = test_sink(&h, sink(&key)).await;
    assert_tidb_error(
        &r,
        StatusCode::BAD_REQUEST,
        &format!("private link connection {PLC} no longer reaches its endpoint service"),
    );

    // The cluster must exist and be ACTIVE.
    let r = h.ti(Method::POST, "/v1beta1/clusters/404/changefeeds:test", Some(json!({ "sink": sink(&key) }))).await;
    assert_tidb_error(&r, StatusCode::NOT_FOUND, "cluster 404 not found");
}

#[tokio::test]
async fn a_create_judges_every_topic_its_filter_selects_and_fails_with_the_reason() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let by_table = |key: &Key| {
        edited(
            sink(key),
            &[(
                "/kafka/topicPartitionConfig",
                Some(json!({ "dispatchType": "BY_TABLE", "defaultTopic": "orders-ddl", "separator": "." })),
            )],
        )
    };
    // :test knows no tables: only the default topic, which the key may write.
    assert_eq!(test_sink(&h, by_table(&key)).await.status, StatusCode::OK);
    // Every table: billing.invoices is outside orders*.
    let all = create(&h, create_body(by_table(&key), &["*.*"])).await;
    // Only orders (and not the table without a key, nor tmp_*): inside.
    let orders = create(&h, create_body(by_table(&key), &["orders.*", "!orders.tmp_*"])).await;
    h.advance(5);
    let failed = feed(&h, &id_of(&all)).await;
    assert_eq!(failed["state"], "CREATE_FAILED", "{failed}");
    let error = failed["error"].as_str().expect("error");
    assert!(error.contains("may not write to topic billing.invoices"), "{error}");
    assert_eq!(feed(&h, &id_of(&orders)).await["state"], "RUNNING");
    // A failed create cannot be started or stopped; it can be deleted.
    let id = id_of(&all);
    for verb in ["start", "stop"] {
        let r = h.ti(Method::POST, &format!("{FEEDS}/{id}:{verb}"), Some(json!({}))).await;
        assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is CREATE_FAILED");
    }
    assert_eq!(h.ti(Method::DELETE, &format!("{FEEDS}/{id}"), None).await.status, StatusCode::OK);

    // FORCE_SYNC replicates orders.audit_log too; BY_DATABASE writes one topic per schema.
    let forced =
        json!({ "sink": by_table(&key), "filter": { "filterRule": ["orders.audit_*"], "mode": "FORCE_SYNC" } });
    let ignored = json!({ "sink": by_table(&key), "filter": { "filterRule": ["orders.audit_*"] } });
    let by_db = edited(
        sink(&key),
        &[("/kafka/topicPartitionConfig", Some(json!({ "dispatchType": "BY_DATABASE", "topicPrefix": "cdc_" })))],
    );
    let (forced, ignored) = (create(&h, forced).await, create(&h, ignored).await);
    let by_db = create(&h, create_body(by_db, &["orders.customers"])).await;
    h.advance(5);
    assert_eq!(feed(&h, &id_of(&ignored)).await["state"], "RUNNING", "no table, only the default topic");
    assert_eq!(feed(&h, &id_of(&forced)).await["state"], "RUNNING", "orders.audit_log is inside orders*");
    let db = feed(&h, &id_of(&by_db)).await;
    assert_eq!(db["state"], "CREATE_FAILED");
    assert!(db["error"].as_str().is_some_and(|e| e.contains("topic cdc_orders")), "{db}");

    // A world's forced failure.
    let h =
        connected("failures:\n  - kind: changefeed\n    message: changefeeds are not enabled for this cluster\n").await;
    let key = ready_credentials(&h).await;
    let made = create(&h, create_body(sink(&key), &[])).await;
    h.advance(5);
    let cf = feed(&h, &id_of(&made)).await;
    assert_eq!(
        (cf["state"].as_str(), cf["error"].as_str()),
        (Some("CREATE_FAILED"), Some("changefeeds are not enabled for this cluster"))
    );
}

#[tokio::test]
async fn a_running_changefeed_warns_then_fails_when_its_sink_breaks() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let id = id_of(&create(&h, create_body(sink(&key), &["orders.*"])).await);
    h.advance(10);
    assert_eq!(feed(&h, &id).await["state"], "RUNNING");

    // The domains go away: WARNING at once, RUNNING again when they are back.
    let detach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{PLC}:detachDomains");
    assert_eq!(
        h.ti(Method::POST, &detach, Some(json!({ "attachDomainId": "7294617405182936401" }))).await.status,
        StatusCode::OK
    );
    let warned = feed(&h, &id).await;
    assert_eq!(warned["state"], "WARNING", "{warned}");
    assert!(warned["error"].as_str().is_some_and(|e| e.contains("is DELETING, not ACTIVE")), "{warned}");
    let stalled = checkpoint(&warned);
    h.advance(60);
    let later = feed(&h, &id).await;
    assert_eq!(checkpoint(&later), stalled, "the checkpoint stalls while WARNING: the lag grows");
    assert!(later["error"].as_str().is_some_and(|e| e.contains("no CONFLUENT domain is attached")), "{later}");
    let attach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{PLC}:attachDomains");
    let body = json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" } });
    assert_eq!(h.ti(Method::POST, &attach, Some(body)).await.status, StatusCode::OK);
    h.advance(5);
    let back = feed(&h, &id).await;
    assert_eq!(back["state"], "RUNNING", "{back}");
    assert!(back.get("error").is_none());
    assert!(checkpoint(&back).0 > stalled.0, "it caught up");

    // The key is deleted: WARNING, then RUNNING_FAILED after the warning period.
    assert_eq!(
        h.cf(Method::DELETE, &format!("/iam/v2/api-keys/{}", key.id), None).await.status,
        StatusCode::NO_CONTENT
    );
    let warned = feed(&h, &id).await;
    assert_eq!(warned["state"], "WARNING");
    assert!(
        warned["error"].as_str().is_some_and(|e| e.contains(&format!("{} is not a live API key", key.id))),
        "{warned}"
    );
    h.advance(1799);
    assert_eq!(feed(&h, &id).await["state"], "WARNING");
    h.advance(1);
    let failed = feed(&h, &id).await;
    assert_eq!(failed["state"], "RUNNING_FAILED", "{failed}");
    assert!(failed["error"].as_str().is_some_and(|e| e.contains("is not a live API key")));
    // Resuming with the sink still broken warns again; a stop pauses it.
    let r = h.ti(Method::POST, &format!("{FEEDS}/{id}:start"), Some(json!({}))).await;
    assert_eq!(r.body["state"], "WARNING", "{}", r.body);
    let r = h.ti(Method::POST, &format!("{FEEDS}/{id}:stop"), Some(json!({}))).await;
    assert_eq!(r.body["state"], "PAUSED");

    // A forced failure of a running changefeed.
    let key = ready_credentials_named(&h, "second").await;
    let id = id_of(&create(&h, create_body(sink(&key), &["orders.*"])).await);
    h.advance(10);
    let r = h
        .send(
            h.raw(Method::POST, &format!("/_sim/resources/{id}/fail")).json(&json!({ "message": "TiCDC owner lost" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cf = feed(&h, &id).await;
    assert_eq!((cf["state"].as_str(), cf["error"].as_str()), (Some("RUNNING_FAILED"), Some("TiCDC owner lost")));
}

async fn ready_credentials_named(h: &Harness, name: &str) -> Key {
    let key = credentials(h, name, "orders*").await;
    h.advance(10);
    key
}

#[tokio::test]
async fn a_cluster_has_at_most_ten_changefeeds() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let mut ids = Vec::new();
    for n in 0..10 {
        let mut body = create_body(sink(&key), &["orders.*"]);
        body["displayName"] = json!(format!("feed-{n}"));
        ids.push(id_of(&create(&h, body).await));
    }
    let r = h.ti(Method::POST, FEEDS, Some(create_body(sink(&key), &["orders.*"]))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "already has 10 changefeeds");
    assert_eq!(h.sim.cdc_inventory().changefeeds, 10);

    // Pages of 4, and the type filter.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let r = h.ti(Method::GET, &format!("{FEEDS}?pageSize=4&pageToken={token}&changefeedType=KAFKA"), None).await;
        assert_eq!(r.body["totalSize"], 10, "{}", r.body);
        seen.extend(r.body["changefeeds"].as_array().expect("list").iter().map(id_of));
        token = r.body["nextPageToken"].as_str().expect("token").to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ids);
    let mysql = h.ti(Method::GET, &format!("{FEEDS}?changefeedType=MYSQL"), None).await;
    assert_eq!((mysql.body["totalSize"].as_u64(), &mysql.body["changefeeds"]), (Some(0), &json!([])));
    let bad = h.ti(Method::GET, &format!("{FEEDS}?changefeedType=KINESIS"), None).await;
    assert_tidb_error(&bad, StatusCode::BAD_REQUEST, "changefeedType must be one of");

    let first = ids.first().expect("ten");
    assert_eq!(h.ti(Method::DELETE, &format!("{FEEDS}/{first}"), None).await.status, StatusCode::OK);
    create(&h, create_body(sink(&key), &["orders.*"])).await;
}

async fn describe(h: &Harness, rules: &[&str]) -> Reply {
    h.ti(Method::POST, &format!("{FEEDS}:describeSchemaTable"), Some(json!({ "filterRules": rules }))).await
}

#[tokio::test]
async fn describe_schema_table_applies_the_table_filter() {
    let h = Harness::new().await;
    let cases: [(&[&str], &[&str], &[&str]); 8] = [
        (
            &["orders.*", "!orders.tmp_*"],
            &["orders.customers", "orders.orders", "orders.order_items"],
            &["orders.audit_log"],
        ),
        (
            &[],
            &["orders.customers", "orders.orders", "orders.order_items", "orders.tmp_import", "billing.invoices"],
            &["orders.audit_log"],
        ),
        (&["!orders.*"], &[], &[]),
        (&["*.*", "!orders.*"], &["billing.invoices"], &[]),
        (
            &["!orders.*", "*.*"],
            &["orders.customers", "orders.orders", "orders.order_items", "orders.tmp_import", "billing.invoices"],
            &["orders.audit_log"],
        ),
        (&["ORDERS.Customers", "billing.invoice?"], &["orders.customers", "billing.invoices"], &[]),
        (
            &["orders.[a-c]*", "`billing`.\"invoices\""],
            &["orders.customers", "billing.invoices"],
            &["orders.audit_log"],
        ),
        (&["orders.[!a-o]*"], &["orders.tmp_import"], &[]),
    ];
    for (rules, with, without) in cases {
        let r = describe(&h, rules).await;
        assert_eq!(r.status, StatusCode::OK, "{rules:?}: {}", r.body);
        assert_eq!(r.body["clusterId"], CLUSTER);
        assert_eq!(r.body["handleKeyTables"], json!(with), "{rules:?}");
        assert_eq!(r.body["nonHandleKeyTables"], json!(without), "{rules:?}");
        // The GC safe point trails the explicit clock (2026-01-01T00:00:00Z) by 10 minutes.
        assert_eq!(r.body["gcSafePoint"], "2025-12-31T23:50:00Z");
    }
    for bad in ["orders", "orders.*.x", "/^orders$/.*", "orders.tmp-*"] {
        let r = describe(&h, &[bad]).await;
        assert_tidb_error(&r, StatusCode::BAD_REQUEST, "invalid table filter rule");
    }
    h.advance(60);
    assert_eq!(describe(&h, &[]).await.body["gcSafePoint"], "2025-12-31T23:51:00Z", "it moves with time");
    let r = h.ti(Method::POST, "/v1beta1/clusters/404/changefeeds:describeSchemaTable", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // At most 1000 tables in each list; a fixed safe point.
    let many: Vec<String> = (0..1005).map(|i| format!("t{i:04}")).collect();
    let keyless: Vec<String> = (0..1002).map(|i| format!("{{name: k{i:04}, handle_key: false}}")).collect();
    let world = linkplan_sim::world::EXAMPLE_WORLD.replacen(
        "        - name: billing\n",
        &format!(
            "        - name: big\n          tables: [{}, {}]\n        - name: billing\n",
            many.join(", "),
            keyless.join(", ")
        ),
        1,
    );
    let world =
        world.replacen("      databases:\n", "      gc_safe_point: \"2025-06-01T12:00:00Z\"\n      databases:\n", 1);
    let h = Harness::with_yaml(&world).await;
    let r = describe(&h, &["big.*"]).await;
    assert_eq!(r.body["handleKeyTables"].as_array().map(Vec::len), Some(1000));
    assert_eq!(r.body["nonHandleKeyTables"].as_array().map(Vec::len), Some(1000));
    assert_eq!(r.body["handleKeyTables"][0], "big.t0000");
    assert_eq!(r.body["gcSafePoint"], "2025-06-01T12:00:00Z");
}

#[tokio::test]
async fn start_positions_must_be_after_the_gc_safe_point() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let at =
        |start: Value| json!({ "sink": sink(&key), "filter": { "filterRule": ["orders.*"] }, "startPosition": start });
    // The safe point is 2025-12-31T23:50:10Z (10 minutes before the clock, which is at 00:00:10).
    let r = h.ti(Method::POST, FEEDS, Some(at(json!({ "mode": "FROM_TIME", "time": "2025-12-31T23:40:00Z" })))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is not after the GC safe point 2025-12-31T23:50:10Z");
    let old_tso = (1_767_224_000_000_u64 << 18).to_string();
    let r = h.ti(Method::POST, FEEDS, Some(at(json!({ "mode": "FROM_TSO", "tso": old_tso })))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is not after the GC safe point");
    let r = h.ti(Method::POST, FEEDS, Some(at(json!({ "mode": "FROM_TIME", "time": "2026-01-01T01:00:00Z" })))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is in the future");
    for bad in [
        json!({ "mode": "FROM_TIME", "time": "yesterday" }),
        json!({ "mode": "FROM_TSO" }),
        json!({ "mode": "FROM_LSN" }),
    ] {
        let r = h.ti(Method::POST, FEEDS, Some(at(bad.clone()))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    assert_eq!(h.sim.cdc_inventory().changefeeds, 0, "nothing refused was made");

    let made = create(&h, at(json!({ "mode": "FROM_TIME", "time": "2025-12-31T23:55:00Z" }))).await;
    assert_eq!(made["startPosition"]["mode"], "FROM_TIME");
    assert_eq!(made["startPosition"]["time"], "2025-12-31T23:55:00Z");
    let start_tso: u64 = made["startPosition"]["tso"].as_str().and_then(|t| t.parse().ok()).expect("tso");
    assert_eq!(ms(start_tso), 1_767_225_300_000);
    assert_eq!(checkpoint(&made).1, "2025-12-31T23:55:00Z", "the checkpoint starts at the start position");
    let tso = (1_767_225_400_000_u64 << 18) + 7;
    let made = create(&h, at(json!({ "mode": "FROM_TSO", "tso": tso.to_string() }))).await;
    assert_eq!(ms(checkpoint(&made).0), 1_767_225_400_000);
}

#[tokio::test]
async fn bodies_the_simulator_cannot_take_are_refused_with_reasons() {
    let h = connected("").await;
    let key = ready_credentials(&h).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "sink": { "type": "MYSQL" }, "filter": {} }), "only KAFKA sinks"),
        (json!({ "sink": sink(&key) }), "/filter is required"),
        (json!({ "filter": {} }), "/sink is required"),
        (
            json!({ "sink": edited(sink(&key), &[("/kafka/dataFormat/protocol", Some(json!("AVRO")))]), "filter": {} }),
            "AVRO needs a schema registry",
        ),
        (
            json!({ "sink": edited(sink(&key), &[("/kafka/topicPartitionConfig/defaultTopic", None)]), "filter": {} }),
            "defaultTopic is required for dispatchType ONE_TOPIC",
        ),
        (
            json!({ "sink": edited(sink(&key), &[("/kafka/topicPartitionConfig/defaultTopic", Some(json!("a topic")))]), "filter": {} }),
            "is not a valid Kafka topic name",
        ),
        (
            json!({ "sink": edited(sink(&key), &[("/kafka/authentication/authType", Some(json!("KERBEROS")))]), "filter": {} }),
            "authType must be one of",
        ),
        (json!({ "sink": sink(&key), "filter": { "mode": "SOMETIMES" } }), "filter.mode must be one of"),
        (json!({ "sink": sink(&key), "filter": { "filterRule": ["orders"] } }), "invalid table filter rule"),
    ];
    for (body, says) in cases {
        let r = h.ti(Method::POST, FEEDS, Some(body.clone())).await;
        assert_tidb_error(&r, StatusCode::BAD_REQUEST, says);
    }
    let avro = edited(
        sink(&key),
        &[(
            "/kafka/dataFormat",
            Some(
                json!({ "protocol": "AVRO", "avroConfig": { "confluentSchemaRegistry": { "endpoint": "https://sr" } } }),
            ),
        )],
    );
    assert_eq!(h.ti(Method::POST, FEEDS, Some(json!({ "sink": avro, "filter": {} }))).await.status, StatusCode::OK);

    // Unknown changefeeds, clusters and methods.
    assert_eq!(h.ti(Method::GET, &format!("{FEEDS}/cfd-nope"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.ti(Method::GET, "/v1beta1/clusters/404/changefeeds", None).await.status, StatusCode::NOT_FOUND);
    let r = h.ti(Method::POST, &format!("{FEEDS}/cfd-nope:pause"), Some(json!({}))).await;
    assert_tidb_error(&r, StatusCode::NOT_FOUND, "no such method");
    let r = h.ti(Method::POST, &format!("{FEEDS}/cfd-nope"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = h.ti(Method::POST, &format!("{FEEDS}/cfd-nope:start"), Some(json!({}))).await;
    assert_tidb_error(&r, StatusCode::NOT_FOUND, "changefeed cfd-nope not found");
    let r = h.ti(Method::POST, &format!("{FEEDS}:nope"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A CREATING changefeed cannot be stopped yet; a paused cluster takes none.
    let id = id_of(&create(&h, create_body(sink(&key), &[])).await);
    let r = h.ti(Method::POST, &format!("{FEEDS}/{id}:stop"), Some(json!({}))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is CREATING");
    let paused = world_text("already-connected.yaml").replacen("      state: ACTIVE\n", "      state: PAUSED\n", 1);
    let h = Harness::with_yaml(&paused).await;
    let r = h.ti(Method::POST, &format!("{FEEDS}:test"), Some(json!({ "sink": sink(&key) }))).await;
    assert_tidb_error(&r, StatusCode::BAD_REQUEST, "is PAUSED, not ACTIVE");
}

#[tokio::test]
async fn faults_and_rate_limits_apply_to_the_changefeed_routes() {
    let h = connected("rate_limits: { tidbcloud_per_minute: 3 }\n").await;
    h.sim.add_fault(linkplan_sim::Fault {
        vendor: None,
        method: Some("POST".to_owned()),
        path: Some(format!("{FEEDS}:test")),
        after: 0,
        times: Some(1),
        action: linkplan_sim::FaultAction::ServerError { status: 503 },
    });
    let r = h.ti(Method::POST, &format!("{FEEDS}:test"), Some(json!({ "sink": {} }))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body["code"].is_i64() && r.headers.contains_key("x-debug-trace-id"));
    for _ in 0..3 {
        let r = h.ti(Method::GET, FEEDS, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers["x-ratelimit-limit-minute"], "3");
    }
    let r = h.ti(Method::GET, FEEDS, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["code"], 49_900_007);
    h.advance(60);
    assert_eq!(h.ti(Method::GET, FEEDS, None).await.status, StatusCode::OK);
    // No Digest, no changefeeds.
    assert_eq!(h.send(h.raw(Method::GET, FEEDS)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_seeded_key_works_from_the_start() {
    let h = Harness::with_yaml(&world_text("credentials-supplied.yaml")).await;
    let key = Key {
        sa: "sa-k3v9q1".to_owned(),
        id: "SIMKAFKAKEY00001".to_owned(),
        secret: "sim-kafka-secret-0123456789abcdef0123456789abcdef0123456789abcd".to_owned(),
    };
    assert_eq!(test_sink(&h, sink(&key)).await.status, StatusCode::OK);
    let any = edited(sink(&key), &[("/kafka/topicPartitionConfig/defaultTopic", Some(json!("anything")))]);
    assert_eq!(test_sink(&h, any).await.status, StatusCode::OK, "topic=* covers every topic");
    let inventory = h.sim.cdc_inventory();
    assert_eq!(
        (inventory.service_accounts, inventory.api_keys, inventory.role_bindings, inventory.changefeeds),
        (1, 1, 2, 0)
    );
}
