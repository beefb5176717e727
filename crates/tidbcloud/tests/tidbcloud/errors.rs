//! Each error class keeps TiDB Cloud's error structured and answers the right questions.

use linkplan_tidbcloud::resources::private_link_connections::CreatePrivateLinkConnection;
use linkplan_tidbcloud::{ClientBuilder, ConfigError, Credentials};

use crate::util::{CLUSTER, Harness, SERVICE};

#[tokio::test]
async fn not_found_keeps_the_vendor_error() {
    let h = Harness::new().await;
    let err = h.client.clusters().get("404404").await.expect_err("404");
    assert!(err.is_not_found() && !err.is_retryable(), "{err}");
    let api = err.api().expect("an API error");
    let body = api.body().expect("TiDB's error body");
    assert_eq!(body.code(), Some(40_400_005));
    assert!(body.message().is_some_and(|m| m.contains("404404")));
    assert!(api.request_id().is_some());
    let text = err.to_string();
    assert!(text.contains("404") && text.contains("trace id"), "{text}");
    let plc = h.client.private_link_connections().get(CLUSTER, "plc-nope").await.expect_err("404");
    assert!(plc.is_not_found());
    assert_eq!(h.requests.statuses(), [Some(401), Some(404), Some(404)], "404s are not retried");
}

#[tokio::test]
async fn bad_requests_are_400() {
    let h = Harness::new().await;
    let request = CreatePrivateLinkConnection {
        cluster_id: CLUSTER.to_owned(),
        display_name: "x".repeat(65),
        aws_endpoint_service: SERVICE.to_owned(),
        aws_region: None,
    };
    let err = h.client.private_link_connections().create(&request).await.expect_err("400");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert!(!err.is_retryable() && !err.is_ambiguous());
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.code()), Some(40_000_003));
}

#[test]
fn configuration_errors() {
    let lookup = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    };
    let missing = ClientBuilder::from_env(&lookup(&[("TIDBCLOUD_PRIVATE_KEY", "P")])).map(|_| ());
    assert!(matches!(missing, Err(ConfigError::MissingEnv { name: "TIDBCLOUD_PUBLIC_KEY" })));
    let empty = ClientBuilder::from_env(&lookup(&[("TIDBCLOUD_PUBLIC_KEY", "K"), ("TIDBCLOUD_PRIVATE_KEY", " ")]));
    let empty = empty.map(|_| ()).expect_err("an empty key is refused");
    assert!(matches!(empty, ConfigError::EmptyEnv { name: "TIDBCLOUD_PRIVATE_KEY" }), "{empty}");
    assert_eq!(empty.to_string(), "environment variable TIDBCLOUD_PRIVATE_KEY is empty");

    let vars = &[("TIDBCLOUD_PUBLIC_KEY", "K"), ("TIDBCLOUD_PRIVATE_KEY", "P")];
    let default = ClientBuilder::from_env(&lookup(vars)).expect("from env").build().expect("builds");
    assert_eq!(default.base_url(), "https://serverless.tidbapi.com");

    let vars =
        &[("TIDBCLOUD_PUBLIC_KEY", "K"), ("TIDBCLOUD_PRIVATE_KEY", "P"), ("LINKPLAN_TIDBCLOUD_URL", "http://[::1]:9")];
    let from_env = ClientBuilder::from_env(&lookup(vars)).expect("from env");
    assert_eq!(from_env.clone().build().expect("builds").base_url(), "http://[::1]:9");
    let flag = from_env.base_url("https://tidb.example/").build().expect("builds");
    assert_eq!(flag.base_url(), "https://tidb.example", "an explicit URL wins over the variable");

    let insecure = ClientBuilder::new(Credentials::new("K", "P")).base_url("http://serverless.tidbapi.com").build();
    assert!(matches!(insecure, Err(ConfigError::Insecure { .. })));
}
