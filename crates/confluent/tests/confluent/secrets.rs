//! No configured secret ever shows: not in debug logs, not in `Debug` of the configuration or
//! the client, not in any error (message, `Debug` or source chain).

use std::fmt::Write as _;

use base64::Engine as _;
use linkplan_confluent::resources::networks::NetworkFilter;
use linkplan_confluent::{ClientBuilder, Credentials};
use linkplan_sim::FaultAction;
use linkplan_testkit::{LogCapture, VendorOf, assert_none_shown, credentials_in_the_url, describe_each};

use crate::util::{ENV, Harness, access};

#[tokio::test]
async fn secrets_never_show() {
    // Process-wide, so every test's logs in this binary are searched for the secrets below.
    let capture = LogCapture::global();
    let h = Harness::new().await;
    let key = h.env["CONFLUENT_CLOUD_API_KEY"].clone();
    let secret = h.env["CONFLUENT_CLOUD_API_SECRET"].clone();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
    let mut shown = String::new();

    // Configuration and client, as `Debug`.
    let builder = h.builder();
    let _ = writeln!(shown, "{builder:?}\n{:?}\n{:#?}", h.client, Credentials::new(key.as_str(), secret.as_str()));

    // A tour of successes and failures, logged at debug level.
    let access = access();
    h.client.networks().list(ENV, &NetworkFilter::default()).await.expect("list");
    h.client.private_link_accesses().create(&access).await.expect("create");
    let mut errors = vec![
        h.client.private_link_accesses().create(&access).await.expect_err("409"),
        h.client.networks().get(ENV, "n-nope").await.expect_err("404"),
    ];
    h.fault("GET", "/org", Some(1), FaultAction::Drop);
    h.fault("GET", "/org", None, FaultAction::ServerError { status: 500 });
    errors.push(h.client.environments().get(ENV).await.expect_err("500 after a drop"));
    h.sim.clear_faults();
    let wrong = ClientBuilder::new(Credentials::new(key.as_str(), format!("{secret}-wrong")))
        .base_url(h.sim.confluent_url())
        .build()
        .expect("builds");
    errors.push(wrong.environments().get(ENV).await.expect_err("401"));
    shown += &credentials_in_the_url::<VendorOf<ClientBuilder>>(
        Credentials::new(key.as_str(), secret.as_str()),
        &key,
        &secret,
    );
    shown += &describe_each(&errors);

    let logs = capture.text();
    assert!(logs.contains("GET /networking/v1/networks 200"), "requests are logged:\n{logs}");
    assert!(logs.contains("request_id=") && logs.contains("elapsed_ms="), "{logs}");
    assert!(logs.contains("POST /networking/v1/private-link-accesses 20"), "{logs}");
    assert_none_shown(&[&logs, &shown], &[&key, &secret, &basic, "Basic ", "authorization"]);
}
