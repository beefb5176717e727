//! Faults: 429 with Retry-After, 5xx bursts, slow responses, dropped connections, forced FAILED.

use std::time::{Duration, Instant};

use linkplan_sim::{Fault, FaultAction, Sim, SimConfig, Vendor, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::util::{ACCOUNT, CLUSTER, ENV, Harness, NETWORK, cf_error};

#[tokio::test]
async fn a_rate_limit_fault_answers_429_with_retry_after() {
    let h = Harness::new().await;
    let r = h
        .send(h.raw(Method::POST, "/_sim/faults").json(&json!({
            "vendor": "confluent", "path": "/org/v2", "times": 1, "action": { "rate_limit": { "retry_after": 7 } },
        })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["retry-after"], "7");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(r.headers["x-ratelimit-reset"], "7");
    assert_eq!(r.headers["x-ratelimit-limit"], "1000", "the limit, never 0");
    assert!(r.headers.contains_key("x-request-id"));
    assert_eq!(cf_error(&r.body)["status"], "429");
    assert_eq!(h.cf(Method::GET, "/org/v2/environments", None).await.status, StatusCode::OK);

    h.sim.add_fault(Fault {
        vendor: Some(Vendor::Tidbcloud),
        method: None,
        path: None,
        after: 0,
        times: Some(1),
        action: FaultAction::RateLimit { retry_after: 3 },
    });
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["code"], 49_900_007);
    // TiDB Cloud documents no Retry-After: the reset header says when to come back.
    assert!(r.headers.get("retry-after").is_none(), "{:?}", r.headers);
    assert_eq!(r.headers["x-ratelimit-reset"], "3");
    assert_eq!(r.headers["x-ratelimit-remaining-minute"], "0");
    assert_eq!(r.headers["x-ratelimit-limit-minute"], "100", "the limit, never 0");
}

#[tokio::test]
async fn a_server_error_burst_lasts_n_requests() {
    let h = Harness::new().await;
    h.sim.add_fault(Fault {
        vendor: None,
        method: Some("GET".to_owned()),
        path: Some("/networking/v1/networks".to_owned()),
        after: 1,
        times: Some(2),
        action: FaultAction::ServerError { status: 502 },
    });
    let path = format!("/networking/v1/networks?environment={ENV}");
    let statuses = [
        h.cf(Method::GET, &path, None).await.status,
        h.cf(Method::GET, &path, None).await.status,
        h.cf(Method::GET, &path, None).await.status,
        h.cf(Method::GET, &path, None).await.status,
    ];
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_GATEWAY, StatusCode::BAD_GATEWAY, StatusCode::OK]);
    let faults = h.send(h.raw(Method::GET, "/_sim/faults")).await;
    assert_eq!(faults.body["faults"], json!([]));
}

#[tokio::test]
async fn slow_and_dropped_responses() {
    let h = Harness::new().await;
    h.sim.add_fault(Fault {
        vendor: None,
        method: None,
        path: Some("/org".to_owned()),
        after: 0,
        times: Some(1),
        action: FaultAction::Slow { millis: 150 },
    });
    let start = Instant::now();
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(150));

    h.sim.add_fault(Fault {
        vendor: None,
        method: None,
        path: None,
        after: 0,
        times: Some(1),
        action: FaultAction::Drop,
    });
    let (key, secret) = h.confluent_key();
    let dropped = async {
        let resp = h.http.get(format!("{}/org/v2/environments", h.base)).basic_auth(key, Some(secret)).send().await?;
        resp.bytes().await
    }
    .await;
    assert!(dropped.is_err(), "the connection should drop");
    assert_eq!(h.cf(Method::GET, "/org/v2/environments", None).await.status, StatusCode::OK);
    h.sim.clear_faults();
}

