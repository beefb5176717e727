//! Each error class keeps Confluent's error structured and answers the right questions.

use linkplan_confluent::resources::Cloud;
use linkplan_confluent::resources::networks::{ConnectionType, CreateNetwork};
use linkplan_confluent::{ClientBuilder, ConfigError, Credentials, Error};

use crate::util::{ENV, Harness};

#[tokio::test]
async fn a_bad_key_is_401_and_not_retried() {
    let h = Harness::new().await;
    h.client.environments().get(ENV).await.expect("the right key works");
    h.requests.take();

    let wrong = ClientBuilder::new(Credentials::new("SIMCONFLUENTKEY1", "not-the-secret"))
        .base_url(h.sim.confluent_url())
        .retry(linkplan_testkit::fast_retry())
        .observer(h.requests.observer())
        .build()
        .expect("builds");
    let err = wrong.environments().get(ENV).await.expect_err("refused");
    assert!(err.is_unauthorized(), "{err}");
    assert!(!err.is_retryable() && !err.is_not_found() && !err.is_conflict());
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.code()), Some("user_unauthenticated"));
    assert!(err.request_id().is_some());
    assert_eq!(h.requests.count(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn not_found_keeps_the_vendor_error() {
    let h = Harness::new().await;
    let err = h.client.networks().get(ENV, "n-nope").await.expect_err("404");
    assert!(err.is_not_found() && !err.is_retryable(), "{err}");
    let api = err.api().expect("an API error");
    let body = api.body().expect("Confluent's error body");
    assert_eq!(body.code(), Some("resource_not_found"));
    assert_eq!(body.title(), Some("Not Found"));
    assert!(body.detail().is_some_and(|d| d.contains("n-nope")));
    assert!(api.request_id().is_some());
    assert!(body.error_id().is_some());
    assert_eq!(api.path(), "/networking/v1/networks/n-nope");
    let text = err.to_string();
    assert!(text.contains("404") && text.contains("resource_not_found") && text.contains("request id"), "{text}");
    assert!(h.client.environments().get("env-nope").await.expect_err("404").is_not_found());
    assert_eq!(h.requests.count(), 2, "a 404 is not retried");
}

#[tokio::test]
async fn bad_requests_point_at_the_problem() {
    let h = Harness::new().await;
    // An empty environment id: the required query parameter is missing (400).
    let err = h.client.networks().get("", "n-abc123").await.expect_err("400");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_parameter()), Some("environment"));
    assert!(!err.is_retryable());

    // Two zones instead of three: a validation error pointing into the body (422).
    let request = CreateNetwork {
        environment: ENV.to_owned(),
        display_name: None,
        cloud: Cloud::Aws,
        region: "us-east-1".to_owned(),
        connection_types: vec![ConnectionType::PrivateLink],
        zones: Some(vec!["use1-az1".to_owned(), "use1-az2".to_owned()]),
        dns_resolution: None,
    };
    let err = h.client.networks().create(&request).await.expect_err("422");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422), "{err}");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_pointer()), Some("/spec/zones"));
    assert!(!err.is_ambiguous(), "a 4xx create did nothing");
    // The vendor's document rejects that request too: the conformance check sees client requests.
    let violations = h.requests.take_violations();
    assert!(matches!(violations.as_slice(), [v] if v.contains("/spec/zones")), "{violations:?}");

    // An environment that does not exist: 403.
    let err = h.client.networks().get("env-nope", "n-abc123").await.expect_err("403");
    assert!(err.is_forbidden(), "{err}");
}

#[test]
fn configuration_errors() {
    let lookup = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    };
    let missing = ClientBuilder::from_env(&lookup(&[("CONFLUENT_CLOUD_API_KEY", "K")])).map(|_| ());
    assert!(matches!(missing, Err(ConfigError::MissingEnv { name: "CONFLUENT_CLOUD_API_SECRET" })));
    let empty =
        ClientBuilder::from_env(&lookup(&[("CONFLUENT_CLOUD_API_KEY", ""), ("CONFLUENT_CLOUD_API_SECRET", "S")]));
    let empty = empty.map(|_| ()).expect_err("an empty key is refused");
    assert!(matches!(empty, ConfigError::EmptyEnv { name: "CONFLUENT_CLOUD_API_KEY" }), "{empty}");
    assert_eq!(empty.to_string(), "environment variable CONFLUENT_CLOUD_API_KEY is empty");

    let vars = &[("CONFLUENT_CLOUD_API_KEY", "K"), ("CONFLUENT_CLOUD_API_SECRET", "S")];
    let default = ClientBuilder::from_env(&lookup(vars)).expect("from env").build().expect("builds");
    assert_eq!(default.base_url(), "https://api.confluent.cloud");

    let vars = &[
        ("CONFLUENT_CLOUD_API_KEY", "K"),
        ("CONFLUENT_CLOUD_API_SECRET", "S"),
        ("LINKPLAN_CONFLUENT_URL", "http://127.0.0.1:9/"),
    ];
    let from_env = ClientBuilder::from_env(&lookup(vars)).expect("from env");
    assert_eq!(from_env.clone().build().expect("builds").base_url(), "http://127.0.0.1:9");
    let flag = from_env.base_url("https://confluent.example").build().expect("builds");
    assert_eq!(flag.base_url(), "https://confluent.example", "an explicit URL wins over the variable");

    let insecure = ClientBuilder::new(Credentials::new("K", "S")).base_url("http://api.confluent.cloud").build();
    assert!(matches!(insecure, Err(ConfigError::Insecure { .. })));
    let err: Error =
        ClientBuilder::new(Credentials::new("K", "S")).base_url("ftp://x").build().map(|_| ()).expect_err("bad").into();
    assert!(!err.is_retryable());
}
