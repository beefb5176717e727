//! No configured secret ever shows: not in debug logs, not in `Debug` of the configuration or
//! the client, not in any error (message, `Debug` or source chain); nor does a changefeed's
//! Kafka password, in requests, answers, errors or logs.

use std::fmt::Write as _;

use linkplan_sim::FaultAction;
use linkplan_testkit::{LogCapture, VendorOf, assert_none_shown, credentials_in_the_url, describe_each};
use linkplan_tidbcloud::{ClientBuilder, Credentials};

use crate::util::{CLUSTER, Harness, KAFKA_SECRET, changefeed, connected_world, connection, sink};

#[tokio::test]
async fn secrets_never_show() {
    // Process-wide, so every test's logs in this binary are searched for the secrets below.
    let capture = LogCapture::global();
    let h = Harness::new().await;
    let public = h.env["TIDBCLOUD_PUBLIC_KEY"].clone();
    let private = h.env["TIDBCLOUD_PRIVATE_KEY"].clone();
    let mut shown = String::new();

    let builder = h.builder();
    let _ = writeln!(shown, "{builder:?}\n{:?}\n{:#?}", h.client, Credentials::new(public.as_str(), private.as_str()));

    // A tour of successes and failures (challenge, stale nonce, refusals), logged at debug level.
    h.client.clusters().get(CLUSTER).await.expect("get");
    h.sim.advance(std::time::Duration::from_secs(301));
    h.client.private_link_connections().list(CLUSTER, None).await.expect("list after a stale nonce");
    h.client.private_link_connections().create(&connection()).await.expect("create");
    let mut errors = vec![h.client.clusters().get("404").await.expect_err("404")];
    h.fault("GET", "/v1beta1", Some(1), FaultAction::Drop);
    h.fault("GET", "/v1beta1", None, FaultAction::ServerError { status: 500 });
    errors.push(h.client.clusters().get(CLUSTER).await.expect_err("500 after a drop"));
    h.sim.clear_faults();
    let wrong = ClientBuilder::new(Credentials::new(public.as_str(), format!("{private}-wrong")))
        .base_url(h.sim.tidbcloud_url())
        .build()
        .expect("builds");
    errors.push(wrong.clusters().get(CLUSTER).await.expect_err("401"));
    let _ = writeln!(shown, "{wrong:?}");
    let credentials = Credentials::new(public.as_str(), private.as_str());
    shown += &credentials_in_the_url::<VendorOf<ClientBuilder>>(credentials, &public, &private);
    shown += &describe_each(&errors);

    let logs = capture.text();
    assert!(logs.contains(" 401 ") && logs.contains(" 200 "), "requests are logged:\n{logs}");
    assert!(logs.contains("request_id=") && logs.contains("GET /v1beta1/clusters/"), "{logs}");
    assert_none_shown(&[&logs, &shown], &[&public, &private, "Digest ", "response=", "cnonce", "authorization"]);
}

#[tokio::test]
async fn the_kafka_password_never_shows() {
    let capture = LogCapture::global();
    let h = Harness::with_world(connected_world()).await;
    let feeds = h.client.changefeeds();
    let request = changefeed("orders-to-kafka");
    let mut shown = format!("{request:?}\n{request:#?}\n{:?}\n", sink());

    feeds.test(CLUSTER, &sink()).await.expect("the sink works");
    let created = feeds.create(&request).await.expect("create");
    h.advance(60);
    let running = feeds.get(CLUSTER, &created.changefeed_id).await.expect("get");
    let _ = writeln!(shown, "{created:?}\n{running:#?}");
    let mut errors = Vec::new();
    // A broken sink (its message quotes the request's fields), a 500 and a lost answer.
    let mut broken = sink();
    if let Some(k) = broken.kafka.as_mut() {
        k.network = Some(linkplan_tidbcloud::resources::changefeeds::KafkaNetwork::private_link("plc-nope", 9092));
    }
    errors.push(feeds.test(CLUSTER, &broken).await.expect_err("no such connection"));
    h.fault("POST", "/v1beta1", Some(1), FaultAction::ServerError { status: 500 });
    errors.push(feeds.create(&changefeed("second")).await.expect_err("500"));
    h.fault("POST", "/v1beta1", Some(1), FaultAction::DropAfterApply);
    errors.push(feeds.create(&changefeed("third")).await.expect_err("lost"));
    h.sim.clear_faults();
    shown += &describe_each(&errors);

    assert!(capture.text().contains("changefeeds:test"), "the calls are logged");
    assert_none_shown(&[&capture.text(), &shown], &[KAFKA_SECRET]);
    // The requests did carry it: it is withheld from what is shown, not from the API.
    let sent = h.requests.records().into_iter().filter_map(|r| r.request_body).map(|b| b.to_string());
    assert!(sent.into_iter().any(|b| b.contains(KAFKA_SECRET)));
}
