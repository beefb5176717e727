//! Changefeeds against the simulator: the table check, the connectivity test (passing, and
//! failing with the vendor's reason), the lifecycle (create, find, get, list, stop, edit, start,
//! delete), a create that fails, and a create whose answer is lost (found, never re-sent).

use linkplan_sim::FaultAction;
use linkplan_tidbcloud::Secret;
use linkplan_tidbcloud::resources::changefeeds::{
    ChangefeedState, ChangefeedType, EditChangefeed, Filter, KafkaNetwork, StartPosition, TableMode,
};
use serde_json::json;

use crate::util::{CLUSTER, Harness, KAFKA_KEY, KAFKA_SECRET, PLC, SERVER_NAME, changefeed, connected_world, sink};

const FEEDS: &str = "/v1beta1/clusters/10140100115280519574/changefeeds";

#[tokio::test]
async fn describe_schema_table_splits_tables_by_handle_key() {
    let h = Harness::with_world(connected_world()).await;
    let rules = vec!["orders.*".to_owned(), "!orders.customers".to_owned()];
    let tables = h.client.changefeeds().describe_schema_table(CLUSTER, &rules).await.expect("describe");
    assert_eq!(tables.handle_key_tables, ["orders.orders", "orders.order_items"]);
    assert_eq!(tables.non_handle_key_tables, ["orders.audit_log"]);
    assert_eq!(tables.cluster_id.as_deref(), Some(CLUSTER));
    assert!(tables.gc_safe_point.is_some());
    let sent = h.requests.take().pop().expect("the request");
    assert_eq!(sent.target, format!("{FEEDS}:describeSchemaTable"));
    assert_eq!(sent.request_body, Some(json!({ "filterRules": ["orders.*", "!orders.customers"] })));

    let bad = h.client.changefeeds().describe_schema_table(CLUSTER, &["orders.".to_owned()]).await;
    let bad = bad.expect_err("not a filter rule");
    assert_eq!(bad.status().map(|s| s.as_u16()), Some(400), "{bad}");
    let unknown = h.client.changefeeds().describe_schema_table("404404", &rules).await.expect_err("no cluster");
    assert!(unknown.is_not_found(), "{unknown}");
}

#[tokio::test]
async fn the_connectivity_test_passes_or_says_why_not() {
    let h = Harness::with_world(connected_world()).await;
    let feeds = h.client.changefeeds();
    feeds.test(CLUSTER, &sink()).await.expect("the sink works");
    let sent = h.requests.take().pop().expect("the test");
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", format!("{FEEDS}:test").as_str()));
    assert_eq!(
        sent.request_body.as_ref().and_then(|b| b.pointer("/sink/kafka/authentication").cloned()),
        Some(json!({ "authType": "SASL_PLAIN", "username": KAFKA_KEY, "password": KAFKA_SECRET,
                     "enableTls": true, "serverName": SERVER_NAME }))
    );
    assert_eq!(
        sent.request_body.as_ref().and_then(|b| b.pointer("/sink/kafka/network").cloned()),
        Some(json!({ "networkType": "PRIVATE_LINK", "privateLink": { "privateLinkConnectionId": PLC, "port": 9092 } }))
    );

    // Each broken part of the link is a 400 whose message names it; none is retried.
    let mut wrong_port = sink();
    if let Some(k) = wrong_port.kafka.as_mut() {
        k.network = Some(KafkaNetwork::private_link(PLC, 9093));
    }
    let mut wrong_secret = sink();
    if let Some(a) = wrong_secret.kafka.as_mut().and_then(|k| k.authentication.as_mut()) {
        a.password = Some(Secret::new("not-the-secret"));
    }
    let mut no_sni = sink();
    if let Some(a) = no_sni.kafka.as_mut().and_then(|k| k.authentication.as_mut()) {
        a.server_name = None;
    }
    for (broken, says) in [(wrong_port, "port"), (wrong_secret, "password"), (no_sni, "serverName")] {
        h.requests.take();
        let err = feeds.test(CLUSTER, &broken).await.expect_err("the link is broken");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
        let message = err.api().and_then(|a| a.body()).and_then(|b| b.message()).expect("TiDB's error message");
        assert!(message.contains(says), "`{says}` in {message}");
        assert!(!err.is_retryable() && !err.is_ambiguous());
        assert_eq!(h.requests.count(), 1, "a 400 is not retried");
    }
}