#[tokio::test]
async fn resources_can_be_forced_to_fail() {
    let h = Harness::new().await;
    let body = json!({ "spec": {
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
        "network": { "id": NETWORK }, "environment": { "id": ENV },
    }});
    let pla = h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await.body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r =
        h.send(h.raw(Method::POST, &format!("/_sim/resources/{pla}/fail")).json(&json!({ "message": "quota" }))).await;
    assert_eq!(r.status, StatusCode::OK);
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "FAILED");
    assert_eq!(r.body["status"]["error_message"], "quota");
    assert_eq!(h.send(h.raw(Method::POST, "/_sim/resources/nope/fail")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn world_files_arm_faults_and_failures() {
    let yaml = format!(
        "{}\nfaults:\n  - vendor: tidbcloud\n    times: 1\n    action: {{ server_error: {{ status: 500 }} }}\nfailures:\n  - kind: private_link_connection\n    message: endpoint quota exceeded\n",
        linkplan_sim::world::EXAMPLE_WORLD
    );
    let h = Harness::with_yaml(&yaml).await;
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body["code"].is_i64());

    let body = json!({ "spec": {
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
        "network": { "id": NETWORK }, "environment": { "id": ENV },
    }});
    h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await;
    h.advance(60);
    let r = h
        .ti(
            Method::POST,
            &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections"),
            Some(json!({ "privateLinkConnection": {
                "clusterId": CLUSTER, "displayName": "x", "type": "AWS_ENDPOINT_SERVICE",
                "awsEndpointService": { "name": crate::util::SERVICE },
            }})),
        )
        .await;
    let id = r.body["privateLinkConnectionId"].as_str().expect("id").to_owned();
    h.advance(60);
    let r = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}"), None).await;
    assert_eq!(r.body["state"], "FAILED");
    assert_eq!(r.body["message"], "endpoint quota exceeded");
}

