//! No configured secret ever shows: not in debug logs, not in `Debug` of the configuration or
//! the client, not in any error (message, `Debug` or source chain); nor does a Kafka API key's
//! secret, which only its create answer carries.

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

#[tokio::test]
async fn a_kafka_api_key_secret_never_shows() {
    use linkplan_confluent::resources::api_keys::{ApiKeyFilter, CreateApiKey};
    use linkplan_confluent::resources::service_accounts::CreateServiceAccount;

    let capture = LogCapture::global();
    let cluster = "  clusters:\n    - { id: lkc-s3cr3t, environment: env-abc123, network: n-abc123, display_name: k, region: us-east-1 }\n";
    let h = Harness::with_world(crate::util::world_with("", cluster)).await;
    let account = CreateServiceAccount { display_name: "cdc".to_owned(), description: None };
    let account = h.client.service_accounts().create(&account).await.expect("service account");
    let request = CreateApiKey {
        display_name: "cdc".to_owned(),
        description: None,
        owner: account.id.clone(),
        cluster: "lkc-s3cr3t".to_owned(),
        environment: ENV.to_owned(),
    };
    let keys = h.client.api_keys();
    let new = keys.create(&request).await.expect("create");
    let secret = new.secret.expose().to_owned();
    assert!(secret.len() > 8, "a real secret to look for");
    let mut shown = format!("{new:?}\n{new:#?}\n{:?}\n{}\n", new.secret, new.secret);
    let listed = keys.list(&ApiKeyFilter { owner: Some(account.id.clone()), resource: None }).await.expect("list");
    let _ = writeln!(shown, "{listed:?}\n{:?}", keys.get(new.id()).await.expect("get"));
    let mut errors = Vec::new();
    h.fault("POST", "/iam/v2/api-keys", Some(1), FaultAction::DropAfterApply);
    errors.push(keys.create(&request).await.expect_err("lost"));
    h.fault("POST", "/iam/v2/api-keys", Some(1), FaultAction::ServerError { status: 500 });
    errors.push(keys.create(&request).await.expect_err("500"));
    errors.push(keys.get(&format!("{}-nope", new.id())).await.expect_err("404"));
    h.sim.clear_faults();
    shown += &describe_each(&errors);

    assert!(capture.text().contains("POST /iam/v2/api-keys 202"), "the create is logged");
    assert_none_shown(&[&capture.text(), &shown], &[&secret]);
    // Only the create's answer carried it.
    let carried: Vec<String> = h
        .requests
        .records()
        .into_iter()
        .filter(|r| r.response_body.as_ref().is_some_and(|b| b.to_string().contains(&secret)))
        .map(|r| format!("{} {} {:?}", r.method, r.target, r.status))
        .collect();
    assert_eq!(carried, ["POST /iam/v2/api-keys Some(202)"]);
}