#[tokio::test]
async fn changefeed_lifecycle() {
    let h = Harness::with_world(connected_world()).await;
    let feeds = h.client.changefeeds();
    assert!(feeds.find(CLUSTER, "orders-to-kafka").await.expect("find").is_none());
    h.requests.take();

    let created = feeds.create(&changefeed("orders-to-kafka")).await.expect("create");
    assert_eq!(created.state, Some(ChangefeedState::Creating));
    assert_eq!(created.display_name.as_deref(), Some("orders-to-kafka"));
    assert_eq!(created.private_link_connection_id(), Some(PLC));
    assert_eq!(created.kafka_username(), Some(KAFKA_KEY));
    let auth = created.kafka().and_then(|k| k.authentication.as_ref()).expect("authentication echoed");
    assert_eq!(auth.server_name.as_deref(), Some(SERVER_NAME));
    assert!(auth.password.is_none(), "the password is not echoed");
    let sent = h.requests.take().pop().expect("the create");
    assert_eq!(sent.target, FEEDS);
    let body = sent.request_body.expect("a body");
    assert_eq!(body["displayName"], json!("orders-to-kafka"));
    assert_eq!(body["filter"], json!({ "filterRule": ["orders.*"], "mode": "IGNORE_NOT_SUPPORT_TABLE" }));
    assert_eq!(body["sink"]["type"], json!("KAFKA"));
    assert!(body.get("startPosition").is_none());
    let id = created.changefeed_id.clone();

    h.advance(60);
    let running = feeds.get(CLUSTER, &id).await.expect("get");
    assert_eq!(running.state, Some(ChangefeedState::Running), "{running:?}");
    let first = running.checkpoint.clone().expect("a checkpoint");
    h.advance(60);
    let later = feeds.get(CLUSTER, &id).await.expect("get").checkpoint.expect("a checkpoint");
    assert!(later.tso_value() > first.tso_value(), "the checkpoint advances: {first:?} → {later:?}");
    assert!(later.time > first.time);

    let found = feeds.find(CLUSTER, "orders-to-kafka").await.expect("find").expect("found");
    assert_eq!(found.changefeed_id, id);
    assert_eq!(feeds.find_all(CLUSTER, "orders-to-kafka").await.expect("find_all").len(), 1);
    assert_eq!(feeds.list(CLUSTER, None).await.expect("list").len(), 1);
    assert_eq!(feeds.list(CLUSTER, Some(&ChangefeedType::Kafka)).await.expect("list").len(), 1);
    assert!(feeds.list(CLUSTER, Some(&ChangefeedType::Mysql)).await.expect("list").is_empty());
    let lists: Vec<String> = h.requests.take().into_iter().map(|r| r.target).filter(|t| t.contains('?')).collect();
    assert!(lists.iter().all(|t| t.contains("pageSize=100")), "{lists:?}");
    assert!(lists.iter().any(|t| t.contains("changefeedType=MYSQL")), "{lists:?}");

    // Edits need a stopped changefeed; stop, edit, start.
    let edit = EditChangefeed {
        display_name: Some("orders-and-billing".to_owned()),
        sink: sink(),
        filter: Filter::rules(["orders.*", "billing.*"], Some(TableMode::IgnoreNotSupportTable)),
    };
    let refused = feeds.edit(CLUSTER, &id, &edit).await.expect_err("still running");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400), "{refused}");
    let paused = feeds.stop(CLUSTER, &id).await.expect("stop");
    assert_eq!(paused.state, Some(ChangefeedState::Paused));
    assert_eq!(feeds.stop(CLUSTER, &id).await.expect("stop again").state, Some(ChangefeedState::Paused));
    h.requests.take();
    let edited = feeds.edit(CLUSTER, &id, &edit).await.expect("edit");
    assert_eq!(edited.display_name.as_deref(), Some("orders-and-billing"));
    assert_eq!(edited.filter.map(|f| f.filter_rule), Some(vec!["orders.*".to_owned(), "billing.*".to_owned()]));
    let sent = h.requests.take().pop().expect("the edit");
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("PATCH", format!("{FEEDS}/{id}").as_str()));
    let started = feeds.start(CLUSTER, &id).await.expect("start");
    assert_eq!(started.state, Some(ChangefeedState::Running));
    let verbs: Vec<String> = h.requests.take().into_iter().map(|r| r.target).collect();
    assert_eq!(verbs, [format!("{FEEDS}/{id}:start")]);

    let deleted = feeds.delete(CLUSTER, &id).await.expect("delete");
    assert_eq!(deleted.state, Some(ChangefeedState::Deleted));
    assert!(feeds.get(CLUSTER, &id).await.expect_err("gone").is_not_found());
    assert!(feeds.delete(CLUSTER, &id).await.expect_err("gone").is_not_found());
    assert!(feeds.find(CLUSTER, "orders-and-billing").await.expect("find").is_none());
}