#[tokio::test]
async fn the_clock_control_endpoint_advances_lifecycles() {
    let h = Harness::new().await;
    let r = h.send(h.raw(Method::GET, "/_sim/clock")).await;
    assert_eq!(r.body["mode"], "explicit");
    assert_eq!(r.body["now"], "2026-01-01T00:00:00Z");
    let r = h.send(h.raw(Method::POST, "/_sim/clock/advance").json(&json!({ "seconds": 90 }))).await;
    assert_eq!(r.body["now"], "2026-01-01T00:01:30Z");
    let r = h.send(h.raw(Method::POST, "/_sim/clock/advance").json(&json!({ "seconds": -1 }))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn starts_quickly_and_stops() {
    let start = Instant::now();
    let sim = Sim::start(World::example(), SimConfig::explicit()).await.expect("starts");
    let took = start.elapsed();
    // The target is well under 50 ms; allow slack for a loaded CI machine.
    assert!(took < Duration::from_millis(500), "start took {took:?}");
    let env = sim.env();
    assert!(env.iter().any(|(k, _)| *k == "TIDBCLOUD_PRIVATE_KEY"));
    assert!(env.iter().any(|(k, v)| *k == "LINKPLAN_CONFLUENT_URL" && v.starts_with("http://127.0.0.1:")));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unavailable_fault_is_a_503_with_retry_after() {
    let h = Harness::new().await;
    let r = h
        .send(h.raw(Method::POST, "/_sim/faults").json(&json!({
            "vendor": "tidbcloud", "times": 1, "action": { "unavailable": { "retry_after": 30 } },
        })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers["retry-after"], "30");
    assert!(r.body["code"].is_i64() && r.headers.contains_key("x-debug-trace-id"));
    let bad = h.send(h.raw(Method::POST, "/_sim/faults").json(&json!({ "action": { "explode": {} } }))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn seeded_resources_still_provisioning_finish_after_their_delay() {
    let yaml = linkplan_sim::world::EXAMPLE_WORLD
        .replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      phase: PROVISIONING");
    let h = Harness::with_yaml(&yaml).await;
    let path = format!("/networking/v1/networks/{NETWORK}?environment={ENV}");
    let r = h.cf(Method::GET, &path, None).await;
    assert_eq!(r.body["status"]["phase"], "PROVISIONING");
    assert!(r.body["status"].get("zonal_subdomains").is_none());
    h.advance(600);
    let r = h.cf(Method::GET, &path, None).await;
    assert_eq!(r.body["status"]["phase"], "READY");
}

#[tokio::test]
async fn enforced_rate_limits_answer_429_until_the_minute_turns() {
    let yaml = format!(
        "{}\nrate_limits: {{ enforce: true, confluent_per_minute: 2, tidbcloud_per_minute: 3 }}\n",
        linkplan_sim::world::EXAMPLE_WORLD
    );
    let h = Harness::with_yaml(&yaml).await;
    let remaining: Vec<String> = {
        let mut out = Vec::new();
        for _ in 0..2 {
            let r = h.cf(Method::GET, "/org/v2/environments", None).await;
            assert_eq!(r.status, StatusCode::OK);
            out.push(r.headers["x-ratelimit-remaining"].to_str().expect("ascii").to_owned());
        }
        out
    };
    assert_eq!(remaining, ["1", "0"]);
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(cf_error(&r.body)["code"], "too_many_requests");
    assert_eq!(r.headers["x-ratelimit-limit"], "2", "a 429 carries the limit, not 0");
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert!(r.headers["retry-after"].to_str().expect("ascii").parse::<u64>().is_ok_and(|s| (1..=60).contains(&s)));
    assert_eq!(r.headers["retry-after"], r.headers["x-ratelimit-reset"]);

    // TiDB: 3 per minute per key; Digest challenges are not counted.
    for _ in 0..3 {
        let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["code"], 49_900_007);
    assert_eq!(r.headers["x-ratelimit-remaining-minute"], "0");
    assert_eq!(r.headers["x-ratelimit-limit-minute"], "3", "a 429 carries the limit, not 0");
    assert!(r.body["message"].as_str().is_some_and(|m| m.contains("limit of 3 times")), "{}", r.body);

    h.advance(60);
    assert_eq!(h.cf(Method::GET, "/org/v2/environments", None).await.status, StatusCode::OK);
    assert_eq!(h.ti(Method::GET, "/v1beta1/clusters", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn world_failures_fail_networks_and_their_accesses() {
    let yaml = format!(
        "{}\nfailures:\n  - kind: network\n    display_name: doomed\n    message: insufficient capacity in use1-az4\n  - kind: cluster\n",
        linkplan_sim::world::EXAMPLE_WORLD
    );
    let h = Harness::with_yaml(&yaml).await;
    let net = h
        .cf(
            Method::POST,
            "/networking/v1/networks",
            Some(json!({ "spec": { "display_name": "doomed", "cloud": "AWS", "region": "us-east-1",
                "connection_types": ["PRIVATELINK"], "environment": { "id": ENV } } })),
        )
        .await;
    assert_eq!(net.status, StatusCode::ACCEPTED, "{}", net.body);
    let id = net.body["id"].as_str().expect("id").to_owned();
    let pla = h
        .cf(
            Method::POST,
            "/networking/v1/private-link-accesses",
            Some(json!({ "spec": { "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
                "network": { "id": id }, "environment": { "id": ENV } } })),
        )
        .await;
    let pla = pla.body["id"].as_str().expect("id").to_owned();
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{id}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "FAILED");
    assert_eq!(r.body["status"]["error_message"], "insufficient capacity in use1-az4");
    assert!(r.body["status"]["error_code"].is_string());
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "FAILED", "{}", r.body);

    // Any cluster fails (no display_name in the failure).
    let c = h
        .cf(
            Method::POST,
            "/cmk/v2/clusters",
            Some(json!({ "spec": { "display_name": "k", "availability": "SINGLE_ZONE", "cloud": "AWS",
                "region": "us-east-1", "config": { "kind": "Dedicated", "cku": 1 }, "environment": { "id": ENV },
                "network": { "id": NETWORK } } })),
        )
        .await;
    let lkc = c.body["id"].as_str().expect("id").to_owned();
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "FAILED");
}

/// A header's value as a number.
fn number(r: &crate::util::Reply, name: &str) -> u64 {
    r.headers[name].to_str().ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name}: {:?}", r.headers))
}

#[tokio::test]
async fn the_documented_limits_are_enforced_by_default() {
    // The built-in world with the default configuration: nothing turns the limits on.
    let h = Harness::new().await;
    // TiDB Cloud: 100 requests a minute per API key (the Digest challenge is not counted).
    let mut remaining = Vec::new();
    for _ in 0..100 {
        let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers["x-ratelimit-limit-minute"], "100");
        remaining.push(number(&r, "x-ratelimit-remaining-minute"));
    }
    assert_eq!(remaining, (0..100).rev().collect::<Vec<u64>>());
    let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the 101st request of the minute");
    assert_eq!(r.body["code"], 49_900_007);
    assert_eq!(r.headers["x-ratelimit-limit-minute"], "100");
    assert_eq!(r.headers["x-ratelimit-remaining-minute"], "0");
    assert!((1..=60).contains(&number(&r, "x-ratelimit-reset")), "{:?}", r.headers);
    assert!(r.headers.get("retry-after").is_none());

    // Confluent publishes no number; the simulator's is 1000 a minute per key.
    for i in 0..1000 {
        let r = h.cf(Method::GET, "/org/v2/environments", None).await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
        assert_eq!(number(&r, "x-ratelimit-remaining"), 999 - i);
    }
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["x-ratelimit-limit"], "1000");
    assert_eq!(r.headers["retry-after"], r.headers["x-ratelimit-reset"]);

    h.advance(60);
    assert_eq!(h.ti(Method::GET, "/v1beta1/clusters", None).await.status, StatusCode::OK);
    assert_eq!(h.cf(Method::GET, "/org/v2/environments", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn remaining_counts_down_when_the_limits_are_not_enforced() {
    let yaml = format!("{}\nrate_limits: {{ enforce: false }}\n", linkplan_sim::world::EXAMPLE_WORLD);
    let h = Harness::with_yaml(&yaml).await;
    let mut remaining = Vec::new();
    for _ in 0..102 {
        let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
        assert_eq!(r.status, StatusCode::OK, "not enforced: {}", r.body);
        assert_eq!(r.headers["x-ratelimit-limit-minute"], "100");
        remaining.push(number(&r, "x-ratelimit-remaining-minute"));
    }
    assert_eq!(&remaining[..3], [99, 98, 97]);
    assert_eq!(&remaining[99..], [0, 0, 0], "past the limit: 0, and still answered");
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(
        (r.headers["x-ratelimit-limit"].to_str().ok(), number(&r, "x-ratelimit-remaining")),
        (Some("1000"), 999)
    );
}

#[tokio::test]
async fn every_vendor_response_carries_the_limit() {
    let h = Harness::new().await;
    // Counted requests first, so the key's window is not full.
    h.cf(Method::GET, "/org/v2/environments", None).await;
    h.ti(Method::GET, "/v1beta1/clusters", None).await;
    let checks = [
        // 401s: Basic refused, the Digest challenge.
        h.send(h.raw(Method::GET, "/org/v2/environments")).await,
        h.send(h.raw(Method::GET, "/v1beta1/clusters")).await,
        // 404s.
        h.cf(Method::GET, "/org/v2/environments/env-missing", None).await,
        h.ti(Method::GET, "/v1beta1/clusters/404", None).await,
        h.cf(Method::GET, "/no/such/route", None).await,
    ];
    for r in &checks {
        let (limit, remaining) = if r.headers.contains_key("x-debug-trace-id") {
            ("x-ratelimit-limit-minute", "x-ratelimit-remaining-minute")
        } else {
            ("x-ratelimit-limit", "x-ratelimit-remaining")
        };
        assert!(number(r, limit) > 0, "{} {:?}", r.status, r.headers);
        assert!(r.headers.contains_key(remaining) && r.headers.contains_key("x-ratelimit-reset"), "{:?}", r.headers);
    }
    for vendor in [Vendor::Confluent, Vendor::Tidbcloud] {
        h.sim.add_fault(Fault {
            vendor: Some(vendor),
            method: None,
            path: None,
            after: 0,
            times: Some(1),
            action: FaultAction::ServerError { status: 500 },
        });
    }
    let r = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(
        (r.status, r.headers["x-ratelimit-limit"].to_str().ok()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("1000"))
    );
    let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
    assert_eq!(
        (r.status, r.headers["x-ratelimit-limit-minute"].to_str().ok()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("100"))
    );
    // The control API is not a vendor's: no rate-limit headers there.
    let r = h.send(h.raw(Method::GET, "/_sim/health")).await;
    assert!(!r.headers.contains_key("x-ratelimit-limit") && !r.headers.contains_key("x-ratelimit-limit-minute"));
}

#[tokio::test]
async fn the_config_can_turn_enforcement_off_for_a_test_that_must() {
    let world = World::from_yaml(&format!(
        "{}\nrate_limits: {{ tidbcloud_per_minute: 2 }}\n",
        linkplan_sim::world::EXAMPLE_WORLD
    ))
    .expect("world");
    assert!(world.rate_limits.enforce, "enforced unless said otherwise");
    let h = Harness::with_config(world, SimConfig::explicit().without_rate_limits()).await;
    for _ in 0..5 {
        let r = h.ti(Method::GET, "/v1beta1/clusters", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers["x-ratelimit-limit-minute"], "100", "the config's limits replace the world's");
    }
    let zero = format!("{}\nrate_limits: {{ confluent_per_minute: 0 }}\n", linkplan_sim::world::EXAMPLE_WORLD);
    let e = World::from_yaml(&zero).expect_err("a limit of 0 is refused");
    assert!(e.to_string().contains("at least 1"), "{e}");
}
