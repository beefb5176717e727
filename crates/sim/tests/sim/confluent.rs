//! Confluent: environments, networks, pagination, the `environment` parameter, Basic auth, headers.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::util::{ENV, Harness, cf_error};

#[tokio::test]
async fn every_response_carries_request_id_and_rate_limit_headers() {
    let h = Harness::new().await;
    for path in ["/org/v2/environments", "/org/v2/environments/env-missing", "/networking/v1/networks"] {
        let r = h.cf(Method::GET, path, None).await;
        assert!(r.headers.contains_key("x-request-id"), "{path}");
        if r.status == StatusCode::OK {
            for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
                assert!(r.headers.contains_key(name), "{path} lacks {name}");
            }
        }
    }
    let unauth = h.send(h.raw(Method::GET, "/org/v2/environments")).await;
    assert!(unauth.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn basic_auth_is_required_and_checked() {
    let h = Harness::new().await;
    let none = h.send(h.raw(Method::GET, "/org/v2/environments")).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(cf_error(&none.body)["code"], "user_unauthenticated");
    assert_eq!(cf_error(&none.body)["status"], "401");
    assert!(none.headers["www-authenticate"].to_str().expect("header").starts_with("Basic"));

    let (key, _) = h.confluent_key();
    let wrong = h.send(h.raw(Method::GET, "/org/v2/environments").basic_auth(key, Some("nope"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let garbage = h.send(h.raw(Method::GET, "/org/v2/environments").header("authorization", "Basic %%%")).await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);

    let ok = h.cf(Method::GET, "/org/v2/environments", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["kind"], "EnvironmentList");
    assert_eq!(ok.body["data"][0]["id"], ENV);
}

#[tokio::test]
async fn the_environment_parameter_is_required_and_checked() {
    let h = Harness::new().await;
    let r = h.cf(Method::GET, "/networking/v1/networks", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(cf_error(&r.body)["source"]["parameter"], "environment");
    let r = h.cf(Method::GET, "/networking/v1/networks/n-abc123", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = h.cf(Method::GET, "/networking/v1/networks?environment=env-nope", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h.cf(Method::GET, "/networking/v1/networks/n-nope?environment=env-abc123", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(cf_error(&r.body)["status"], "404");
}

#[tokio::test]
async fn lists_page_with_full_next_urls_and_filters() {
    let h = Harness::new().await;
    for n in 0..5 {
        let account = format!("10000000000{n}");
        let r = h
            .cf(
                Method::POST,
                "/networking/v1/private-link-accesses",
                Some(json!({ "spec": {
                    "display_name": format!("pla-{n}"),
                    "cloud": { "kind": "AwsPrivateLinkAccess", "account": account },
                    "network": { "id": "n-abc123" }, "environment": { "id": ENV },
                }})),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    }
    let mut url =
        format!("{}/networking/v1/private-link-accesses?environment={ENV}&spec.network=n-abc123&page_size=2", h.base);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (key, secret) = h.confluent_key();
        let r = h.send(h.http.get(&url).basic_auth(key, Some(secret))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["kind"], "PrivateLinkAccessList");
        assert_eq!(r.body["metadata"]["total_size"], 5);
        pages += 1;
        for item in r.body["data"].as_array().expect("data") {
            seen.push(item["spec"]["display_name"].as_str().expect("name").to_owned());
        }
        match r.body["metadata"]["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&h.base) && next.contains("page_token="), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["pla-0", "pla-1", "pla-2", "pla-3", "pla-4"]);

    let filtered = h
        .cf(Method::GET, &format!("/networking/v1/private-link-accesses?environment={ENV}&spec.network=n-other"), None)
        .await;
    assert_eq!(filtered.body["data"], json!([]));
    let by_name = h
        .cf(
            Method::GET,
            &format!(
                "/networking/v1/private-link-accesses?environment={ENV}&spec.display_name=pla-1&spec.display_name=pla-3"
            ),
            None,
        )
        .await;
    assert_eq!(by_name.body["data"].as_array().expect("data").len(), 2);

    let bad = h.cf(Method::GET, &format!("/networking/v1/networks?environment={ENV}&page_token=garbage"), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let too_big = h.cf(Method::GET, "/org/v2/environments?page_size=101", None).await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_new_network_needs_exactly_three_zones_and_gets_dns_when_ready() {
    let h = Harness::new().await;
    let spec = |zones: serde_json::Value| {
        json!({ "spec": {
            "display_name": "n", "cloud": "AWS", "region": "us-east-1", "connection_types": ["PRIVATELINK"],
            "zones": zones, "environment": { "id": ENV },
        }})
    };
    let two = h.cf(Method::POST, "/networking/v1/networks", Some(spec(json!(["use1-az1", "use1-az2"])))).await;
    assert_eq!(two.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cf_error(&two.body)["code"], "invalid_configuration");
    assert_eq!(cf_error(&two.body)["source"]["pointer"], "/spec/zones");
    let names = h
        .cf(Method::POST, "/networking/v1/networks", Some(spec(json!(["us-east-1a", "us-east-1b", "us-east-1c"]))))
        .await;
    assert_eq!(names.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r =
        h.cf(Method::POST, "/networking/v1/networks", Some(spec(json!(["use1-az1", "use1-az2", "use1-az6"])))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"]["phase"], "PROVISIONING");
    assert_eq!(r.body["spec"]["environment"]["id"], ENV);
    assert!(r.body["spec"]["environment"]["related"].is_string());
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("n-"));
    h.advance(1);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{id}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "PROVISIONING");
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{id}?environment={ENV}"), None).await;
    let status = &r.body["status"];
    assert_eq!(status["phase"], "READY");
    assert_eq!(status["cloud"]["kind"], "AwsNetwork");
    let sub = status["zonal_subdomains"]["use1-az6"].as_str().expect("subdomain");
    assert!(sub.starts_with("use1-az6.") && sub.ends_with(".us-east-1.aws.confluent.cloud"), "{sub}");
    let filtered = h
        .cf(
            Method::GET,
            &format!("/networking/v1/networks?environment={ENV}&status.phase=READY&spec.region=us-east-1"),
            None,
        )
        .await;
    assert_eq!(filtered.body["data"].as_array().expect("data").len(), 2);
}

#[tokio::test]
async fn patch_renames_but_never_changes_immutable_fields() {
    let h = Harness::new().await;
    let path = "/networking/v1/networks/n-abc123";
    let r = h.cf(Method::PATCH, path, Some(json!({ "spec": { "display_name": "renamed" } }))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "spec.environment is required: {}", r.body);
    assert_eq!(cf_error(&r.body)["source"]["pointer"], "/spec/environment");
    let r = h
        .cf(Method::PATCH, path, Some(json!({ "spec": { "display_name": "renamed", "environment": { "id": ENV } } })))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["spec"]["display_name"], "renamed");
    assert!(r.headers.contains_key("x-ratelimit-remaining"));
    // Repeating an immutable value is fine (zones compare as a set); changing one is a 422.
    let same = json!({ "spec": { "zones": ["use1-az4", "use1-az1", "use1-az2"], "region": "us-east-1",
        "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": ENV } } });
    assert_eq!(h.cf(Method::PATCH, path, Some(same)).await.status, StatusCode::OK);
    for (key, value) in [("region", json!("us-west-2")), ("zones", json!(["use1-az1", "use1-az2", "use1-az3"]))] {
        let body = json!({ "spec": { key: value, "environment": { "id": ENV } } });
        let r = h.cf(Method::PATCH, path, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {}", r.body);
        assert_eq!(cf_error(&r.body)["source"]["pointer"], format!("/spec/{key}"));
    }
    let r = h
        .cf(Method::PATCH, "/networking/v1/networks/n-nope", Some(json!({ "spec": { "environment": { "id": ENV } } })))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h.cf(Method::PATCH, path, Some(json!({ "spec": { "environment": { "id": "env-nope" } } }))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let pla = h
        .cf(
            Method::POST,
            "/networking/v1/private-link-accesses",
            Some(json!({ "spec": { "cloud": { "kind": "AwsPrivateLinkAccess", "account": "123456789012" },
                "network": { "id": "n-abc123" }, "environment": { "id": ENV } } })),
        )
        .await;
    let id = pla.body["id"].as_str().expect("id").to_owned();
    let path = format!("/networking/v1/private-link-accesses/{id}");
    let r = h
        .cf(Method::PATCH, &path, Some(json!({ "spec": { "display_name": "tidb", "environment": { "id": ENV } } })))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["spec"]["display_name"], "tidb");
    let moved = json!({ "spec": { "cloud": { "kind": "AwsPrivateLinkAccess", "account": "999999999999" },
        "environment": { "id": ENV } } });
    let r = h.cf(Method::PATCH, &path, Some(moved)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn a_cku_patch_is_applied_after_the_cluster_delay() {
    let h = Harness::new().await;
    let r = h
        .cf(
            Method::POST,
            "/cmk/v2/clusters",
            Some(json!({ "spec": {
                "display_name": "orders", "availability": "SINGLE_ZONE", "cloud": "AWS", "region": "us-east-1",
                "config": { "kind": "Dedicated", "cku": 1 }, "environment": { "id": ENV }, "network": { "id": "n-abc123" },
            }})),
        )
        .await;
    let id = r.body["id"].as_str().expect("id").to_owned();
    h.advance(600);
    let path = format!("/cmk/v2/clusters/{id}");
    let get = format!("{path}?environment={ENV}");
    assert_eq!(h.cf(Method::GET, &get, None).await.body["status"]["cku"], 1);

    let resize = json!({ "spec": { "config": { "kind": "Dedicated", "cku": 2 }, "deletion_protection": true,
        "environment": { "id": ENV } } });
    let r = h.cf(Method::PATCH, &path, Some(resize)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["spec"]["config"]["cku"], 2);
    assert_eq!(r.body["status"]["cku"], 1, "status.cku lags until the resize finishes");
    h.advance(600);
    let r = h.cf(Method::GET, &get, None).await;
    assert_eq!(r.body["status"]["cku"], 2);
    assert_eq!(r.body["spec"]["deletion_protection"], true);
    assert_eq!(h.cf(Method::DELETE, &get, None).await.status, StatusCode::CONFLICT);

    let multi = json!({ "spec": { "availability": "MULTI_ZONE", "config": { "kind": "Dedicated", "cku": 1 },
        "environment": { "id": ENV } } });
    assert_eq!(h.cf(Method::PATCH, &path, Some(multi)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let basic = json!({ "spec": { "config": { "kind": "Basic" }, "environment": { "id": ENV } } });
    assert_eq!(h.cf(Method::PATCH, &path, Some(basic)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let moved = json!({ "spec": { "network": { "id": "n-other" }, "environment": { "id": ENV } } });
    assert_eq!(h.cf(Method::PATCH, &path, Some(moved)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unprotect = json!({ "spec": { "deletion_protection": false, "environment": { "id": ENV } } });
    assert_eq!(h.cf(Method::PATCH, &path, Some(unprotect)).await.status, StatusCode::OK);
    assert_eq!(h.cf(Method::DELETE, &get, None).await.status, StatusCode::NO_CONTENT);
}