#[tokio::test]
async fn a_changefeed_without_its_role_bindings_fails_with_the_reason() {
    let mut world = connected_world();
    world.confluent.role_bindings.retain(|b| b.role_name != "DeveloperManage");
    let h = Harness::with_world(world).await;
    let feeds = h.client.changefeeds();
    let created = feeds.create(&changefeed("orders-to-kafka")).await.expect("create");
    h.advance(60);
    let failed = feeds.get(CLUSTER, &created.changefeed_id).await.expect("get");
    assert_eq!(failed.state, Some(ChangefeedState::CreateFailed), "{failed:?}");
    assert!(failed.has_failed());
    let error = failed.error.as_deref().expect("a failed changefeed says why");
    assert!(error.contains("DeveloperManage") && error.contains("tidb_orders"), "{error}");
    // A failed one is found (to report it), but is not a live duplicate.
    assert!(feeds.find(CLUSTER, "orders-to-kafka").await.expect("find").is_some());
    assert!(feeds.find_all(CLUSTER, "orders-to-kafka").await.expect("find_all").is_empty());
}

#[tokio::test]
async fn a_start_before_the_gc_safe_point_is_refused() {
    let h = Harness::with_world(connected_world()).await;
    h.advance(3600);
    let mut request = changefeed("orders-to-kafka");
    request.start_position = Some(StartPosition::time("1970-01-01T00:00:01Z"));
    let err = h.client.changefeeds().create(&request).await.expect_err("before the GC safe point");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert!(!err.is_ambiguous(), "a 400 created nothing");
    let sent = h.requests.take().pop().expect("the create");
    assert_eq!(
        sent.request_body.and_then(|b| b.get("startPosition").cloned()),
        Some(json!({
            "mode": "FROM_TIME", "time": "1970-01-01T00:00:01Z"
        }))
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_not_repeated() {
    let h = Harness::with_world(connected_world()).await;
    h.client.clusters().get(CLUSTER).await.expect("prime the Digest challenge");
    h.requests.take();
    h.fault("POST", FEEDS, Some(1), FaultAction::DropAfterApply);
    let feeds = h.client.changefeeds();
    let err = feeds.create(&changefeed("orders-to-kafka")).await.expect_err("the answer was lost");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed after a dropped connection");
    let found = feeds.find(CLUSTER, "orders-to-kafka").await.expect("find");
    assert!(found.is_some(), "the lost create happened, and is found by its name");
    assert_eq!(feeds.list(CLUSTER, None).await.expect("list").len(), 1);

    // Reads and the idempotent POSTs are retried through a 503.
    h.fault("POST", &format!("{FEEDS}:test"), Some(1), FaultAction::ServerError { status: 503 });
    h.requests.take();
    feeds.test(CLUSTER, &sink()).await.expect("retried");
    assert_eq!(h.requests.statuses(), [Some(503), Some(200)]);
}

#[tokio::test]
async fn ten_changefeeds_are_one_page() {
    let h = Harness::with_world(connected_world()).await;
    let feeds = h.client.changefeeds();
    for i in 0..10 {
        feeds.create(&changefeed(&format!("feed-{i}"))).await.expect("create");
    }
    let eleventh = feeds.create(&changefeed("feed-10")).await.expect_err("at most 10 a cluster");
    assert_eq!(eleventh.status().map(|s| s.as_u16()), Some(400), "{eleventh}");
    h.requests.take();
    let all = feeds.list(CLUSTER, None).await.expect("list");
    assert_eq!(all.len(), 10);
    assert_eq!(h.requests.count(), 1, "one page at pageSize=100");
    let found = feeds.find(CLUSTER, "feed-7").await.expect("find").expect("found");
    assert_eq!(found.display_name.as_deref(), Some("feed-7"));
}
